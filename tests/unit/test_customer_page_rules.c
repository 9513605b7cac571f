/* The customer page's pure rules: a setting's "when" against a case (casefile_rules.c), a closed
 * case's page and its days, and which parts the page shows (portal_shows.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "../../services/customer/casefile/casefile_rules.c"
#include "../../services/customer/portal/portal_shows.c"

/* A casefile: inspector_assigned_at (NULL: none), the decision (NULL: none), closed days_ago
 * (< 0: open). */
static json_t *casefile(const char *inspector_at, const char *decision, int closed_days_ago) {
  char closed[32] = "";
  if (closed_days_ago >= 0) {
    time_t t = time(NULL) - (time_t)closed_days_ago * 86400 - 60;
    strftime(closed, sizeof(closed), "%Y-%m-%dT%H:%M:%S.000000Z", gmtime(&t));
  }
  json_t *c =
      json_pack("{s:s, s:o}", "status", closed[0] ? "closed" : "open", "compensation_decision",
                decision ? json_pack("{s:s}", "decision", decision) : json_null());
  return json_pack("{s:s, s:s?, s:s?, s:o}", "case_id", "c", "inspector_assigned_at", inspector_at,
                   "closed_at", closed[0] ? closed : NULL, "case", c);
}

static void test_when(void **state) {
  (void)state;
  json_t *fresh = casefile(NULL, NULL, -1);
  json_t *inspected = casefile("2026-12-01T10:00:00.000000Z", "negative", -1);
  json_t *positive = casefile("2026-12-01T10:00:00.000000Z", "positive", -1);
  assert_false(customer_when_holds("never", positive));
  assert_true(customer_when_holds("always", fresh));
  assert_true(customer_when_holds("case_created", fresh));
  assert_false(customer_when_holds("inspector_assigned", fresh));
  assert_true(customer_when_holds("inspector_assigned", inspected));
  assert_false(customer_when_holds("positive_compensation_decision", inspected));
  assert_true(customer_when_holds("positive_compensation_decision", positive));
  assert_false(customer_when_holds("sometime", positive));
  assert_false(customer_when_holds(NULL, positive));
  assert_false(customer_when_holds("always", NULL));
  json_decref(fresh);
  json_decref(inspected);
  json_decref(positive);
}

static void test_visible_after_closing(void **state) {
  (void)state;
  json_t *s30 = json_pack("{s:i}", "visible_days_after_closing", 30);
  json_t *s0 = json_pack("{s:i}", "visible_days_after_closing", 0);
  json_t *open = casefile(NULL, NULL, -1), *today = casefile(NULL, NULL, 0);
  json_t *day29 = casefile(NULL, NULL, 29), *day30 = casefile(NULL, NULL, 30);
  assert_true(customer_casefile_visible(open, s0));
  assert_true(customer_casefile_visible(today, s30));
  assert_false(customer_casefile_visible(today, s0));
  assert_true(customer_casefile_visible(day29, s30));
  assert_false(customer_casefile_visible(day30, s30));
  json_t *unknown = json_pack("{s:{s:s}}", "case", "status", "closed");
  assert_false(customer_casefile_visible(unknown, s30)); /* closed, when unknown: not shown */
  json_decref(unknown);
  json_decref(s30);
  json_decref(s0);
  json_decref(open);
  json_decref(today);
  json_decref(day29);
  json_decref(day30);
}

static void test_parts(void **state) {
  (void)state;
  json_t *c = casefile(NULL, NULL, -1);
  json_t *s =
      json_pack("{s:s, s:s, s:b, s:s, s:s, s:s, s:s}", "dashboard", "always", "news_feed_title",
                "never", "show_plan", 1, "rebuild_plan_tab", "never", "case_budget",
                "inspector_assigned", "messages_tab", "case_created", "reports_tab", "never");
  assert_true(customer_portal_shows("dashboard", c, s));
  assert_false(customer_portal_shows("news", c, s));
  assert_true(customer_portal_shows("plan", c, s)); /* on the dashboard */
  assert_false(customer_portal_shows("budget", c, s));
  assert_true(customer_portal_shows("messages", c, s));
  assert_false(customer_portal_shows("documents", c, s));
  assert_false(customer_portal_shows("anything", c, s));
  /* without the dashboard the feed and the plan's section go; the plan's own tab stays */
  json_object_set_new(s, "dashboard", json_string("never"));
  json_object_set_new(s, "news_feed_title", json_string("always"));
  assert_false(customer_portal_shows("news", c, s));
  assert_false(customer_portal_shows("plan", c, s));
  json_object_set_new(s, "rebuild_plan_tab", json_string("case_created"));
  assert_true(customer_portal_shows("plan", c, s));
  json_decref(c);
  json_decref(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_when),
      cmocka_unit_test(test_visible_after_closing),
      cmocka_unit_test(test_parts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
