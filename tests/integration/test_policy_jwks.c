/* The policy service publishes the public half of its signing key, and only that. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testlib.h"

static void test_jwks_public_key_only(void **state) {
  (void)state;
  char url[256];
  struct tl_response r;
  snprintf(url, sizeof(url), "%s/v1/auth/jwks", tl_env("POLICY_URL"));
  assert_int_equal(tl_http("GET", url, NULL, NULL, 0, 0, &r), 0);
  assert_int_equal(r.status, 200);
  char *ct = tl_header(&r, "Content-Type");
  assert_string_equal(ct, "application/json");
  char *cc = tl_header(&r, "Cache-Control");
  assert_non_null(strstr(cc, "max-age="));

  json_t *keys = json_object_get(r.json, "keys");
  assert_int_equal(json_array_size(keys), 1);
  json_t *key = json_array_get(keys, 0);
  assert_string_equal(json_string_value(json_object_get(key, "kty")), "EC");
  assert_string_equal(json_string_value(json_object_get(key, "crv")), "P-256");
  assert_string_equal(json_string_value(json_object_get(key, "alg")), "ES256");
  assert_null(json_object_get(key, "d")); /* never the private part */

  /* the same kid as the key the stack signs with */
  json_t *priv = json_load_file(tl_env("SIGNING_KEY_FILE"), 0, NULL);
  assert_non_null(priv);
  assert_string_equal(json_string_value(json_object_get(key, "kid")),
                      json_string_value(json_object_get(priv, "kid")));
  assert_string_equal(json_string_value(json_object_get(key, "x")),
                      json_string_value(json_object_get(priv, "x")));
  json_decref(priv);
  free(ct);
  free(cc);
  tl_response_free(&r);
}

static void test_jwks_is_public_but_read_only(void **state) {
  (void)state;
  char url[256];
  struct tl_response r;
  snprintf(url, sizeof(url), "%s/v1/auth/jwks", tl_env("POLICY_URL"));
  assert_int_equal(tl_http("POST", url, NULL, "{}", 2, 0, &r), 0);
  assert_int_equal(r.status, 405);
  char *allow = tl_header(&r, "Allow");
  assert_string_equal(allow, "GET");
  free(allow);
  tl_response_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_jwks_public_key_only),
      cmocka_unit_test(test_jwks_is_public_but_read_only),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
