/* Conditional GETs: the strong tag of a body and the If-None-Match test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "etag.h"

static void test_of_body(void **state) {
  (void)state;
  char a[ETAG_OF_BODY_LEN + 1], b[ETAG_OF_BODY_LEN + 1], c[ETAG_OF_BODY_LEN + 1];
  etag_of_body("{\"items\":[],\"next_cursor\":null}", 32, a);
  etag_of_body("{\"items\":[],\"next_cursor\":null}", 32, b);
  etag_of_body("{\"items\":[1],\"next_cursor\":null}", 33, c);
  assert_int_equal(strlen(a), ETAG_OF_BODY_LEN);
  assert_int_equal(a[0], '"');
  assert_int_equal(a[ETAG_OF_BODY_LEN - 1], '"');
  for (int i = 1; i < ETAG_OF_BODY_LEN - 1; i++) assert_non_null(strchr("0123456789abcdef", a[i]));
  assert_string_equal(a, b);
  assert_string_not_equal(a, c);
  /* the bytes given, not up to a NUL; a zero byte more is another body */
  etag_of_body("ab\0c", 4, b);
  etag_of_body("ab\0d", 4, c);
  assert_string_not_equal(b, c);
  etag_of_body("a", 1, b);
  etag_of_body("a\0", 2, c);
  assert_string_not_equal(b, c);
  etag_of_body("", 0, b);
  etag_of_body("\0", 1, c);
  assert_string_not_equal(b, c);
}

/* One changed byte, at any place (in a word or in the tail) and to any value, changes the tag. */
static void test_every_byte_counts(void **state) {
  (void)state;
  unsigned char body[203];
  char base[ETAG_OF_BODY_LEN + 1], changed[ETAG_OF_BODY_LEN + 1];
  for (size_t i = 0; i < sizeof(body); i++) body[i] = (unsigned char)(i * 31 + 7);
  etag_of_body(body, sizeof(body), base);
  for (size_t i = 0; i < sizeof(body); i++) {
    unsigned char was = body[i];
    for (int bit = 0; bit < 8; bit++) {
      body[i] = (unsigned char)(was ^ (1u << bit));
      etag_of_body(body, sizeof(body), changed);
      if (!strcmp(base, changed)) fail_msg("byte %zu bit %d changed nothing", i, bit);
    }
    body[i] = was;
  }
  etag_of_body(body, sizeof(body), changed);
  assert_string_equal(base, changed);
}

static void test_none_match(void **state) {
  (void)state;
  const char *tag = "\"abc\"";
  assert_true(etag_none_match("\"abc\"", tag));
  assert_true(etag_none_match("*", tag));
  assert_true(etag_none_match("\"x\", \"abc\"", tag));
  assert_true(etag_none_match("\"x\",\"y\" ,\t\"abc\"", tag));
  /* weak comparison: W/ on either side does not matter */
  assert_true(etag_none_match("W/\"abc\"", tag));
  assert_true(etag_none_match("\"abc\"", "W/\"abc\""));
  assert_true(etag_none_match("\"x\", W/\"abc\"", "W/\"abc\""));
  /* a comma inside a tag belongs to the tag */
  assert_true(etag_none_match("\"a,b\"", "\"a,b\""));
  assert_false(etag_none_match("\"a\"", "\"a,b\""));

  assert_false(etag_none_match(NULL, tag));
  assert_false(etag_none_match("", tag));
  assert_false(etag_none_match("\"abcd\"", tag));
  assert_false(etag_none_match("\"ab\"", tag));
  assert_false(etag_none_match("\"ABC\"", tag));              /* opaque: case matters */
  assert_false(etag_none_match("abc", tag));                  /* not quoted */
  assert_false(etag_none_match("w/\"abc\"", tag));            /* the weak prefix is "W/" */
  assert_false(etag_none_match("\"abc", tag));                /* unterminated */
  assert_false(etag_none_match("\"x\", junk, \"abc\"", tag)); /* stops where it breaks */
  assert_false(etag_none_match("\"abc\"", NULL));
  assert_false(etag_none_match("\"abc\"", "abc")); /* a handler's malformed tag never matches */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_of_body),
      cmocka_unit_test(test_every_byte_counts),
      cmocka_unit_test(test_none_match),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
