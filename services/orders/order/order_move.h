/* One step of an order, the same for every route and part (order_move.c): the order's row
 * changed by a transition of state.h, its history line and its event, in the caller's open
 * transaction with the row locked. */
#ifndef CLAIMSUITE_ORDERS_ORDER_MOVE_H
#define CLAIMSUITE_ORDERS_ORDER_MOVE_H

#include <jansson.h>
#include <libpq-fe.h>

#include "refusal.h"
#include "store_orders.h"

/* Who makes a step: NULL id and company for the service itself. */
struct orders_actor {
  const char *id;
  const char *company_id;
};

/* Moves order (its locked row's document, borrowed) by action: the transition's to-state with
 * the members of ch (ch->status is set here), a history line (signature_id and detail
 * borrowed, may be NULL) and the action's event. *after (may be NULL: not wanted) new: the
 * order after. CS_OK, or CS_REFUSED (409 when the order's state has no such action). */
int orders_move(PGconn *conn, const json_t *order, const char *action, struct orders_change *ch,
                const struct orders_actor *actor, const char *signature_id, const json_t *detail,
                json_t **after, struct cs_refusal *err);

/* Adds event type of order (borrowed) by actor to the outbox: data {order_id, portal_id, status,
 * order_type, customer_company_id, agent_company_id, ordered_by, attestant_id, order, actor
 * {id, company_id}} and the members of extra (borrowed, may be NULL). */
int orders_event(PGconn *conn, const char *type, const json_t *order,
                 const struct orders_actor *actor, const json_t *extra, struct cs_refusal *err);

#endif
