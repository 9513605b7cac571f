/* The order's transitions (state.h): one table, read by every route and by the signing and
 * ticket parts through orders.h. */
#include "state.h"

#include <stddef.h>
#include <string.h>

#include "status.h"

static const char *const states[] = {
    "submitted",     "agent_signing",      "agent_attest", "customer_attest", "attested",
    "ticket_opened", "connection_started", "done",         "rejected",        "stopped"};

/* clang-format off */
static const struct orders_transition table[] = {
    {"submitted", "agent_signing", "agent_approval", "agent_handler", ORDERS_SIDE_AGENT},
    {"submitted", "rejected", "reject", "agent_handler", ORDERS_SIDE_AGENT},
    {"agent_signing", "agent_attest", "agent_approval_signed", "agent_handler", ORDERS_SIDE_AGENT},
    {"agent_signing", "rejected", "agent_approval_declined", "agent_handler", ORDERS_SIDE_AGENT},
    {"agent_attest", "customer_attest", "agent_attest_signed", "attestant", ORDERS_SIDE_AGENT},
    {"agent_attest", "stopped", "agent_attest_declined", "attestant", ORDERS_SIDE_AGENT},
    {"customer_attest", "attested", "customer_attest_signed", "customer_attestant",
     ORDERS_SIDE_CUSTOMER},
    {"customer_attest", "stopped", "customer_attest_declined", "customer_attestant",
     ORDERS_SIDE_CUSTOMER},
    {"attested", "ticket_opened", "ticket_opened", NULL, ORDERS_SIDE_SERVICE},
    {"ticket_opened", "connection_started", "connection_started", "agent_handler",
     ORDERS_SIDE_AGENT},
    {"connection_started", "done", "connection_done", "agent_handler", ORDERS_SIDE_AGENT},
};

/* The signing steps: the state each waits in and the actions of its two decisions. */
static const struct {
  const char *step, *state, *approve, *reject;
} steps[] = {
    {"agent_approval", "agent_signing", "agent_approval_signed", "agent_approval_declined"},
    {"agent_attest", "agent_attest", "agent_attest_signed", "agent_attest_declined"},
    {"customer_attest", "customer_attest", "customer_attest_signed", "customer_attest_declined"},
};

static const struct {
  const char *action, *event;
} events[] = {
    {"agent_approval", "order.agent_approved"},
    {"reject", "order.rejected"},
    {"agent_approval_signed", "order.agent_signed"},
    {"agent_approval_declined", "order.rejected"},
    {"agent_attest_signed", "order.agent_attested"},
    {"agent_attest_declined", "order.stopped"},
    {"customer_attest_signed", "order.customer_attested"},
    {"customer_attest_declined", "order.stopped"},
    {"ticket_opened", "order.ticket_opened"},
    {"connection_started", "order.connection_started"},
    {"connection_done", "order.done"},
};
/* clang-format on */

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int same(const char *a, const char *b) { return a != NULL && b != NULL && !strcmp(a, b); }

int orders_state_known(const char *status) {
  for (size_t i = 0; i < COUNT(states); i++)
    if (same(states[i], status)) return 1;
  return 0;
}

int orders_state_final(const char *status) {
  if (!orders_state_known(status)) return 0;
  for (size_t i = 0; i < COUNT(table); i++)
    if (same(table[i].from, status)) return 0;
  return 1;
}

const struct orders_transition *orders_state_find(const char *from, const char *action) {
  for (size_t i = 0; i < COUNT(table); i++)
    if (same(table[i].from, from) && same(table[i].action, action)) return &table[i];
  return NULL;
}

json_t *orders_state_allowed_next(const char *from) {
  json_t *out = json_array();
  if (out == NULL) return NULL;
  for (size_t i = 0; i < COUNT(table); i++)
    if (same(table[i].from, from) && json_array_append_new(out, json_string(table[i].to)) != 0) {
      json_decref(out);
      return NULL;
    }
  return out;
}

const char *orders_state_signing_step(const char *status) {
  for (size_t i = 0; i < COUNT(steps); i++)
    if (same(steps[i].state, status)) return steps[i].step;
  return NULL;
}

const char *orders_state_of_step(const char *step) {
  for (size_t i = 0; i < COUNT(steps); i++)
    if (same(steps[i].step, step)) return steps[i].state;
  return NULL;
}

const char *orders_state_step_action(const char *step, const char *decision) {
  for (size_t i = 0; i < COUNT(steps); i++) {
    if (!same(steps[i].step, step)) continue;
    if (same(decision, "approve")) return steps[i].approve;
    if (same(decision, "reject")) return steps[i].reject;
  }
  return NULL;
}

int orders_state_refuse(struct cs_refusal *err, const char *current, const char *what) {
  cs_refuse(err, PROBLEM_WRONG_STATE, "%s is not possible while the order is %s", what,
            current != NULL ? current : "unknown");
  json_decref(err->extra);
  err->extra = json_pack("{s:s?, s:o}", "current_state", current, "allowed_next",
                         orders_state_allowed_next(current));
  return CS_REFUSED;
}

const char *orders_state_event(const char *action) {
  for (size_t i = 0; i < COUNT(events); i++)
    if (same(events[i].action, action)) return events[i].event;
  return NULL;
}
