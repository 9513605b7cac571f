/* The animated QR data of a BankID order (services/orders/signing/bankid_qr.c), against the
 * example of BankID's relying-party guidelines: qrStartToken 67df3917-..., qrStartSecret
 * d28db9a7-..., the codes of seconds 0, 1 and 2; and the refusals of what cannot make one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../services/orders/signing/bankid_qr.c"

#define TOKEN "67df3917-fa0d-44e5-b327-edcc928297f8"
#define SECRET "d28db9a7-4cde-429e-a983-359be676944c"

static void test_documented_example(void **state) {
  (void)state;
  char qr[160];
  assert_int_equal(orders_bankid_qr(TOKEN, SECRET, 0, qr, sizeof(qr)), CS_OK);
  assert_string_equal(
      qr, "bankid." TOKEN ".0.dc69358e712458a66a7525beef148ae8526b1c71610eff2c16cdffb4cdac9bf8");
  assert_int_equal(orders_bankid_qr(TOKEN, SECRET, 1, qr, sizeof(qr)), CS_OK);
  assert_string_equal(
      qr, "bankid." TOKEN ".1.949d559bf23403952a94d103e67743126381eda00f0b3cbddbf7c96b1adcbce2");
  assert_int_equal(orders_bankid_qr(TOKEN, SECRET, 2, qr, sizeof(qr)), CS_OK);
  assert_string_equal(
      qr, "bankid." TOKEN ".2.a9e5ec59cb4eee4ef4117150abc58fad7a85439a6a96ccbecc3668b41795b3f3");
}

/* Every second its own code; another secret another code. */
static void test_changes_each_second(void **state) {
  (void)state;
  char a[160], b[160], c[160];
  assert_int_equal(orders_bankid_qr(TOKEN, SECRET, 30, a, sizeof(a)), CS_OK);
  assert_int_equal(orders_bankid_qr(TOKEN, SECRET, 31, b, sizeof(b)), CS_OK);
  assert_int_equal(orders_bankid_qr(TOKEN, "another-secret", 30, c, sizeof(c)), CS_OK);
  assert_string_not_equal(a, b);
  assert_string_not_equal(a, c);
  assert_memory_equal(a, "bankid." TOKEN ".30.", strlen("bankid." TOKEN ".30."));
  assert_int_equal(strlen(a), strlen("bankid." TOKEN ".30.") + 64);
}

static void test_refusals(void **state) {
  (void)state;
  char qr[160], small[40];
  assert_int_equal(orders_bankid_qr(NULL, SECRET, 0, qr, sizeof(qr)), CS_ERR_INVALID);
  assert_int_equal(orders_bankid_qr(TOKEN, NULL, 0, qr, sizeof(qr)), CS_ERR_INVALID);
  assert_int_equal(orders_bankid_qr(TOKEN, SECRET, -1, qr, sizeof(qr)), CS_ERR_INVALID);
  assert_int_equal(orders_bankid_qr(TOKEN, SECRET, 0, small, sizeof(small)), CS_ERR_INVALID);
  assert_string_equal(small, ""); /* never half a code */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_documented_example),
      cmocka_unit_test(test_changes_each_second),
      cmocka_unit_test(test_refusals),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
