/* The rules of the authority resources, shared by http_authority.c (HTTP) and authority.c
 * (domain). Private to the policy service's authority files.
 *
 * Results: CS_OK; CS_ERR_INVALID with err->errors (the {field, message} to answer 422 with; err
 * starts zeroed and the caller clears it with cs_refusal_clear whatever the result);
 * CS_ERR_CONFLICT when the precondition callback refused (it has answered 412/428);
 * CS_ERR_NOT_FOUND; CS_ERR_DB (db_last_sqlstate says why) / CS_ERR_NOMEM / CS_ERR (logged).
 * Every versioned object returned has an integer "version": its ETag is "<version>". */
#ifndef CLAIMSUITE_POLICY_AUTHORITY_INTERNAL_H
#define CLAIMSUITE_POLICY_AUTHORITY_INTERNAL_H

#include <jansson.h>
#include <libpq-fe.h>

#include "refusal.h"
#include "store_authority.h"

/* Results of policy_authority_admin_check / _caller_check besides CS_OK and CS_ERR_DB. */
#define POLICY_AUTHORITY_GONE (-310)      /* the user is gone, inactive, moved or its company no
                                           * longer serves the portal: answer 401 */
#define POLICY_AUTHORITY_NOT_ADMIN (-311) /* answer 403 */

/* CS_OK when the token is of an insurer admin as the database says now (once per request, so a
 * demoted or deactivated admin loses the rights at once): an active user of level 6 of an
 * insurer company serving the token's portal_id (policy_org_caller_refresh). A token of another
 * kind than "user" is POLICY_AUTHORITY_NOT_ADMIN without a query. claims borrowed, conn
 * borrowed. */
int policy_authority_admin_check(PGconn *conn, const json_t *claims);
/* CS_OK when the token's user or API client is still active in the token's portal, for the
 * token's company, as the database says now (reads of role definitions and settings). */
int policy_authority_caller_check(PGconn *conn, const json_t *claims);
/* The token's portal (borrowed from claims), NULL when absent. */
const char *policy_authority_portal(const json_t *claims);

/* Asked, inside the transaction, whether the change may go on given the current version;
 * non-zero refuses (and the callee has answered). */
typedef int (*policy_precondition_fn)(void *arg, int version);

/* GET /v1/roles/{role}: {portal_id, role, rights (sorted), version}; version 0 without a row.
 * role must be a known case role (policy_role_index). *out new. */
int policy_authority_role_get(PGconn *conn, const char *portal_id, const char *role,
                              json_t **out);

/* PUT /v1/roles/{role} (role a known case role) with a body already checked to be
 * {"rights": [...]}: unknown or non-string names are CS_ERR_INVALID; duplicates collapse. One
 * transaction: lock, check the precondition, write, outbox role.updated. *out as role_get. */
int policy_authority_role_put(PGconn *conn, const char *portal_id, const char *role,
                              const json_t *rights, policy_precondition_fn check, void *arg,
                              json_t **out, struct cs_refusal *err);

/* GET /v1/portal/settings. CS_ERR_NOT_FOUND when the portal is gone. */
int policy_authority_settings_get(PGconn *conn, const char *portal_id, json_t **out);

/* PATCH /v1/portal/settings: validation (also the time zone against PostgreSQL), then in one
 * transaction lock, precondition, update, outbox portal.updated. */
int policy_authority_settings_patch(PGconn *conn, const char *portal_id, const json_t *patch,
                                    policy_precondition_fn check, void *arg, json_t **out,
                                    struct cs_refusal *err);

/* POST /internal/authorize: validates the request (unknown action, case role, missing or
 * negative amount for approve_budget, neither or both of action and actions: CS_ERR_INVALID
 * with err->errors), reads the user and the portal's role definitions once, and decides
 * (rights.c). With "action": records the decision in decision_log; *out {allow, reason[,
 * limit_remaining]} new. With "actions" (1..32 names, a batch): one decision per name in the
 * order given, approve_budget for amount (0 when absent), nothing logged; *out {decisions:
 * [{action, allow, reason[, limit_remaining]}]} new. */
int policy_authority_authorize(PGconn *conn, const json_t *body, json_t **out,
                               struct cs_refusal *err);

/* GET /v1/authorize/log: decisions of the portal newest first, limit at most: *page is a new
 * {items, next_cursor} (paging.h). pos is the decoded cursor (may be NULL); one that is not ours
 * is CS_ERR_INVALID. */
int policy_authority_log(PGconn *conn, const char *portal_id,
                         const struct policy_store_decision_filter *f, const json_t *pos,
                         long limit, json_t **page);

#endif
