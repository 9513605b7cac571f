/* The orders: a customer organisation's order of a connection through an agent organisation,
 * and every step after it (orders.c: create and reads; transitions.c: the agent's decisions and
 * the steps the signing and ticket parts make). The states are order/state.h's. Who may see an
 * order: the users of its customer organisation and of its agent organisation (anyone else:
 * 404). Refusals name a problem kind; no HTTP here.
 *
 * What waits for whom ("my approvals", action_required=true): for an agent_handler, the
 * submitted orders to its agent, those in agent_signing it approved, and those ticket_opened or
 * connection_started; for an attestant of the agent, those in agent_attest naming it; for a
 * customer_attestant, those in customer_attest of its organisation that it did not order. */
#ifndef CLAIMSUITE_ORDERS_ORDERS_H
#define CLAIMSUITE_ORDERS_ORDERS_H

#include <jansson.h>
#include <libpq-fe.h>

#include "caller.h"
#include "refusal.h"
#include "write.h"

/* ---- for the signing part (services/orders/signing/) and the ticket part ------------------ */

/* The step c may sign now on order_id with decision ("approve"|"reject"): CS_OK with step
 * ("agent_approval"|"agent_attest"|"customer_attest", static string), or CS_REFUSED: 404 (no
 * such order in c's portal, or not c's organisation's), 403 (not the signer of this step;
 * separation-of-duties), 409 (no step to sign in this state). Reads, no lock. A decision other
 * than approve or reject is a 422 on field decision. */
int orders_signing_step(PGconn *conn, const struct orders_caller *c, const char *order_id,
                        const char *decision, const char **step, struct cs_refusal *err);

/* In the caller's open transaction: applies the signed decision of step by user_id (order
 * locked FOR UPDATE, still in that step's state: else 409), with the signature's id and
 * evidence (borrowed, kept with the order's history), history + event. CS_OK or CS_REFUSED. */
int orders_step_signed(PGconn *conn, const char *order_id, const char *step, const char *user_id,
                       const char *decision, const char *signature_id, const json_t *evidence,
                       struct cs_refusal *err);

/* In the caller's open transaction: order_id (attested) got its ticket: ticket_ref stored,
 * status ticket_opened, history + event (the agent is told). CS_OK, CS_REFUSED 409 when the
 * order is not attested (a ticket already stored: CS_OK, nothing changed). */
int orders_ticket_opened(PGconn *conn, const char *order_id, const char *ticket_ref,
                         struct cs_refusal *err);

/* ---- for the routes (http_orders.c) --------------------------------------------------------- */

/* The state of one write of an order (w->op); w->caller is the struct orders_caller, w->id the
 * order's id (NULL for the create). */
struct orders_op {
  const char *action; /* state.h's action the route makes (NULL for the create) */
  json_t *order;      /* read: the order as it was (owned) */
  json_t *details;    /* create: the order's details as stored (owned) */
  json_t *approval;   /* agent-approval: what the handler approved (owned) */
  char attestant_id[40];
};
void orders_op_clear(struct orders_op *op);

/* Write hooks of the create (POST /v1/orders): check validates the body (422 for every error,
 * 403 for a caller not of a customer organisation); apply stores it, its history and
 * order.submitted; Location /v1/orders/{id}. */
int orders_create_check(PGconn *conn, struct write_call *w);
int orders_create_apply(PGconn *conn, struct write_call *w);

/* Write hooks of a transition of an agent handler (op->action: reject, agent_approval,
 * connection_started, connection_done): read answers 404 outside the caller's scope and the
 * version; check the role (403), the state (409 with current_state and allowed_next) and the
 * body (422); lock the row again; apply the change, its history and its event. */
int orders_step_read(PGconn *conn, struct write_call *w, long long *version);
int orders_step_check(PGconn *conn, struct write_call *w);
int orders_step_lock(PGconn *conn, struct write_call *w, long long *version);
int orders_step_apply(PGconn *conn, struct write_call *w);

/* The order id as c sees it: *out new, the order with its signing steps ("steps": [{step,
 * status: waiting|pending|approved|rejected|skipped, signer_id, signed_by, signed_at,
 * signature_id}]). CS_OK or CS_REFUSED (404 outside c's scope, database). */
int orders_get(PGconn *conn, const struct orders_caller *c, const char *id, json_t **out,
               struct cs_refusal *err);
/* The history of order id: *out new {items, next_cursor: null}, oldest first. */
int orders_history(PGconn *conn, const struct orders_caller *c, const char *id, json_t **out,
                   struct cs_refusal *err);

/* A list's question: filters (status NULL: any) and paging (limit, position from the cursor,
 * borrowed, NULL for the first page). */
struct orders_query {
  const char *status;
  const char *updated_since; /* RFC 3339, or NULL */
  int action_required;
  long limit;
  const json_t *position;
};
/* The orders c sees, newest first: *out new {items, next_cursor}. A caller of neither a customer
 * nor an agent organisation sees none. CS_OK or CS_REFUSED (a bad cursor 400, database). */
int orders_list(PGconn *conn, const struct orders_caller *c, const struct orders_query *q,
                json_t **out, struct cs_refusal *err);

/* 1 when c may see order (it is of c's organisation, on either side). */
int orders_visible(const struct orders_caller *c, const json_t *order);

#endif
