/* Calls to the policy service's /internal endpoints (core/policy_client.c): decisions, users,
 * API clients and offices. POLICY_URL configures the address.
 *
 * Every call: CS_OK with the answer, CS_ERR_UNAVAILABLE when the policy service could not be
 * reached or answered something unexpected (answer 503); CS_ERR_NOT_FOUND only where stated.
 * No call is made while this thread holds a write transaction (write_in_transaction, write.h):
 * such a call fails with CS_ERR_UNAVAILABLE and is logged as a fault. */
#ifndef CLAIMSUITE_CASES_POLICY_CLIENT_H
#define CLAIMSUITE_CASES_POLICY_CLIENT_H

#include <jansson.h>

#include "refusal.h"

#define CASES_POLICY_FAILED_DETAIL "the policy service could not be asked; try again"
/* The policy service could not be asked: CS_REFUSED with PROBLEM_UNAVAILABLE (503). */
int cases_policy_failed(struct cs_refusal *err);

/* The decision for one action (logged by the policy service); amount may be NULL. */
struct cases_decision {
  int allow;
  char reason[160];
};
int cases_policy_authorize(const char *user_id, const char *portal_id, const char *action,
                           unsigned case_roles, const long long *amount,
                           struct cases_decision *out);
/* Decisions for several actions at once, not logged by the policy service: *decisions is a
 * new array of {action, allow, reason, limit_remaining?} in the order of actions (borrowed). */
int cases_policy_authorize_batch(const char *user_id, const char *portal_id, const json_t *actions,
                                 unsigned case_roles, json_t **decisions);
/* Users by id (ids borrowed): *items is a new array of {id, company_id, company_kind, email,
 * name, active, external_case_handler, authority_level, budget_limit, office_ids, in_portal};
 * unknown ids are absent. */
int cases_policy_users(const char *portal_id, const json_t *ids, json_t **items);
/* One user (cases_policy_users): *user a new reference, NULL when unknown. */
int cases_policy_user(const char *portal_id, const char *id, json_t **user);
/* The same, and *portal (NULL: not wanted) a new reference to the answer's "portal": {id,
 * timezone} of portal_id, JSON null when there is no such portal, NULL when the answer has no
 * such member. */
int cases_policy_users_portal(const char *portal_id, const json_t *ids, json_t **items,
                              json_t **portal);
/* The API client id of any portal, as it is now: *client is a new object {id, portal_id,
 * company_id, active, portal}, portal being {id, timezone} of portal_id (the one asked about)
 * or null. CS_ERR_NOT_FOUND when there is no such client (or id or portal_id is no UUID). */
int cases_policy_api_client(const char *id, const char *portal_id, json_t **client);
/* The partner offices serving the portal, nearest first when lat/lon are given (both or
 * neither; NULL for none), only those with a marked external case handler when ech_only:
 * *items is a new array of {id, name, company_id, company_name, city, latitude, longitude,
 * distance_km, categories, external_case_handler_users}. */
int cases_policy_offices(const char *portal_id, const double *lat, const double *lon, int ech_only,
                         json_t **items);
/* One office of those (any, nearest not asked): *office a new reference, NULL when office_id is
 * not a partner office serving the portal. */
int cases_policy_office(const char *portal_id, const char *office_id, json_t **office);
/* Points the policy client at url, the policy service's base URL, http(s). Call once at start,
 * before any request. CS_ERR_INVALID (said on stderr) for a url that is not http(s). */
int cases_policy_init(const char *url);
void cases_policy_cleanup(void);

#endif
