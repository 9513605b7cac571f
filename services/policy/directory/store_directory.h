/* SQL of the service-to-service directory (schema policy): the offices eligible for a case in a
 * portal, users looked up by id, an API client by id. SQL only; the rules live in directory.c.
 * Every function borrows conn and its arguments and returns CS_OK, or CS_ERR_DB
 * (db_last_sqlstate holds the code); CS_ERR_NOMEM. */
#ifndef CLAIMSUITE_POLICY_STORE_DIRECTORY_H
#define CLAIMSUITE_POLICY_STORE_DIRECTORY_H

#include <jansson.h>
#include <libpq-fe.h>

/* The offices of every partner company serving portal_id, as a new array in *rows of
 * {id, name, company_id, company_name, street, postal_code, city, country, latitude, longitude,
 * distance_km, categories, external_case_handler_users}. latitude and longitude are numbers as
 * text, both NULL for no point (distance_km null then). only_with_ech keeps the offices with at
 * least one active user marked external case handler. Ordered by distance (nulls last), name,
 * id. */
int policy_store_directory_offices(PGconn *conn, const char *portal_id, const char *latitude,
                                   const char *longitude, int only_with_ech, json_t **rows);

/* The users whose ids are in ids_literal (a PostgreSQL array literal of UUIDs, a parameter), as
 * a new object in *answer {items, portal}: items an array of {id, company_id, company_kind,
 * email, name, active, external_case_handler, authority_level, budget_limit, office_ids,
 * in_portal} ordered by id (in_portal: the user's company serves portal_id; unknown ids are
 * absent), portal {id, timezone} of portal_id or null when there is no such portal. */
int policy_store_directory_users(PGconn *conn, const char *portal_id, const char *ids_literal,
                                 json_t **answer);

/* The API client id, whatever its portal, as a new object in *out {id, portal_id, company_id,
 * active, portal}, portal being {id, timezone} of portal_id (not necessarily the client's) or
 * null when there is no such portal. CS_ERR_NOT_FOUND when there is no such client. */
int policy_store_directory_api_client(PGconn *conn, const char *id, const char *portal_id,
                                      json_t **out);

#endif
