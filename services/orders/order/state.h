/* The order's states and the one table of its transitions (state.c, pure: no database, no
 * HTTP). Each transition names its from and to states, the action that makes it and who may
 * make it: an org role and the side of the order its organisation is on. Whether the caller is
 * the very person of the step (the named attestant, not the approving handler, not the orderer)
 * is the domain's rule (orders.c), on top of this table.
 *
 *   submitted --agent_approval--> agent_signing --agent_approval_signed--> agent_attest
 *   agent_attest --agent_attest_signed--> customer_attest --customer_attest_signed--> attested
 *   attested --ticket_opened--> ticket_opened --connection_started--> connection_started
 *   connection_started --connection_done--> done
 *   submitted --reject--> rejected;   agent_signing --agent_approval_declined--> rejected
 *   agent_attest --agent_attest_declined--> stopped
 *   customer_attest --customer_attest_declined--> stopped */
#ifndef CLAIMSUITE_ORDERS_STATE_H
#define CLAIMSUITE_ORDERS_STATE_H

#include <jansson.h>

#include "refusal.h"

/* Who makes a transition: the side of the order the actor's organisation is on. */
enum orders_side {
  ORDERS_SIDE_CUSTOMER, /* the ordering organisation */
  ORDERS_SIDE_AGENT,    /* the chosen agent organisation */
  ORDERS_SIDE_SERVICE   /* the orders service itself (the ticket) */
};

struct orders_transition {
  const char *from;
  const char *to;
  const char *action;
  const char *role; /* the org role the actor holds; NULL: any user of the side */
  enum orders_side side;
};

/* 1 when status is one of the order's states. */
int orders_state_known(const char *status);
/* 1 for a state nothing leaves (done, rejected, stopped). */
int orders_state_final(const char *status);

/* The transition out of from by action, or NULL when there is none. */
const struct orders_transition *orders_state_find(const char *from, const char *action);

/* The states reachable from from in one step, in the table's order: a new array ([] for a
 * final state or an unknown one), NULL when out of memory. */
json_t *orders_state_allowed_next(const char *from);

/* The signing step of a state ("agent_approval" in agent_signing, "agent_attest" in
 * agent_attest, "customer_attest" in customer_attest), NULL for a state without one. */
const char *orders_state_signing_step(const char *status);
/* The state of a signing step (its inverse), NULL for an unknown step. */
const char *orders_state_of_step(const char *step);
/* The action of step's signed decision ("approve" or "reject"), NULL when either is unknown:
 * agent_approval + approve is agent_approval_signed, + reject agent_approval_declined. */
const char *orders_state_step_action(const char *step, const char *decision);

/* Fills err with the 409 of an action the order's state does not allow: type wrong-state with
 * current_state and allowed_next (orders_state_allowed_next) and detail what (printf-style).
 * Returns CS_REFUSED. */
int orders_state_refuse(struct cs_refusal *err, const char *current, const char *what);

/* The event type of a transition's action (order.agent_approved ...), NULL for none. */
const char *orders_state_event(const char *action);

#endif
