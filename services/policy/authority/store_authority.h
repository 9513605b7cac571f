/* SQL of the authority resources (schema policy): role definitions, portal settings, the
 * principal facts of a decision and the decision log. SQL only; the rules live in authority.c
 * and common/decision.c. Every function borrows conn and its string arguments and returns CS_OK or
 * CS_ERR_DB (logged; sqlstate, when given, holds the code, else db_last_sqlstate does),
 * CS_ERR_NOT_FOUND or CS_ERR_NOMEM as stated. */
#ifndef CLAIMSUITE_POLICY_STORE_AUTHORITY_H
#define CLAIMSUITE_POLICY_STORE_AUTHORITY_H

#include <jansson.h>
#include <libpq-fe.h>

/* Serialises writers of one role definition until the transaction ends, also when its row does
 * not exist yet (FOR UPDATE locks nothing then). */
int policy_store_role_lock(PGconn *conn, const char *portal_id, const char *role);

/* The rights of one role of a portal, sorted, as a new array in *rights, and its version (0 and
 * an empty array when the portal has no row for the role). for_update locks the row. */
int policy_store_role_get(PGconn *conn, const char *portal_id, const char *role, int for_update,
                          json_t **rights, int *version);

/* Writes the rights (an array of strings, borrowed) of a role when its version is still
 * expected_version (0: no row yet, the row is created). *version receives the new one.
 * CS_ERR_CONFLICT when the version moved meanwhile. */
int policy_store_role_put(PGconn *conn, const char *portal_id, const char *role,
                          const json_t *rights, int expected_version, int *version);

/* The settings of a portal as a new object {portal_id, name, timezone, office_hours{start,end},
 * office_days, public_holidays, enhanced_temporary_cases, temporary_cases_report,
 * default_budget_limit, currency, version}. for_update locks the row. CS_ERR_NOT_FOUND when
 * there is no such portal. */
int policy_store_settings_get(PGconn *conn, const char *portal_id, int for_update, json_t **out);

/* 1 in *valid when tz names a time zone PostgreSQL knows (pg_timezone_names). */
int policy_store_timezone_known(PGconn *conn, const char *tz, int *valid);

/* Applies a validated patch (borrowed; members absent are kept) and bumps the version; *out is
 * the new settings (as policy_store_settings_get). */
int policy_store_settings_update(PGconn *conn, const char *portal_id, const json_t *patch,
                                 json_t **out, char *sqlstate);

/* What a decision needs to know of a user in a portal. */
struct policy_store_principal {
  int found;     /* the user exists */
  int in_portal; /* its company serves the portal */
  int active;
  int insurer;         /* its company is an insurer */
  int marked_external; /* users.external_case_handler */
  int has_own_limit;
  long long own_limit;
  long long default_limit;  /* the portal's default_budget_limit (0 when no such portal) */
  json_t *role_definitions; /* every role definition of the portal, {role: [rights...]} (roles
                             * without a row absent): a new reference, NULL when not found */
};

/* The user's facts and, in the same statement, the portal's role definitions. *out is zeroed
 * first; the caller releases out->role_definitions. CS_ERR when the definitions are not a JSON
 * object (logged). */
int policy_store_principal_get(PGconn *conn, const char *user_id, const char *portal_id,
                               struct policy_store_principal *out);

/* Appends one decision. case_roles (array of strings) borrowed; amount and limit_remaining
 * may be NULL (SQL NULL). user_id may be NULL when it is not a UUID. */
int policy_store_decision_add(PGconn *conn, const char *portal_id, const char *user_id,
                              const char *action, int allow, const char *reason,
                              const json_t *case_roles, const long long *amount,
                              const long long *limit_remaining);

/* Filters of the decision log; NULL members do not filter. */
struct policy_store_decision_filter {
  const char *user_id; /* a UUID */
  const char *action;
  const char *allow;     /* "true" or "false" */
  const char *before_id; /* cursor: decisions with id below this one */
};

/* The portal's decisions newest first, at most limit, as a new array of {id, portal_id, user_id,
 * action, allow, reason, case_roles, amount, limit_remaining, decided_at}. */
int policy_store_decisions_list(PGconn *conn, const char *portal_id,
                                const struct policy_store_decision_filter *f, long limit,
                                json_t **items);

#endif
