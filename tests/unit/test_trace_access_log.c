/* The access line (log_format_access): one valid JSON object per request whatever its strings
 * hold, with the trace ids, and the traceparent each thread sends on. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "log.h"

static json_t *format(const struct log_access *a, char *buf, size_t len) {
  size_t n = log_format_access(buf, len, "cases", Y_LOG_LEVEL_INFO, a);
  assert_true(n > 0);
  assert_int_equal(n, strlen(buf));
  assert_null(strchr(buf, '\n'));
  json_error_t err;
  json_t *j = json_loads(buf, JSON_REJECT_DUPLICATES, &err);
  if (j == NULL) fail_msg("not JSON (%s): %s", err.text, buf);
  return j;
}

static void test_members(void **state) {
  (void)state;
  char buf[2048];
  const struct log_access a = {"GET",
                               "/v1/cases/:id",
                               200,
                               1234,
                               1.5,
                               "rid-1",
                               "portal-1",
                               "user-1",
                               "4bf92f3577b34da6a3ce929d0e0e4736",
                               "00f067aa0ba902b7",
                               "b7ad6b7169203331"};
  json_t *j = format(&a, buf, sizeof(buf));
  assert_string_equal(json_string_value(json_object_get(j, "level")), "info");
  assert_string_equal(json_string_value(json_object_get(j, "service")), "cases");
  assert_string_equal(json_string_value(json_object_get(j, "request_id")), "rid-1");
  assert_string_equal(json_string_value(json_object_get(j, "msg")), "request");
  assert_string_equal(json_string_value(json_object_get(j, "method")), "GET");
  assert_string_equal(json_string_value(json_object_get(j, "route")), "/v1/cases/:id");
  assert_int_equal(json_integer_value(json_object_get(j, "status")), 200);
  assert_int_equal(json_integer_value(json_object_get(j, "bytes")), 1234);
  assert_true(json_real_value(json_object_get(j, "duration_ms")) == 1.5);
  assert_string_equal(json_string_value(json_object_get(j, "portal")), "portal-1");
  assert_string_equal(json_string_value(json_object_get(j, "caller")), "user-1");
  assert_string_equal(json_string_value(json_object_get(j, "trace_id")),
                      "4bf92f3577b34da6a3ce929d0e0e4736");
  assert_string_equal(json_string_value(json_object_get(j, "span_id")), "00f067aa0ba902b7");
  assert_string_equal(json_string_value(json_object_get(j, "parent_id")), "b7ad6b7169203331");
  assert_int_equal(strlen(json_string_value(json_object_get(j, "ts"))), 24);
  json_decref(j);
}

static void test_strings_are_escaped(void **state) {
  (void)state;
  char buf[2048];
  /* what a token's claims could hold: quotes, backslashes, control characters, UTF-8, and bytes
   * that are not UTF-8 (a lone continuation byte, an overlong form, a surrogate, a cut sequence) */
  const struct log_access a = {"G\"ET",
                               "/v1/\\x",
                               404,
                               0,
                               0.25,
                               NULL,
                               "p\n\t\x01\x1f\"",
                               "Åsa 😀 \x80 \xc0\xaf \xed\xa0\x80 \xe2\x82",
                               NULL,
                               "",
                               NULL};
  json_t *j = format(&a, buf, sizeof(buf));
  assert_string_equal(json_string_value(json_object_get(j, "method")), "G\"ET");
  assert_string_equal(json_string_value(json_object_get(j, "route")), "/v1/\\x");
  assert_string_equal(json_string_value(json_object_get(j, "portal")), "p\n\t\x01\x1f\"");
  assert_string_equal(
      json_string_value(json_object_get(j, "caller")),
      "Åsa 😀 \xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
      " \xef\xbf\xbd\xef\xbf\xbd");
  assert_string_equal(json_string_value(json_object_get(j, "request_id")), "");
  assert_string_equal(json_string_value(json_object_get(j, "trace_id")), "");
  json_decref(j);
}

static void test_too_long_is_dropped_not_cut(void **state) {
  (void)state;
  char buf[2048], caller[3000];
  memset(caller, 'x', sizeof(caller) - 1);
  caller[sizeof(caller) - 1] = '\0';
  const struct log_access a = {"GET", "/r", 200, 0, 1, "rid", "", caller, "", "", ""};
  assert_int_equal(log_format_access(buf, sizeof(buf), "cases", Y_LOG_LEVEL_INFO, &a), 0);
  assert_string_equal(buf, "");
  caller[1000] = '\0';
  json_t *j = format(&a, buf, sizeof(buf));
  json_decref(j);
}

static void test_levels(void **state) {
  (void)state;
  char buf[1024];
  const struct log_access a = {"GET", "/r", 500, 0, 1, "rid", "", "", "", "", ""};
  log_format_access(buf, sizeof(buf), "cases", Y_LOG_LEVEL_ERROR, &a);
  assert_non_null(strstr(buf, "\"level\":\"error\""));
  log_format_access(buf, sizeof(buf), "cases", Y_LOG_LEVEL_WARNING, &a);
  assert_non_null(strstr(buf, "\"level\":\"warning\""));
}

static void test_traceparent_per_thread(void **state) {
  (void)state;
  assert_string_equal(log_traceparent(), "");
  log_set_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  assert_string_equal(log_traceparent(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  log_set_traceparent(NULL);
  assert_string_equal(log_traceparent(), "");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_members),
      cmocka_unit_test(test_strings_are_escaped),
      cmocka_unit_test(test_too_long_is_dropped_not_cut),
      cmocka_unit_test(test_levels),
      cmocka_unit_test(test_traceparent_per_thread),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
