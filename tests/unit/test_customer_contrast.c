/* The WCAG 2.1 contrast of the customer page's colours (services/customer/settings/contrast.c)
 * against values known from the standard and common checkers, and the parsing of #rrggbb. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../services/customer/settings/contrast.c"

static void test_parse(void **state) {
  (void)state;
  unsigned char rgb[3];
  assert_int_equal(customer_color_parse("#1F3a5f", rgb), 0);
  assert_int_equal(rgb[0], 0x1f);
  assert_int_equal(rgb[1], 0x3a);
  assert_int_equal(rgb[2], 0x5f);
  assert_int_equal(customer_color_parse("#ffffff", NULL), 0);
  const char *bad[] = {NULL, "", "#fff", "ffffff", "#fffffff", "#gggggg", "#12345 ", " #123456"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_int_equal(customer_color_parse(bad[i], rgb), -1);
}

static void test_luminance(void **state) {
  (void)state;
  const unsigned char black[3] = {0, 0, 0}, white[3] = {255, 255, 255}, red[3] = {255, 0, 0};
  assert_float_equal(customer_luminance(black), 0.0, 1e-9);
  assert_float_equal(customer_luminance(white), 1.0, 1e-9);
  assert_float_equal(customer_luminance(red), 0.2126, 1e-9);
}

static void test_ratio(void **state) {
  (void)state;
  assert_float_equal(customer_contrast_ratio("#000000", "#ffffff"), 21.0, 1e-9);
  assert_float_equal(customer_contrast_ratio("#ffffff", "#000000"), 21.0, 1e-9); /* symmetric */
  assert_float_equal(customer_contrast_ratio("#abcdef", "#ABCDEF"), 1.0, 1e-9);
  /* the classic edge of AA on white: #767676 passes (4.54), #777777 fails (4.48) */
  assert_float_equal(customer_contrast_ratio("#767676", "#ffffff"), 4.54, 0.01);
  assert_true(customer_contrast_ratio("#767676", "#ffffff") >= CUSTOMER_CONTRAST_AA);
  assert_float_equal(customer_contrast_ratio("#777777", "#ffffff"), 4.48, 0.01);
  assert_true(customer_contrast_ratio("#777777", "#ffffff") < CUSTOMER_CONTRAST_AA);
  /* pure red on white is 4.0:1, blue on white 8.59:1 */
  assert_float_equal(customer_contrast_ratio("#ff0000", "#ffffff"), 4.0, 0.01);
  assert_float_equal(customer_contrast_ratio("#0000ff", "#ffffff"), 8.59, 0.01);
  assert_float_equal(customer_contrast_ratio("#fff", "#000000"), -1.0, 1e-9);
  assert_float_equal(customer_contrast_ratio("#000000", NULL), -1.0, 1e-9);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse),
      cmocka_unit_test(test_luminance),
      cmocka_unit_test(test_ratio),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
