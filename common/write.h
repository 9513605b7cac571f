/* One change of one resource, as its domain code sees it: what the request asked, what the
 * change answers, and the helpers a change uses (events into the outbox). No HTTP here: the
 * runner that owns the transaction, the Idempotency-Key, If-Match, Location and ETag is
 * http_write.h. A resource keeps its own state in op and its own history table.
 *
 * The rule the runner keeps: no call to another service while a transaction or row lock is
 * open. Domain code asks what it needs in its check phase (before the transaction) and keeps
 * the answers for its apply phase; write_in_transaction() says whether a transaction of the
 * runner is open on this thread. */
#ifndef CLAIMSUITE_WRITE_H
#define CLAIMSUITE_WRITE_H

#include <jansson.h>
#include <libpq-fe.h>

#include "refusal.h"

/* The version of a resource that has none (a create, or a resource without one). */
#define WRITE_NO_VERSION (-1LL)

struct write_call {
  void *op;           /* the resource's own state, borrowed */
  const void *caller; /* who asks (the service's caller struct), borrowed */
  const json_t *body; /* the validated body, or NULL when the route takes none; borrowed */
  const char *id;     /* the path id, or NULL; borrowed */
  /* Set by the runner: checks If-Match against version (428 without one when required).
   * Non-zero when the request stops there: the answer is written, return CS_REFUSED. */
  int (*precondition)(struct write_call *w, long long version, int required);
  void *http;         /* the runner's request, for precondition only */
  int answered;       /* set by precondition: the refusal is answered already */
  json_t *result;     /* set by apply: the answer (new reference; its integer "version" is the
                         ETag), or NULL for no body */
  int status;         /* set by apply to answer another success status; 0 keeps the route's */
  char location[256]; /* set by apply: Location of what was created, or "" */
  struct cs_refusal err;
};

/* Adds event type about aggregate_id to the outbox (bus.h) inside conn's open transaction;
 * data is stolen (NULL: out of memory). CS_OK, or CS_REFUSED with err filled. */
int write_event(PGconn *conn, struct cs_refusal *err, const char *type, const char *portal_id,
                const char *aggregate_id, json_t *data);

/* 1 while this thread runs a write transaction of the runner (http_write_run): the time when
 * nothing may call another service. */
int write_in_transaction(void);
/* Set by the runner around its transaction. */
void write_transaction_mark(int open);

#endif
