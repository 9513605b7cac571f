/* Notifications of the customer service against the running stack (services/customer/notify/):
 * the in-app inbox (a user sees only its own, newest first, paged, the unread count, one read,
 * all read; another's id is 404) and the delivery worker with the stack's file providers: a
 * queued email and SMS each become exactly one file, a message left mid-send by a crash is sent
 * again once its lease runs out (still one file), a live lease is left alone, and a dedupe key
 * queues an event's message once. The SMTP and HTTP providers: test_customer_notify_providers.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <cmocka.h>

#include "tl_world.h"

#define PROBLEM(slug) "urn:claimsuite:problem:" slug

static struct tl_world w;

static long customer(const char *method, const char *path, const char *token,
                     struct tl_response *r) {
  return tl_call(tl_env("CUSTOMER_URL"), method, path, token, NULL, NULL, r);
}

static int inbox_answers(void *arg) {
  struct tl_response r;
  long status = customer("GET", "/v1/notifications", arg, &r);
  tl_response_free(&r);
  return status == 200;
}

/* A notice for user in portal, created age ago; its id into id. */
static void notice(const char *portal, const char *user, const char *title, const char *age,
                   char id[37]) {
  char *v = tl_sql(
      "INSERT INTO customer.notifications (id, portal_id, user_id, kind, title, body, data, link,"
      " created_at) VALUES (gen_random_uuid(), $1, $2, 'case.assigned', $3, 'A case is yours',"
      " '{\"case_id\": \"c-1\"}', '/cases/c-1', now() - $4::interval) RETURNING id",
      4, (const char *[]){portal, user, title, age});
  snprintf(id, 37, "%s", v);
  free(v);
}

static void test_inbox(void **state) {
  (void)state;
  char h1[37], h2[37], h3[37], a1[37], hb[37], path[160];
  struct tl_response r;
  /* the customer service knows the world's users once its replica has them */
  assert_true(tl_wait(inbox_answers, w.ia_handler.token, 15000));
  notice(w.portal_a, w.ia_handler.id, "oldest", "3 minutes", h1);
  notice(w.portal_a, w.ia_handler.id, "middle", "2 minutes", h2);
  notice(w.portal_a, w.ia_handler.id, "newest", "1 minute", h3);
  notice(w.portal_a, w.ia_admin.id, "the admin's", "1 minute", a1);
  notice(w.portal_b, w.ia_handler.id, "another portal's", "1 minute", hb);

  /* own only, newest first, the unread count */
  customer("GET", "/v1/notifications", w.ia_handler.token, &r);
  tl_expect(&r, 200);
  json_t *items = json_object_get(r.json, "items");
  assert_int_equal(json_array_size(items), 3);
  tl_assert_str(json_array_get(items, 0), "id", h3);
  tl_assert_str(json_array_get(items, 1), "id", h2);
  tl_assert_str(json_array_get(items, 2), "id", h1);
  assert_true(json_is_null(json_object_get(r.json, "next_cursor")));
  assert_int_equal(json_integer_value(json_object_get(r.json, "unread")), 3);
  json_t *first = json_array_get(items, 0);
  tl_assert_str(first, "kind", "case.assigned");
  tl_assert_str(first, "title", "newest");
  tl_assert_str(first, "body", "A case is yours");
  tl_assert_str(first, "link", "/cases/c-1");
  tl_assert_str(json_object_get(first, "data"), "case_id", "c-1");
  assert_non_null(tl_str(first, "created_at"));
  assert_true(json_is_null(json_object_get(first, "read_at")));
  tl_response_free(&r);

  /* pages of two */
  customer("GET", "/v1/notifications?limit=2", w.ia_handler.token, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 2);
  const char *cursor = tl_str(r.json, "next_cursor");
  assert_non_null(cursor);
  snprintf(path, sizeof(path), "/v1/notifications?limit=2&cursor=%s", cursor);
  tl_response_free(&r);
  customer("GET", path, w.ia_handler.token, &r);
  tl_expect(&r, 200);
  items = json_object_get(r.json, "items");
  assert_int_equal(json_array_size(items), 1);
  tl_assert_str(json_array_get(items, 0), "id", h1);
  assert_true(json_is_null(json_object_get(r.json, "next_cursor")));
  assert_int_equal(json_integer_value(json_object_get(r.json, "unread")), 3);
  tl_response_free(&r);

  /* bad paging parameters */
  customer("GET", "/v1/notifications?limit=0", w.ia_handler.token, &r);
  tl_assert_problem(&r, 400, PROBLEM("invalid-parameter"));
  tl_assert_field_error(&r, "limit", NULL);
  tl_response_free(&r);
  customer("GET", "/v1/notifications?cursor=bm90LW91cnM", w.ia_handler.token, &r);
  tl_assert_problem(&r, 400, PROBLEM("invalid-parameter"));
  tl_response_free(&r);

  /* no token: 401 */
  customer("GET", "/v1/notifications", NULL, &r);
  tl_assert_problem(&r, 401, NULL);
  tl_response_free(&r);

  /* another user's notification, another portal's, no such one: 404, and nothing changes */
  const char *foreign[] = {a1, hb, "00000000-0000-4000-8000-000000000000", "not-a-uuid"};
  for (size_t i = 0; i < 4; i++) {
    snprintf(path, sizeof(path), "/v1/notifications/%s/read", foreign[i]);
    customer("POST", path, w.ia_handler.token, &r);
    tl_assert_problem(&r, 404, PROBLEM("not-found"));
    tl_response_free(&r);
  }
  assert_int_equal(tl_sql_long("SELECT count(*) FROM customer.notifications WHERE id IN ($1, $2)"
                               " AND read_at IS NULL",
                               2, (const char *[]){a1, hb}),
                   2);

  /* one read: its document, the count down by one; read again keeps the first read_at */
  snprintf(path, sizeof(path), "/v1/notifications/%s/read", h2);
  customer("POST", path, w.ia_handler.token, &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "id", h2);
  tl_assert_str(r.json, "title", "middle");
  char read_at[64];
  assert_non_null(tl_str(r.json, "read_at"));
  snprintf(read_at, sizeof(read_at), "%s", tl_str(r.json, "read_at"));
  tl_response_free(&r);
  customer("POST", path, w.ia_handler.token, &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "read_at", read_at);
  tl_response_free(&r);
  customer("GET", "/v1/notifications", w.ia_handler.token, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_integer_value(json_object_get(r.json, "unread")), 2);
  tl_assert_str(tl_item(json_object_get(r.json, "items"), h2), "read_at", read_at);
  tl_response_free(&r);

  /* all read: two were unread; the admin's and the other portal's stay unread */
  customer("POST", "/v1/notifications/read", w.ia_handler.token, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_integer_value(json_object_get(r.json, "marked")), 2);
  assert_int_equal(json_integer_value(json_object_get(r.json, "unread")), 0);
  tl_response_free(&r);
  customer("GET", "/v1/notifications", w.ia_handler.token, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_integer_value(json_object_get(r.json, "unread")), 0);
  size_t i;
  json_t *item;
  json_array_foreach(json_object_get(r.json, "items"), i, item)
      assert_non_null(tl_str(item, "read_at"));
  tl_response_free(&r);
  customer("POST", "/v1/notifications/read", w.ia_handler.token, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_integer_value(json_object_get(r.json, "marked")), 0);
  tl_response_free(&r);
  customer("GET", "/v1/notifications", w.ia_admin.token, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
  assert_int_equal(json_integer_value(json_object_get(r.json, "unread")), 1);
  tl_assert_str(json_array_get(json_object_get(r.json, "items"), 0), "id", a1);
  tl_response_free(&r);
}

/* ---- delivery through the stack's file providers ------------------------------------------- */

/* Queues a message as the superuser; its id into id. */
static void queue(const char *channel, const char *to, const char *subject, const char *body,
                  char id[37]) {
  char *v = tl_sql(
      "INSERT INTO customer.outgoing_messages (id, channel, recipient, subject, body)"
      " VALUES (gen_random_uuid(), $1, $2, $3, $4) RETURNING id",
      4, (const char *[]){channel, to, subject, body});
  snprintf(id, 37, "%s", v);
  free(v);
}

static const char *outbox_file(const char *id) {
  static char path[512];
  snprintf(path, sizeof(path), "%s/notify-outbox/%s.json", tl_env("STACK_DIR"), id);
  return path;
}

/* The files in the outbox naming id: the file providers write <id>.json and nothing else. */
static long files_of(const char *id) {
  char dir[512];
  long n = 0;
  snprintf(dir, sizeof(dir), "%s/notify-outbox", tl_env("STACK_DIR"));
  DIR *d = opendir(dir);
  if (d == NULL) return 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;)
    if (strstr(e->d_name, id) != NULL) n++;
  closedir(d);
  return n;
}

static const char *status_of(const char *id) {
  static char s[32];
  char *v = tl_sql("SELECT status FROM customer.outgoing_messages WHERE id = $1", 1,
                   (const char *[]){id});
  snprintf(s, sizeof(s), "%s", v != NULL ? v : "");
  free(v);
  return s;
}

static int is_sent(void *id) { return strcmp(status_of(id), "sent") == 0; }

static json_t *file_json(const char *id) {
  json_error_t e;
  json_t *doc = json_load_file(outbox_file(id), 0, &e);
  if (doc == NULL) fail_msg("%s: %s", outbox_file(id), e.text);
  return doc;
}

static void test_file_delivery(void **state) {
  (void)state;
  char mail[37], sms[37];
  queue("email", "kund@example.se", "Ärendet är uppdaterat", "Hej!\nDitt ärende har ändrats.",
        mail);
  queue("sms", "+46701234567", NULL, "Your case was updated", sms);
  assert_true(tl_wait(is_sent, mail, 10000));
  assert_true(tl_wait(is_sent, sms, 10000));
  assert_int_equal(files_of(mail), 1);
  assert_int_equal(files_of(sms), 1);
  json_t *m = file_json(mail);
  tl_assert_str(m, "id", mail);
  tl_assert_str(m, "channel", "email");
  tl_assert_str(m, "to", "kund@example.se");
  tl_assert_str(m, "subject", "Ärendet är uppdaterat");
  tl_assert_str(m, "body", "Hej!\nDitt ärende har ändrats.");
  json_decref(m);
  json_t *s = file_json(sms);
  tl_assert_str(s, "channel", "sms");
  tl_assert_str(s, "to", "+46701234567");
  tl_assert_str(s, "body", "Your case was updated");
  json_decref(s);
  assert_int_equal(tl_sql_long("SELECT attempts FROM customer.outgoing_messages WHERE id = $1", 1,
                               (const char *[]){mail}),
                   1);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM customer.outgoing_messages WHERE id = $1"
                               " AND sent_at IS NOT NULL AND last_error IS NULL",
                               1, (const char *[]){sms}),
                   1);
  sleep(1); /* nothing more comes of them */
  assert_int_equal(files_of(mail), 1);
  assert_int_equal(files_of(sms), 1);
}

/* A message whose sender crashed mid-send ('sending', lease run out) is sent again; the file of
 * the first send, if it was written, stays the one file. A live lease is someone's send. */
static void test_crash_mid_send(void **state) {
  (void)state;
  char lost[37], written[37], leased[37];
  queue("sms", "+46700000001", NULL, "lost mid-send", lost);
  queue("sms", "+46700000002", NULL, "written, then the crash", written);
  queue("sms", "+46700000003", NULL, "someone is sending it", leased);
  tl_sql_run(
      "UPDATE customer.outgoing_messages SET status = 'sending', attempts = 1,"
      " next_attempt_at = now() + interval '1 hour' WHERE id IN ($1, $2, $3)",
      3, lost, written, leased);
  /* the first send of `written` reached the provider before the crash */
  assert_int_equal(tl_sh("mkdir -p '%s/notify-outbox' && echo '{\"first\": true}' > '%s'",
                         tl_env("STACK_DIR"), outbox_file(written)),
                   0);
  tl_sql_run(
      "UPDATE customer.outgoing_messages SET next_attempt_at = now() - interval '1 second'"
      " WHERE id IN ($1, $2)",
      2, lost, written);
  assert_true(tl_wait(is_sent, lost, 10000));
  assert_true(tl_wait(is_sent, written, 10000));
  assert_int_equal(tl_sql_long("SELECT attempts FROM customer.outgoing_messages WHERE id = $1", 1,
                               (const char *[]){lost}),
                   2);
  assert_int_equal(files_of(lost), 1);
  assert_int_equal(files_of(written), 1);
  json_t *doc = file_json(written);
  assert_true(json_is_true(json_object_get(doc, "first"))); /* the first delivery kept */
  json_decref(doc);
  sleep(1);
  assert_string_equal(status_of(leased), "sending");
  assert_int_equal(files_of(leased), 0);
  tl_sql_run("UPDATE customer.outgoing_messages SET status = 'dead' WHERE id = $1", 1, leased);
}

/* The same event turned into a message twice is queued once (the dedupe key). */
static void test_dedupe_key(void **state) {
  (void)state;
  const char *key_sql =
      "INSERT INTO customer.outgoing_messages (id, channel, recipient, body, dedupe_key)"
      " VALUES (gen_random_uuid(), 'sms', '+46700000009', 'once', $1)"
      " ON CONFLICT (dedupe_key) DO NOTHING RETURNING id";
  char key[64];
  snprintf(key, sizeof(key), "event-%s:sms", w.sfx);
  char *id = tl_sql(key_sql, 1, (const char *[]){key});
  assert_non_null(id);
  char *again = tl_sql(key_sql, 1, (const char *[]){key});
  assert_null(again);
  assert_true(tl_wait(is_sent, id, 10000));
  assert_int_equal(tl_sql_long("SELECT count(*) FROM customer.outgoing_messages WHERE dedupe_key"
                               " = $1",
                               1, (const char *[]){key}),
                   1);
  assert_int_equal(files_of(id), 1);
  free(id);
}

int main(void) {
  tl_world_create(&w);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_inbox),
      cmocka_unit_test(test_file_delivery),
      cmocka_unit_test(test_crash_mid_send),
      cmocka_unit_test(test_dedupe_key),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  tl_world_free(&w);
  return failed;
}
