/* The chat of a case on the screens of the cases service: the dashboard's row
 * cases_with_unread_chat and the case list's filter unread_chat, which lists exactly what the
 * row counts for the same caller (both sort orders). A case counts for a user while it is not
 * closed and its chat holds a message by someone else posted after the user last read it
 * (POST .../chat/read, or a message of the user's own); only the cases the user sees count.
 * Every message is posted through the API.
 *
 * A user counts the cases it takes part in (as case handler, external case handler or a task's
 * user, marked in the chat, or read or written there), not every case it sees.
 *
 * Fixtures: the world of tl_world.h, cases created by ia_handler in portal A, where every user
 * who sees a case is marked for its chat:
 *   H1  Q's repair task at Göteborg, and the external case handler role given to P's Stockholm
 *       office: both partners see it
 *   H2  P's repair task at Stockholm: P sees it, Q does not
 *   H3  no partner: the insurer alone sees it
 * The tests run in order: each builds on the messages the previous ones posted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tl_world.h"

#define PROBLEM(slug) "urn:claimsuite:problem:" slug
#define ROW "cases_with_unread_chat"
#define ABSENT -1

static struct tl_world w;
static char h1[37], h2[37], h3[37];

/* ---- calls --------------------------------------------------------------------------------- */

/* method on a path made of fmt, as token, with body (may be NULL). */
static long api(struct tl_response *r, const char *method, const char *token, const char *body,
                const char *fmt, ...) {
  char path[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(path, sizeof(path), fmt, ap);
  va_end(ap);
  return tl_cases(method, path, token, body, NULL, r);
}

static void post(const char *token, const char *case_id, const char *text) {
  struct tl_response r;
  char body[256];
  snprintf(body, sizeof(body), "{\"text\": \"%s\"}", text);
  api(&r, "POST", token, body, "/v1/cases/%s/chat/messages", case_id);
  tl_expect(&r, 201);
  tl_response_free(&r);
}

static void read_chat(const char *token, const char *case_id) {
  struct tl_response r;
  api(&r, "POST", token, NULL, "/v1/cases/%s/chat/read", case_id);
  tl_expect(&r, 204);
  tl_response_free(&r);
}

/* The chat's own unread count of case_id for token. */
static long long unread(const char *token, const char *case_id) {
  struct tl_response r;
  api(&r, "GET", token, NULL, "/v1/cases/%s/chat/messages?limit=1", case_id);
  tl_expect(&r, 200);
  long long n = json_integer_value(json_object_get(r.json, "unread"));
  tl_response_free(&r);
  return n;
}

/* A repair task of case_id given to office. */
static void task_at(const char *case_id, const char *office) {
  tl_world_task(&w, case_id, "repair", "painting", office, NULL);
}

static void set_status(const char *case_id, const char *status) {
  tl_sql_run(
      "UPDATE cases.cases SET status = $2, closed_at = CASE WHEN $2 = 'closed' THEN now() END "
      "WHERE id = $1",
      2, case_id, status);
}

/* ---- what the screens say ----------------------------------------------------------------- */

/* The fixture names of the cases GET /v1/cases?limit=200&<query> lists for token, sorted and
 * comma-joined into buf; also their number into *n. */
static const char *listed(const char *token, const char *query, char *buf, size_t len, size_t *n) {
  const char *const ids[] = {h1, h2, h3};
  const char *const names[] = {"H1", "H2", "H3"};
  return tl_cases_listed_names(token, query, ids, names, 3, buf, len, n);
}

/* token's row counts want (ABSENT: not shown) with the filter {"unread_chat": "true"}, and the
 * filter lists exactly the fixture cases given ("H1,H3", "" for none), in either sort order. */
static void expect_unread(const char *token, long long want, const char *cases) {
  struct tl_response r;
  api(&r, "GET", token, NULL, "/v1/dashboard");
  tl_expect(&r, 200);
  long long got = tl_dashboard_count(&r, ROW);
  if (got != want) fail_msg(ROW " counts %lld, expected %lld: %s", got, want, r.body);
  json_t *e;
  size_t i;
  json_array_foreach(json_object_get(r.json, "rows"), i, e) {
    if (strcmp(tl_str(e, "row"), ROW) != 0) continue;
    json_t *filter = json_object_get(e, "filter");
    assert_int_equal(json_object_size(filter), 1);
    tl_assert_str(filter, "unread_chat", "true");
  }
  tl_response_free(&r);
  if (want == ABSENT) return;
  const char *const queries[] = {"unread_chat=true", "unread_chat=true&sort=updated"};
  for (size_t k = 0; k < 2; k++) {
    char listing[128];
    size_t n;
    listed(token, queries[k], listing, sizeof(listing), &n);
    if ((long long)n != want || strcmp(listing, cases) != 0)
      fail_msg("%s lists [%s], expected [%s] as " ROW " counts %lld", queries[k], listing, cases,
               want);
  }
}

/* ---- fixtures ------------------------------------------------------------------------------ */

/* Marks users (NULL-terminated ids) in the chat of case_id, as the insurer does. */
static void mark(const char *case_id, const char *const *ids) {
  struct tl_response r;
  char body[1024];
  size_t k = (size_t)snprintf(body, sizeof(body), "{\"user_ids\": [");
  for (size_t i = 0; ids[i] != NULL; i++)
    k += (size_t)snprintf(body + k, sizeof(body) - k, "%s\"%s\"", i ? ", " : "", ids[i]);
  snprintf(body + k, sizeof(body) - k, "]}");
  api(&r, "PUT", w.ia_handler.token, body, "/v1/cases/%s/chat/participants", case_id);
  tl_expect(&r, 200);
  tl_response_free(&r);
}

static int setup(void **state) {
  (void)state;
  tl_world_create(&w);
  tl_world_case(&w, 0, 0, h1);
  tl_world_case(&w, 0, 0, h2);
  tl_world_case(&w, 0, 0, h3);
  task_at(h1, w.q_gbg);
  tl_world_ech(&w, h1, w.p_sthlm, NULL);
  task_at(h2, w.p_sthlm);
  /* users count the cases they take part in: here, everyone who sees one is marked in it */
  mark(h1, (const char *[]){w.ia_handler.id, w.ia_admin.id, w.p_admin.id, w.p_worker.id,
                            w.p_upps_worker.id, w.q_ech.id, w.q_worker.id, NULL});
  mark(h2, (const char *[]){w.ia_handler.id, w.ia_admin.id, w.p_admin.id, w.p_worker.id,
                            w.p_upps_worker.id, NULL});
  mark(h3, (const char *[]){w.ia_handler.id, w.ia_admin.id, NULL});
  return 0;
}

static int teardown(void **state) {
  (void)state;
  tl_world_free(&w);
  return 0;
}

/* ---- the row and the filter ---------------------------------------------------------------- */

/* No message yet: every user's row at 0; an API client has none. */
static void test_rows_before_any_message(void **state) {
  (void)state;
  expect_unread(w.ia_handler.token, 0, "");
  expect_unread(w.ia_admin.token, 0, "");
  expect_unread(w.p_admin.token, 0, "");
  expect_unread(w.p_worker.token, 0, "");
  expect_unread(w.p_ech.token, 0, "");
  expect_unread(w.q_worker.token, 0, "");
  expect_unread(w.q_ech.token, 0, "");
  expect_unread(w.client_a_token, ABSENT, "");
  expect_unread(w.ib_admin.token, 0, "");
}

/* A message counts for every other user who sees the case, by one, until that user reads the
 * chat; a new message counts again. */
static void test_a_message_counts_until_read(void **state) {
  (void)state;
  post(w.q_worker.token, h1, "We come on Monday");
  expect_unread(w.ia_handler.token, 1, "H1");
  expect_unread(w.ia_admin.token, 1, "H1");
  expect_unread(w.p_admin.token, 1, "H1");
  expect_unread(w.p_worker.token, 1, "H1");
  expect_unread(w.q_ech.token, 1, "H1"); /* another user of the author's company */
  expect_unread(w.q_worker.token, 0, "");

  read_chat(w.ia_handler.token, h1);
  expect_unread(w.ia_handler.token, 0, "");
  expect_unread(w.ia_admin.token, 1, "H1"); /* read marks are each user's */

  post(w.q_worker.token, h1, "Or Tuesday");
  expect_unread(w.ia_handler.token, 1, "H1");
  assert_int_equal(unread(w.ia_handler.token, h1), 1);
  assert_int_equal(unread(w.ia_admin.token, h1), 2); /* one case, however many messages */
  expect_unread(w.ia_admin.token, 1, "H1");
  read_chat(w.ia_handler.token, h1);
  expect_unread(w.ia_handler.token, 0, "");
}

/* A user's own messages never count, and posting reads the chat up to its message. */
static void test_own_messages_never_count(void **state) {
  (void)state;
  post(w.ia_handler.token, h3, "Call the policyholder");
  post(w.ia_handler.token, h3, "Again on Friday");
  expect_unread(w.ia_handler.token, 0, "");
  /* not even without a read mark (posting leaves one): messages by others are what is unread */
  tl_sql_run("DELETE FROM cases.chat_reads WHERE case_id = $1 AND user_id = $2", 2, h3,
             w.ia_handler.id);
  expect_unread(w.ia_handler.token, 0, "");
  assert_int_equal(unread(w.ia_handler.token, h3), 0);
  expect_unread(w.ia_admin.token, 2, "H1,H3");

  post(w.ia_admin.token, h1, "Monday is fine");
  expect_unread(w.ia_admin.token, 1, "H3");
  expect_unread(w.ia_handler.token, 1, "H1");
  expect_unread(w.q_worker.token, 1, "H1");
}

/* A partner user counts only the cases it sees: H1 for Q, H1 and H2 for every user of P (its
 * company holds the task and the role), never H3; messages of an API client count too. */
static void test_partners_count_what_they_see(void **state) {
  (void)state;
  post(w.ia_handler.token, h2, "Photos please");
  expect_unread(w.p_worker.token, 2, "H1,H2");
  expect_unread(w.p_admin.token, 2, "H1,H2");
  expect_unread(w.p_upps_worker.token, 2, "H1,H2");
  expect_unread(w.q_worker.token, 1, "H1");
  expect_unread(w.q_ech.token, 1, "H1");
  expect_unread(w.ia_admin.token, 2, "H2,H3");
  expect_unread(w.ia_handler.token, 1, "H1");

  post(w.client_a_token, h2, "Synced from the claims system");
  expect_unread(w.ia_handler.token, 2, "H1,H2");

  read_chat(w.p_worker.token, h2);
  expect_unread(w.p_worker.token, 1, "H1");
  expect_unread(w.p_admin.token, 2, "H1,H2");
}

/* A closed case counts for nobody (unread_chat=false lists it); reopened, it counts again. */
static void test_closed_cases_do_not_count(void **state) {
  (void)state;
  char got[128];
  size_t n;
  set_status(h2, "closed");
  expect_unread(w.ia_handler.token, 1, "H1");
  expect_unread(w.ia_admin.token, 1, "H3");
  expect_unread(w.p_admin.token, 1, "H1");
  assert_string_equal(listed(w.ia_handler.token, "unread_chat=false", got, sizeof(got), &n),
                      "H2,H3");
  set_status(h2, "open");
  expect_unread(w.ia_handler.token, 2, "H1,H2");
  expect_unread(w.ia_admin.token, 2, "H2,H3");
  expect_unread(w.p_admin.token, 2, "H1,H2");
}

/* true or false only; API clients read as no user; with other filters it is one more AND. */
static void test_filter_values(void **state) {
  (void)state;
  struct tl_response r;
  char got[128];
  size_t n;
  api(&r, "GET", w.ia_handler.token, NULL, "/v1/cases?unread_chat=maybe");
  tl_assert_problem(&r, 400, PROBLEM("invalid-parameter"));
  tl_assert_field_code(&r, "unread_chat", "wrong_type");
  tl_response_free(&r);
  api(&r, "GET", w.client_a_token, NULL, "/v1/cases?unread_chat=true");
  tl_assert_problem(&r, 400, PROBLEM("invalid-parameter"));
  tl_assert_field_code(&r, "unread_chat", "not_allowed");
  tl_response_free(&r);

  /* false: the rest of what the caller sees */
  assert_string_equal(listed(w.ia_handler.token, "unread_chat=false", got, sizeof(got), &n), "H3");
  assert_string_equal(listed(w.p_worker.token, "unread_chat=false", got, sizeof(got), &n), "H2");
  assert_string_equal(listed(w.q_worker.token, "unread_chat=false", got, sizeof(got), &n), "");
  assert_string_equal(listed(w.ia_handler.token, "unread_chat=true&has_external_case_handler=true",
                             got, sizeof(got), &n),
                      "H1");
  assert_string_equal(
      listed(w.ia_handler.token, "unread_chat=true&status=on_hold", got, sizeof(got), &n), "");
}

/* The row's count on token's dashboard. */
static long long dashboard_count(const char *token) { return tl_dashboard_row(token, ROW); }

/* A user does not count a case it takes no part in, until it reads or writes there. */
static void test_insurer_counts_its_own_cases(void **state) {
  (void)state;
  char h4[37];
  tl_world_case(&w, 0, 0, h4);
  task_at(h4, w.q_gbg);
  long long before = dashboard_count(w.ia_admin.token);
  post(w.q_worker.token, h4, "Nobody at the insurer follows this one");
  assert_int_equal(dashboard_count(w.ia_admin.token), before);
  post(w.ia_admin.token, h4, "Now I do");
  post(w.q_worker.token, h4, "Good");
  assert_int_equal(dashboard_count(w.ia_admin.token), before + 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rows_before_any_message),
      cmocka_unit_test(test_a_message_counts_until_read),
      cmocka_unit_test(test_own_messages_never_count),
      cmocka_unit_test(test_partners_count_what_they_see),
      cmocka_unit_test(test_closed_cases_do_not_count),
      cmocka_unit_test(test_filter_values),
      cmocka_unit_test(test_insurer_counts_its_own_cases),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
