/* The delivery worker: one thread per process that sends the queued messages
 * (outgoing_messages) through the providers the configuration chose, with retries, exponential
 * backoff and a dead state. Several instances share the queue safely: each claim is one
 * committed statement with FOR UPDATE SKIP LOCKED and a lease (store_notify.h), so no two
 * instances send a message at the same time.
 *
 * Not lost, not doubled: a message is marked 'sending' (attempt + 1, lease) and committed before
 * the provider is called, and marked sent after. A crash in between leaves it 'sending'; once
 * its lease has run out it is claimed and sent again: at least once toward the provider, with
 * the message id as the dedupe id of every send (provider.h), so a receiver that keeps ids
 * shows it once. Started and stopped by the service's hooks (http_notify.c). */
#ifndef CLAIMSUITE_CUSTOMER_DELIVER_H
#define CLAIMSUITE_CUSTOMER_DELIVER_H

#include "notify_config.h"

struct db_pool;

/* Makes the providers c chooses and starts the thread on pool. pool and c are borrowed and
 * must outlive the worker. CS_OK or CS_ERR (logged). */
int customer_notify_deliver_start(struct db_pool *pool, const struct customer_notify_config *c);
/* Wakes the thread (an ongoing network send is aborted and retried later), joins it, frees the
 * providers. Safe without a start, and twice. */
void customer_notify_deliver_stop(void);

#endif
