/* The notifications the orders service's events become (events_orders.c hands each event here):
 * an email and an inbox notice to each person the order now waits for or who must hear of it.
 *
 *   order.submitted       every agent_handler of the agent organisation (link: My approvals)
 *   order.agent_signed    the attestant the order names (My approvals)
 *   order.agent_attested  every customer_attestant of the ordering organisation but the orderer
 *   order.rejected        the orderer (with the reason; link: the order)
 *   order.stopped         the orderer (the order)
 *   order.ticket_opened   every agent_handler of the agent ("the technical connection can start")
 *
 * The people and organisation names come from the service's authority replica. Each message
 * and notice is made once per event and person (the event's id names it), so an event applied
 * twice sends once. Runs inside the consumer's transaction: CS_OK moves the offset on (also for
 * an event that cannot be made into a notification: logged and skipped); CS_ERR_DB or
 * CS_ERR_NOMEM rolls back and the event is applied again. */
#ifndef CLAIMSUITE_CUSTOMER_FROM_ORDERS_H
#define CLAIMSUITE_CUSTOMER_FROM_ORDERS_H

#include <jansson.h>
#include <libpq-fe.h>

#include "from_events.h"

/* Any event of the orders service (borrowed); types not listed above change nothing. */
int customer_from_order_event(PGconn *conn, const struct customer_from_events *ctx,
                              const json_t *event);

#endif
