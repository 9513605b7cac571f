/* The pure authority decision (common/decision.c): every right
 * allowed through a definition and denied without it, the actions the external case handler
 * always has, the marking of the user, insurer users, and the budget limit edge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "decision.h"

#define ECH (1u << AUTHORITY_ROLE_EXTERNAL_CASE_HANDLER)
#define PM (1u << AUTHORITY_ROLE_PROJECT_MANAGER)
#define IEA (1u << AUTHORITY_ROLE_INSPECTOR_EXTRA_AUTHORITY)
#define ALL_RIGHTS ((1u << AUTHORITY_RIGHT_COUNT) - 1u)

/* A partner user in the portal, active, marked, with no definitions and no roles. */
static struct authority_input partner(const char *action) {
  struct authority_input in;
  memset(&in, 0, sizeof(in));
  in.action = action;
  in.user_in_portal = 1;
  in.user_active = 1;
  in.marked_external = 1;
  in.default_limit = 1000;
  return in;
}

static struct authority_decision decide(const struct authority_input *in) {
  struct authority_decision d;
  memset(&d, 0x5a, sizeof(d));
  authority_decide(in, &d);
  return d;
}

static void test_names(void **state) {
  (void)state;
  static const char *const expected[] = {"add_remove_tasks",
                                         "allocate_partners",
                                         "show_office_categories",
                                         "make_compensation_decision",
                                         "cash_offer_all_tasks",
                                         "cash_offer_before_budget_approval",
                                         "add_budget_for_other_partners",
                                         "approve_budget",
                                         "approve_tasks",
                                         "rfq_initiate_edit",
                                         "rfq_add_external_partners",
                                         "rfq_decide",
                                         "customer_communication",
                                         "chat_notifications",
                                         "cash_offer_wi_before_budget_approval",
                                         "start_inspection"};
  assert_int_equal(sizeof(expected) / sizeof(expected[0]), AUTHORITY_RIGHT_COUNT);
  for (int i = 0; i < AUTHORITY_RIGHT_COUNT; i++) {
    assert_string_equal(authority_right_names[i], expected[i]);
    assert_int_equal(authority_right_index(expected[i]), i);
    assert_true(authority_action_known(expected[i]));
  }
  assert_int_equal(authority_right_index("Approve_budget"), -1);
  assert_int_equal(authority_right_index("approve_budget "), -1);
  assert_int_equal(authority_right_index(""), -1);
  assert_int_equal(authority_right_index(NULL), -1);
  assert_int_equal(authority_right_index("chat"), -1); /* not a right of definitions */
  assert_true(authority_action_known("chat"));
  assert_true(authority_action_known("documents"));
  assert_true(authority_action_known("reported_information"));
  assert_false(authority_action_known("delete_everything"));
  assert_false(authority_action_known(NULL));
  assert_int_equal(authority_role_index("external_case_handler"),
                   AUTHORITY_ROLE_EXTERNAL_CASE_HANDLER);
  assert_int_equal(authority_role_index("project_manager"), AUTHORITY_ROLE_PROJECT_MANAGER);
  assert_int_equal(authority_role_index("inspector_extra_authority"),
                   AUTHORITY_ROLE_INSPECTOR_EXTRA_AUTHORITY);
  assert_int_equal(authority_role_index("admin"), -1);
}

/* Each right: allowed through each role whose definition holds exactly it, denied when the
 * definition holds every other right, denied without a role. */
static void test_every_right_allow_and_deny(void **state) {
  (void)state;
  for (int i = 0; i < AUTHORITY_RIGHT_COUNT; i++) {
    const char *name = authority_right_names[i];
    for (int r = 0; r < AUTHORITY_ROLE_COUNT; r++) {
      struct authority_input in = partner(name);
      struct authority_decision d;
      char reason[96];
      in.role_mask = 1u << r;
      in.definitions[r] = 1u << i;
      in.amount = 10;
      d = decide(&in);
      if (!d.allow) fail_msg("%s through %s denied: %s", name, authority_role_names[r], d.reason);
      snprintf(reason, sizeof(reason), "granted by role %s", authority_role_names[r]);
      assert_non_null(strstr(d.reason, reason));

      in.definitions[r] = ALL_RIGHTS & ~(1u << i);
      d = decide(&in);
      if (d.allow) fail_msg("%s through %s allowed without it", name, authority_role_names[r]);
      assert_string_equal(d.reason, "no case role grants this action");
      assert_false(d.has_limit_remaining);

      /* the definition of a role the user does not have in this case does not count */
      in.definitions[r] = 1u << i;
      in.role_mask = 0;
      d = decide(&in);
      assert_false(d.allow);
      in.role_mask = (PM | IEA | ECH) & ~(1u << r);
      memset(in.definitions, 0, sizeof(in.definitions));
      in.definitions[r] = 1u << i;
      d = decide(&in);
      assert_false(d.allow);
    }
  }
}

static void test_union_of_roles(void **state) {
  (void)state;
  struct authority_input in = partner("rfq_decide");
  in.definitions[AUTHORITY_ROLE_PROJECT_MANAGER] = 1u << authority_right_index("add_remove_tasks");
  in.definitions[AUTHORITY_ROLE_INSPECTOR_EXTRA_AUTHORITY] = 1u
                                                             << authority_right_index("rfq_decide");
  in.role_mask = PM;
  assert_false(decide(&in).allow);
  in.role_mask = PM | IEA;
  struct authority_decision d = decide(&in);
  assert_true(d.allow);
  assert_string_equal(d.reason, "granted by role inspector_extra_authority");
  in.action = "add_remove_tasks";
  assert_true(decide(&in).allow);
}

static void test_always_allowed_trio(void **state) {
  (void)state;
  for (int i = 0; i < AUTHORITY_ALWAYS_COUNT; i++) {
    struct authority_input in = partner(authority_always_actions[i]);
    struct authority_decision d;
    in.role_mask = ECH; /* an empty definition */
    d = decide(&in);
    assert_true(d.allow);
    assert_string_equal(d.reason, "always allowed to the external_case_handler role");
    assert_false(d.has_limit_remaining);
    /* whatever the definition */
    in.definitions[AUTHORITY_ROLE_EXTERNAL_CASE_HANDLER] = ALL_RIGHTS;
    assert_true(decide(&in).allow);
    /* other roles do not carry them */
    in.role_mask = PM | IEA;
    in.definitions[AUTHORITY_ROLE_PROJECT_MANAGER] = ALL_RIGHTS;
    in.definitions[AUTHORITY_ROLE_INSPECTOR_EXTRA_AUTHORITY] = ALL_RIGHTS;
    d = decide(&in);
    assert_false(d.allow);
    assert_string_equal(d.reason, "no case role grants this action");
    /* no role */
    in.role_mask = 0;
    assert_false(decide(&in).allow);
  }
}

static void test_marked_and_unmarked_external_case_handler(void **state) {
  (void)state;
  struct authority_input in = partner("allocate_partners");
  struct authority_decision d;
  in.role_mask = ECH;
  in.definitions[AUTHORITY_ROLE_EXTERNAL_CASE_HANDLER] =
      1u << authority_right_index("allocate_partners");
  assert_true(decide(&in).allow);

  in.marked_external = 0;
  d = decide(&in);
  assert_false(d.allow);
  assert_string_equal(d.reason, "user not marked as external case handler");
  in.action = "chat";
  d = decide(&in);
  assert_false(d.allow);
  assert_string_equal(d.reason, "user not marked as external case handler");
  in.action = "documents";
  assert_false(decide(&in).allow);
  in.action = "reported_information";
  assert_false(decide(&in).allow);

  /* an unmarked user keeps what its other case roles give */
  in.action = "allocate_partners";
  in.role_mask = ECH | PM;
  in.definitions[AUTHORITY_ROLE_PROJECT_MANAGER] = 1u << authority_right_index("allocate_partners");
  d = decide(&in);
  assert_true(d.allow);
  assert_string_equal(d.reason, "granted by role project_manager");
}

static void test_principal_checks(void **state) {
  (void)state;
  struct authority_input in = partner("chat");
  struct authority_decision d;
  in.role_mask = ECH;
  in.insurer = 1;
  in.user_in_portal = 0;
  d = decide(&in);
  assert_false(d.allow);
  assert_string_equal(d.reason, "user not in portal");
  in.user_in_portal = 1;
  in.user_active = 0;
  d = decide(&in);
  assert_false(d.allow);
  assert_string_equal(d.reason, "user inactive");
  in.user_active = 1;
  in.action = "fly";
  d = decide(&in);
  assert_false(d.allow);
  assert_string_equal(d.reason, "unknown action");
}

static void test_insurer_users(void **state) {
  (void)state;
  for (int i = 0; i < AUTHORITY_RIGHT_COUNT; i++) {
    struct authority_input in = partner(authority_right_names[i]);
    struct authority_decision d;
    in.insurer = 1; /* no case role, no definitions */
    in.marked_external = 0;
    in.amount = 0;
    d = decide(&in);
    assert_true(d.allow);
    assert_non_null(strstr(d.reason, "internal user of the insurer"));
  }
  for (int i = 0; i < AUTHORITY_ALWAYS_COUNT; i++) {
    struct authority_input in = partner(authority_always_actions[i]);
    in.insurer = 1;
    assert_true(decide(&in).allow);
  }
  /* approve_budget bounded for insurer users too: own limit, else the default */
  struct authority_input in = partner("approve_budget");
  struct authority_decision d;
  in.insurer = 1;
  in.default_limit = 500;
  in.amount = 500;
  d = decide(&in);
  assert_true(d.allow);
  assert_int_equal(d.limit_remaining, 0);
  in.amount = 501;
  d = decide(&in);
  assert_false(d.allow);
  assert_int_equal(d.limit_remaining, 500);
  in.has_own_limit = 1;
  in.own_limit = 100000;
  d = decide(&in);
  assert_true(d.allow);
  assert_int_equal(d.limit_remaining, 100000 - 501);
}

static void test_budget_limit_edge(void **state) {
  (void)state;
  struct authority_input in = partner("approve_budget");
  struct authority_decision d;
  in.role_mask = ECH;
  in.definitions[AUTHORITY_ROLE_EXTERNAL_CASE_HANDLER] = 1u
                                                         << authority_right_index("approve_budget");
  in.default_limit = 20000;

  /* the portal default */
  in.amount = 20000;
  d = decide(&in);
  assert_true(d.allow);
  assert_true(d.has_limit_remaining);
  assert_int_equal(d.limit_remaining, 0);
  assert_non_null(strstr(d.reason, "portal default"));
  in.amount = 20001;
  d = decide(&in);
  assert_false(d.allow);
  assert_true(d.has_limit_remaining);
  assert_int_equal(d.limit_remaining, 20000);
  assert_string_equal(d.reason, "amount exceeds the portal default budget limit");
  in.amount = 0;
  d = decide(&in);
  assert_true(d.allow);
  assert_int_equal(d.limit_remaining, 20000);

  /* an own limit overrides the default, higher or lower */
  in.has_own_limit = 1;
  in.own_limit = 50000;
  in.amount = 50000;
  d = decide(&in);
  assert_true(d.allow);
  assert_int_equal(d.limit_remaining, 0);
  assert_non_null(strstr(d.reason, "own budget limit"));
  in.amount = 50001;
  d = decide(&in);
  assert_false(d.allow);
  assert_int_equal(d.limit_remaining, 50000);
  assert_string_equal(d.reason, "amount exceeds the own budget limit");
  in.own_limit = 100;
  in.amount = 101;
  assert_false(decide(&in).allow);
  in.amount = 100;
  assert_true(decide(&in).allow);
  /* an own limit of 0 means nothing may be approved beyond 0 */
  in.own_limit = 0;
  in.amount = 1;
  assert_false(decide(&in).allow);
  in.amount = 0;
  assert_true(decide(&in).allow);

  /* without the right, the limit does not matter and no limit is reported */
  in.definitions[AUTHORITY_ROLE_EXTERNAL_CASE_HANDLER] = 0;
  in.own_limit = 100000;
  in.amount = 1;
  d = decide(&in);
  assert_false(d.allow);
  assert_false(d.has_limit_remaining);
  /* other rights report no limit */
  in.action = "approve_tasks";
  in.definitions[AUTHORITY_ROLE_EXTERNAL_CASE_HANDLER] = ALL_RIGHTS;
  d = decide(&in);
  assert_true(d.allow);
  assert_false(d.has_limit_remaining);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_every_right_allow_and_deny),
      cmocka_unit_test(test_union_of_roles),
      cmocka_unit_test(test_always_allowed_trio),
      cmocka_unit_test(test_marked_and_unmarked_external_case_handler),
      cmocka_unit_test(test_principal_checks),
      cmocka_unit_test(test_insurer_users),
      cmocka_unit_test(test_budget_limit_edge),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
