/* The customer page's embedded files (services/customer/page/page_assets.c): finding a file by
 * the name of GET /c/<file> ("" is the page), nothing outside the table, and the media types a
 * browser needs (a module script is refused without a JavaScript type under nosniff). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../services/customer/page/page_assets.c"

/* a table as embed_assets.cmake writes it */
static const unsigned char html[] = "<!doctype html>", js[] = "export {};";
const struct customer_page_asset customer_page_assets[] = {
    {"app.js", js, sizeof(js) - 1, "\"a\""},
    {"index.html", html, sizeof(html) - 1, "\"b\""},
};
const size_t customer_page_asset_count = 2;

static void test_find(void **state) {
  (void)state;
  assert_ptr_equal(customer_page_asset_find(""), &customer_page_assets[1]);
  assert_ptr_equal(customer_page_asset_find(NULL), &customer_page_assets[1]);
  assert_ptr_equal(customer_page_asset_find("index.html"), &customer_page_assets[1]);
  assert_ptr_equal(customer_page_asset_find("app.js"), &customer_page_assets[0]);
  assert_null(customer_page_asset_find("app.js/"));
  assert_null(customer_page_asset_find("../main.c"));
  assert_null(customer_page_asset_find("APP.JS"));
  assert_null(customer_page_asset_find("nothing.css"));
}

static void test_media_types(void **state) {
  (void)state;
  assert_string_equal(customer_page_media_type("index.html"), "text/html; charset=utf-8");
  assert_string_equal(customer_page_media_type("app.js"), "text/javascript; charset=utf-8");
  assert_string_equal(customer_page_media_type("page.css"), "text/css; charset=utf-8");
  assert_string_equal(customer_page_media_type("logo.svg"), "image/svg+xml");
  assert_string_equal(customer_page_media_type("README"), "application/octet-stream");
  assert_string_equal(customer_page_media_type("x.js.map"), "application/octet-stream");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_find),
      cmocka_unit_test(test_media_types),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
