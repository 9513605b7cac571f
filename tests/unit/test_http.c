/* HTTP helpers: problem+json bodies, JSON parsing, validation, paging, If-Match, ids. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "db.h"
#include "http.h"
#include "ids.h"
#include "paging.h"
#include "refusal.h"
#include "status.h"

static json_t *body_of(struct _u_response *resp) {
  return json_loadb(resp->binary_body, resp->binary_body_length, 0, NULL);
}

static void with_body(struct _u_request *req, const char *ctype, const char *body) {
  ulfius_init_request(req);
  if (ctype) u_map_put(req->map_header, "Content-Type", ctype);
  if (body) ulfius_set_string_body_request(req, body);
}

static void test_problem_shape(void **state) {
  (void)state;
  struct _u_response resp;
  ulfius_init_response(&resp);
  http_problem_full(&resp, PROBLEM_VALIDATION, "bad",
                    json_pack("[{s:s,s:s}]", "field", "x", "message", "is required"), NULL);
  assert_int_equal(resp.status, 422);
  assert_string_equal(u_map_get_case(resp.map_header, "Content-Type"), "application/problem+json");
  json_t *j = body_of(&resp);
  assert_string_equal(json_string_value(json_object_get(j, "type")),
                      "urn:claimsuite:problem:validation");
  assert_string_equal(json_string_value(json_object_get(j, "title")), "Validation failed");
  assert_int_equal(json_integer_value(json_object_get(j, "status")), 422);
  assert_string_equal(json_string_value(json_object_get(j, "detail")), "bad");
  assert_string_equal(
      json_string_value(json_object_get(json_array_get(json_object_get(j, "errors"), 0), "field")),
      "x");
  json_decref(j);
  ulfius_clean_response(&resp);
}

/* Parses body as a request body of type ctype: the status code of the parse, the answer's
 * status in *status and, when errors is not NULL, a new reference to the answer's errors. */
static int parse_full(const char *ctype, const char *body, long *status, json_t **errors) {
  struct _u_request req;
  struct _u_response resp;
  json_t *out = NULL;
  with_body(&req, ctype, body);
  ulfius_init_response(&resp);
  int rc = http_parse_json_object(&req, &resp, &out);
  *status = resp.status;
  if (errors != NULL) {
    json_t *answer = rc == CS_OK ? NULL : body_of(&resp);
    *errors = json_incref(json_object_get(answer, "errors"));
    json_decref(answer);
  }
  json_decref(out);
  ulfius_clean_request(&req);
  ulfius_clean_response(&resp);
  return rc;
}

static int parse(const char *ctype, const char *body, long *status) {
  return parse_full(ctype, body, status, NULL);
}

static void test_parse(void **state) {
  (void)state;
  long status;
  assert_int_equal(parse("application/json", "{\"a\":1}", &status), CS_OK);
  assert_int_equal(parse("application/json; charset=utf-8", "{\"a\":1}", &status), CS_OK);
  assert_int_equal(parse("application/merge-patch+json", "{}", &status), CS_OK);
  assert_int_equal(parse("application/json", "{\"a\":1,\"a\":2}", &status), CS_ERR_INVALID);
  assert_int_equal(status, 400);
  assert_int_equal(parse("application/json", "{\"a\":", &status), CS_ERR_INVALID);
  assert_int_equal(status, 400);
  assert_int_equal(parse("application/json", "[1,2]", &status), CS_ERR_INVALID);
  assert_int_equal(status, 400);
  assert_int_equal(parse("application/json", NULL, &status), CS_ERR_INVALID);
  assert_int_equal(status, 400);
  assert_int_equal(parse("text/plain", "{}", &status), CS_ERR_INVALID);
  assert_int_equal(status, 415);
  assert_int_equal(parse(NULL, "{}", &status), CS_ERR_INVALID);
  assert_int_equal(status, 415);
}

static const struct http_field fields[] = {
    {"name", HTTP_FIELD_STRING, 1, 5},  {"count", HTTP_FIELD_INTEGER, 0, 0},
    {"id", HTTP_FIELD_UUID, 0, 0},      {"day", HTTP_FIELD_DATE, 0, 0},
    {"at", HTTP_FIELD_TIMESTAMP, 0, 0}, {"ok", HTTP_FIELD_BOOLEAN, 0, 0},
};

static json_t *errors_for(const char *text) {
  json_t *body = json_loads(text, 0, NULL);
  json_t *errors = http_validate_errors(body, fields, 6);
  json_decref(body);
  return errors;
}

static const char *message_for(json_t *errors, const char *field) {
  size_t i;
  json_t *e;
  json_array_foreach(errors, i, e) {
    if (!strcmp(json_string_value(json_object_get(e, "field")), field))
      return json_string_value(json_object_get(e, "message"));
  }
  return NULL;
}

static const char *code_for(json_t *errors, const char *field) {
  size_t i;
  json_t *e;
  json_array_foreach(errors, i, e) {
    if (!strcmp(json_string_value(json_object_get(e, "field")), field))
      return json_string_value(json_object_get(e, "code"));
  }
  return NULL;
}

/* The status of text's refusal as a JSON body (0: parsed) and its errors (a new reference). */
static long parse_refusal(const char *text, json_t **errors) {
  long status = 0;
  return parse_full("application/json", text, &status, errors) == CS_OK ? 0 : status;
}

/* Every error has its machine code; a number too large for 64 bits is an error of its field,
 * not a malformed body. */
static void test_field_codes(void **state) {
  (void)state;
  json_t *e = errors_for(
      "{\"count\":\"3\",\"id\":\"nope\",\"day\":7,\"name\":\"toolong\","
      "\"extra\":1}");
  assert_string_equal(code_for(e, "count"), "wrong_type");
  assert_string_equal(code_for(e, "id"), "format");
  assert_string_equal(code_for(e, "day"), "wrong_type");
  assert_string_equal(code_for(e, "name"), "too_long");
  assert_string_equal(code_for(e, "extra"), "unknown_field");
  json_decref(e);
  e = errors_for("{\"ok\":true}");
  assert_string_equal(code_for(e, "name"), "required");
  json_decref(e);

  /* a number beyond 64 bits is named where it stands, nested ones by their path */
  assert_int_equal(parse_refusal("{\"name\":\"abc\",\"count\":123456789012345678901234567890}", &e),
                   422);
  assert_int_equal(json_array_size(e), 1);
  assert_string_equal(code_for(e, "count"), "out_of_range");
  json_decref(e);
  assert_int_equal(
      parse_refusal("{\"count\":9007199254740993,\"a\":{\"b\":[1,-99999999999999999999]}}", &e),
      422);
  assert_int_equal(json_array_size(e), 1); /* 2^53 + 1 fits: only the other is named */
  assert_string_equal(code_for(e, "a/b/1"), "out_of_range");
  json_decref(e);
  assert_int_equal(parse_refusal("{\"count\":9223372036854775807}", &e), 0); /* INT64_MAX fits */
  assert_int_equal(parse_refusal("{\"name\":\"abc\",\"extra\":1e999999}", &e), 400);
  json_decref(e); /* a real beyond double is malformed */
}

/* Nothing is said twice of a field, nor judged of a value that is absent or of the wrong
 * type. */
static void test_one_error_per_field(void **state) {
  (void)state;
  json_t *errors = json_array();
  problem_field_append(errors, "a", FIELD_REQUIRED, "is required");
  problem_field_append(errors, "a", FIELD_FORMAT, "is not a date");
  problem_field_append(errors, "contacts/0/email", FIELD_FORMAT, "is not an email address");
  problem_field_append(errors, "contacts/0/email", FIELD_FORMAT, "has no @");
  problem_field_append(errors, "contacts/0/email", FIELD_TOO_LONG, "is too long");
  assert_int_equal(json_array_size(errors), 3);
  assert_string_equal(code_for(errors, "a"), "required");
  assert_string_equal(code_for(errors, "contacts/0/email"), "format");
  json_decref(errors);

  /* the field checks come first; the domain's checks add what they find of the rest */
  struct cs_refusal err = {0};
  json_t *body = json_loads("{\"name\": 7, \"day\": \"2026-13-01\"}", 0, NULL);
  fields_check(body, fields, 6, &err);
  cs_refusal_field(&err, "name", FIELD_FORMAT, "must not start with a space");
  cs_refusal_field(&err, "count", FIELD_OUT_OF_RANGE, "must be below 10");
  assert_int_equal(json_array_size(err.errors), 3);
  assert_string_equal(code_for(err.errors, "name"), "wrong_type");
  assert_string_equal(code_for(err.errors, "day"), "format");
  assert_string_equal(code_for(err.errors, "count"), "out_of_range");
  assert_int_equal(cs_refusal_validation(&err), CS_REFUSED);
  assert_int_equal(problem_type_of(err.kind)->status, 422);
  cs_refusal_clear(&err);
  json_decref(body);
}

static void test_validate(void **state) {
  (void)state;
  json_t *e = errors_for(
      "{\"name\":\"abc\",\"count\":3,\"id\":\"123e4567-e89b-12d3-a456-426614174000\","
      "\"day\":\"2024-02-29\",\"at\":\"2026-11-21T10:00:00.5+01:00\",\"ok\":true}");
  assert_int_equal(json_array_size(e), 0);
  json_decref(e);

  e = errors_for(
      "{\"count\":\"3\",\"id\":\"nope\",\"day\":\"2023-02-29\",\"at\":\"2026-11-21 10:00\","
      "\"ok\":1,\"extra\":1}");
  assert_string_equal(message_for(e, "name"), "is required");
  assert_string_equal(message_for(e, "count"), "must be an integer");
  assert_string_equal(message_for(e, "id"), "must be a UUID");
  assert_string_equal(message_for(e, "day"), "must be a date (YYYY-MM-DD)");
  assert_string_equal(message_for(e, "at"), "must be an RFC 3339 timestamp");
  assert_string_equal(message_for(e, "ok"), "must be true or false");
  assert_string_equal(message_for(e, "extra"), "is not a known field");
  json_decref(e);

  e = errors_for("{\"name\":\"too long\"}");
  assert_string_equal(message_for(e, "name"), "must be at most 5 bytes long");
  json_decref(e);
}

static void test_cursor_roundtrip_and_garbage(void **state) {
  (void)state;
  json_t *pos = json_pack("{s:s, s:i}", "id", "x", "n", 5);
  char *c = paging_cursor_encode(pos);
  json_t *back = paging_cursor_decode(c);
  assert_true(json_equal(pos, back));
  assert_null(paging_cursor_decode("!!!"));
  assert_null(paging_cursor_decode("WzFd")); /* "[1]": JSON, but not ours */
  assert_null(paging_cursor_decode(""));
  free(c);
  json_decref(pos);
  json_decref(back);
}

static long page(const char *limit, const char *cursor, long *out_limit) {
  struct _u_request req;
  struct _u_response resp;
  json_t *c = NULL;
  ulfius_init_request(&req);
  ulfius_init_response(&resp);
  if (limit) u_map_put(req.map_url, "limit", limit);
  if (cursor) u_map_put(req.map_url, "cursor", cursor);
  struct cs_refusal err = {0};
  int rc = paging_parse(req.map_url, out_limit, &c, &err);
  long status = rc == CS_OK ? 0 : problem_type_of(err.kind)->status;
  cs_refusal_clear(&err);
  json_decref(c);
  ulfius_clean_request(&req);
  ulfius_clean_response(&resp);
  return status;
}

static void test_page_params(void **state) {
  (void)state;
  long limit;
  assert_int_equal(page(NULL, NULL, &limit), 0);
  assert_int_equal(limit, 50);
  assert_int_equal(page("200", NULL, &limit), 0);
  assert_int_equal(limit, 200);
  assert_int_equal(page("201", NULL, &limit), 400);
  assert_int_equal(page("0", NULL, &limit), 400);
  assert_int_equal(page("ten", NULL, &limit), 400);
  assert_int_equal(page(NULL, "garbage", &limit), 400);
}

static long if_match(const char *header, const char *etag, int require) {
  struct _u_request req;
  struct _u_response resp;
  ulfius_init_request(&req);
  ulfius_init_response(&resp);
  if (header) u_map_put(req.map_header, "If-Match", header);
  int rc = http_check_if_match(&req, &resp, etag, require);
  long status = rc == CS_OK ? 0 : resp.status;
  ulfius_clean_request(&req);
  ulfius_clean_response(&resp);
  return status;
}

static json_t *id_position(const json_t *last, const void *arg) {
  (void)arg;
  return json_pack("{s:O}", "after", json_object_get(last, "id"));
}

static void test_page_shape(void **state) {
  (void)state;
  /* limit + 1 rows: one page more, the cursor points after the last shown */
  json_t *page = paging_page(json_pack("[{s:i}, {s:i}, {s:i}]", "id", 1, "id", 2, "id", 3), 2,
                             id_position, NULL);
  assert_int_equal(json_array_size(json_object_get(page, "items")), 2);
  json_t *pos = paging_cursor_decode(json_string_value(json_object_get(page, "next_cursor")));
  assert_int_equal(json_integer_value(json_object_get(pos, "after")), 2);
  json_decref(pos);
  json_decref(page);
  /* the last page: next_cursor is null */
  page = paging_page(json_pack("[{s:i}]", "id", 1), 2, id_position, NULL);
  assert_int_equal(json_array_size(json_object_get(page, "items")), 1);
  assert_true(json_is_null(json_object_get(page, "next_cursor")));
  json_decref(page);
}

static void test_if_match(void **state) {
  (void)state;
  assert_int_equal(if_match("\"3\"", "\"3\"", 1), 0);
  assert_int_equal(if_match("\"1\", \"3\"", "\"3\"", 1), 0);
  assert_int_equal(if_match("W/\"3\"", "\"3\"", 1), 0);
  assert_int_equal(if_match("*", "\"3\"", 1), 0);
  assert_int_equal(if_match("\"2\"", "\"3\"", 1), 412);
  assert_int_equal(if_match(NULL, "\"3\"", 1), 428);
  assert_int_equal(if_match(NULL, "\"3\"", 0), 0);
}

static void test_uuid_and_formats(void **state) {
  (void)state;
  char a[37], b[37];
  ids_uuid_v4(a);
  ids_uuid_v4(b);
  assert_true(ids_is_uuid(a));
  assert_string_not_equal(a, b);
  assert_int_equal(a[14], '4');
  assert_false(ids_is_uuid("123e4567-e89b-12d3-a456-42661417400"));
  assert_true(ids_is_timestamp("2026-11-21T10:00:00Z"));
  assert_false(ids_is_timestamp("2026-11-21T25:00:00Z"));
  assert_false(ids_is_date("2026-13-01"));
  /* what PostgreSQL refuses is no timestamp or date here either (it was a 500, not a 400) */
  assert_true(ids_is_timestamp("2026-11-21T10:00:00+15:59"));
  assert_true(ids_is_timestamp("0001-01-01T00:00:00-02:00"));
  assert_false(ids_is_timestamp("2026-11-21T10:00:00+16:00"));
  assert_false(ids_is_timestamp("2026-11-21T10:00:00+99:00"));
  assert_false(ids_is_timestamp("2026-11-21T10:00:00-01:60"));
  assert_false(ids_is_timestamp("0000-01-01T00:00:00Z"));
  assert_false(ids_is_date("0000-01-01"));
}

static void test_sqlstate_map(void **state) {
  (void)state;
  assert_int_equal(problem_type_of(db_sqlstate_problem("23505"))->status, 409);
  assert_int_equal(problem_type_of(db_sqlstate_problem("23503"))->status, 422);
  assert_int_equal(problem_type_of(db_sqlstate_problem("23514"))->status, 422);
  assert_int_equal(problem_type_of(db_sqlstate_problem("57014"))->status, 504);
  assert_int_equal(problem_type_of(db_sqlstate_problem("40001"))->status, 503);
  assert_int_equal(problem_type_of(db_sqlstate_problem("40P01"))->status, 503);
  assert_int_equal(problem_type_of(db_sqlstate_problem("XX000"))->status, 500);
  assert_int_equal(db_sqlstate_problem(NULL), PROBLEM_INTERNAL);
  assert_true(db_sqlstate_retryable("40P01"));
  assert_false(db_sqlstate_retryable("23505"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_problem_shape),
      cmocka_unit_test(test_parse),
      cmocka_unit_test(test_validate),
      cmocka_unit_test(test_field_codes),
      cmocka_unit_test(test_one_error_per_field),
      cmocka_unit_test(test_cursor_roundtrip_and_garbage),
      cmocka_unit_test(test_page_params),
      cmocka_unit_test(test_page_shape),
      cmocka_unit_test(test_if_match),
      cmocka_unit_test(test_uuid_and_formats),
      cmocka_unit_test(test_sqlstate_map),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
