/* The ticket worker: once the customer has attested an order, opens its ticket at the
 * provider's customer service (TICKET_URL, ticket_client.h) and stores the reference with the
 * order (orders_ticket_opened: status ticket_opened, history, the event that tells the agent).
 * One thread per process, started and stopped by the service's hooks (http_ticket.h).
 *
 * A failing endpoint loses nothing: the order stays attested and is called for again,
 * TICKET_RETRY_BASE_MS after the first failure, doubling up to TICKET_RETRY_MAX_MS, for as
 * long as it takes; ticket_attempts and ticket_last_error show how it goes.
 *
 * Exactly one ticket per order: a call is claimed before it is made (store_ticket.h: attempt
 * + 1 and a lease, committed), so no two workers, in this process or another, call for one
 * order at the same time. A process killed mid-call leaves the order attested; once the lease
 * has run out (TICKET_TIMEOUT_MS + 10 s) the order is claimed and called for again, with the
 * same Idempotency-Key (the order id), and the endpoint answers the ticket it created the first
 * time. No transaction or row lock is open while the endpoint is called.
 *
 * The ticket POSTed, as JSON: {order_id, portal_id, order_type, customer_organisation {id, name,
 * org_number}, agent_organisation {id, name, org_number}, service, contact, details (the
 * order's whole details), attested_at}. Without TICKET_URL no worker runs: attested orders
 * wait, and a log line at start says so. */
#ifndef CLAIMSUITE_ORDERS_TICKET_WORKER_H
#define CLAIMSUITE_ORDERS_TICKET_WORKER_H

#include "ticket_config.h"

struct db_pool;

/* Starts the thread on pool with c (a TICKET_URL set). pool and c are borrowed and must outlive
 * the worker. CS_OK or CS_ERR (logged). */
int orders_ticket_worker_start(struct db_pool *pool, const struct orders_ticket_config *c);
/* Wakes the thread (an ongoing call is aborted and made again later), joins it. Safe without a
 * start, and twice. */
void orders_ticket_worker_stop(void);

#endif
