/* The one runner of writes (creates, changes, deletes) for every service: it owns the
 * transaction, the Idempotency-Key of creates, If-Match against the resource's version
 * (412/428), and the answer with its Location and ETag. The resource gives hooks (below) and
 * keeps its rules in them; events go to the outbox from apply (write_event in write.h).
 *
 * The order of one run:
 *   1. read   (optional) the resource as it is, without a lock or transaction: 404 and the
 *             version If-Match is checked against;
 *   2. check  (optional) the rules, and every call to another service, still outside any
 *             transaction (with HTTP_WRITE_CHECK_APART, with no connection held at all); the
 *             answers are kept in the resource's op;
 *   3. begin; the Idempotency-Key is claimed (a replay or a reused key is answered);
 *   4. lock   (optional) the resource's row FOR UPDATE and its version again; when it differs
 *             from what read saw, what check decided may no longer hold: roll back and go to 1
 *             (at most HTTP_WRITE_TRIES runs, then 503);
 *   5. apply  the change on the locked row, from what check gathered; commit; answer.
 * With read or check, a create's Idempotency-Key is looked at before step 1 too, so a replay
 * is answered as stored and never checked again. */
#ifndef CLAIMSUITE_HTTP_WRITE_H
#define CLAIMSUITE_HTTP_WRITE_H

#include <libpq-fe.h>

#include "write.h"

struct request_ctx;

#define HTTP_WRITE_TRIES 3 /* runs of read..lock before a resource that keeps changing is 503 */

/* Hooks of a resource; each returns CS_OK, or CS_REFUSED with w->err filled (or the answer
 * written by w->precondition). */
struct write_hooks {
  int (*read)(PGconn *conn, struct write_call *w, long long *version);
  int (*check)(PGconn *conn, struct write_call *w);
  int (*lock)(PGconn *conn, struct write_call *w, long long *version);
  int (*apply)(PGconn *conn, struct write_call *w); /* required */
};

enum http_write_flags {
  HTTP_WRITE_IF_MATCH = 1,         /* an If-Match, when given, must match read's version */
  HTTP_WRITE_REQUIRE_IF_MATCH = 2, /* ... and is required (428 without) */
  /* check reads on connections of its own (the cases service's reads of its replica): the
   * connection goes back to the pool while it runs (check gets conn NULL), and another is taken
   * for the transaction, so no request ever holds two pooled connections */
  HTTP_WRITE_CHECK_APART = 4
};

struct http_write_spec {
  int ok_status;               /* 200, 201 or 204 (no body) unless apply sets w->status */
  int flags;                   /* enum http_write_flags, checked against read's version */
  const char *idem_scope;      /* a create: whose Idempotency-Keys (NULL: none honoured) */
  const char *idem_path;       /* the path a key is claimed for */
  const char *location_prefix; /* a 201 without w->location: Location is prefix/<result id> */
  const char *replay_omit;     /* a member of the answer not stored for replays (a secret shown
                                  once), or NULL */
};

/* Runs one write on *conn (a pooled connection the caller took, idle on entry and on return)
 * and answers it: the result with its ETag (and Location), or the refusal. With
 * HTTP_WRITE_CHECK_APART the runner gives *conn back during check and takes another (from
 * ctx->svc's pool): *conn is then another connection, or NULL when none could be had (answered
 * 503); the caller gives back *conn when it is not NULL. w is the caller's (op, caller, body,
 * id set); the runner sets precondition and http, and leaves w->result and w->err for the
 * caller to clear (cs_refusal_clear, json_decref). */
void http_write_run(struct request_ctx *ctx, PGconn **conn, const struct http_write_spec *spec,
                    const struct write_hooks *hooks, struct write_call *w);

#endif
