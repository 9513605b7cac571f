/* Assertions and JSON look-ups shared by the tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
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

void tl_expect(const struct tl_response *r, long status) {
  if (r->status != status)
    fail_msg("status %ld, expected %ld; body: %s", r->status, status, r->body ? r->body : "");
}

void tl_assert_header(const struct tl_response *r, const char *name, const char *expected) {
  char *v = tl_header(r, name);
  if (v == NULL) fail_msg("no %s header in\n%s", name, r->headers);
  if (strcmp(v, expected) != 0) fail_msg("%s is '%s', expected '%s'", name, v, expected);
  free(v);
}

const char *tl_str(const json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

void tl_assert_str(const json_t *o, const char *key, const char *expected) {
  const char *v = tl_str(o, key);
  if (v == NULL || strcmp(v, expected) != 0)
    fail_msg("%s is '%s', expected '%s'", key, v ? v : "(missing)", expected);
}

json_t *tl_item(const json_t *array, const char *id) {
  size_t i;
  json_t *it;
  json_array_foreach(array, i, it) {
    const char *v = tl_str(it, "id");
    if (v != NULL && !strcmp(v, id)) return it;
  }
  return NULL;
}

const char *tl_joined(const json_t *a) {
  static char buf[2048];
  size_t i, n = 0;
  const json_t *v;
  buf[0] = '\0';
  assert_true(json_is_array(a));
  json_array_foreach(a, i, v) {
    n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? "," : "", json_string_value(v));
  }
  return buf;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char *tl_sort_join(const char **s, size_t n, char *buf, size_t len) {
  size_t used = 0;
  qsort(s, n, sizeof(*s), cmp_str);
  buf[0] = '\0';
  for (size_t i = 0; i < n && used < len; i++)
    used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? "," : "", s[i]);
  return buf;
}

const json_t *tl_error_for(const json_t *errors, const char *field, const char *needle) {
  size_t i;
  const json_t *e;
  json_array_foreach(errors, i, e) {
    const char *f = tl_str(e, "field"), *m = tl_str(e, "message");
    if (f != NULL && !strcmp(f, field) && (needle == NULL || (m != NULL && strstr(m, needle))))
      return e;
  }
  return NULL;
}

void tl_assert_field_error(const struct tl_response *r, const char *field, const char *needle) {
  if (tl_error_for(json_object_get(r->json, "errors"), field, needle) == NULL)
    fail_msg("no error for field %s (%s) in %s", field, needle ? needle : "any", r->body);
}

void tl_assert_field_code(const struct tl_response *r, const char *field, const char *code) {
  const json_t *e = tl_error_for(json_object_get(r->json, "errors"), field, NULL);
  if (e == NULL) fail_msg("no error for field %s in %s", field, r->body);
  if (tl_str(e, "code") == NULL || strcmp(tl_str(e, "code"), code) != 0)
    fail_msg("field %s: code %s expected in %s", field, code, r->body);
}
