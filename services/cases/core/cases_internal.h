/* Shared by every resource of the cases service: who the caller is, what they may see, the
 * runner of case changes (one transaction, history, outbox, ETag), and the calls to the policy
 * service. Private to services/cases/.
 *
 * Visibility (an invisible case is 404 on every path, never 403, and absent from every list,
 * counter and report):
 *   - insurer users and API clients see every case of the token's portal;
 *   - partner users see the cases of the token's portal where their company holds a task or
 *     the external case handler role.
 * Every guarded action of a user is asked of the policy service (POST /internal/authorize)
 * with the user's case roles in that case; API clients act for the insurer of their portal. */
#ifndef CLAIMSUITE_CASES_INTERNAL_H
#define CLAIMSUITE_CASES_INTERNAL_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>

#include "refusal.h"

struct request_ctx;
struct service;
struct http_field;

/* ---- the caller ------------------------------------------------------------------------ */

struct cases_caller {
  char sub[64];          /* user id or API client id */
  char portal_id[40];
  char company_id[40];
  char company_kind[16]; /* insurer, partner, customer, agent */
  int is_client;         /* kind "client": an integration acting for the insurer */
  int level;             /* users: the current authority level; clients 0 */
  int marked_external;   /* users: marked as external case handler */
  json_t *office_ids;    /* users: array of the user's office ids (owned); clients: [] */
  char timezone[64];     /* the portal's IANA time zone, from the policy service: the local
                            dates ("today") of the portal */
};

/* Reads the caller from the verified token, then its current row from the policy service: a
 * user gone, inactive, moved to another company or out of the portal, an API client gone,
 * inactive, of another portal or another company than the token says, is answered 401; the
 * policy service unreachable 503. Also reads the portal's time zone. Non-zero when answered.
 * Clear with cases_caller_clear. */
int cases_caller_load(struct request_ctx *ctx, struct cases_caller *c);
void cases_caller_clear(struct cases_caller *c); /* NULL-safe */
/* 1 for insurer users and API clients: they see and act on the whole portal. */
int cases_caller_is_internal(const struct cases_caller *c);
/* The company scope of the visibility condition: NULL for internal callers, else the caller's
 * company id. Borrowed. */
const char *cases_caller_scope(const struct cases_caller *c);

/* SQL condition: the case aliased c is visible. Its parameters are always $1 (portal id) and
 * $2 (the scope: NULL or a company id); further parameters of a query start at $3. */
#define CASES_VISIBLE_SQL                                                                    \
  "c.portal_id = $1::uuid AND ($2::uuid IS NULL OR c.ech_company_id = $2::uuid OR EXISTS "  \
  "(SELECT 1 FROM tasks vt WHERE vt.case_id = c.id AND vt.company_id = $2::uuid))"

/* ---- case roles ------------------------------------------------------------------------ */

/* The policy service's case roles, as a bit mask. */
enum cases_role {
  CASES_ROLE_EXTERNAL_CASE_HANDLER = 1u << 0, /* the case's external case handler user */
  CASES_ROLE_PROJECT_MANAGER = 1u << 1,       /* holds the case's project_management task */
  CASES_ROLE_INSPECTOR = 1u << 2 /* holds an inspection task: inspector_extra_authority */
};
/* The caller's roles in case_id (0 for internal callers). CS_OK or CS_ERR_DB (sqlstate). */
int cases_roles_of(PGconn *conn, const struct cases_caller *c, const char *case_id,
                   unsigned *mask, char sqlstate[6]);
/* The role names of mask, as the policy service spells them: a new array. */
json_t *cases_roles_json(unsigned mask);

/* ---- refusals (common/refusal.h; answered by service_refusal_answer) --------------------- */

#define CASES_POLICY_FAILED_DETAIL "the policy service could not be asked; try again"
/* The policy service could not be asked: CS_REFUSED with 503. */
int cases_policy_failed(struct cs_refusal *err);
/* The same answered at once. */
void cases_http_policy_failed(struct request_ctx *ctx);

/* ---- changes of one case --------------------------------------------------------------- */

/* One change of one case, run by cases_http_case_op in a single transaction: the case row is
 * locked and seen visible before fn runs; fn changes it, adding history and events through
 * the helpers below; the runner bumps the case's version, commits and answers. */
struct cases_op {
  struct request_ctx *ctx;
  const struct cases_caller *caller;
  const char *case_id;   /* from the path, a UUID */
  const char *sub_id;    /* a second path id ({task_id}), a UUID, or NULL */
  const json_t *body;    /* the validated body, or NULL when the route has none */
  json_t *current;       /* the case document before the change (case_document), borrowed */
  unsigned case_roles;   /* the caller's roles in this case */
  json_t *result;        /* the answer: the case document after the change (cases_op_finish) */
  int changed;           /* set by the helpers: the case's version is bumped on commit */
  struct cs_refusal err;
};
typedef int (*cases_op_fn)(PGconn *conn, struct cases_op *op);

enum cases_op_flags {
  CASES_OP_BODY = 1,     /* the route takes a JSON body, checked against fields */
  CASES_OP_IF_MATCH = 2, /* an If-Match header, when given, must match the case's ETag */
  CASES_OP_REQUIRE_IF_MATCH = 4, /* ... and is required (428 without) */
  CASES_OP_IDEMPOTENT = 8 /* a create: an Idempotency-Key replays the first answer */
};

/* Runs fn for the case of path parameter "id" (and "task_id" when present): answers 401/404
 * for a caller that may not see it, 412/428 per flags, fn's refusal as problem+json, else
 * ok_status (204: no body) with the result and the case's ETag. */
void cases_http_case_op(struct request_ctx *ctx, const struct http_field *fields, size_t nfields,
                        int flags, cases_op_fn fn, int ok_status);

/* After fn: when op->changed, bumps the case's version and reads the new document into
 * op->result; else op->result is op->current. CS_OK or CS_REFUSED. */
int cases_op_finish(PGconn *conn, struct cases_op *op);
/* The Idempotency-Key scope of the caller: its keys belong to it in one portal. */
void cases_idem_scope(const struct cases_caller *c, char scope[128]);

/* Appends to the case's history (before/after borrowed, may be NULL; task_id may be NULL) and
 * marks the case changed. CS_OK or CS_REFUSED (database failure in op->err). */
int cases_history_add(PGconn *conn, struct cases_op *op, const char *action, const char *task_id,
                      const json_t *before, const json_t *after);
/* Adds an event to the outbox: data (stolen) gets case_id, claim_number and actor members;
 * the aggregate is the case. CS_OK or CS_REFUSED. */
int cases_event(PGconn *conn, struct cases_op *op, const char *type, json_t *data);
/* Asks whether the caller may do action (a right name) on this case; amount may be NULL.
 * CS_OK when allowed; CS_REFUSED with 403 (the policy service's reason) or 503. API clients
 * and insurer users of the case's portal are still asked (users) or allowed (clients). */
int cases_require(struct cases_op *op, const char *action, const long long *amount);
/* Refuses with 403 unless the caller is an insurer user or an API client. */
int cases_require_internal(struct cases_op *op, const char *what);

/* The case document of id as stored now (no visibility check): a new reference, NULL when
 * absent; CS_ERR_DB with sqlstate. */
int cases_store_document(PGconn *conn, const char *id, json_t **out, char sqlstate[6]);
/* The same when the caller sees the case (*out NULL otherwise), locked FOR UPDATE when lock. */
int cases_store_visible_document(PGconn *conn, const struct cases_caller *c, const char *id,
                                 int lock, json_t **out, char sqlstate[6]);

/* ---- reads ----------------------------------------------------------------------------- */

/* Loads the caller and checks path parameter "id" names a case visible to it (404 otherwise),
 * taking a pooled connection: CS_OK with *conn held (give it back with service_db_release)
 * and the caller loaded (clear it); non-zero when answered. */
int cases_http_visible_case(struct request_ctx *ctx, struct cases_caller *c, PGconn **conn,
                            const char **case_id);

/* ---- the policy service ---------------------------------------------------------------- */

/* Every call: CS_OK with the answer, CS_ERR_UNAVAILABLE when the policy service could not be
 * reached or answered something unexpected (answer 503); CS_ERR_NOT_FOUND only where stated.
 * POLICY_URL configures the address. */

/* The decision for one action; amount may be NULL. */
struct cases_decision {
  int allow;
  char reason[160];
};
int cases_policy_authorize(const char *user_id, const char *portal_id, const char *action,
                           unsigned case_roles, const long long *amount,
                           struct cases_decision *out);
/* Decisions for several actions at once, not logged by the policy service: *decisions is a
 * new array of {action, allow, reason, limit_remaining?} in the order of actions (borrowed). */
int cases_policy_authorize_batch(const char *user_id, const char *portal_id,
                                 const json_t *actions, unsigned case_roles, json_t **decisions);
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
int cases_policy_offices(const char *portal_id, const double *lat, const double *lon,
                         int ech_only, json_t **items);
/* One office of those (any, nearest not asked): *office a new reference, NULL when office_id is
 * not a partner office serving the portal. */
int cases_policy_office(const char *portal_id, const char *office_id, json_t **office);
/* Opens the policy client on url (POLICY_URL, read by main.c; borrowed): the policy service's
 * base URL, http(s). Call once at start, before any request. CS_ERR_INVALID (said on stderr)
 * for a url that is not http(s). */
int cases_policy_init(const char *url);
void cases_policy_cleanup(void);

/* ---- routes of each resource ----------------------------------------------------------- */

void cases_case_routes(struct service *svc);      /* http_cases.c */
void cases_task_routes(struct service *svc);      /* http_tasks.c */
void cases_ech_routes(struct service *svc);       /* http_ech.c */
void cases_list_routes(struct service *svc);      /* http_case_list.c */
void cases_dashboard_routes(struct service *svc); /* http_dashboard.c */
void cases_report_routes(struct service *svc);    /* http_reports.c */

#endif
