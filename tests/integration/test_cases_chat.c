/* The chat of a case against the running stack (services/cases/chat/): messages newest first
 * with cursor paging, unread counts per user and marking them read, the participants marked for
 * notifications (by the insurer only; users who cannot see the case refused; the external case
 * handler marked automatically with chat_notifications, and kept when the list leaves it out),
 * the event naming whom to tell, and who reaches the chat at all (unlinked partners 404); the
 * call history (services/cases/calls/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tl_world.h"

#define PROBLEM(slug) "urn:claimsuite:problem:" slug

static struct tl_world w;

static long chat(struct tl_response *r, const char *method, const char *token, const char *body,
                 const char *case_id, const char *rest) {
  char path[600];
  snprintf(path, sizeof(path), "/v1/cases/%s/chat/%s", case_id, rest);
  return tl_cases(method, path, token, body, NULL, r);
}

static void post(const char *token, const char *case_id, const char *text) {
  struct tl_response r;
  char body[256];
  snprintf(body, sizeof(body), "{\"text\": \"%s\"}", text);
  chat(&r, "POST", token, body, case_id, "messages");
  tl_expect(&r, 201);
  tl_response_free(&r);
}

static long long unread(const char *token, const char *case_id) {
  struct tl_response r;
  chat(&r, "GET", token, NULL, case_id, "messages?limit=1");
  tl_expect(&r, 200);
  long long n = json_integer_value(json_object_get(r.json, "unread"));
  tl_response_free(&r);
  return n;
}

/* A case of portal A with a task at Q's office in Göteborg and p_ech as its external case
 * handler. */
static void case_with_partners(char case_id[37]) {
  tl_world_case(&w, 0, 0, case_id);
  tl_world_task(&w, case_id, "repair", "painting", w.q_gbg, NULL);
  tl_world_ech(&w, case_id, w.p_sthlm, &w.p_ech);
}

static void test_messages_paging_and_unread(void **state) {
  (void)state;
  char case_id[37], text[32];
  struct tl_response r;
  tl_world_define_role(&w, "external_case_handler", "[]");
  case_with_partners(case_id);

  post(w.ia_handler.token, case_id, "When can you come?");
  post(w.q_worker.token, case_id, "Tomorrow at nine");
  for (int i = 0; i < 3; i++) {
    snprintf(text, sizeof(text), "note %d", i);
    post(w.p_ech.token, case_id, text); /* the handler always has the chat */
  }
  /* newest first, two a page */
  chat(&r, "GET", w.ia_handler.token, NULL, case_id, "messages?limit=2");
  tl_expect(&r, 200);
  json_t *items = json_object_get(r.json, "items");
  assert_int_equal(json_array_size(items), 2);
  tl_assert_str(json_array_get(items, 0), "text", "note 2");
  tl_assert_str(json_array_get(items, 0), "author_id", w.p_ech.id);
  char cursor[256], rest[320];
  snprintf(cursor, sizeof(cursor), "%s", tl_str(r.json, "next_cursor"));
  tl_response_free(&r);
  snprintf(rest, sizeof(rest), "messages?limit=2&cursor=%s", cursor);
  chat(&r, "GET", w.ia_handler.token, NULL, case_id, rest);
  tl_expect(&r, 200);
  tl_assert_str(json_array_get(json_object_get(r.json, "items"), 0), "text", "note 0");
  tl_assert_str(json_array_get(json_object_get(r.json, "items"), 1), "text", "Tomorrow at nine");
  tl_response_free(&r);
  chat(&r, "GET", w.ia_handler.token, NULL, case_id, "messages?cursor=bm90LW91cnM");
  tl_assert_problem(&r, 400, PROBLEM("invalid-parameter"));
  tl_response_free(&r);

  /* unread: what others wrote since one last read (one's own message reads the chat) */
  assert_int_equal(unread(w.ia_handler.token, case_id), 4);
  assert_int_equal(unread(w.q_worker.token, case_id), 3);
  assert_int_equal(unread(w.p_ech.token, case_id), 0);
  chat(&r, "POST", w.ia_handler.token, NULL, case_id, "read");
  tl_expect(&r, 204);
  tl_response_free(&r);
  assert_int_equal(unread(w.ia_handler.token, case_id), 0);
  post(w.q_worker.token, case_id, "Done");
  assert_int_equal(unread(w.ia_handler.token, case_id), 1);

  /* bad messages; nobody unlinked */
  chat(&r, "POST", w.ia_handler.token, "{\"text\": \"   \"}", case_id, "messages");
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_error(&r, "text", NULL);
  tl_response_free(&r);
  chat(&r, "POST", w.ia_handler.token, "{}", case_id, "messages");
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_response_free(&r);
  chat(&r, "GET", w.ib_admin.token, NULL, case_id, "messages");
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.chat_messages WHERE case_id = $1", 1,
                               (const char *[]){case_id}),
                   6);
}

static void test_participants_and_notifications(void **state) {
  (void)state;
  char case_id[37], other[37], body[256];
  struct tl_response r;
  tl_world_define_role(&w, "external_case_handler", "[\"chat_notifications\"]");
  case_with_partners(case_id);
  tl_world_case(&w, 0, 0, other); /* Q holds nothing there */

  /* the handler is marked by its role's chat_notifications */
  chat(&r, "GET", w.q_worker.token, NULL, case_id, "participants");
  tl_expect(&r, 200);
  json_t *first = json_array_get(json_object_get(r.json, "items"), 0);
  tl_assert_str(first, "user_id", w.p_ech.id);
  assert_true(json_is_true(json_object_get(first, "automatic")));
  tl_response_free(&r);

  /* the insurer marks a partner's worker; the handler stays though the list leaves it out */
  snprintf(body, sizeof(body), "{\"user_ids\": [\"%s\", \"%s\"]}", w.q_worker.id, w.ia_admin.id);
  chat(&r, "PUT", w.q_worker.token, body, case_id, "participants");
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  tl_response_free(&r);
  chat(&r, "PUT", w.ia_handler.token, body, case_id, "participants");
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 3);
  tl_assert_str(json_array_get(json_object_get(r.json, "items"), 0), "user_id", w.p_ech.id);
  tl_response_free(&r);
  /* a user who cannot see the case, and a name twice */
  snprintf(body, sizeof(body), "{\"user_ids\": [\"%s\"]}", w.q_worker.id);
  chat(&r, "PUT", w.ia_handler.token, body, other, "participants");
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_error(&r, "user_ids/0", NULL);
  tl_response_free(&r);
  snprintf(body, sizeof(body), "{\"user_ids\": [\"%s\", \"%s\"]}", w.ia_admin.id, w.ia_admin.id);
  chat(&r, "PUT", w.ia_handler.token, body, case_id, "participants");
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "user_ids/1", "not_unique");
  tl_response_free(&r);

  /* a message tells the marked users and the handler, never its author */
  post(w.ia_admin.token, case_id, "Please send photos");
  char *data = tl_sql(
      "SELECT data::text FROM cases.outbox WHERE aggregate_id = $1 AND"
      " type = 'chat.message_posted' ORDER BY pos DESC LIMIT 1",
      1, (const char *[]){case_id});
  json_t *d = json_loads(data, 0, NULL);
  json_t *notify = json_object_get(d, "notify");
  assert_int_equal(json_array_size(notify), 2);
  assert_non_null(strstr(data, w.p_ech.id));
  assert_non_null(strstr(data, w.q_worker.id));
  tl_assert_str(d, "text", "Please send photos");
  json_decref(d);
  free(data);
  tl_world_define_role(&w, "external_case_handler", "[]");
}

/* ---- call history ------------------------------------------------------------------------- */

static void test_call_history(void **state) {
  (void)state;
  char case_id[37], path[160];
  struct tl_response r;
  case_with_partners(case_id);
  snprintf(path, sizeof(path), "/v1/cases/%s/calls", case_id);

  tl_cases("POST", path, w.q_worker.token,
           "{\"number\": \"+46 70-111 22 33\", \"started_at\": \"2026-01-10T09:15:00+01:00\","
           " \"duration_seconds\": 95, \"reached\": true}",
           NULL, &r);
  tl_expect(&r, 201);
  tl_assert_str(r.json, "caller_id", w.q_worker.id);
  tl_assert_str(r.json, "started_at", "2026-01-10T08:15:00.000000Z");
  char *loc = tl_header(&r, "Location");
  assert_non_null(strstr(loc, tl_str(r.json, "id")));
  free(loc);
  tl_response_free(&r);
  tl_cases("POST", path, w.ia_handler.token,
           "{\"number\": \"070111\", \"started_at\": \"2026-01-11T10:00:00Z\","
           " \"duration_seconds\": 0, \"reached\": false}",
           NULL, &r);
  tl_expect(&r, 201);
  tl_response_free(&r);

  tl_cases("GET", path, w.p_ech.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  json_t *items = json_object_get(r.json, "items");
  assert_int_equal(json_array_size(items), 2);
  assert_false(json_is_true(json_object_get(json_array_get(items, 0), "reached"))); /* newest */
  tl_response_free(&r);

  /* every fault at once; nothing logged */
  tl_cases("POST", path, w.q_worker.token,
           "{\"number\": \"call me\", \"started_at\": \"2999-01-01T00:00:00Z\","
           " \"duration_seconds\": -1}",
           NULL, &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_error(&r, "number", NULL);
  tl_assert_field_error(&r, "started_at", NULL);
  tl_assert_field_error(&r, "duration_seconds", NULL);
  tl_assert_field_error(&r, "reached", NULL);
  tl_response_free(&r);
  tl_cases("GET", path, w.ib_admin.token, NULL, NULL, &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.outbox WHERE aggregate_id = $1 AND "
                               "type = 'call.logged'",
                               1, (const char *[]){case_id}),
                   2);
}

int main(void) {
  tl_world_create(&w);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_messages_paging_and_unread),
      cmocka_unit_test(test_participants_and_notifications),
      cmocka_unit_test(test_call_history),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  tl_world_free(&w);
  return failed;
}
