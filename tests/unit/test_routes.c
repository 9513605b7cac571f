/* Route pattern matching and the Allow list behind 404 vs 405. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "routes.h"

static void test_match(void **state) {
  (void)state;
  assert_true(route_match("/healthz", "/healthz"));
  assert_true(route_match("/healthz", "/healthz/"));
  assert_true(route_match("/healthz", "/healthz?x=1"));
  assert_false(route_match("/healthz", "/healthzz"));
  assert_false(route_match("/healthz", "/"));
  assert_true(route_match("/notes/:id", "/notes/abc"));
  assert_false(route_match("/notes/:id", "/notes"));
  assert_false(route_match("/notes/:id", "/notes/abc/def"));
  assert_true(route_match("/files/*", "/files/a/b/c"));
  assert_true(route_match("/v1/cases/:id/tasks/:task", "/v1/cases/1/tasks/2"));
  assert_false(route_match("/v1/cases/:id/tasks/:task", "/v1/cases/1/notes/2"));
}

static void test_allowed_methods(void **state) {
  (void)state;
  const struct route_entry table[] = {
      {"POST", "/notes"}, {"GET", "/notes"}, {"GET", "/notes/:id"}, {"PATCH", "/notes/:id"},
      {"GET", "/notes/:id"}};
  char allow[64];
  assert_int_equal(route_allowed_methods(table, 5, "/notes", allow, sizeof(allow)), 2);
  assert_string_equal(allow, "POST, GET");
  assert_int_equal(route_allowed_methods(table, 5, "/notes/x", allow, sizeof(allow)), 2);
  assert_string_equal(allow, "GET, PATCH");
  assert_int_equal(route_allowed_methods(table, 5, "/nothing", allow, sizeof(allow)), 0);
  assert_string_equal(allow, "");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_match),
      cmocka_unit_test(test_allowed_methods),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
