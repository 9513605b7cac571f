/* The rules of the authority resources, shared by http_authority.c (HTTP) and authority.c
 * (domain). Private to the policy service's authority files.
 *
 * Results of the reads and decisions: CS_OK; CS_ERR_INVALID with err->errors (the {field, code,
 * message} to answer 422 with; err starts zeroed and the caller clears it with cs_refusal_clear
 * whatever the result); CS_ERR_NOT_FOUND; CS_ERR_DB (db_last_sqlstate says why) / CS_ERR_NOMEM /
 * CS_ERR (logged). The writes are write_calls (below).
 * Every versioned object returned has an integer "version": its ETag is "<version>". */
#ifndef CLAIMSUITE_POLICY_AUTHORITY_INTERNAL_H
#define CLAIMSUITE_POLICY_AUTHORITY_INTERNAL_H

#include <jansson.h>
#include <libpq-fe.h>

#include "refusal.h"
#include "store_authority.h"
#include "write.h"

/* Results of policy_authority_admin_check / _caller_check besides CS_OK and CS_ERR_DB. */
#define POLICY_AUTHORITY_GONE                                                                    \
  (-310)                                  /* the user is gone, inactive, moved or its company no \
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

/* GET /v1/roles/{role}: {portal_id, role, rights (sorted), version}; version 0 without a row.
 * role must be a known case role (authority_role_index). *out new. */
int policy_authority_role_get(PGconn *conn, const char *portal_id, const char *role, json_t **out);

/* A change of a role definition (PUT /v1/roles/{role}) or of the portal settings (PATCH
 * /v1/portal/settings) is a write_call (write.h) run by the write runner with the hooks below:
 * w->op is a struct policy_authority_op, w->body the body. Hooks return CS_OK or CS_REFUSED
 * with w->err filled; w->result is the new object, with its integer "version". */
struct policy_authority_op {
  const char *portal_id;    /* the token's portal, borrowed */
  const char *role;         /* a known case role (authority_role_index), borrowed; NULL: settings */
  long long locked_version; /* set by the lock hook */
};

/* The rules of a {"rights": [...]} body beyond its field table: each element a known right
 * (rights/<i>). Safe on any value. */
void policy_authority_role_rules(const json_t *body, struct cs_refusal *err);
/* The role's version (0 without a row), read / locked (an advisory lock covers a role without a
 * row). */
int policy_authority_role_read(PGconn *conn, struct write_call *w, long long *version);
int policy_authority_role_lock(PGconn *conn, struct write_call *w, long long *version);
/* Writes the rights (duplicates collapse, sorted) and the event role.updated. */
int policy_authority_role_apply(PGconn *conn, struct write_call *w);

/* GET /v1/portal/settings. CS_ERR_NOT_FOUND when the portal is gone. */
int policy_authority_settings_get(PGconn *conn, const char *portal_id, json_t **out);

/* The rules of a settings patch beyond its field table (safe on any value), adding field errors
 * to err; without a database. */
void policy_authority_settings_rules(const json_t *patch, struct cs_refusal *err);
/* The same and the time zone against PostgreSQL: CS_OK (the errors in err), or CS_REFUSED when
 * the database failed. */
int policy_authority_settings_check(PGconn *conn, const json_t *patch, struct cs_refusal *err);
/* The settings' version, read / locked; "no such portal" when it is gone. */
int policy_authority_settings_read(PGconn *conn, struct write_call *w, long long *version);
int policy_authority_settings_lock(PGconn *conn, struct write_call *w, long long *version);
/* Applies the patch and the event portal.updated. */
int policy_authority_settings_apply(PGconn *conn, struct write_call *w);

/* POST /internal/authorize: validates the request (unknown action, case role, missing or
 * negative amount for approve_budget, neither or both of action and actions: CS_ERR_INVALID
 * with err->errors), reads the user and the portal's role definitions once, and decides
 * (authority.c). With "action": records the decision in decision_log; *out {allow, reason[,
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

/* The members of a portal's settings, as PATCH /v1/portal/settings and POST /v1/portals take
 * them (entries of a struct http_field table; name_required: 1 on a new portal). */
#define PORTAL_SETTINGS_FIELDS(name_required)                                              \
  {"name", HTTP_FIELD_STRING, name_required, 200}, {"timezone", HTTP_FIELD_STRING, 0, 64}, \
      {"office_hours", HTTP_FIELD_OBJECT, 0, 0}, {"office_days", HTTP_FIELD_ARRAY, 0, 0},  \
      {"public_holidays", HTTP_FIELD_ARRAY, 0, 0},                                         \
      {"enhanced_temporary_cases", HTTP_FIELD_BOOLEAN, 0, 0},                              \
      {"temporary_cases_report", HTTP_FIELD_STRING, 0, 16},                                \
      {"default_budget_limit", HTTP_FIELD_INTEGER, 0, 0}, {                                \
    "currency", HTTP_FIELD_STRING, 0, 3                                                    \
  }

#endif
