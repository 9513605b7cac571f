/* The call to the ticket endpoint: POST TICKET_URL with the ticket as JSON, Idempotency-Key:
 * <order id> (the endpoint answers a repeated call with the ticket it created the first time),
 * the configured header line (TICKET_AUTH_HEADER) when there is one, TICKET_TIMEOUT_MS for all
 * of it. One handle per client, reused (keep-alive): used by the worker's thread alone. */
#ifndef CLAIMSUITE_ORDERS_TICKET_CLIENT_H
#define CLAIMSUITE_ORDERS_TICKET_CLIENT_H

#include <stddef.h>

#include "ticket_config.h"

struct orders_ticket_client;

/* Polled during a call: non-zero aborts it (a failure, retried later). */
typedef int (*orders_ticket_abort_fn)(void *arg);

/* *out is new (orders_ticket_client_free); c is borrowed and must outlive the client. CS_OK or
 * CS_ERR (logged). */
int orders_ticket_client_new(const struct orders_ticket_config *c, orders_ticket_abort_fn abort,
                             void *abort_arg, struct orders_ticket_client **out);
void orders_ticket_client_free(struct orders_ticket_client *t); /* NULL-safe */

/* POSTs document (JSON text, borrowed) for order_id. CS_OK with *ref new (free()): the ticket
 * exists. Otherwise CS_ERR_UNAVAILABLE and why in err (no secrets, no body): call again later. */
int orders_ticket_client_open(struct orders_ticket_client *t, const char *order_id,
                              const char *document, char **ref, char *err, size_t errlen);

#endif
