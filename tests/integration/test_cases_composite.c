/* A core system creates a case with its contacts and tasks in one request (POST /v1/cases
 * "tasks"): one transaction, one Idempotency-Key; a bad task refuses the whole case and leaves
 * nothing behind. */
#define _GNU_SOURCE /* asprintf */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testlib.h"
#include "tl_world.h"

#define PROBLEM(slug) "urn:claimsuite:problem:" slug

static struct tl_world w;

/* A case body with claim number claim and tasks (a JSON array text). */
static char *body_with(const char *claim, const char *tasks) {
  char *b = NULL;
  if (asprintf(&b,
               "{\"claim_number\": \"%s\", \"damage_type\": \"water\", \"damage_date\": "
               "\"2026-11-30\", \"address\": {\"street\": \"Sveavägen 1\", \"city\": "
               "\"Stockholm\", \"latitude\": 59.33, \"longitude\": 18.06}, \"contacts\": "
               "[{\"kind\": \"policyholder\", \"name\": \"Eva Ek\", \"phone\": \"+46701234567\"}],"
               " \"tasks\": %s}",
               claim, tasks) < 0)
    fail_msg("out of memory");
  return b;
}

/* 1 when portal A has a case with claim number claim. */
static int exists(const char *claim) {
  return tl_sql_long(
             "SELECT count(*) FROM cases.cases WHERE portal_id = $1::uuid AND "
             "claim_number = $2",
             2, (const char *[]){w.portal_a, claim}) > 0;
}

static void test_case_with_tasks_in_one_request(void **state) {
  (void)state;
  char claim[64], key[96];
  snprintf(claim, sizeof(claim), "COMP-%s-1", w.sfx);
  snprintf(key, sizeof(key), "Idempotency-Key: composite-%s-1", w.sfx);
  char *b = body_with(claim,
                      "[{\"type\": \"inspection\", \"meeting_at\": \"2026-12-10T09:00:00Z\"},"
                      " {\"type\": \"repair\", \"trade\": \"carpentry\"}]");
  struct tl_response r, again, read;
  tl_cases("POST", "/v1/cases", w.ia_handler.token, b, key, &r);
  tl_expect(&r, 201);
  json_t *tasks = json_object_get(r.json, "tasks");
  assert_int_equal(json_array_size(tasks), 2);
  /* both there (tasks made in one transaction share their creation time: listed by id) */
  int inspection = 0, carpentry = 0;
  json_t *t;
  size_t i;
  json_array_foreach(tasks, i, t) {
    inspection += !strcmp(tl_str(t, "type"), "inspection");
    carpentry += !strcmp(tl_str(t, "type"), "repair") && !strcmp(tl_str(t, "trade"), "carpentry");
  }
  assert_int_equal(inspection, 1);
  assert_int_equal(carpentry, 1);
  assert_int_equal(json_array_size(json_object_get(r.json, "contacts")), 1);
  /* the same key again: the same answer, no second case, no more tasks */
  tl_cases("POST", "/v1/cases", w.ia_handler.token, b, key, &again);
  tl_expect(&again, 201);
  tl_assert_str(again.json, "id", tl_str(r.json, "id"));
  char path[96];
  snprintf(path, sizeof(path), "/v1/cases/%s", tl_str(r.json, "id"));
  tl_cases("GET", path, w.ia_handler.token, NULL, NULL, &read);
  tl_expect(&read, 200);
  assert_int_equal(json_array_size(json_object_get(read.json, "tasks")), 2);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.tasks WHERE case_id = $1::uuid", 1,
                               (const char *[]){tl_str(r.json, "id")}),
                   2);
  tl_response_free(&r);
  tl_response_free(&again);
  tl_response_free(&read);
  free(b);
}

static void test_bad_tasks_refuse_the_whole_case(void **state) {
  (void)state;
  char claim[64];
  struct tl_response r;
  /* every bad task member named at once, nothing created */
  snprintf(claim, sizeof(claim), "COMP-%s-2", w.sfx);
  char *b = body_with(claim,
                      "[{\"type\": \"nonsense\"}, {\"type\": \"inspection\", \"trade\": "
                      "\"carpentry\"}, 7, {\"trade\": \"roofing\", \"colour\": \"red\"}]");
  tl_cases("POST", "/v1/cases", w.ia_handler.token, b, NULL, &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  const char *fields[] = {"tasks/0/type", "tasks/1/trade", "tasks/2", "tasks/3/type",
                          "tasks/3/colour"};
  for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++) {
    int found = 0;
    json_t *e;
    size_t i;
    json_array_foreach(json_object_get(r.json, "errors"), i, e) {
      found = found || !strcmp(tl_str(e, "field"), fields[k]);
    }
    if (!found) fail_msg("no error for %s: %s", fields[k], r.body);
  }
  tl_response_free(&r);
  free(b);
  assert_false(exists(claim));

  /* one project management task at most */
  b = body_with(claim, "[{\"type\": \"project_management\"}, {\"type\": \"project_management\"}]");
  tl_cases("POST", "/v1/cases", w.ia_handler.token, b, NULL, &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_response_free(&r);
  free(b);
  assert_false(exists(claim));
  /* an office that is no partner office of the portal: refused, nothing left */
  b = body_with(
      claim,
      "[{\"type\": \"inspection\", \"office_id\": \"00000000-0000-4000-8000-00000000dead\"}]");
  tl_cases("POST", "/v1/cases", w.ia_handler.token, b, NULL, &r);
  assert_true(r.status >= 400 && r.status < 500);
  tl_response_free(&r);
  free(b);
  assert_false(exists(claim));

  /* at most 20 */
  char many[2048] = "[";
  for (int i = 0; i < 21; i++)
    strcat(many, i ? ", {\"type\": \"inspection\"}" : "{\"type\": \"inspection\"}");
  strcat(many, "]");
  b = body_with(claim, many);
  tl_cases("POST", "/v1/cases", w.ia_handler.token, b, NULL, &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_response_free(&r);
  free(b);
  assert_false(exists(claim));
}

static void test_tasks_only_when_creating(void **state) {
  (void)state;
  char id[37], path[160], claim[64];
  struct tl_response r;
  tl_world_case(&w, 59.33, 18.06, id);
  /* a PATCH does not take them (they are not changed with the case) */
  snprintf(path, sizeof(path), "/v1/cases/%s", id);
  tl_cases("PATCH", path, w.ia_handler.token, "{\"tasks\": [{\"type\": \"inspection\"}]}",
           "If-Match: \"1\"", &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_response_free(&r);
  /* nor an upsert by reference */
  snprintf(claim, sizeof(claim), "COMP-%s-3", w.sfx);
  char *b = body_with(claim, "[{\"type\": \"inspection\"}]");
  snprintf(path, sizeof(path), "/v1/cases/by-external-ref/core-%s", w.sfx);
  tl_cases("PUT", path, w.ia_handler.token, b, NULL, &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_response_free(&r);
  free(b);
  /* a partner creates no case, with or without tasks */
  b = body_with(claim, "[]");
  tl_cases("POST", "/v1/cases", w.p_worker.token, b, NULL, &r);
  assert_int_equal(r.status, 403);
  tl_response_free(&r);
  free(b);
  assert_false(exists(claim));
}

static int setup(void **state) {
  (void)state;
  tl_world_create(&w);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  tl_world_free(&w);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_case_with_tasks_in_one_request),
      cmocka_unit_test(test_bad_tasks_refuse_the_whole_case),
      cmocka_unit_test(test_tasks_only_when_creating),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
