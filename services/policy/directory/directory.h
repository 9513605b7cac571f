/* The service-to-service directory of the policy service, for services that cannot read its
 * tables (cases picks partner offices, shows users and re-checks its callers):
 * GET /internal/offices/eligible, POST /internal/users/lookup and GET /internal/api-clients/{id}.
 * Never routed by the gateway, no token (like /internal/authorize). HTTP in http_directory.c,
 * rules here (directory.c), SQL in store_directory.c.
 *
 * Results: CS_OK; CS_ERR_NOT_FOUND where stated; CS_ERR_DB (answer with service_db_problem:
 * db_last_sqlstate holds the code); CS_ERR_NOMEM. */
#ifndef CLAIMSUITE_POLICY_DIRECTORY_H
#define CLAIMSUITE_POLICY_DIRECTORY_H

#include <jansson.h>
#include <libpq-fe.h>

struct service;

void policy_directory_routes(struct service *svc);

/* The most ids one lookup may ask for. */
#define POLICY_DIRECTORY_LOOKUP_MAX 500

/* GET /internal/offices/eligible, its query parsed. */
struct policy_directory_query {
  const char *portal_id;     /* a UUID, borrowed from the request */
  int has_point;             /* latitude and longitude given */
  double latitude;           /* -90..90 */
  double longitude;          /* -180..180 */
  int external_case_handler; /* only offices with an active user marked external case handler */
};

/* Parses the query values (each borrowed, NULL when absent) into *q. Pure. Returns a new array
 * of {field, message}, empty when valid (answer 400 otherwise), NULL when out of memory. */
json_t *policy_directory_query_parse(const char *portal_id, const char *latitude,
                                     const char *longitude, const char *external_case_handler,
                                     struct policy_directory_query *q);

/* The offices of every partner company serving q->portal_id (an unknown portal has none), nearest
 * first when q has a point (offices without coordinates last), then by name and id. *items is a
 * new array of {id, name, company_id, company_name, street, postal_code, city, country,
 * latitude, longitude, distance_km (0.1 km, null without both points), categories (the
 * portal's category names, sorted), external_case_handler_users (active marked users)}. */
int policy_directory_offices_eligible(PGconn *conn, const struct policy_directory_query *q,
                                      json_t **items);

/* The checks of a POST /internal/users/lookup body (borrowed): {"portal_id": UUID, "ids":
 * [UUID, ... at most POLICY_DIRECTORY_LOOKUP_MAX]}, duplicates allowed. Pure. A new array of
 * {field, message}, empty when valid (answer 422 otherwise), NULL when out of memory. */
json_t *policy_directory_lookup_errors(const json_t *body);

/* The answer to a valid lookup body (borrowed): *answer is a new object {items, portal}; items
 * the users ordered by id, unknown ids absent, each {id, company_id, company_kind, email, name,
 * active, external_case_handler, authority_level, budget_limit (null: the portal default),
 * office_ids (sorted), in_portal (the user's company serves portal_id)}; portal {id, timezone}
 * of portal_id, null when there is no such portal. */
int policy_directory_users_lookup(PGconn *conn, const json_t *body, json_t **answer);

/* GET /internal/api-clients/{id}?portal_id=: the checks of the path id and the query value
 * (both borrowed, NULL when absent). Pure. A new array of {field, message} about portal_id,
 * empty when valid (answer 400 otherwise), NULL when out of memory; *known is 0 when id cannot
 * name a client (not a UUID: answer 404). */
json_t *policy_directory_api_client_errors(const char *id, const char *portal_id, int *known);

/* The API client id (a UUID) of any portal: *client is a new object {id, portal_id, company_id,
 * active, portal}, portal being {id, timezone} of portal_id (the portal the caller asks about,
 * a UUID) or null when there is no such portal. CS_ERR_NOT_FOUND when there is no such client
 * (a deleted client is inactive, not absent). */
int policy_directory_api_client(PGconn *conn, const char *id, const char *portal_id,
                                json_t **client);

#endif
