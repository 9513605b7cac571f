/* SQL of webhooks (migrations/0009_webhooks.sql). Parameterised statements only; results as
 * jansson values or plain C. Every function runs on the caller's connection (inside its
 * transaction when one is open) and fills sqlstate (6 bytes) on CS_ERR_DB. Every statement on a
 * subscription names its portal: another portal's row is not found. */
#ifndef CLAIMSUITE_CUSTOMER_STORE_WEBHOOKS_H
#define CLAIMSUITE_CUSTOMER_STORE_WEBHOOKS_H

#include <jansson.h>
#include <libpq-fe.h>

/* Up to limit subscriptions of the portal after (at, id) (NULLs: from the first). */
int customer_store_webhooks_page(PGconn *conn, const char *portal_id, const char *at,
                                 const char *id, long limit, json_t **rows, char sqlstate[6]);
/* Inserts one; *doc is its document. event_types_json: a JSON array's text. */
int customer_store_webhook_insert(PGconn *conn, const char *id, const char *portal_id,
                                  const char *url, const char *event_types_json,
                                  const char *description, int active, const char *secret,
                                  json_t **doc, char sqlstate[6]);
/* The document of one (FOR UPDATE when lock), *doc NULL when the portal has no such one. */
int customer_store_webhook_get(PGconn *conn, const char *portal_id, const char *id, int lock,
                               json_t **doc, char sqlstate[6]);
/* Writes the four fields (all given) and bumps version; *doc the new document. */
int customer_store_webhook_update(PGconn *conn, const char *portal_id, const char *id,
                                  const char *url, const char *event_types_json,
                                  const char *description, int active, json_t **doc,
                                  char sqlstate[6]);
/* *deleted 0 when the portal has no such one. */
int customer_store_webhook_delete(PGconn *conn, const char *portal_id, const char *id, int *deleted,
                                  char sqlstate[6]);
/* secret becomes the secret, the old one previous until now + overlap_s. *doc NULL when none. */
int customer_store_webhook_rotate(PGconn *conn, const char *portal_id, const char *id,
                                  const char *secret, long overlap_s, json_t **doc,
                                  char sqlstate[6]);

/* Up to limit deliveries of subscription id (of the portal) before (at, delivery id), newest
 * first, of status (NULL: any). */
int customer_store_deliveries_page(PGconn *conn, const char *portal_id, const char *id,
                                   const char *status, const char *at, const char *delivery_id,
                                   long limit, json_t **rows, char sqlstate[6]);
/* A delivered or dead delivery back to pending, due now, its retry window from now. *doc is
 * its document, NULL when no such delivery; *queued 0 when it was still pending or sending. */
int customer_store_delivery_requeue(PGconn *conn, const char *portal_id, const char *id,
                                    const char *delivery_id, json_t **doc, int *queued,
                                    char sqlstate[6]);

/* One delivery per active subscription of portal_id matching event_type (patterns as
 * customer_webhooks_type_matches), ON CONFLICT (subscription, event) nothing. Inside a
 * transaction it goes out with the next statement or the commit (db_exec_later), whose
 * failure then says it failed (outside one: CS_ERR_DB at once). */
int customer_store_deliveries_enqueue(PGconn *conn, const char *portal_id, const char *event_id,
                                      const char *event_type, const char *ordering_key,
                                      const char *payload);

/* A delivery claimed for one attempt (strings owned: customer_store_webhook_claimed_clear). */
struct customer_store_webhook_claimed {
  char *id, *event_id, *payload, *url, *secret;
  char *previous_secret; /* NULL when none still valid */
  int attempt;           /* 1 for the first */
  long long queued_s;    /* seconds since it was queued (the retry window) */
};
void customer_store_webhook_claimed_clear(struct customer_store_webhook_claimed *c);
/* Claims the oldest due delivery of an active subscription that no earlier delivery of the
 * same subscription and case waits before, in one statement of its own (committed before the
 * POST): 'sending', attempt + 1, a lease of lease_ms. *found 0 when none is due. */
int customer_store_webhook_claim(PGconn *conn, long lease_ms,
                                 struct customer_store_webhook_claimed *c, int *found,
                                 char sqlstate[6]);
/* The end of an attempt of (id, attempt) still 'sending' (else *changed 0): delivered; or
 * retry_ms >= 0 pending again in retry_ms; or < 0 dead. http_status 0: no answer. */
int customer_store_webhook_outcome(PGconn *conn, const char *id, int attempt, int delivered,
                                   long retry_ms, long http_status, const char *error, int *changed,
                                   char sqlstate[6]);

/* Deletes up to 1000 delivered or dead deliveries queued more than keep_s ago; *deleted how
 * many. A delivery's list then no longer shows them, and they cannot be redelivered. */
int customer_store_deliveries_purge(PGconn *conn, long keep_s, long *deleted, char sqlstate[6]);

#endif
