/* SQL of the ticket worker (worker.h): claiming an attested order whose ticket is due, and
 * recording a failed call. The order's ticket_* columns (migrations/0001_orders.sql) are the
 * worker's queue: ticket_attempts counts the calls, ticket_next_attempt_at says when the next
 * may start (NULL: at once), ticket_last_error why the last one failed. Storing the ticket
 * itself is the order's own change (orders_ticket_opened, order/orders.h). */
#ifndef CLAIMSUITE_ORDERS_STORE_TICKET_H
#define CLAIMSUITE_ORDERS_STORE_TICKET_H

#include <libpq-fe.h>

/* An order claimed for one call; strings owned (orders_store_ticket_claimed_clear). */
struct orders_store_ticket_claimed {
  char *order_id;
  int attempt;    /* this call's number, 1 for the first */
  char *document; /* the ticket as JSON text (worker.h names its members) */
};

/* Claims the attested order without a ticket that has waited longest for its call, if one is
 * due: attempt + 1 and ticket_next_attempt_at moved lease_ms ahead, committed at once (one
 * statement outside any transaction), so no other worker takes it while this one calls, and
 * it is taken again when this one dies mid-call. *found 0 when none is due. CS_OK, CS_ERR_DB
 * (sqlstate), CS_ERR_NOMEM. */
int orders_store_ticket_claim(PGconn *conn, long lease_ms, struct orders_store_ticket_claimed *c,
                              int *found, char sqlstate[6]);
void orders_store_ticket_claimed_clear(struct orders_store_ticket_claimed *c); /* NULL-safe */

/* Records that call attempt of order_id failed (error borrowed, no secrets) and the next one
 * is due in retry_ms; only while the order still waits for its ticket and no later claim took
 * it (*changed 0 otherwise: that claim decides). CS_OK or CS_ERR_DB (sqlstate). */
int orders_store_ticket_failed(PGconn *conn, const char *order_id, int attempt, long retry_ms,
                               const char *error, int *changed, char sqlstate[6]);

#endif
