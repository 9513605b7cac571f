/* Assertions shared by the integration tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testlib.h"

void tl_assert_problem(const struct tl_response *r, long status, const char *type) {
  if (r->status != status) fail_msg("status %ld, expected %ld; body: %s", r->status, status, r->body);
  char *ct = tl_header(r, "Content-Type");
  assert_non_null(ct);
  assert_string_equal(ct, "application/problem+json");
  free(ct);
  assert_non_null(r->json);
  assert_int_equal(json_integer_value(json_object_get(r->json, "status")), status);
  assert_non_null(json_string_value(json_object_get(r->json, "title")));
  if (type != NULL) assert_string_equal(json_string_value(json_object_get(r->json, "type")), type);
  char *rid = tl_header(r, "X-Request-Id"); /* errors carry the request id too */
  assert_non_null(rid);
  assert_true(strlen(rid) > 0);
  free(rid);
}
