/* argon2id hashing: round trip, salted, refuses wrong and malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "password.h"
#include "status.h"

static void test_round_trip_and_salt(void **state) {
  (void)state;
  char *a = NULL, *b = NULL;
  assert_int_equal(password_hash("correct horse", &a), CS_OK);
  assert_int_equal(password_hash("correct horse", &b), CS_OK);
  assert_true(strncmp(a, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0);
  assert_string_not_equal(a, b); /* salted */
  assert_true(password_verify(a, "correct horse"));
  assert_true(password_verify(b, "correct horse"));
  assert_false(password_verify(a, "correct horse "));
  assert_false(password_verify(a, ""));
  free(a);
  free(b);
}

static void test_malformed(void **state) {
  (void)state;
  assert_false(password_verify(NULL, "x"));
  assert_false(password_verify("", "x"));
  assert_false(password_verify("$argon2i$v=19$m=16,t=2,p=1$c2FsdHNhbHQ$aGFzaA", "x"));
  assert_false(password_verify("$argon2id$garbage", "x"));
  assert_int_equal(password_verify_nobody("anything"), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip_and_salt),
      cmocka_unit_test(test_malformed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
