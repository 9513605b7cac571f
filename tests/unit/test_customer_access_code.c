/* The customer page's SMS codes (services/customer/access/access_rules.c): six digits, every
 * value equally likely (the top slice of a 32-bit draw is drawn again), and how often a grant
 * may be sent one: not again while its code is usable and less than 30 s old, at most 10 an
 * hour. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../services/customer/access/access_rules.c"

static void test_code_from(void **state) {
  (void)state;
  assert_int_equal(customer_access_code_from(0), 0);
  assert_int_equal(customer_access_code_from(999999), 999999);
  assert_int_equal(customer_access_code_from(1000000), 0);
  assert_int_equal(customer_access_code_from(4293999999UL), 999999);
  /* 4 294 000 000 .. 2^32 - 1 would favour the codes below 967 296: drawn again */
  assert_int_equal(customer_access_code_from(4294000000UL), -1);
  assert_int_equal(customer_access_code_from(4294967295UL), -1);
}

static void test_code_new(void **state) {
  (void)state;
  char code[CUSTOMER_ACCESS_CODE_DIGITS + 1];
  int first_digit[10] = {0}, differ = 0;
  char last[CUSTOMER_ACCESS_CODE_DIGITS + 1] = "";
  for (int i = 0; i < 2000; i++) {
    assert_int_equal(customer_access_code_new(code), CS_OK);
    assert_int_equal(strlen(code), 6);
    assert_int_equal(strspn(code, "0123456789"), 6); /* leading zeros kept */
    first_digit[code[0] - '0']++;
    differ += strcmp(code, last) != 0;
    memcpy(last, code, sizeof(code));
  }
  assert_true(differ > 1990);
  /* every leading digit shows up about 200 times in 2000 draws */
  for (int d = 0; d < 10; d++) assert_in_range(first_digit[d], 100, 320);
}

static void test_wait(void **state) {
  (void)state;
  /* never sent, or the last one used or burnt: now */
  assert_int_equal(customer_access_code_wait(-1, 0, 0), 0);
  assert_int_equal(customer_access_code_wait(2, 0, 3), 0);
  /* a usable code: not again within 30 s */
  assert_int_equal(customer_access_code_wait(0, 1, 1), 30);
  assert_int_equal(customer_access_code_wait(12, 1, 1), 18);
  assert_int_equal(customer_access_code_wait(29, 1, 1), 1);
  assert_int_equal(customer_access_code_wait(30, 1, 1), 0);
  /* ten in the last hour: no more, whatever the last one's state */
  assert_int_equal(customer_access_code_wait(-1, 0, 9), 0);
  assert_true(customer_access_code_wait(3000, 0, 10) > 0);
  assert_true(customer_access_code_wait(1, 1, 12) >= 30);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_code_from),
      cmocka_unit_test(test_code_new),
      cmocka_unit_test(test_wait),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
