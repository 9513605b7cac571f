/* The HTTP side every cases resource shares (core/http_case_op.c): the caller answered 401/503,
 * a visible case for reads, and the runner of changes of one case on the common write runner
 * (http_write.h) with the two phases of case_op.h. */
#ifndef CLAIMSUITE_CASES_HTTP_CASE_OP_H
#define CLAIMSUITE_CASES_HTTP_CASE_OP_H

#include <libpq-fe.h>
#include <stddef.h>

#include "case_op.h"
#include "caller.h"
#include "service.h"

struct http_field;

/* Loads the caller (cases_caller_load): CS_OK, or answered (401 with WWW-Authenticate: Bearer,
 * 503) and non-zero. Clear it with cases_caller_clear on CS_OK. */
int cases_http_caller(struct request_ctx *ctx, struct cases_caller *c);

/* Loads the caller and checks path parameter "id" names a case visible to it (404 otherwise),
 * taking a pooled connection: CS_OK with *conn held (give it back with service_db_release)
 * and the caller loaded (clear it); non-zero when answered. */
int cases_http_visible_case(struct request_ctx *ctx, struct cases_caller *c, PGconn **conn,
                            const char **case_id);

/* Answers 503: the policy service could not be asked. */
void cases_http_policy_failed(struct request_ctx *ctx);

enum cases_op_flags {
  CASES_OP_BODY = 1,             /* the route takes a JSON body, checked against fields and rules */
  CASES_OP_IF_MATCH = 2,         /* an If-Match header, when given, must match the case's ETag */
  CASES_OP_REQUIRE_IF_MATCH = 4, /* ... and is required (428 without) */
  CASES_OP_IDEMPOTENT = 8,       /* a create: an Idempotency-Key replays the first answer */
  CASES_OP_MONEY = 16,           /* the check needs op->money, read with the case */
  CASES_OP_OPTIONAL_BODY = 32    /* as CASES_OP_BODY when a body is sent; none reads as {} */
};

/* An item of a case that a route changes (a budget, an invoice, a cash offer): its path
 * parameter, its name in a 404, and the read of its document in the case (*doc NULL when the
 * case has none with that id; CS_OK or CS_ERR_DB with sqlstate). Every change of an item goes
 * through its case's row, so its version changes only with the case's: the route's If-Match
 * and ETag are the item's version. */
struct cases_op_item {
  const char *param, *what;
  int (*read)(PGconn *conn, const char *case_id, const char *item_id, json_t **doc,
              char sqlstate[6]);
};

/* The item of a visible case the path names (item's parameter; its read as for a change): CS_OK
 * with *doc and the caller loaded (clear both; no connection held), or answered (401, 404, 503)
 * and non-zero. */
int cases_http_item(struct request_ctx *ctx, const struct cases_op_item *item,
                    struct cases_caller *caller, json_t **doc);

/* One route that changes one case: an entry of the static table of a resource's http file. */
struct cases_op_route {
  const char *method, *pattern;    /* as registered (ulfius pattern) */
  const struct http_field *fields; /* the body's field table (with CASES_OP_BODY) */
  size_t nfields;
  cases_body_rules rules; /* the body's own rules (case_op.h), or NULL */
  int flags;              /* enum cases_op_flags */
  cases_op_fn fn;         /* the change (case_op.h) */
  int ok_status;          /* 200, 201, or 204 (no body) */
  const struct cases_op_item *item; /* the item the route changes (op->item), or NULL */
};

/* Registers every route of table (static, n entries), each answered by cases_http_case_op with
 * its entry. Exits as service_route_or_exit does. */
void cases_http_op_routes(struct service *svc, const struct cases_op_route *table, size_t n,
                          const char *what);

/* The handler of a route of cases_http_op_routes (its entry is ctx->route_arg): route->fn
 * (case_op.h: check, then apply on the locked row) for the case of path parameter "id" (and
 * "task_id" when present). Answers 401/404 for a caller that may not see it, the body's 422
 * (every field error of fields and rules at once, before any other check), 412/428 per flags,
 * fn's refusal as problem+json, else ok_status (204: no body) with the case document and its
 * ETag (and op->location as Location); with an item, its document is read with the case (404
 * when absent) and If-Match is checked against the item's version. */
void cases_http_case_op(struct request_ctx *ctx);

/* Checks body (borrowed) against fields and then rules (NULL: none) into err, which may hold
 * errors of the caller's already: CS_OK when none, else the 422 listing them all is answered.
 * err is the caller's to clear. */
int cases_http_body_check(struct request_ctx *ctx, const json_t *body,
                          const struct http_field *fields, size_t nfields, cases_body_rules rules,
                          struct cs_refusal *err);

/* Hands op's refusal (moved, op->err left empty) to the write runner's w: CS_REFUSED. For a
 * resource's own write hooks (http_write.h) around a cases_op. */
struct write_call;
int cases_op_refused(struct write_call *w, struct cases_op *op);

/* A call on a visible case outside the write runner (path parameter "id"): its JSON body, when
 * the route takes one, checked against fields and rules (one 422), then fn with a pooled
 * connection answers *out (NULL: no body) or a refusal. Answered with status; a 201 gets the
 * Location collection/<the answer's id> under the case. For what is not a change of the case's
 * document (a chat message, a call logged) or reads that take a body. */
typedef int (*cases_case_fn)(PGconn *conn, const struct cases_caller *c, const char *case_id,
                             const json_t *body, json_t **out, struct cs_refusal *err);
struct cases_case_route {
  const struct http_field *fields; /* NULL: no body */
  size_t nfields;
  cases_body_rules rules;
  cases_case_fn fn;
  int status;             /* 200, 201 or 204 */
  const char *collection; /* a 201's: "chat/messages" */
};
/* The handler of such a route: its struct cases_case_route is ctx->route_arg. */
void cases_http_case_call(struct request_ctx *ctx);

/* A read that answers one JSON document: fn gets a pooled connection and the caller (both
 * borrowed), sets *out (new JSON text, free(); http_json_encode makes one of a value) or fills
 * err. */
typedef int (*cases_read_fn)(PGconn *conn, const struct cases_caller *c, void *arg, char **out,
                             struct cs_refusal *err);
/* Loads the caller, takes a connection, runs fn and answers 200 with *out, or the refusal. */
void cases_http_read(struct request_ctx *ctx, cases_read_fn fn, void *arg);

#endif
