/* The case resource of the cases service: create (validation, idempotency, conflicts, who may),
 * read, PATCH with If-Match, upsert by external reference, close/reopen/hold, the history, the
 * events, and that other companies and portals see nothing (404). Fixtures: tl_world.h. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tl_world.h"

static struct tl_world w;

static void body_of(char *buf, size_t len, const char *claim, const char *extra) {
  snprintf(buf, len,
           "{\"claim_number\": \"%s\", \"damage_type\": \"water\", \"damage_date\": "
           "\"2026-10-30\", \"address\": {\"street\": \"Sveavägen 1\", \"city\": \"Stockholm\", "
           "\"latitude\": 59.33, \"longitude\": 18.06}%s}",
           claim, extra != NULL ? extra : "");
}

static char *etag_of(const struct tl_response *r) {
  char *etag = tl_header(r, "ETag");
  assert_non_null(etag);
  return etag;
}

static void test_create_read_and_validation(void **state) {
  (void)state;
  struct tl_response r;
  char body[2048], claim[64], path[128];
  snprintf(claim, sizeof(claim), "C-%s-1", w.sfx);
  body_of(body, sizeof(body), claim,
          ", \"contacts\": [{\"kind\": \"policyholder\", \"name\": \"Eva Ek\", \"email\": "
          "\"eva@example.se\"}], \"description\": \"Leaking pipe in the kitchen\"");
  tl_cases("POST", "/v1/cases", w.ia_handler.token, body, NULL, &r);
  tl_expect(&r, 201);
  char *loc = tl_header(&r, "Location");
  char *etag = etag_of(&r);
  assert_string_equal(etag, "\"1\"");
  assert_string_equal(tl_str(r.json, "claim_number"), claim);
  assert_string_equal(tl_str(r.json, "status"), "open");
  assert_string_equal(tl_str(r.json, "portal_id"), w.portal_a);
  assert_string_equal(tl_str(json_object_get(r.json, "address"), "city"), "Stockholm");
  assert_string_equal(tl_str(json_array_get(json_object_get(r.json, "contacts"), 0), "name"),
                      "Eva Ek");
  assert_int_equal(json_array_size(json_object_get(r.json, "tasks")), 0);
  char id[37];
  snprintf(id, sizeof(id), "%s", tl_str(r.json, "id"));
  snprintf(path, sizeof(path), "/v1/cases/%s", id);
  assert_string_equal(loc, path);
  free(loc);
  free(etag);
  tl_response_free(&r);

  /* read back: the insurer and the API client see it; other companies and portals do not */
  tl_cases("GET", path, w.ia_admin.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_string_equal(tl_str(r.json, "description"), "Leaking pipe in the kitchen");
  tl_response_free(&r);
  tl_cases("GET", path, w.client_a_token, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  const char *outsiders[] = {w.p_admin.token, w.q_worker.token, w.ib_admin.token};
  for (int i = 0; i < 3; i++) {
    tl_cases("GET", path, outsiders[i], NULL, NULL, &r);
    tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
    tl_response_free(&r);
  }
  tl_cases("GET", "/v1/cases/not-a-uuid", w.ia_admin.token, NULL, NULL, &r);
  tl_assert_problem(&r, 404, NULL);
  tl_response_free(&r);
  tl_cases("GET", path, NULL, NULL, NULL, &r);
  tl_assert_problem(&r, 401, NULL);
  tl_response_free(&r);

  /* the same claim number again in the portal: 409 */
  tl_cases("POST", "/v1/cases", w.ia_handler.token, body, NULL, &r);
  tl_assert_problem(&r, 409, "urn:claimsuite:problem:conflict");
  tl_response_free(&r);

  /* validation: every bad field is named */
  tl_cases("POST", "/v1/cases", w.ia_handler.token,
           "{\"claim_number\": \"\", \"damage_type\": \"Water!\", \"damage_date\": \"2026-13-01\", "
           "\"address\": {\"latitude\": 95, \"planet\": \"Mars\"}, \"contacts\": [{\"kind\": "
           "\"boss\"}]}",
           NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_code(&r, "damage_date", "format");
  tl_assert_field_code(&r, "claim_number", "required");
  tl_assert_field_code(&r, "damage_type", "format");
  tl_assert_field_code(&r, "address/latitude", "out_of_range");
  tl_assert_field_code(&r, "address/planet", "unknown_field");
  tl_assert_field_code(&r, "address", "invalid"); /* a latitude without a longitude */
  tl_assert_field_code(&r, "contacts/0/kind", "not_allowed");
  tl_assert_field_code(&r, "contacts/0/name", "required");
  assert_int_equal(json_array_size(json_object_get(r.json, "errors")), 8);
  tl_response_free(&r);
  /* wrong types with the rules of the same members: each named once, by its type */
  tl_cases("POST", "/v1/cases", w.ia_handler.token,
           "{\"claim_number\": 7, \"damage_type\": \"Fire\", \"damage_date\": "
           "\"2026-01-01\", \"address\": {\"latitude\": \"north\", \"longitude\": 18, "
           "\"country\": 46}, \"contacts\": [3, {\"kind\": 1, \"name\": [], \"x\": 0}], "
           "\"external_ref\": \"\", \"colour\": \"red\"}",
           NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_code(&r, "claim_number", "wrong_type");
  tl_assert_field_code(&r, "damage_type", "format");
  tl_assert_field_code(&r, "address/latitude", "wrong_type");
  tl_assert_field_code(&r, "address/country", "wrong_type");
  tl_assert_field_code(&r, "contacts/0", "wrong_type");
  tl_assert_field_code(&r, "contacts/1/kind", "wrong_type");
  tl_assert_field_code(&r, "contacts/1/name", "wrong_type");
  tl_assert_field_code(&r, "contacts/1/x", "unknown_field");
  tl_assert_field_code(&r, "external_ref", "required");
  tl_assert_field_code(&r, "colour", "unknown_field");
  assert_int_equal(json_array_size(json_object_get(r.json, "errors")), 10);
  tl_response_free(&r);
  snprintf(claim, sizeof(claim), "C-%s-bad", w.sfx);
  body_of(body, sizeof(body), claim,
          ", \"contacts\": [{\"kind\": \"boss\", \"name\": \"\"}], \"address\": {\"latitude\": 95}");
  /* a duplicate key (address twice) is refused before anything else */
  tl_cases("POST", "/v1/cases", w.ia_handler.token, body, NULL, &r);
  tl_assert_problem(&r, 400, NULL);
  tl_response_free(&r);
  body_of(body, sizeof(body), claim,
          ", \"contacts\": [{\"kind\": \"boss\", \"name\": \"\"}], \"reminder_date\": \"x\"");
  tl_cases("POST", "/v1/cases", w.ia_handler.token, body, NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_response_free(&r);
  body_of(body, sizeof(body), claim, ", \"contacts\": [{\"kind\": \"boss\", \"name\": \"\"}]");
  tl_cases("POST", "/v1/cases", w.ia_handler.token, body, NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  /* a member of a nested object is named by its path */
  tl_assert_field_code(&r, "contacts/0/kind", "not_allowed");
  tl_assert_field_code(&r, "contacts/0/name", "required");
  tl_response_free(&r);
  /* the case handler must be an insurer user of the portal */
  char extra[128];
  snprintf(extra, sizeof(extra), ", \"case_handler_id\": \"%s\"", w.p_admin.id);
  body_of(body, sizeof(body), claim, extra);
  tl_cases("POST", "/v1/cases", w.ia_handler.token, body, NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  assert_non_null(strstr(r.body, "case_handler_id"));
  tl_response_free(&r);
  /* partners do not create cases */
  body_of(body, sizeof(body), claim, NULL);
  tl_cases("POST", "/v1/cases", w.p_admin.token, body, NULL, &r);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  tl_response_free(&r);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.cases WHERE claim_number = $1", 1,
                               (const char *[]){claim}), 0);
}

static void test_idempotent_create_and_event(void **state) {
  (void)state;
  struct tl_response r;
  char body[1024], claim[64], key[96];
  snprintf(claim, sizeof(claim), "C-%s-idem", w.sfx);
  snprintf(key, sizeof(key), "Idempotency-Key: create-%s", w.sfx);
  body_of(body, sizeof(body), claim, NULL);
  tl_cases("POST", "/v1/cases", w.client_a_token, body, key, &r);
  tl_expect(&r, 201);
  char *id = strdup(tl_str(r.json, "id"));
  tl_response_free(&r);
  tl_cases("POST", "/v1/cases", w.client_a_token, body, key, &r);
  tl_expect(&r, 201);
  assert_string_equal(tl_str(r.json, "id"), id);
  char *replayed = tl_header(&r, "Idempotent-Replayed");
  assert_non_null(replayed);
  free(replayed);
  tl_response_free(&r);
  body_of(body, sizeof(body), claim, ", \"description\": \"other\"");
  tl_cases("POST", "/v1/cases", w.client_a_token, body, key, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:idempotency-key-reused");
  tl_response_free(&r);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.outbox WHERE type = 'case.created' AND "
                               "aggregate_id = $1 AND data->'case'->>'claim_number' = $2 AND "
                               "data->'actor'->>'kind' = 'client'",
                               2, (const char *[]){id, claim}), 1);
  free(id);
}

static void test_patch_status_and_history(void **state) {
  (void)state;
  struct tl_response r;
  char id[37], path[160], if_match[64];
  tl_world_case(&w, 59.33, 18.06, id);
  snprintf(path, sizeof(path), "/v1/cases/%s", id);

  tl_cases("PATCH", path, w.ia_handler.token, "{\"description\": \"x\"}", NULL, &r);
  tl_assert_problem(&r, 428, NULL);
  tl_response_free(&r);
  tl_cases("PATCH", path, w.ia_handler.token, "{\"description\": \"x\"}", "If-Match: \"7\"", &r);
  tl_assert_problem(&r, 412, NULL);
  tl_response_free(&r);
  tl_cases("PATCH", path, w.ia_handler.token,
           "{\"description\": \"Storm damage on the roof\", \"reminder_date\": \"2026-12-01\", "
           "\"address\": {\"city\": \"Solna\"}}",
           "If-Match: \"1\"", &r);
  tl_expect(&r, 200);
  assert_string_equal(tl_str(r.json, "description"), "Storm damage on the roof");
  assert_string_equal(tl_str(json_object_get(r.json, "address"), "city"), "Solna");
  assert_string_equal(tl_str(json_object_get(r.json, "address"), "street"), "Storgatan 1");
  assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 2);
  tl_response_free(&r);
  /* the same values again: no change, no new version */
  tl_cases("PATCH", path, w.ia_handler.token, "{\"description\": \"Storm damage on the roof\"}",
           "If-Match: \"2\"", &r);
  tl_expect(&r, 200);
  assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 2);
  tl_response_free(&r);
  tl_cases("PATCH", path, w.ia_handler.token, "{\"claim_number\": null}", "If-Match: \"2\"", &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_code(&r, "claim_number", "required");
  tl_response_free(&r);
  /* every invalid field of a PATCH at once, the field table's and the domain's */
  tl_cases("PATCH", path, w.ia_handler.token,
           "{\"damage_date\": \"2026-13-01\", \"damage_type\": \"Storm!\", \"address\": "
           "{\"longitude\": 200, \"moon\": 1}, \"contacts\": [{\"kind\": \"boss\", "
           "\"name\": \"Eva\", \"email\": \"eva\"}], \"description\": 5, "
           "\"case_handler_id\": \"nobody\"}",
           "If-Match: \"2\"", &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_code(&r, "damage_date", "format");
  tl_assert_field_code(&r, "damage_type", "format");
  tl_assert_field_code(&r, "address/longitude", "out_of_range");
  tl_assert_field_code(&r, "address/moon", "unknown_field");
  tl_assert_field_code(&r, "contacts/0/kind", "not_allowed");
  tl_assert_field_code(&r, "contacts/0/email", "format");
  tl_assert_field_code(&r, "description", "wrong_type");
  tl_assert_field_code(&r, "case_handler_id", "format");
  assert_int_equal(json_array_size(json_object_get(r.json, "errors")), 8);
  tl_response_free(&r);
  tl_cases("PATCH", path, w.ib_admin.token, "{\"description\": \"y\"}", "If-Match: \"2\"", &r);
  tl_assert_problem(&r, 404, NULL);
  tl_response_free(&r);

  /* status: hold, close, wrong transitions, reopen */
  char sub[192];
  snprintf(sub, sizeof(sub), "%s/hold", path);
  tl_cases("POST", sub, w.ia_handler.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_string_equal(tl_str(r.json, "status"), "on_hold");
  tl_response_free(&r);
  tl_cases("POST", sub, w.ia_handler.token, NULL, NULL, &r);
  tl_assert_problem(&r, 409, "urn:claimsuite:problem:wrong-state");
  tl_response_free(&r);
  snprintf(sub, sizeof(sub), "%s/close", path);
  snprintf(if_match, sizeof(if_match), "If-Match: \"3\"");
  tl_cases("POST", sub, w.ia_handler.token, NULL, if_match, &r);
  tl_expect(&r, 200);
  assert_string_equal(tl_str(r.json, "status"), "closed");
  assert_non_null(tl_str(r.json, "closed_at"));
  tl_response_free(&r);
  tl_cases("POST", sub, w.ia_handler.token, NULL, NULL, &r);
  tl_assert_problem(&r, 409, NULL);
  tl_response_free(&r);
  snprintf(sub, sizeof(sub), "%s/reopen", path);
  tl_cases("POST", sub, w.client_a_token, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_string_equal(tl_str(r.json, "status"), "open");
  assert_true(json_is_null(json_object_get(r.json, "closed_at")));
  tl_response_free(&r);

  /* the history: every change, oldest first, with who and before/after; paged */
  snprintf(sub, sizeof(sub), "%s/history?limit=3", path);
  tl_cases("GET", sub, w.ia_admin.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  json_t *items = json_object_get(r.json, "items");
  assert_int_equal(json_array_size(items), 3);
  assert_string_equal(tl_str(json_array_get(items, 0), "action"), "case.created");
  assert_string_equal(tl_str(json_array_get(items, 1), "action"), "case.updated");
  json_t *changed = json_array_get(items, 1);
  assert_string_equal(tl_str(json_object_get(changed, "after"), "description"),
                      "Storm damage on the roof");
  assert_string_equal(tl_str(json_object_get(changed, "actor"), "id"), w.ia_handler.id);
  assert_string_equal(tl_str(changed, "on_behalf_of_company_id"), w.insurer_a);
  assert_string_equal(tl_str(json_array_get(items, 2), "action"), "case.on_hold");
  const char *next = tl_str(r.json, "next_cursor");
  assert_non_null(next);
  snprintf(sub, sizeof(sub), "%s/history?cursor=%s", path, next);
  tl_response_free(&r);
  tl_cases("GET", sub, w.ia_admin.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  items = json_object_get(r.json, "items");
  assert_int_equal(json_array_size(items), 2);
  assert_string_equal(tl_str(json_array_get(items, 0), "action"), "case.closed");
  assert_string_equal(tl_str(json_array_get(items, 1), "action"), "case.reopened");
  assert_true(json_is_null(json_object_get(r.json, "next_cursor")));
  tl_response_free(&r);
  snprintf(sub, sizeof(sub), "%s/history", path);
  tl_cases("GET", sub, w.q_worker.token, NULL, NULL, &r);
  tl_assert_problem(&r, 404, NULL);
  tl_response_free(&r);

  /* five changes, five entries */
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.case_history WHERE case_id = $1", 1,
                               (const char *[]){id}), 5);
}

static void test_upsert_by_external_ref(void **state) {
  (void)state;
  struct tl_response r;
  char body[1024], claim[64], path[160];
  snprintf(claim, sizeof(claim), "C-%s-ref", w.sfx);
  snprintf(path, sizeof(path), "/v1/cases/by-external-ref/core-%s", w.sfx);
  body_of(body, sizeof(body), claim, NULL);
  tl_cases("PUT", path, w.client_a_token, body, NULL, &r);
  tl_expect(&r, 201);
  char *id = strdup(tl_str(r.json, "id"));
  char expected_ref[64];
  snprintf(expected_ref, sizeof(expected_ref), "core-%s", w.sfx);
  assert_string_equal(tl_str(r.json, "external_ref"), expected_ref);
  tl_response_free(&r);
  /* resent unchanged: the same case, nothing new */
  tl_cases("PUT", path, w.client_a_token, body, NULL, &r);
  tl_expect(&r, 200);
  assert_string_equal(tl_str(r.json, "id"), id);
  assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 1);
  tl_response_free(&r);
  body_of(body, sizeof(body), claim, ", \"description\": \"updated by the core system\"");
  tl_cases("PUT", path, w.client_a_token, body, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 2);
  assert_string_equal(tl_str(r.json, "description"), "updated by the core system");
  tl_response_free(&r);
  tl_cases("GET", path, w.ia_handler.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_string_equal(tl_str(r.json, "id"), id);
  tl_response_free(&r);
  /* another portal knows nothing of it */
  tl_cases("GET", path, w.ib_admin.token, NULL, NULL, &r);
  tl_assert_problem(&r, 404, NULL);
  tl_response_free(&r);
  body_of(body, sizeof(body), claim, ", \"external_ref\": \"something-else\"");
  tl_cases("PUT", path, w.client_a_token, body, NULL, &r);
  tl_assert_problem(&r, 422, NULL);
  tl_response_free(&r);
  body_of(body, sizeof(body), claim, NULL);
  tl_cases("PUT", path, w.p_admin.token, body, NULL, &r);
  tl_assert_problem(&r, 403, NULL);
  tl_response_free(&r);
  free(id);
}

/* A core system sending the same new claim twice at once gets one case, not a 409. */
struct put_call {
  const char *path, *body;
  long status;
};

static void *put_once(void *arg) {
  struct put_call *c = arg;
  struct tl_response r;
  c->status = tl_cases("PUT", c->path, w.client_a_token, c->body, NULL, &r);
  tl_response_free(&r);
  return NULL;
}

static void test_concurrent_upserts(void **state) {
  (void)state;
  char body[1024], claim[64], path[160], ref[64];
  struct put_call calls[6];
  pthread_t threads[6];
  int created = 0;
  snprintf(claim, sizeof(claim), "C-%s-race", w.sfx);
  snprintf(ref, sizeof(ref), "race-%s", w.sfx);
  snprintf(path, sizeof(path), "/v1/cases/by-external-ref/%s", ref);
  body_of(body, sizeof(body), claim, NULL);
  for (int i = 0; i < 6; i++) {
    calls[i] = (struct put_call){path, body, 0};
    pthread_create(&threads[i], NULL, put_once, &calls[i]);
  }
  for (int i = 0; i < 6; i++) {
    pthread_join(threads[i], NULL);
    if (calls[i].status != 200 && calls[i].status != 201)
      fail_msg("an upsert answered %ld", calls[i].status);
    created += calls[i].status == 201;
  }
  assert_int_equal(created, 1);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.cases WHERE external_ref = $1", 1,
                               (const char *[]){ref}), 1);
}

static void test_stale_user_token(void **state) {
  (void)state;
  struct tl_response r;
  char id[37], path[128];
  tl_world_case(&w, 0, 0, id);
  snprintf(path, sizeof(path), "/v1/cases/%s", id);
  tl_sql_run("UPDATE policy.users SET active = false WHERE id = $1", 1, w.ia_admin.id);
  tl_cases("GET", path, w.ia_admin.token, NULL, NULL, &r);
  tl_assert_problem(&r, 401, NULL);
  tl_response_free(&r);
  tl_sql_run("UPDATE policy.users SET active = true WHERE id = $1", 1, w.ia_admin.id);
  tl_cases("GET", path, w.ia_admin.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
}

int main(void) {
  tl_world_create(&w);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_create_read_and_validation),
      cmocka_unit_test(test_idempotent_create_and_event),
      cmocka_unit_test(test_patch_status_and_history),
      cmocka_unit_test(test_upsert_by_external_ref),
      cmocka_unit_test(test_concurrent_upserts),
      cmocka_unit_test(test_stale_user_token),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  tl_world_free(&w);
  return failed;
}
