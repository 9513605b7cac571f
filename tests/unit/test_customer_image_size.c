/* The logo's pixel size read from its first bytes (services/customer/logo/image_size.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../services/customer/logo/image_size.c"

static void test_png(void **state) {
  (void)state;
  const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13,
                               'I',  'H', 'D', 'R', 0,    0,    1,    0x2C, 0, 0, 0, 0x50};
  long w = 0, h = 0;
  assert_int_equal(customer_image_size(png, sizeof(png), &w, &h), CS_OK);
  assert_int_equal(w, 300);
  assert_int_equal(h, 80);
  assert_int_equal(customer_image_size(png, 20, &w, &h), CS_ERR_INVALID); /* cut short */
}

static void test_jpeg_after_other_segments(void **state) {
  (void)state;
  /* SOI, an APP0 of 16 bytes, then SOF0 with height 120 and width 400 */
  const unsigned char jpg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0,    16, 'J', 'F',  'I',  'F',  0,    1,
                               1,    0,    0,    1,    0,    1,  0,   0,    0xFF, 0xC0, 0,    17,
                               8,    0,    120,  1,    0x90, 3,  1,   0x22, 0,    2,    0x11, 1};
  long w = 0, h = 0;
  assert_int_equal(customer_image_size(jpg, sizeof(jpg), &w, &h), CS_OK);
  assert_int_equal(w, 400);
  assert_int_equal(h, 120);
}

static void test_gif_and_webp(void **state) {
  (void)state;
  const unsigned char gif[] = {'G', 'I', 'F', '8', '9', 'a', 0x40, 0x01, 0x28, 0x00};
  long w = 0, h = 0;
  assert_int_equal(customer_image_size(gif, sizeof(gif), &w, &h), CS_OK);
  assert_int_equal(w, 320);
  assert_int_equal(h, 40);
  unsigned char webp[30] = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', 'X'};
  webp[24] = 199; /* width - 1, 24 bits little-endian: 200 */
  webp[27] = 49;  /* height - 1: 50 */
  assert_int_equal(customer_image_size(webp, sizeof(webp), &w, &h), CS_OK);
  assert_int_equal(w, 200);
  assert_int_equal(h, 50);
}

static void test_not_an_image(void **state) {
  (void)state;
  long w = 0, h = 0;
  const unsigned char svg[] = "<svg xmlns='http://www.w3.org/2000/svg' height='40'/>";
  assert_int_equal(customer_image_size(svg, sizeof(svg), &w, &h), CS_ERR_INVALID);
  const unsigned char zero[] = {'G', 'I', 'F', '8', '9', 'a', 0, 0, 0, 0};
  assert_int_equal(customer_image_size(zero, sizeof(zero), &w, &h), CS_ERR_INVALID);
  assert_int_equal(customer_image_size(zero, 0, &w, &h), CS_ERR_INVALID);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_png),
      cmocka_unit_test(test_jpeg_after_other_segments),
      cmocka_unit_test(test_gif_and_webp),
      cmocka_unit_test(test_not_an_image),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
