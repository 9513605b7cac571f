/* The order's state machine (services/orders/order/state.c): every allowed transition with who
 * makes it, a sample of refused ones, the allowed_next lists a 409 names, the signing steps and
 * the events of each action. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../services/orders/order/state.c"

static const char *const all_states[] = {
    "submitted",     "agent_signing",      "agent_attest", "customer_attest", "attested",
    "ticket_opened", "connection_started", "done",         "rejected",        "stopped"};
#define NSTATES (sizeof(all_states) / sizeof(all_states[0]))

/* Every allowed transition: from, action, to, role, side. */
static const struct orders_transition allowed[] = {
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
#define NALLOWED (sizeof(allowed) / sizeof(allowed[0]))

static void test_every_allowed_transition(void **state) {
  (void)state;
  for (size_t i = 0; i < NALLOWED; i++) {
    const struct orders_transition *t = orders_state_find(allowed[i].from, allowed[i].action);
    assert_non_null(t);
    assert_string_equal(t->to, allowed[i].to);
    if (allowed[i].role == NULL)
      assert_null(t->role);
    else
      assert_string_equal(t->role, allowed[i].role);
    assert_int_equal(t->side, allowed[i].side);
  }
  /* nothing more is allowed than the list: each action is allowed from its one state only */
  for (size_t s = 0; s < NSTATES; s++)
    for (size_t i = 0; i < NALLOWED; i++) {
      const struct orders_transition *t = orders_state_find(all_states[s], allowed[i].action);
      if (strcmp(all_states[s], allowed[i].from) == 0) {
        assert_non_null(t);
      } else {
        int elsewhere = 0;
        for (size_t j = 0; j < NALLOWED; j++)
          elsewhere |= !strcmp(allowed[j].from, all_states[s]) &&
                       !strcmp(allowed[j].action, allowed[i].action);
        if (!elsewhere) assert_null(t);
      }
    }
}

static void test_refused_transitions(void **state) {
  (void)state;
  assert_null(orders_state_find("submitted", "connection_started"));
  assert_null(orders_state_find("submitted", "agent_attest_signed"));
  assert_null(orders_state_find("agent_signing", "reject"));
  assert_null(orders_state_find("agent_signing", "agent_approval"));
  assert_null(orders_state_find("agent_attest", "customer_attest_signed"));
  assert_null(orders_state_find("customer_attest", "ticket_opened"));
  assert_null(orders_state_find("attested", "connection_started"));
  assert_null(orders_state_find("ticket_opened", "connection_done"));
  assert_null(orders_state_find("done", "reject"));
  assert_null(orders_state_find("rejected", "agent_approval"));
  assert_null(orders_state_find("stopped", "customer_attest_signed"));
  assert_null(orders_state_find("unknown", "reject"));
  assert_null(orders_state_find(NULL, "reject"));
  assert_null(orders_state_find("submitted", NULL));
}

static void assert_next(const char *from, const char *const *want, size_t n) {
  json_t *next = orders_state_allowed_next(from);
  assert_non_null(next);
  assert_int_equal(json_array_size(next), n);
  for (size_t i = 0; i < n; i++)
    assert_string_equal(json_string_value(json_array_get(next, i)), want[i]);
  json_decref(next);
}

static void test_allowed_next(void **state) {
  (void)state;
  static const char *const submitted[] = {"agent_signing", "rejected"};
  static const char *const signing[] = {"agent_attest", "rejected"};
  static const char *const attest[] = {"customer_attest", "stopped"};
  static const char *const customer[] = {"attested", "stopped"};
  static const char *const attested[] = {"ticket_opened"};
  static const char *const ticket[] = {"connection_started"};
  static const char *const started[] = {"done"};
  assert_next("submitted", submitted, 2);
  assert_next("agent_signing", signing, 2);
  assert_next("agent_attest", attest, 2);
  assert_next("customer_attest", customer, 2);
  assert_next("attested", attested, 1);
  assert_next("ticket_opened", ticket, 1);
  assert_next("connection_started", started, 1);
  assert_next("done", NULL, 0);
  assert_next("rejected", NULL, 0);
  assert_next("stopped", NULL, 0);
  assert_next("nonsense", NULL, 0);
}

static void test_known_and_final(void **state) {
  (void)state;
  for (size_t s = 0; s < NSTATES; s++) assert_true(orders_state_known(all_states[s]));
  assert_false(orders_state_known("Submitted"));
  assert_false(orders_state_known(""));
  assert_false(orders_state_known(NULL));
  assert_true(orders_state_final("done"));
  assert_true(orders_state_final("rejected"));
  assert_true(orders_state_final("stopped"));
  assert_false(orders_state_final("submitted"));
  assert_false(orders_state_final("attested"));
  assert_false(orders_state_final("nonsense"));
}

static void test_signing_steps(void **state) {
  (void)state;
  assert_string_equal(orders_state_signing_step("agent_signing"), "agent_approval");
  assert_string_equal(orders_state_signing_step("agent_attest"), "agent_attest");
  assert_string_equal(orders_state_signing_step("customer_attest"), "customer_attest");
  assert_null(orders_state_signing_step("submitted"));
  assert_null(orders_state_signing_step("attested"));
  assert_string_equal(orders_state_of_step("agent_approval"), "agent_signing");
  assert_string_equal(orders_state_of_step("customer_attest"), "customer_attest");
  assert_null(orders_state_of_step("reject"));
  assert_string_equal(orders_state_step_action("agent_approval", "approve"),
                      "agent_approval_signed");
  assert_string_equal(orders_state_step_action("agent_approval", "reject"),
                      "agent_approval_declined");
  assert_string_equal(orders_state_step_action("agent_attest", "reject"), "agent_attest_declined");
  assert_string_equal(orders_state_step_action("customer_attest", "approve"),
                      "customer_attest_signed");
  assert_null(orders_state_step_action("customer_attest", "maybe"));
  assert_null(orders_state_step_action("nonsense", "approve"));
  /* every step's decisions are transitions out of the step's state */
  static const char *const names[] = {"agent_approval", "agent_attest", "customer_attest"};
  for (size_t i = 0; i < 3; i++) {
    assert_non_null(orders_state_find(orders_state_of_step(names[i]),
                                      orders_state_step_action(names[i], "approve")));
    assert_non_null(orders_state_find(orders_state_of_step(names[i]),
                                      orders_state_step_action(names[i], "reject")));
  }
}

static void test_events(void **state) {
  (void)state;
  assert_string_equal(orders_state_event("agent_approval"), "order.agent_approved");
  assert_string_equal(orders_state_event("reject"), "order.rejected");
  assert_string_equal(orders_state_event("agent_approval_signed"), "order.agent_signed");
  assert_string_equal(orders_state_event("agent_approval_declined"), "order.rejected");
  assert_string_equal(orders_state_event("agent_attest_signed"), "order.agent_attested");
  assert_string_equal(orders_state_event("agent_attest_declined"), "order.stopped");
  assert_string_equal(orders_state_event("customer_attest_signed"), "order.customer_attested");
  assert_string_equal(orders_state_event("customer_attest_declined"), "order.stopped");
  assert_string_equal(orders_state_event("ticket_opened"), "order.ticket_opened");
  assert_string_equal(orders_state_event("connection_started"), "order.connection_started");
  assert_string_equal(orders_state_event("connection_done"), "order.done");
  assert_null(orders_state_event("nonsense"));
  /* every transition has its event */
  for (size_t i = 0; i < NALLOWED; i++) assert_non_null(orders_state_event(allowed[i].action));
}

static void test_refusal(void **state) {
  (void)state;
  struct cs_refusal err = {0};
  assert_int_equal(orders_state_refuse(&err, "agent_attest", "reject"), CS_REFUSED);
  assert_int_equal(err.kind, PROBLEM_WRONG_STATE);
  assert_string_equal(json_string_value(json_object_get(err.extra, "current_state")),
                      "agent_attest");
  json_t *next = json_object_get(err.extra, "allowed_next");
  assert_int_equal(json_array_size(next), 2);
  assert_string_equal(json_string_value(json_array_get(next, 0)), "customer_attest");
  assert_non_null(strstr(err.detail, "reject"));
  cs_refusal_clear(&err);
  assert_int_equal(orders_state_refuse(&err, "done", "reject"), CS_REFUSED);
  assert_int_equal(json_array_size(json_object_get(err.extra, "allowed_next")), 0);
  cs_refusal_clear(&err);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_allowed_transition),
      cmocka_unit_test(test_refused_transitions),
      cmocka_unit_test(test_allowed_next),
      cmocka_unit_test(test_known_and_final),
      cmocka_unit_test(test_signing_steps),
      cmocka_unit_test(test_events),
      cmocka_unit_test(test_refusal),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
