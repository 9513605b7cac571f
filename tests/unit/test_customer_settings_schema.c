/* The table of the customer page's settings (services/customer/settings/settings_schema.c):
 * the defaults are a valid whole document, an empty body misses every member, an override takes
 * any subset, the rules between members, and the merge of an override. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../services/customer/settings/contrast.c"
#include "../../services/customer/settings/settings_schema.c"

static size_t errors_of(const json_t *body, int whole) {
  struct cs_refusal err = {0};
  customer_settings_validate(body, whole, &err);
  size_t n = json_array_size(err.errors);
  cs_refusal_clear(&err);
  return n;
}

static size_t rule_errors(const json_t *doc) {
  struct cs_refusal err = {0};
  customer_settings_rules(doc, &err);
  size_t n = json_array_size(err.errors);
  cs_refusal_clear(&err);
  return n;
}

static void test_defaults_are_valid(void **state) {
  (void)state;
  json_t *d = customer_settings_defaults();
  assert_int_equal(json_object_size(d), NMEMBERS);
  assert_int_equal(errors_of(d, 1), 0);
  assert_int_equal(rule_errors(d), 0);
  json_decref(d);
}

static void test_whole_and_subset(void **state) {
  (void)state;
  json_t *empty = json_object();
  assert_int_equal(errors_of(empty, 1), NMEMBERS); /* every member required */
  assert_int_equal(errors_of(empty, 0), 0);        /* an override may be empty */
  json_t *ro = json_pack("{s:s, s:i}", "portal_id", "x", "version", 3);
  assert_int_equal(errors_of(ro, 0), 2); /* read-only members belong to the portal's GET */
  json_t *sub = json_pack("{s:s, s:[s]}", "case_budget", "always", "news_filter", "case_closed");
  assert_int_equal(errors_of(sub, 0), 0);
  json_t *bad = json_pack("{s:s, s:s, s:i}", "case_budget", "later", "font_color", "#12345g",
                          "visible_days_after_closing", 3651);
  assert_int_equal(errors_of(bad, 0), 3);
  json_decref(empty);
  json_decref(ro);
  json_decref(sub);
  json_decref(bad);
}

static void test_rules_and_merge(void **state) {
  (void)state;
  json_t *d = customer_settings_defaults();
  json_t *o = json_pack("{s:b, s:s, s:s}", "show_case_handler_mobile", 1, "logo", "custom",
                        "reports_tab", "never");
  json_t *m = customer_settings_merge(d, o);
  /* mobile (handler shown by default: fine), custom logo without ref, inspection report shared */
  assert_int_equal(rule_errors(m), 2);
  assert_string_equal(json_string_value(json_object_get(m, "reports_tab")), "never");
  assert_string_equal(json_string_value(json_object_get(m, "access")), "contact_person");
  json_object_set_new(m, "show_case_handler", json_false());
  assert_int_equal(rule_errors(m), 3);
  json_decref(d);
  json_decref(o);
  json_decref(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults_are_valid),
      cmocka_unit_test(test_whole_and_subset),
      cmocka_unit_test(test_rules_and_merge),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
