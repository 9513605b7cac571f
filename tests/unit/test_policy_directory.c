/* The pure checks of the policy service's directory (services/policy/directory/directory.c): the query of
 * GET /internal/offices/eligible (coordinates as plain decimals in range, both or neither, the
 * boolean), the body of POST /internal/users/lookup and the path and query of
 * GET /internal/api-clients/{id}. No database: only the parsers run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* the directory with its store (linked, never called here) */
#include "../../services/policy/directory/directory.c"
#include "../../services/policy/directory/store_directory.c"
#include "../../services/policy/org/store_org_common.c"
#include "testlib.h"

#define PORTAL "00000000-0000-4000-8000-de0000000201"
#define USER "00000000-0000-4000-8000-de0000000504"

/* 1 when errors names field with a message containing needle (NULL: any). */
static int has_error(const json_t *errors, const char *field, const char *needle) {
  return tl_error_for(errors, field, needle) != NULL;
}

/* Parses and returns how many errors there were. */
static size_t parse(const char *portal, const char *lat, const char *lon, const char *ech,
                    struct policy_directory_query *q) {
  json_t *errors = policy_directory_query_parse(portal, lat, lon, ech, q);
  assert_non_null(errors);
  size_t n = json_array_size(errors);
  json_decref(errors);
  return n;
}

static void test_query_valid(void **state) {
  (void)state;
  struct policy_directory_query q;

  assert_int_equal(parse(PORTAL, "59.3293", "18.0686", "true", &q), 0);
  assert_string_equal(q.portal_id, PORTAL);
  assert_true(q.has_point);
  assert_true(q.latitude == 59.3293);
  assert_true(q.longitude == 18.0686);
  assert_true(q.external_case_handler);

  assert_int_equal(parse(PORTAL, NULL, NULL, NULL, &q), 0);
  assert_false(q.has_point);
  assert_false(q.external_case_handler);
  assert_int_equal(parse(PORTAL, NULL, NULL, "false", &q), 0);
  assert_false(q.external_case_handler);

  /* the edges and other plain decimal forms */
  static const char *const lats[] = {"-90", "90", "0", "-0.5", "+45", "1e1", "4.5E1", "90.000"};
  for (size_t i = 0; i < sizeof(lats) / sizeof(lats[0]); i++)
    if (parse(PORTAL, lats[i], "0", NULL, &q) != 0) fail_msg("latitude %s refused", lats[i]);
  assert_int_equal(parse(PORTAL, "0", "-180", NULL, &q), 0);
  assert_true(q.longitude == -180);
  assert_int_equal(parse(PORTAL, "0", "180", NULL, &q), 0);
}

static void test_query_invalid(void **state) {
  (void)state;
  struct policy_directory_query q;
  json_t *errors;

  errors = policy_directory_query_parse(NULL, NULL, NULL, NULL, &q);
  assert_true(has_error(errors, "portal_id", "required"));
  assert_int_equal(json_array_size(errors), 1);
  json_decref(errors);
  errors = policy_directory_query_parse("not-a-uuid", NULL, NULL, NULL, &q);
  assert_true(has_error(errors, "portal_id", "UUID"));
  json_decref(errors);

  /* not plain decimals, or out of range */
  static const char *const bad[] = {"", " 5", "5 ", "abc", "nan", "NaN", "inf", "-infinity",
                                    "0x10", "1e999", "1e-999", "5e", "--1", "1.2.3", "90.0001",
                                    "-90.5", "1,5"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    errors = policy_directory_query_parse(PORTAL, bad[i], "0", NULL, &q);
    if (!has_error(errors, "latitude", "between -90 and 90") || json_array_size(errors) != 1)
      fail_msg("latitude '%s' accepted", bad[i]);
    json_decref(errors);
  }
  errors = policy_directory_query_parse(PORTAL, "0", "180.01", NULL, &q);
  assert_true(has_error(errors, "longitude", "between -180 and 180"));
  json_decref(errors);

  /* both or neither: the missing one is named */
  errors = policy_directory_query_parse(PORTAL, "59", NULL, NULL, &q);
  assert_true(has_error(errors, "longitude", "both or neither"));
  assert_int_equal(json_array_size(errors), 1);
  json_decref(errors);
  errors = policy_directory_query_parse(PORTAL, NULL, "18", NULL, &q);
  assert_true(has_error(errors, "latitude", "both or neither"));
  json_decref(errors);

  static const char *const booleans[] = {"", "yes", "TRUE", "1", "0", "False"};
  for (size_t i = 0; i < sizeof(booleans) / sizeof(booleans[0]); i++) {
    errors = policy_directory_query_parse(PORTAL, NULL, NULL, booleans[i], &q);
    if (!has_error(errors, "external_case_handler", "true or false"))
      fail_msg("external_case_handler '%s' accepted", booleans[i]);
    json_decref(errors);
  }

  /* every problem at once */
  errors = policy_directory_query_parse("x", "-91", NULL, "maybe", &q);
  assert_int_equal(json_array_size(errors), 4);
  json_decref(errors);
}

/* The errors of a lookup body given as JSON text. New. */
static json_t *lookup_errors(const char *text) {
  json_t *body = json_loads(text, 0, NULL);
  assert_non_null(body);
  json_t *errors = policy_directory_lookup_errors(body);
  assert_non_null(errors);
  json_decref(body);
  return errors;
}

/* {"portal_id": PORTAL, "ids": [USER x n]} as new JSON text. */
static char *ids_body(int n) {
  json_t *ids = json_array();
  for (int i = 0; i < n; i++) json_array_append_new(ids, json_string(USER));
  json_t *body = json_pack("{s:s, s:o}", "portal_id", PORTAL, "ids", ids);
  char *text = json_dumps(body, JSON_COMPACT);
  json_decref(body);
  return text;
}

static void test_lookup_body(void **state) {
  (void)state;
  json_t *errors;
  char *text;

  errors = lookup_errors("{\"portal_id\":\"" PORTAL "\",\"ids\":[]}");
  assert_int_equal(json_array_size(errors), 0);
  json_decref(errors);
  /* duplicates are allowed, 500 at most */
  text = ids_body(POLICY_DIRECTORY_LOOKUP_MAX);
  errors = lookup_errors(text);
  assert_int_equal(json_array_size(errors), 0);
  json_decref(errors);
  free(text);
  text = ids_body(POLICY_DIRECTORY_LOOKUP_MAX + 1);
  errors = lookup_errors(text);
  assert_true(has_error(errors, "ids", "at most 500"));
  assert_int_equal(json_array_size(errors), 1);
  json_decref(errors);
  free(text);

  errors = lookup_errors("{\"portal_id\":\"" PORTAL "\",\"ids\":[\"" USER "\",\"x\",3,null]}");
  assert_true(has_error(errors, "ids/1", "must be a UUID"));
  assert_true(has_error(errors, "ids/2", "must be a UUID"));
  assert_true(has_error(errors, "ids/3", "must be a UUID"));
  assert_int_equal(json_array_size(errors), 3);
  json_decref(errors);

  errors = lookup_errors("{}");
  assert_true(has_error(errors, "portal_id", "required"));
  assert_true(has_error(errors, "ids", "required"));
  json_decref(errors);
  errors = lookup_errors("{\"portal_id\":\"p\",\"ids\":{},\"extra\":1}");
  assert_true(has_error(errors, "portal_id", "UUID"));
  assert_true(has_error(errors, "ids", "array"));
  assert_true(has_error(errors, "extra", "not a known field"));
  json_decref(errors);
}

static void test_api_client_request(void **state) {
  (void)state;
  int known = -1;
  json_t *errors = policy_directory_api_client_errors(USER, PORTAL, &known);
  assert_true(known);
  assert_int_equal(json_array_size(errors), 0);
  json_decref(errors);

  /* an id that is no UUID names no client (404); portal_id is required and a UUID (400) */
  errors = policy_directory_api_client_errors("core-system", PORTAL, &known);
  assert_false(known);
  assert_int_equal(json_array_size(errors), 0);
  json_decref(errors);
  errors = policy_directory_api_client_errors(NULL, NULL, &known);
  assert_false(known);
  assert_true(has_error(errors, "portal_id", "required"));
  json_decref(errors);
  errors = policy_directory_api_client_errors(USER, PORTAL "0", &known);
  assert_true(known);
  assert_true(has_error(errors, "portal_id", "UUID"));
  assert_int_equal(json_array_size(errors), 1);
  json_decref(errors);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_query_valid),
      cmocka_unit_test(test_query_invalid),
      cmocka_unit_test(test_lookup_body),
      cmocka_unit_test(test_api_client_request),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
