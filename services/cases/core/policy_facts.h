/* The policy service's facts as the cases service needs them: decisions, users, API clients,
 * portals and offices, all from this service's authority replica (common/replica.h) — no call
 * to the policy service is made (core/policy_facts.c).
 *
 * Every function takes conn (borrowed; may be in a transaction) or NULL to use a pooled
 * connection for the call: never NULL while the thread holds a pooled connection of its own.
 * Results: CS_OK with the answer; CS_ERR_UNAVAILABLE when the replica could not be read (answer
 * 503 with cases_policy_failed). */
#ifndef CLAIMSUITE_CASES_POLICY_FACTS_H
#define CLAIMSUITE_CASES_POLICY_FACTS_H

#include <jansson.h>
#include <libpq-fe.h>

#include "refusal.h"

#define CASES_POLICY_FAILED_DETAIL "the authority facts could not be read; try again"
/* The facts could not be read: CS_REFUSED with PROBLEM_UNAVAILABLE (503). */
int cases_policy_failed(struct cs_refusal *err);

/* The decision for one action, recorded in the policy service's decision log (through this
 * service's outbox); amount may be NULL. */
struct cases_decision {
  int allow;
  char reason[160];
  int has_limit;   /* approve_budget once the right is held: the caller's approval limit */
  long long limit; /* (its own, else the portal's default) */
};
int cases_policy_authorize(PGconn *conn, const char *user_id, const char *portal_id,
                           const char *action, unsigned case_roles, const long long *amount,
                           struct cases_decision *out);
/* Decisions for several actions at once, not recorded: *decisions is a new array of {action,
 * allow, reason, limit_remaining?} in the order of actions (borrowed; approve_budget for 0). */
int cases_policy_authorize_batch(PGconn *conn, const char *user_id, const char *portal_id,
                                 const json_t *actions, unsigned case_roles, json_t **decisions);
/* The portal (replica_portal): *portal a new {id, timezone, default_budget_limit, currency,
 * roles}, NULL when unknown. */
int cases_policy_portal(PGconn *conn, const char *portal_id, json_t **portal);
/* Users by id (ids borrowed): *items is a new array of {id, company_id, company_kind, email,
 * name, mobile, active, external_case_handler, authority_level, budget_limit, office_ids,
 * in_portal}; unknown ids are absent. */
int cases_policy_users(PGconn *conn, const char *portal_id, const json_t *ids, json_t **items);
/* One user (cases_policy_users): *user a new reference, NULL when unknown. */
int cases_policy_user(PGconn *conn, const char *portal_id, const char *id, json_t **user);
/* The partner offices serving the portal, nearest first when lat/lon are given (both or
 * neither; NULL for none), only those with a marked external case handler when ech_only:
 * *items is a new array of {id, name, company_id, company_name, city, latitude, longitude,
 * distance_km, categories, external_case_handler_users}. */
int cases_policy_offices(PGconn *conn, const char *portal_id, const double *lat, const double *lon,
                         int ech_only, json_t **items);
/* One office of those (any, nearest not asked): *office a new reference, NULL when office_id is
 * not a partner office serving the portal. */
int cases_policy_office(PGconn *conn, const char *portal_id, const char *office_id,
                        json_t **office);

#endif
