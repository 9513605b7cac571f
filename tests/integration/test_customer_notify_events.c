/* The cases service's events as notifications of the customer service, against the running
 * stack (services/customer/events_cases.c, notify/from_events.c): an RFQ inviting an outside
 * partner becomes one email to the partner with the full invitation link, queued and then
 * written by the stack's file provider (NOTIFY_FILE_DIR); a chat message becomes a notice in
 * each marked participant's inbox, never the author's, once per user even when the event is
 * applied again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tl_world.h"

static struct tl_world w;

static long customer(const char *method, const char *path, const char *token,
                     struct tl_response *r) {
  return tl_call(tl_env("CUSTOMER_URL"), method, path, token, NULL, NULL, r);
}

/* ---- an outside partner's RFQ invitation: an email ------------------------------------------ */

struct email_wait {
  const char *recipient;
  char id[37];
};

/* 1 once a message to the recipient is queued (its id into id). */
static int email_queued(void *arg) {
  struct email_wait *e = arg;
  char *id = tl_sql("SELECT id::text FROM customer.outgoing_messages WHERE recipient = $1", 1,
                    (const char *[]){e->recipient});
  if (id != NULL) snprintf(e->id, sizeof(e->id), "%s", id);
  free(id);
  return id != NULL;
}

/* 1 once the file provider has written the message's file. */
static int email_written(void *arg) {
  char path[1024];
  snprintf(path, sizeof(path), "%s/notify-outbox/%s.json", tl_env("STACK_DIR"), (char *)arg);
  FILE *f = fopen(path, "rb");
  if (f != NULL) fclose(f);
  return f != NULL;
}

static void test_rfq_invitation_email(void **state) {
  (void)state;
  char case_id[37], task_id[37], email[128], body[1024], path[160];
  struct tl_response r;
  tl_world_case(&w, 0, 0, case_id);
  tl_world_task(&w, case_id, "repair", "flooring", NULL, task_id);
  snprintf(email, sizeof(email), "offert-%s@golvkakel.test", w.sfx);
  snprintf(body, sizeof(body),
           "{\"task_id\": \"%s\", \"description\": \"Replace the kitchen floor, 12 m²\","
           " \"due_date\": \"2999-12-31\", \"office_ids\": [],"
           " \"external_partners\": [{\"name\": \"Golv & Kakel AB\", \"email\": \"%s\"}]}",
           task_id, email);
  snprintf(path, sizeof(path), "/v1/cases/%s/rfqs", case_id);
  tl_cases("POST", path, w.ia_handler.token, body, NULL, &r);
  tl_expect(&r, 201);
  tl_response_free(&r);
  char *event_id = tl_sql(
      "SELECT id::text FROM cases.outbox WHERE aggregate_id = $1 AND"
      " type = 'rfq.invited_external' ORDER BY pos DESC LIMIT 1",
      1, (const char *[]){case_id});
  char *invitation = tl_sql(
      "SELECT data->>'invitation_path' FROM cases.outbox WHERE aggregate_id = $1 AND"
      " type = 'rfq.invited_external' ORDER BY pos DESC LIMIT 1",
      1, (const char *[]){case_id});
  assert_non_null(event_id);
  assert_non_null(invitation);

  struct email_wait e = {email, ""};
  assert_true(tl_wait(email_queued, &e, 10000));
  /* one message, made from the event (its dedupe key), English (the portal has no language) */
  assert_int_equal(
      tl_sql_long("SELECT count(*) FROM customer.outgoing_messages WHERE recipient = $1"
                  " AND channel = 'email' AND dedupe_key = $2",
                  2, (const char *[]){email, event_id}),
      1);
  /* the stack's file provider writes it: one JSON file holding the link; the queue then keeps
   * no copy of the link (the partner's credential) */
  assert_true(tl_wait(email_written, e.id, 10000));
  char file[1024];
  snprintf(file, sizeof(file), "%s/notify-outbox/%s.json", tl_env("STACK_DIR"), e.id);
  json_error_t jerr;
  json_t *written = json_load_file(file, 0, &jerr);
  assert_non_null(written);
  assert_string_equal(tl_str(written, "to"), email);
  const char *subject = tl_str(written, "subject"), *text = tl_str(written, "body");
  char link[512];
  snprintf(link, sizeof(link), "http://localhost:8080%s", invitation); /* PUBLIC_BASE_URL default */
  assert_non_null(strstr(subject, "Request for quotation"));
  assert_non_null(strstr(text, link));
  assert_non_null(strstr(text, "Replace the kitchen floor, 12 m²"));
  assert_non_null(strstr(text, "2999-12-31"));
  assert_non_null(strstr(text, "Hello Golv & Kakel AB"));
  assert_null(strstr(text, "{")); /* every placeholder filled */
  json_decref(written);
  char *kept = tl_sql(
      "SELECT body FROM customer.outgoing_messages WHERE id = $1 AND"
      " status = 'sent'",
      1, (const char *[]){e.id});
  assert_string_equal(kept, "");
  free(kept);
  free(event_id);
  free(invitation);
}

/* ---- a chat message: a notice to each marked participant ------------------------------------ */

struct inbox_wait {
  const char *token, *message_id;
};

/* The caller's notice of message_id (a new reference), or NULL. */
static json_t *notice_of(const char *token, const char *message_id) {
  struct tl_response r;
  json_t *found = NULL, *n;
  size_t i;
  customer("GET", "/v1/notifications?limit=100", token, &r);
  if (r.status == 200) {
    json_array_foreach(json_object_get(r.json, "items"), i, n) {
      const char *m = tl_str(json_object_get(n, "data"), "message_id");
      if (m != NULL && strcmp(m, message_id) == 0) found = json_incref(n);
    }
  }
  tl_response_free(&r);
  return found;
}

static int has_notice(void *arg) {
  const struct inbox_wait *i = arg;
  json_t *n = notice_of(i->token, i->message_id);
  json_decref(n);
  return n != NULL;
}

static long long notices(const char *user_id, const char *message_id) {
  return tl_sql_long(
      "SELECT count(*) FROM customer.notifications WHERE user_id = $1 AND"
      " data->>'message_id' = $2",
      2, (const char *[]){user_id, message_id});
}

static void test_chat_message_notices(void **state) {
  (void)state;
  char case_id[37], body[512], path[160], link[160], text[400];
  struct tl_response r;
  tl_world_define_role(&w, "external_case_handler", "[\"chat_notifications\"]");
  tl_world_case(&w, 0, 0, case_id);
  tl_world_task(&w, case_id, "repair", "painting", w.q_gbg, NULL);
  tl_world_ech(&w, case_id, w.p_sthlm, &w.p_ech);
  snprintf(path, sizeof(path), "/v1/cases/%s/chat/participants", case_id);
  snprintf(body, sizeof(body), "{\"user_ids\": [\"%s\", \"%s\"]}", w.q_worker.id, w.ia_admin.id);
  tl_cases("PUT", path, w.ia_handler.token, body, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);

  /* 250 characters, the last 60 of them two bytes each: the notice shows the first 200 */
  memset(text, 'a', 190);
  for (int i = 0; i < 60; i++) memcpy(text + 190 + 2 * i, "\xc3\xa5", 2); /* å */
  text[190 + 120] = '\0';
  snprintf(path, sizeof(path), "/v1/cases/%s/chat/messages", case_id);
  snprintf(body, sizeof(body), "{\"text\": \"%s\"}", text);
  tl_cases("POST", path, w.ia_admin.token, body, NULL, &r);
  tl_expect(&r, 201);
  char message_id[37];
  snprintf(message_id, sizeof(message_id), "%s", tl_str(r.json, "id"));
  tl_response_free(&r);

  /* the marked partner's worker and the automatic external case handler each get it */
  const struct tl_person *told[] = {&w.q_worker, &w.p_ech};
  snprintf(link, sizeof(link), "/v1/cases/%s/chat/messages", case_id);
  for (size_t i = 0; i < 2; i++) {
    struct inbox_wait iw = {told[i]->token, message_id};
    assert_true(tl_wait(has_notice, &iw, 10000));
    json_t *n = notice_of(told[i]->token, message_id);
    tl_assert_str(n, "kind", "chat_message");
    assert_non_null(strstr(tl_str(n, "title"), "New message on case"));
    tl_assert_str(n, "link", link);
    tl_assert_str(json_object_get(n, "data"), "case_id", case_id);
    const char *shown = tl_str(n, "body");
    assert_int_equal(strlen(shown), 190 + 2 * 10); /* 200 characters, none cut in two */
    assert_memory_equal(shown, text, strlen(shown));
    assert_true(json_is_null(json_object_get(n, "read_at")));
    json_decref(n);
    assert_int_equal(notices(told[i]->id, message_id), 1);
  }
  /* never the author, nor anyone not marked */
  json_t *none = notice_of(w.ia_admin.token, message_id);
  assert_null(none);
  assert_int_equal(notices(w.ia_admin.id, message_id), 0);
  assert_int_equal(notices(w.ia_handler.id, message_id), 0);

  /* the same event applied again (as after a lost offset) makes no second notice */
  char *event_id = tl_sql(
      "SELECT id::text FROM cases.outbox WHERE aggregate_id = $1 AND"
      " type = 'chat.message_posted' ORDER BY pos DESC LIMIT 1",
      1, (const char *[]){case_id});
  assert_non_null(event_id);
  tl_sql_run(
      "INSERT INTO customer.notifications (id, portal_id, user_id, kind, title, source_event_id)"
      " SELECT gen_random_uuid(), portal_id, user_id, kind, title, source_event_id"
      " FROM customer.notifications WHERE source_event_id = $1"
      " ON CONFLICT (user_id, kind, source_event_id) DO NOTHING",
      1, event_id);
  assert_int_equal(notices(w.q_worker.id, message_id), 1);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM customer.notifications WHERE"
                               " source_event_id = $1",
                               1, (const char *[]){event_id}),
                   2);
  free(event_id);
  tl_world_define_role(&w, "external_case_handler", "[]");
}

int main(void) {
  tl_world_create(&w);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rfq_invitation_email),
      cmocka_unit_test(test_chat_message_notices),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  tl_world_free(&w);
  return failed;
}
