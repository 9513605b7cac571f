/* Shared by the organisation resources of the policy service (companies, offices, users, API
 * clients): who the caller is, what they may see, and the outcome of a domain call. Private to
 * the org_*.c, http_org_*.c and store_org_*.c files; the authority files reuse the caller and
 * its 401 answer.
 *
 * Visibility (every list and read is scoped; an invisible object is 404, never 403):
 *   - insurer users and API clients see every company serving the token's portal, with their
 *     offices and users;
 *   - partner, customer and agent users see only their own company, its offices and users.
 * Changes need a level-6 user: the insurer admin on any company serving the portal, or the
 * admin of the object's own company. API clients are read-only here. */
#ifndef CLAIMSUITE_POLICY_ORG_INTERNAL_H
#define CLAIMSUITE_POLICY_ORG_INTERNAL_H

#include <jansson.h>
#include <libpq-fe.h>

#include "refusal.h"
#include "write.h"

#define POLICY_ORG_ADMIN_LEVEL 6

/* The token's principal; every string is borrowed from the claims. */
struct policy_org_caller {
  const char *sub;          /* user or API client id */
  const char *portal_id;
  const char *company_id;
  const char *company_kind; /* insurer, partner, customer, agent */
  int is_client;            /* kind "client" */
  int level;                /* authority level (users), 0 for clients */
};

/* Fills c from verified claims (borrowed). CS_ERR_INVALID when a claim is missing. */
int policy_org_caller_from_claims(const json_t *claims, struct policy_org_caller *c);

/* Re-reads the caller's current row (once per request): the level and company kind come from
 * the database, not the token. CS_OK; CS_ERR_NOT_FOUND when the user or client is gone or
 * inactive, its company changed or no longer serves the token's portal (answer 401); CS_ERR_DB
 * (db_last_sqlstate says why). company_kind then points to a static string. */
int policy_org_caller_refresh(PGconn *conn, struct policy_org_caller *c);

/* 1 when the caller sees every company serving the portal (insurer users, API clients). */
int policy_org_sees_portal(const struct policy_org_caller *c);
/* 1 for an insurer user of level 6. */
int policy_org_is_insurer_admin(const struct policy_org_caller *c);
/* 1 when the caller may change things of company_id (borrowed): the insurer admin (company_id
 * must already be visible), or a level-6 user of that very company. */
int policy_org_may_manage(const struct policy_org_caller *c, const char *company_id);

/* The scope parameter of the store's visibility conditions: NULL for portal-wide callers, else
 * the caller's own company. Borrowed. */
const char *policy_org_scope_company(const struct policy_org_caller *c);

/* What went wrong in a domain call: a struct cs_refusal (common/refusal.h), returned as
 * CS_REFUSED and answered by service_refusal_answer. */

/* A write of an org resource is a write_call (common/write.h) run by policy_org_http_write:
 * w->caller is the struct policy_org_caller, w->body the validated body (borrowed), w->id the
 * path id (or NULL). A PATCH/PUT calls w->precondition with the row's version once the row is
 * locked and seen to be visible and changeable. CS_OK with w->result (a new reference: the
 * resource, with an integer "version") or CS_REFUSED with w->err filled. */
typedef int (*policy_org_write_fn)(PGconn *conn, struct write_call *w);
/* The caller of an org write. Borrowed. */
static inline const struct policy_org_caller *policy_org_caller_of(const struct write_call *w) {
  return w->caller;
}

/* Reads one visible resource of the caller: CS_OK with *out (a new reference) or CS_REFUSED
 * with err (404 when it is not visible). */
typedef int (*policy_org_get_fn)(PGconn *conn, const struct policy_org_caller *c, const char *id,
                                 json_t **out, struct cs_refusal *err);

/* An object's event payload without private fields and the version: a new reference. */
json_t *policy_org_event_data(const json_t *resource);

/* The end of every write of a resource: re-reads it with get (the row was just written, so any
 * failure is a database failure), adds the event type for aggregate id (the event payload of
 * policy_org_event_data) and hands the resource to w->result. CS_OK or CS_REFUSED. */
int policy_org_write_done(PGconn *conn, struct write_call *w, const char *type,
                          const char *id, policy_org_get_fn get);

/* ---- domain entry points, one group per resource (org_<resource>.c) ---------------------- */

/* Reads: CS_OK with *out / *rows (new references) or CS_REFUSED with err. Query values
 * are borrowed, already checked for shape by the HTTP layer; NULL does not filter. */
struct policy_org_page {
  long limit;                              /* rows wanted (the page plus one) */
  const char *after_created_at, *after_id; /* keyset cursor, or NULL */
};

int policy_org_user_get(PGconn *conn, const struct policy_org_caller *c, const char *id,
                        json_t **out, struct cs_refusal *err);
struct policy_org_user_query {
  const char *company_id, *office_id, *external_case_handler, *active, *q;
};
int policy_org_user_list(PGconn *conn, const struct policy_org_caller *c,
                         const struct policy_org_user_query *q, const struct policy_org_page *pg,
                         json_t **rows, struct cs_refusal *err);
int policy_org_user_create(PGconn *conn, struct write_call *w);
int policy_org_user_patch(PGconn *conn, struct write_call *w);
int policy_org_user_put_roles(PGconn *conn, struct write_call *w);

int policy_org_office_get(PGconn *conn, const struct policy_org_caller *c, const char *id,
                          json_t **out, struct cs_refusal *err);
struct policy_org_office_query {
  const char *company_id, *category, *has_role, *temporary_cases;
};
int policy_org_office_list(PGconn *conn, const struct policy_org_caller *c,
                           const struct policy_org_office_query *q,
                           const struct policy_org_page *pg, json_t **rows,
                           struct cs_refusal *err);
int policy_org_office_create(PGconn *conn, struct write_call *w);
int policy_org_office_patch(PGconn *conn, struct write_call *w);

int policy_org_company_get(PGconn *conn, const struct policy_org_caller *c, const char *id,
                           json_t **out, struct cs_refusal *err);
int policy_org_company_list(PGconn *conn, const struct policy_org_caller *c, const char *kind,
                            const struct policy_org_page *pg, json_t **rows,
                            struct cs_refusal *err);
int policy_org_company_create(PGconn *conn, struct write_call *w);
int policy_org_company_patch(PGconn *conn, struct write_call *w);
/* POST /v1/companies/links: the insurer's admin adds the partner company with the body's
 * org_number to the token's portal; w->status 201 for a new link, 200 when already linked. */
int policy_org_company_link(PGconn *conn, struct write_call *w);

int policy_org_api_client_list(PGconn *conn, const struct policy_org_caller *c,
                               const struct policy_org_page *pg, json_t **rows,
                               struct cs_refusal *err);
int policy_org_api_client_create(PGconn *conn, struct write_call *w);
int policy_org_api_client_delete(PGconn *conn, struct write_call *w);

/* ---- HTTP helpers (http_org_common.c), used by the http_org_*.c files only ---------------- */

struct request_ctx;

/* Reads the caller from the token, then its current row (policy_org_caller_refresh) on a pooled
 * connection taken here: CS_OK with *conn held for the rest of the request (give it back with
 * service_db_release). On a token without the needed claims, or a user or client no longer
 * active in the portal, answers 401 (a busy or failing database 503/5xx), returns non-zero and
 * holds no connection (*conn NULL). */
int policy_org_http_caller(struct request_ctx *ctx, struct policy_org_caller *c, PGconn **conn);
/* Answers 401: the token's user or API client is no longer active in its portal. */
void policy_org_http_caller_gone(struct request_ctx *ctx);

/* Runs a write in one transaction: parses and validates the body against fields (when fields is
 * not NULL), claims the Idempotency-Key when idem_path is set (a create: replay, 422 on another
 * body), calls fn, commits, and answers ok_status with the resource and its ETag (and
 * Location: location_prefix/<id> for creates). ok_status 204 answers no body. */
struct http_field;
void policy_org_http_write(struct request_ctx *ctx, const struct http_field *fields,
                           size_t nfields, const char *id, policy_org_write_fn fn, int ok_status,
                           const char *idem_path, const char *location_prefix);

/* Answers GET <collection>/{id}: the caller, the id (404 naming what when not a UUID), then
 * get's resource with its ETag, or get's error. */
void policy_org_http_read(struct request_ctx *ctx, const char *what, policy_org_get_fn get);

/* Answers a list on conn (borrowed: the caller's, from policy_org_http_caller): ?limit and
 * ?cursor, then fn with query (the resource's filters, borrowed) and the page, as
 * {"items", "next_cursor"}, or fn's error. */
typedef int (*policy_org_list_fn)(PGconn *conn, const struct policy_org_caller *c,
                                  const void *query, const struct policy_org_page *pg,
                                  json_t **rows, struct cs_refusal *err);
void policy_org_http_list(struct request_ctx *ctx, PGconn *conn,
                          const struct policy_org_caller *c, policy_org_list_fn fn,
                          const void *query);

/* Route registration of each resource (http_org_<resource>.c). */
struct service;
void policy_org_users_routes(struct service *svc);
void policy_org_offices_routes(struct service *svc);
void policy_org_companies_routes(struct service *svc);
void policy_org_api_clients_routes(struct service *svc);

/* Checks an optional query parameter: kind 'u' a UUID, 'b' true/false, 's' text up to 200
 * bytes, or one of the words of allowed (NULL-terminated). Adds a field error to bad when it is
 * wrong. Returns the value (borrowed) or NULL. */
const char *policy_org_http_filter(struct request_ctx *ctx, const char *name, char kind,
                                   const char *const *allowed, struct cs_refusal *bad);
/* Answers 400 with bad's field errors when there are any (and clears bad); non-zero then. */
int policy_org_http_filter_errors(struct request_ctx *ctx, struct cs_refusal *bad);

#endif
