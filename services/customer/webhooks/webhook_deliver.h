/* The webhook worker: one thread per process that POSTs the queued deliveries
 * (webhook_deliveries) to their subscription's URL, signed as Standard Webhooks, with
 * exponential backoff for the retry window (WEBHOOK_RETRY_FOR_SECONDS), then dead. A claim is
 * one committed statement (FOR UPDATE SKIP LOCKED, a lease) before the POST: several instances
 * share the queue, and a crash mid-send is retried after the lease, so a receiver gets each
 * event at least once and dedupes on webhook-id (the event id). Started and stopped by the
 * service's hooks (http_webhooks.c). */
#ifndef CLAIMSUITE_CUSTOMER_WEBHOOK_DELIVER_H
#define CLAIMSUITE_CUSTOMER_WEBHOOK_DELIVER_H

#include "webhooks.h"

struct db_pool;

/* pool and c are borrowed and must outlive the worker. CS_OK or CS_ERR (logged). */
int customer_webhooks_deliver_start(struct db_pool *pool, const struct customer_webhooks_config *c);
/* Wakes the thread (an ongoing POST is aborted and retried later) and joins it. Safe without a
 * start, and twice. */
void customer_webhooks_deliver_stop(void);

#endif
