/* W3C traceparent: what is accepted, what is refused (then a new trace begins), what is sent on,
 * and the random ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "trace.h"

#define GOOD "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

static void test_parse_valid(void **state) {
  (void)state;
  char trace[TRACE_ID_HEX + 1], parent[TRACE_SPAN_HEX + 1];
  unsigned flags = 99;
  assert_true(trace_parse(GOOD, trace, parent, &flags));
  assert_string_equal(trace, "4bf92f3577b34da6a3ce929d0e0e4736");
  assert_string_equal(parent, "00f067aa0ba902b7");
  assert_int_equal(flags, 1);
  assert_true(
      trace_parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", NULL, NULL, &flags));
  assert_int_equal(flags, 0);
  assert_true(
      trace_parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff", NULL, NULL, &flags));
  assert_int_equal(flags, 255);
  /* a later version may carry more fields after a '-'; read as version 00 */
  assert_true(trace_parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", trace,
                          parent, &flags));
  assert_string_equal(trace, "4bf92f3577b34da6a3ce929d0e0e4736");
  assert_true(
      trace_parse("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", NULL, NULL, NULL));
}

static void test_parse_invalid(void **state) {
  (void)state;
  static const char *const bad[] = {
      "",
      "00",
      /* all-zero trace id, all-zero parent id */
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
      /* version ff, version not hex */
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      /* uppercase hex */
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A",
      /* lengths and separators */
      "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e47366-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
      "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01",
      /* version 00 is exactly 55 characters; a later version needs '-' after them */
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 ",
      "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",
      /* two headers joined by a proxy */
      GOOD ", " GOOD,
      " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
  };
  char trace[TRACE_ID_HEX + 1] = "untouched";
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    if (trace_parse(bad[i], trace, NULL, NULL)) fail_msg("accepted: '%s'", bad[i]);
  }
  assert_string_equal(trace, "untouched");
  assert_false(trace_parse(NULL, NULL, NULL, NULL));
}

static int is_lower_hex(const char *s, size_t n) {
  if (strlen(s) != n) return 0;
  for (size_t i = 0; i < n; i++)
    if (!strchr("0123456789abcdef", s[i])) return 0;
  return 1;
}

static void test_begin_keeps_the_callers_trace(void **state) {
  (void)state;
  struct trace_context c;
  char out[TRACEPARENT_LEN + 1];
  trace_begin(GOOD, &c);
  assert_string_equal(c.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  assert_string_equal(c.parent_id, "00f067aa0ba902b7");
  assert_true(is_lower_hex(c.span_id, TRACE_SPAN_HEX));
  assert_string_not_equal(c.span_id, c.parent_id);
  /* sent on: same trace and flags, our span as the parent */
  trace_format(&c, out);
  assert_int_equal(strlen(out), TRACEPARENT_LEN);
  assert_memory_equal(out, "00-4bf92f3577b34da6a3ce929d0e0e4736-", 36);
  assert_memory_equal(out + 36, c.span_id, TRACE_SPAN_HEX);
  assert_string_equal(out + 52, "-01");
  assert_true(trace_parse(out, NULL, NULL, NULL));
  /* a later version is sent on as 00 */
  trace_begin("7f-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-more", &c);
  trace_format(&c, out);
  assert_memory_equal(out, "00-4bf92f3577b34da6a3ce929d0e0e4736-", 36);
  assert_string_equal(out + 52, "-00");
}

static void test_begin_starts_a_trace_when_invalid(void **state) {
  (void)state;
  struct trace_context a, b;
  char out[TRACEPARENT_LEN + 1];
  trace_begin(NULL, &a);
  trace_begin("00-00000000000000000000000000000000-00f067aa0ba902b7-01", &b);
  assert_true(is_lower_hex(a.trace_id, TRACE_ID_HEX));
  assert_true(is_lower_hex(a.span_id, TRACE_SPAN_HEX));
  assert_string_equal(a.parent_id, "");
  assert_int_equal(a.flags, 1);
  assert_string_not_equal(a.trace_id, b.trace_id);
  assert_string_not_equal(a.span_id, b.span_id);
  assert_string_not_equal(b.trace_id, "00000000000000000000000000000000");
  trace_format(&a, out);
  assert_true(trace_parse(out, NULL, NULL, NULL));
}

static void test_random_ids_differ(void **state) {
  (void)state;
  char ids[2000][TRACE_SPAN_HEX + 1];
  /* more than one reserve of random bytes, and no repeats */
  for (int i = 0; i < 2000; i++) {
    trace_random_hex(ids[i], TRACE_SPAN_HEX / 2);
    assert_true(is_lower_hex(ids[i], TRACE_SPAN_HEX));
    assert_string_not_equal(ids[i], "0000000000000000");
  }
  for (int i = 0; i < 2000; i++)
    for (int j = i + 1; j < 2000; j++) assert_string_not_equal(ids[i], ids[j]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_valid),
      cmocka_unit_test(test_parse_invalid),
      cmocka_unit_test(test_begin_keeps_the_callers_trace),
      cmocka_unit_test(test_begin_starts_a_trace_when_invalid),
      cmocka_unit_test(test_random_ids_differ),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
