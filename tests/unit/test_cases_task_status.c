/* The task status table and the pure checks of a task (services/cases/task/task_status.c): every
 * allowed transition by the endpoint that makes it, every other pair refused, the targets a
 * 409 lists, which tasks may be removed, task types, trades and timestamps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../services/cases/task/task_status.c"

static const char *const codes[] = {"0", "1", "2", "3", "4", "A"};
#define NCODES (sizeof(codes) / sizeof(codes[0]))

static void test_known_and_requestable(void **state) {
  (void)state;
  for (size_t i = 0; i < NCODES; i++) assert_true(cases_task_status_known(codes[i]));
  assert_false(cases_task_status_known(NULL));
  assert_false(cases_task_status_known(""));
  assert_false(cases_task_status_known("a"));
  assert_false(cases_task_status_known("5"));
  assert_false(cases_task_status_known("12"));
  assert_false(cases_task_status_requestable("0"));
  assert_false(cases_task_status_requestable("1"));
  assert_true(cases_task_status_requestable("2"));
  assert_true(cases_task_status_requestable("3"));
  assert_true(cases_task_status_requestable("4"));
  assert_true(cases_task_status_requestable("A"));
  assert_false(cases_task_status_requestable("A "));
  assert_false(cases_task_status_requestable(NULL));
}

/* The expected move of from -> to through via; NONE for every pair not in the issue. */
static enum cases_task_move expected(char from, char to, enum cases_task_via via) {
  if (via == CASES_TASK_VIA_OFFICE && to == '1' && (from == '0' || from == '1'))
    return CASES_TASK_MOVE_ASSIGN_OFFICE;
  if (via == CASES_TASK_VIA_USER && to == '2' && (from == '1' || from == '2'))
    return CASES_TASK_MOVE_ASSIGN_USER;
  if (via != CASES_TASK_VIA_STATUS) return CASES_TASK_MOVE_NONE;
  if (from == '2' && to == '3') return CASES_TASK_MOVE_START;
  if (from == '3' && to == '4') return CASES_TASK_MOVE_COMPLETE;
  if (from == '4' && to == 'A') return CASES_TASK_MOVE_APPROVE;
  if (from == '4' && to == '3') return CASES_TASK_MOVE_REOPEN;
  return CASES_TASK_MOVE_NONE;
}

static void test_every_pair(void **state) {
  (void)state;
  const enum cases_task_via vias[] = {CASES_TASK_VIA_OFFICE, CASES_TASK_VIA_USER,
                                      CASES_TASK_VIA_STATUS};
  for (size_t v = 0; v < 3; v++)
    for (size_t f = 0; f < NCODES; f++)
      for (size_t t = 0; t < NCODES; t++) {
        enum cases_task_move want = expected(codes[f][0], codes[t][0], vias[v]);
        if (cases_task_move_of(codes[f], codes[t], vias[v]) != want)
          fail_msg("%s -> %s via %zu: got %d, want %d", codes[f], codes[t], v,
                   cases_task_move_of(codes[f], codes[t], vias[v]), want);
      }
  assert_int_equal(cases_task_move_of(NULL, "3", CASES_TASK_VIA_STATUS), CASES_TASK_MOVE_NONE);
  assert_int_equal(cases_task_move_of("2", NULL, CASES_TASK_VIA_STATUS), CASES_TASK_MOVE_NONE);
  assert_int_equal(cases_task_move_of("23", "3", CASES_TASK_VIA_STATUS), CASES_TASK_MOVE_NONE);
}

/* The targets as one string, "" when none. */
static void targets(const char *from, enum cases_task_via via, char *out, size_t len) {
  json_t *a = cases_task_allowed_targets(from, via);
  size_t i, n = 0;
  const json_t *v;
  out[0] = '\0';
  assert_non_null(a);
  json_array_foreach(a, i, v) n += (size_t)snprintf(out + n, len - n, "%s", json_string_value(v));
  json_decref(a);
}

static void test_allowed_targets(void **state) {
  (void)state;
  char got[16];
  targets("2", CASES_TASK_VIA_STATUS, got, sizeof(got));
  assert_string_equal(got, "3");
  targets("3", CASES_TASK_VIA_STATUS, got, sizeof(got));
  assert_string_equal(got, "4");
  targets("4", CASES_TASK_VIA_STATUS, got, sizeof(got));
  assert_string_equal(got, "A3");
  targets("A", CASES_TASK_VIA_STATUS, got, sizeof(got));
  assert_string_equal(got, "");
  targets("0", CASES_TASK_VIA_STATUS, got, sizeof(got));
  assert_string_equal(got, "");
  targets("0", CASES_TASK_VIA_OFFICE, got, sizeof(got));
  assert_string_equal(got, "1");
  targets("2", CASES_TASK_VIA_OFFICE, got, sizeof(got));
  assert_string_equal(got, "");
  targets("1", CASES_TASK_VIA_USER, got, sizeof(got));
  assert_string_equal(got, "2");
  targets(NULL, CASES_TASK_VIA_USER, got, sizeof(got));
  assert_string_equal(got, "");
}

static void test_removable_and_names(void **state) {
  (void)state;
  assert_true(cases_task_removable("0"));
  assert_true(cases_task_removable("1"));
  assert_true(cases_task_removable("2"));
  assert_false(cases_task_removable("3"));
  assert_false(cases_task_removable("4"));
  assert_false(cases_task_removable("A"));
  assert_false(cases_task_removable(NULL));
  assert_string_equal(cases_task_status_name("3"), "started");
  assert_string_equal(cases_task_status_name("A"), "approved");
  assert_string_equal(cases_task_status_name("x"), "unknown");
  assert_string_equal(cases_task_status_name(NULL), "unknown");
}

static void test_types_and_trades(void **state) {
  (void)state;
  assert_true(cases_task_type_known("inspection"));
  assert_true(cases_task_type_known("first_aid"));
  assert_true(cases_task_type_known("repair"));
  assert_true(cases_task_type_known("project_management"));
  assert_false(cases_task_type_known("external_case_handler")); /* a role, not a task */
  assert_false(cases_task_type_known("Repair"));
  assert_false(cases_task_type_known(NULL));
  assert_true(cases_code_valid("carpentry"));
  assert_true(cases_code_valid("floor_laying"));
  assert_true(cases_code_valid("a"));
  assert_true(cases_code_valid("abcdefghijklmnopqrstuvwxyzabcdefghijklmn")); /* 40 */
  assert_false(cases_code_valid("abcdefghijklmnopqrstuvwxyzabcdefghijklmno")); /* 41 */
  assert_false(cases_code_valid("_plumbing"));
  assert_false(cases_code_valid("Plumbing"));
  assert_false(cases_code_valid("plumb-ing"));
  assert_false(cases_code_valid(""));
  assert_false(cases_code_valid(NULL));
}

static long long us(const char *s) {
  long long v = -1;
  assert_int_equal(cases_task_timestamp_us(s, &v), CS_OK);
  return v;
}

static void test_timestamps(void **state) {
  (void)state;
  long long v;
  assert_true(us("1970-01-01T00:00:00Z") == 0);
  assert_true(us("2026-11-20T08:00:00Z") == 1795161600LL * 1000000LL);
  /* the same instant in three spellings */
  assert_true(us("2026-11-20T09:00:00+01:00") == us("2026-11-20T08:00:00Z"));
  assert_true(us("2026-11-20T07:30:00-00:30") == us("2026-11-20T08:00:00.000000Z"));
  assert_true(us("2026-11-20T08:00:00.5Z") - us("2026-11-20T08:00:00Z") == 500000);
  assert_true(us("2026-11-20T08:00:00.1234567Z") - us("2026-11-20T08:00:00Z") == 123456);
  assert_true(us("2024-02-29T00:00:00Z") - us("2024-02-28T00:00:00Z") == 86400LL * 1000000LL);
  assert_true(us("2026-01-01T00:30:00+01:00") < us("2025-12-31T23:45:00Z"));
  assert_int_equal(cases_task_timestamp_us("2026-11-20", &v), CS_ERR_INVALID);
  assert_int_equal(cases_task_timestamp_us("2026-11-20T08:00:00", &v), CS_ERR_INVALID);
  assert_int_equal(cases_task_timestamp_us(NULL, &v), CS_ERR_INVALID);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_known_and_requestable), cmocka_unit_test(test_every_pair),
      cmocka_unit_test(test_allowed_targets),       cmocka_unit_test(test_removable_and_names),
      cmocka_unit_test(test_types_and_trades),      cmocka_unit_test(test_timestamps),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
