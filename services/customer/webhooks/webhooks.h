/* Webhooks of a portal: subscriptions (where the portal's events go, which types, the signing
 * secret) and the deliveries made of each event. Only the portal's administrators manage them
 * (core/caller.h: customer_caller_is_portal_admin); another portal's subscription is as absent
 * as one that never was. Deliveries are queued inside the event consumer's transaction
 * (customer_webhooks_enqueue), once per event and subscription, and sent by the worker
 * (webhook_deliver.h). */
#ifndef CLAIMSUITE_CUSTOMER_WEBHOOKS_H
#define CLAIMSUITE_CUSTOMER_WEBHOOKS_H

#include <jansson.h>
#include <libpq-fe.h>

#include "refusal.h"
#include "webhook_rules.h"

struct customer_caller;

/* The webhook settings (env, read once at start by customer_webhooks_config_read). */
struct customer_webhooks_config {
  int allow_http;          /* WEBHOOK_ALLOW_HTTP: http://127.0.0.1 and localhost allowed too */
  long retry_for_s;        /* WEBHOOK_RETRY_FOR_SECONDS (86400): then a delivery is dead */
  long retry_base_ms;      /* WEBHOOK_RETRY_BASE_MS (5000): the first wait, doubling */
  long retry_max_ms;       /* WEBHOOK_RETRY_MAX_MS (3600000): the longest wait */
  long poll_ms;            /* WEBHOOK_POLL_MS (500): the worker's look at the queue */
  long connect_timeout_ms; /* WEBHOOK_CONNECT_TIMEOUT_MS (5000) */
  long timeout_ms;         /* WEBHOOK_TIMEOUT_MS (15000): a whole POST */
  long keep_s;             /* WEBHOOK_KEEP_SECONDS (30 days): delivered and dead ones kept */
  long purge_check_s;      /* WEBHOOK_PURGE_CHECK_SECONDS (600): how often they are purged */
};
int customer_webhooks_config_read(struct customer_webhooks_config *c, char *err, size_t errlen);

/* --- subscriptions, as the caller (an administrator of its portal) --- */

/* GET /v1/webhooks: a page {items, next_cursor}, oldest first. */
int customer_webhooks_list(PGconn *conn, const struct customer_caller *c, long limit,
                           const json_t *position, json_t **page, struct cs_refusal *err);
/* POST: *doc is the new subscription with its "secret" (shown this once). */
int customer_webhooks_create(PGconn *conn, const struct customer_caller *c,
                             const struct customer_webhooks_config *cfg, const json_t *body,
                             json_t **doc, struct cs_refusal *err);
int customer_webhooks_get(PGconn *conn, const struct customer_caller *c, const char *id,
                          json_t **doc, struct cs_refusal *err);
/* PATCH with url, event_types, description, active (any of them); if_match_version < 0: no
 * If-Match given. */
int customer_webhooks_update(PGconn *conn, const struct customer_caller *c,
                             const struct customer_webhooks_config *cfg, const char *id,
                             const json_t *body, long long if_match_version, json_t **doc,
                             struct cs_refusal *err);
int customer_webhooks_delete(PGconn *conn, const struct customer_caller *c, const char *id,
                             struct cs_refusal *err);
/* A new secret; the previous one keeps signing for 24 h. *doc holds the new "secret". */
int customer_webhooks_rotate(PGconn *conn, const struct customer_caller *c, const char *id,
                             json_t **doc, struct cs_refusal *err);

/* --- deliveries --- */

/* GET /v1/webhooks/{id}/deliveries: newest first; status (may be NULL) one of pending, sending,
 * delivered, dead. */
int customer_webhooks_deliveries(PGconn *conn, const struct customer_caller *c, const char *id,
                                 const char *status, long limit, const json_t *position,
                                 json_t **page, struct cs_refusal *err);
/* Queues a delivered or dead delivery again (same webhook-id); one still queued: 409. */
int customer_webhooks_redeliver(PGconn *conn, const struct customer_caller *c, const char *id,
                                const char *delivery_id, json_t **doc, struct cs_refusal *err);

/* Inside the event consumer's transaction: one delivery of event (borrowed, an envelope of
 * common/bus.h) for each active subscription of its portal whose event types match; none for
 * a type not published to integrators. Applied twice, queued once. CS_OK or CS_ERR_DB. */
int customer_webhooks_enqueue(PGconn *conn, const json_t *event);

#endif
