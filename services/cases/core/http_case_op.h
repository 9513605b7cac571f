/* The HTTP side every cases resource shares (core/http_case_op.c): the caller answered 401/503,
 * a visible case for reads, and the runner of changes of one case on the common write runner
 * (http_write.h) with the two phases of case_op.h. */
#ifndef CLAIMSUITE_CASES_HTTP_CASE_OP_H
#define CLAIMSUITE_CASES_HTTP_CASE_OP_H

#include <libpq-fe.h>
#include <stddef.h>

#include "case_op.h"
#include "caller.h"

struct request_ctx;
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
  CASES_OP_BODY = 1,     /* the route takes a JSON body, checked against fields */
  CASES_OP_IF_MATCH = 2, /* an If-Match header, when given, must match the case's ETag */
  CASES_OP_REQUIRE_IF_MATCH = 4, /* ... and is required (428 without) */
  CASES_OP_IDEMPOTENT = 8 /* a create: an Idempotency-Key replays the first answer */
};

/* Runs fn (case_op.h: check, then apply on the locked row) for the case of path parameter "id"
 * (and "task_id" when present): answers 401/404 for a caller that may not see it, 412/428 per
 * flags, fn's refusal as problem+json, else ok_status (204: no body) with the case document and
 * its ETag (and op->location as Location). */
void cases_http_case_op(struct request_ctx *ctx, const struct http_field *fields, size_t nfields,
                        int flags, cases_op_fn fn, int ok_status);

#endif
