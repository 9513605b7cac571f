/* The one-time code of a signature by SMS (services/orders/signing/otp.c): six digits, every
 * value equally likely (the top slice of a 32-bit draw is drawn again), its stored form bound
 * to the signature, the comparison, the shape a code must have, and the masked number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../services/orders/signing/otp.c"

static void test_from(void **state) {
  (void)state;
  assert_int_equal(orders_otp_from(0), 0);
  assert_int_equal(orders_otp_from(999999), 999999);
  assert_int_equal(orders_otp_from(1000000), 0);
  assert_int_equal(orders_otp_from(4293999999UL), 999999);
  assert_int_equal(orders_otp_from(4294000000UL), -1);
  assert_int_equal(orders_otp_from(4294967295UL), -1);
}

static void test_new(void **state) {
  (void)state;
  char code[ORDERS_OTP_DIGITS + 1], first[ORDERS_OTP_DIGITS + 1];
  int differ = 0, leading[10] = {0};
  assert_int_equal(orders_otp_new(first), CS_OK);
  for (int i = 0; i < 2000; i++) {
    assert_int_equal(orders_otp_new(code), CS_OK);
    assert_true(orders_otp_well_formed(code));
    leading[code[0] - '0']++;
    if (strcmp(code, first) != 0) differ++;
  }
  assert_true(differ > 1990);
  for (int d = 0; d < 10; d++) assert_true(leading[d] > 100); /* ~200 each, leading 0 too */
}

static void test_hash(void **state) {
  (void)state;
  char a[ORDERS_OTP_HASH_LEN + 1], b[ORDERS_OTP_HASH_LEN + 1], c[ORDERS_OTP_HASH_LEN + 1];
  const char *sig = "7b0c5e6e-3f43-4a8e-9a57-2d1b8a9f3c11";
  assert_int_equal(orders_otp_hash(sig, "123456", a), CS_OK);
  assert_int_equal(orders_otp_hash(sig, "123456", b), CS_OK);
  assert_int_equal(orders_otp_hash("0e2a1f5c-1111-4a8e-9a57-2d1b8a9f3c11", "123456", c), CS_OK);
  assert_int_equal(strlen(a), 64);
  assert_string_equal(a, b);
  assert_string_not_equal(a, c); /* a code is good for its own signature alone */
  /* sha256("7b0c...3c11:123456") */
  assert_string_equal(a, "542c39c5d372ece34a32652ee6add0d1f484e247dcf2c5c7dae72bc659464b34");
}

static void test_same_and_form(void **state) {
  (void)state;
  assert_true(orders_otp_same("ab12", "ab12"));
  assert_false(orders_otp_same("ab12", "ab13"));
  assert_false(orders_otp_same("ab12", "ab1"));
  assert_false(orders_otp_same(NULL, "ab12"));
  assert_true(orders_otp_well_formed("012345"));
  assert_false(orders_otp_well_formed("12345"));
  assert_false(orders_otp_well_formed("1234567"));
  assert_false(orders_otp_well_formed("12a456"));
  assert_false(orders_otp_well_formed(" 12345"));
  assert_false(orders_otp_well_formed(NULL));
}

static void test_mask(void **state) {
  (void)state;
  char out[64];
  orders_otp_mask("+46701234567", out, sizeof(out));
  assert_string_equal(out, "+46 *** ** 67");
  orders_otp_mask("12345", out, sizeof(out));
  assert_string_equal(out, "***");
  orders_otp_mask(NULL, out, sizeof(out));
  assert_string_equal(out, "***");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_from), cmocka_unit_test(test_new),
      cmocka_unit_test(test_hash), cmocka_unit_test(test_same_and_form),
      cmocka_unit_test(test_mask),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
