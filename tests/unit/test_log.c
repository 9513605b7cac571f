/* Log lines are single valid JSON objects carrying level, service, request id and message. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "log.h"

static void test_line_is_json(void **state) {
  (void)state;
  char buf[512];
  size_t n = log_format_line(buf, sizeof(buf), "cases", Y_LOG_LEVEL_WARNING, "rid-1",
                             "quote \" and newline\n inside");
  assert_true(n > 0);
  assert_null(strchr(buf, '\n')); /* one line, whatever the message holds */
  json_t *j = json_loads(buf, 0, NULL);
  assert_non_null(j);
  assert_string_equal(json_string_value(json_object_get(j, "level")), "warning");
  assert_string_equal(json_string_value(json_object_get(j, "service")), "cases");
  assert_string_equal(json_string_value(json_object_get(j, "request_id")), "rid-1");
  assert_string_equal(json_string_value(json_object_get(j, "msg")), "quote \" and newline\n inside");
  const char *ts = json_string_value(json_object_get(j, "ts"));
  assert_int_equal(strlen(ts), 24);
  assert_int_equal(ts[23], 'Z');
  json_decref(j);
}

static void test_too_long_is_dropped_not_cut(void **state) {
  (void)state;
  char buf[64];
  assert_int_equal(log_format_line(buf, sizeof(buf), "cases", Y_LOG_LEVEL_INFO, "",
                                   "a message much longer than the sixty-four byte buffer"),
                   0);
}

static void test_request_id_per_thread(void **state) {
  (void)state;
  log_set_request_id("abc");
  assert_string_equal(log_request_id(), "abc");
  log_set_request_id(NULL);
  assert_string_equal(log_request_id(), "");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_line_is_json),
      cmocka_unit_test(test_too_long_is_dropped_not_cut),
      cmocka_unit_test(test_request_id_per_thread),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
