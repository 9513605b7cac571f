/* The customer page as the customer sees it, against the running stack: the customer service's
 * read model of the cases follows the cases events (services/customer/casefile/), the news feed
 * says what the settings let through and no more than the guide allows, each part of the page
 * appears only when its setting's "when" holds for the case (a case's override wins), a closed
 * case's page closes after the configured days (410), and the page answers while the cases
 * service is stopped (services/customer/portal/). The session comes from an access link
 * granted by hand (services/customer/access/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "tl_customer.h"

static struct tl_world w;
static int cases_stopped;

/* a call once the customer service's replica holds what the world made (tl_customer.h): a test
 * before this one may have stopped Redis or policy, and stale facts are answered 503 */
static long customer(const char *method, const char *path, const char *token, const char *body,
                     const char *extra, struct tl_response *r) {
  return tl_customer_call(method, path, token, body, extra, r);
}

static void page_case(char id[37], char phone[24]) { tl_customer_case(&w, id, phone, NULL); }

static void wait_for(const char *case_id, const char *query) { tl_customer_wait(case_id, query); }

static void wait_known(const char *case_id) {
  wait_for(case_id, "SELECT 1 FROM customer.cases WHERE case_id = $1::uuid");
}

static void open_page(const char *case_id, const char *phone, char cookie[512]) {
  tl_customer_open_page(&w, case_id, phone, cookie);
}

static long page(const char *cookie, const char *part, struct tl_response *r) {
  char path[400];
  snprintf(path, sizeof(path), "/v1/customer-portal/%s", part);
  return customer("GET", path, NULL, NULL, cookie, r);
}

static void put_settings(const char *path, const char *body) {
  struct tl_response r;
  customer("GET", path, w.ia_admin.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  char *etag = tl_header(&r, "ETag"), if_match[64];
  snprintf(if_match, sizeof(if_match), "If-Match: %s", etag);
  free(etag);
  tl_response_free(&r);
  customer("PUT", path, w.ia_admin.token, body, if_match, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
}

static void case_override(const char *case_id, const char *body) {
  char path[160];
  snprintf(path, sizeof(path), "/v1/customer/cases/%s/settings", case_id);
  put_settings(path, body);
}

/* method /v1/cases/{case_id}<sub> as the case handler; a PATCH of the case with the If-Match of
 * a GET. */
static void case_step(const char *method, const char *case_id, const char *sub, const char *body) {
  char path[200], if_match[80] = "";
  struct tl_response r;
  snprintf(path, sizeof(path), "/v1/cases/%s%s", case_id, sub);
  if (!strcmp(method, "PATCH") && sub[0] == '\0') {
    tl_cases("GET", path, w.ia_handler.token, NULL, NULL, &r);
    tl_expect(&r, 200);
    char *etag = tl_header(&r, "ETag");
    snprintf(if_match, sizeof(if_match), "If-Match: %s", etag);
    free(etag);
    tl_response_free(&r);
  }
  tl_cases(method, path, w.ia_handler.token, body, if_match[0] ? if_match : NULL, &r);
  if (r.status != 200 && r.status != 201) fail_msg("%s %s: %ld %s", method, path, r.status, r.body);
  tl_response_free(&r);
}

/* The news kinds of the page, newest first, comma-joined (a static buffer), and the texts. */
static const char *news_kinds(const char *cookie, char *texts, size_t len) {
  static char kinds[1024];
  struct tl_response r;
  size_t i, k = 0, t = 0;
  json_t *e;
  page(cookie, "news", &r);
  tl_expect(&r, 200);
  kinds[0] = '\0';
  if (texts != NULL) texts[0] = '\0';
  json_array_foreach(json_object_get(r.json, "items"), i, e) {
    k += (size_t)snprintf(kinds + k, sizeof(kinds) - k, "%s%s", i ? "," : "", tl_str(e, "kind"));
    if (texts != NULL)
      t += (size_t)snprintf(texts + t, len - t, "%s\n", tl_str(e, "text") ? tl_str(e, "text") : "");
  }
  tl_response_free(&r);
  return kinds;
}

/* ---- the read model ------------------------------------------------------------------------- */

static void test_read_model_follows_the_case(void **state) {
  (void)state;
  char case_id[37], phone[24];
  page_case(case_id, phone);
  wait_known(case_id);
  char *claim = tl_sql("SELECT doc->>'claim_number' FROM customer.cases WHERE case_id = $1::uuid",
                       1, (const char *[]){case_id});
  assert_non_null(strstr(claim, "CP-"));
  free(claim);
  /* a change travels whole: the case after it, not a diff */
  case_step("PATCH", case_id, "", "{\"damage_type\": \"fire\"}");
  wait_for(case_id,
           "SELECT 1 FROM customer.cases WHERE case_id = $1::uuid"
           " AND doc->>'damage_type' = 'fire' AND doc->'contacts'->1->>'name' = 'Rie Nielsen'");
  case_step("POST", case_id, "/close", NULL);
  wait_for(case_id,
           "SELECT 1 FROM customer.cases WHERE case_id = $1::uuid"
           " AND closed_at IS NOT NULL AND doc->>'status' = 'closed'");
}

/* ---- the news feed -------------------------------------------------------------------------- */

static void test_news_filter_and_what_entries_say(void **state) {
  (void)state;
  char case_id[37], phone[24], cookie[512], texts[4096], task_id[37], path[200];
  page_case(case_id, phone);
  wait_known(case_id);
  case_override(
      case_id,
      "{\"news_feed_title\": \"always\", \"news_filter\": [\"new_tasks_added\","
      " \"rebuild_task_office_changed\", \"compensation_decision\", \"case_closed\","
      " \"case_reopened\", \"meeting_time_changed\"], \"visible_days_after_closing\": 30}");
  tl_world_task(&w, case_id, "repair", "carpentry", w.p_sthlm, task_id);
  snprintf(path, sizeof(path), "/tasks/%s", task_id);
  case_step("PATCH", case_id, path, "{\"meeting_at\": \"2026-12-10T08:30:00Z\"}");
  case_step("POST", case_id, "/calls",
            "{\"number\": \"+4511111111\", \"started_at\": \"2026-12-01T10:00:00Z\","
            " \"duration_seconds\": 60, \"reached\": false}");
  case_step("PUT", case_id, "/compensation-decision",
            "{\"decision\": \"negative\", \"comment\": \"wear and tear\"}");
  case_step("POST", case_id, "/close", NULL);
  case_step("POST", case_id, "/reopen", NULL);
  wait_for(case_id,
           "SELECT 1 FROM customer.news WHERE case_id = $1::uuid AND kind = 'case_reopened'");
  /* the call is in the read model but not in this page's filter */
  wait_for(case_id,
           "SELECT 1 FROM customer.news WHERE case_id = $1::uuid AND kind = 'call_history'");
  open_page(case_id, phone, cookie);
  assert_string_equal(news_kinds(cookie, texts, sizeof(texts)),
                      "case_reopened,case_closed,compensation_decision,meeting_time_changed,"
                      "rebuild_task_office_changed,new_tasks_added");
  /* a decision entry says one was made, not which or why; reopening names the insurer only */
  assert_null(strstr(texts, "negative"));
  assert_null(strstr(texts, "wear"));
  assert_non_null(strstr(texts, "A compensation decision has been made"));
  assert_non_null(strstr(texts, "has reopened the case"));
  assert_non_null(strstr(texts, "carpentry"));
  /* the meeting time in the portal's time zone (Stockholm: UTC+1 in December) */
  assert_non_null(strstr(texts, "2026-12-10 09:30"));
  /* paged, newest first: two, then the rest by the cursor; a cursor of nothing is 400 */
  struct tl_response r;
  char next[300];
  page(cookie, "news?limit=2", &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 2);
  tl_assert_str(json_array_get(json_object_get(r.json, "items"), 1), "kind", "case_closed");
  snprintf(next, sizeof(next), "news?limit=50&cursor=%s", tl_str(r.json, "next_cursor"));
  tl_response_free(&r);
  page(cookie, next, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 4);
  tl_assert_str(json_array_get(json_object_get(r.json, "items"), 0), "kind",
                "compensation_decision");
  assert_true(json_is_null(json_object_get(r.json, "next_cursor")));
  tl_response_free(&r);
  page(cookie, "news?cursor=bm90LW91cnM", &r);
  tl_assert_problem(&r, 400, NULL);
  tl_response_free(&r);
  /* the same feed in Danish when the page speaks Danish */
  case_override(case_id,
                "{\"language\": \"da\", \"news_feed_title\": \"always\","
                " \"news_filter\": [\"case_reopened\"]}");
  assert_string_equal(news_kinds(cookie, texts, sizeof(texts)), "case_reopened");
  assert_non_null(strstr(texts, "Har genåbnet sagen"));
  /* no news feed: the part is not there */
  case_override(case_id, "{\"news_feed_title\": \"never\"}");
  page(cookie, "news", &r);
  tl_assert_problem(&r, 404, NULL);
  tl_response_free(&r);
}

/* ---- each part only when its "when" holds ---------------------------------------------------- */

static int tab(const char *cookie, const char *name) {
  struct tl_response r;
  page(cookie, "case", &r);
  tl_expect(&r, 200);
  int on = json_is_true(json_object_get(json_object_get(r.json, "tabs"), name));
  tl_response_free(&r);
  return on;
}

static void test_parts_follow_their_when(void **state) {
  (void)state;
  char case_id[37], phone[24], cookie[512], task_id[37], path[200], body[160];
  struct tl_response r;
  page_case(case_id, phone);
  wait_known(case_id);
  case_override(case_id,
                "{\"case_budget\": \"inspector_assigned\", \"messages_tab\":"
                " \"positive_compensation_decision\", \"reports_tab\": \"never\","
                " \"rebuild_plan_tab\": \"case_created\", \"show_case_handler\": true,"
                " \"inspection_report_sharing\": \"never\"}");
  open_page(case_id, phone, cookie);
  /* the link was the customer's credential: once sent, the queue keeps no copy of it */
  tl_customer_wait(phone,
                   "SELECT 1 FROM customer.outgoing_messages WHERE recipient = $1"
                   " AND status = 'sent' AND body = ''");
  page(cookie, "case", &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "damage_type", "water");
  assert_non_null(tl_str(json_object_get(r.json, "case_handler"), "name"));
  assert_null(json_object_get(json_object_get(r.json, "case_handler"), "mobile"));
  assert_non_null(json_object_get(r.json, "look"));
  tl_response_free(&r);
  assert_false(tab(cookie, "budget"));
  assert_false(tab(cookie, "messages"));
  assert_false(tab(cookie, "documents"));
  assert_true(tab(cookie, "plan"));
  page(cookie, "budget", &r);
  tl_assert_problem(&r, 404, NULL);
  tl_response_free(&r);
  page(cookie, "documents", &r);
  tl_assert_problem(&r, 404, NULL);
  tl_response_free(&r);
  /* an inspector is assigned: the budget opens */
  tl_world_task(&w, case_id, "inspection", NULL, w.p_sthlm, task_id);
  snprintf(path, sizeof(path), "/v1/cases/%s/tasks/%s/user", case_id, task_id);
  snprintf(body, sizeof(body), "{\"user_id\": \"%s\"}", w.p_worker.id);
  tl_cases("PUT", path, w.p_admin.token, body, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  wait_for(case_id,
           "SELECT 1 FROM customer.cases WHERE case_id = $1::uuid"
           " AND inspector_assigned_at IS NOT NULL");
  assert_true(tab(cookie, "budget"));
  page(cookie, "budget", &r);
  tl_expect(&r, 200);
  assert_int_equal(json_integer_value(json_object_get(r.json, "total_incl_vat")), 0);
  tl_response_free(&r);
  /* the plan names the partner and the responsible person, nothing of what they reported */
  page(cookie, "plan", &r);
  tl_expect(&r, 200);
  json_t *t = json_array_get(json_object_get(r.json, "tasks"), 0);
  tl_assert_str(t, "type", "inspection");
  assert_non_null(tl_str(json_object_get(t, "office"), "name"));
  assert_non_null(tl_str(json_object_get(t, "responsible"), "name"));
  assert_null(json_object_get(t, "reports"));
  tl_response_free(&r);
  /* a positive decision opens the messages */
  case_step("PUT", case_id, "/compensation-decision", "{\"decision\": \"positive\"}");
  wait_for(case_id,
           "SELECT 1 FROM customer.cases WHERE case_id = $1::uuid"
           " AND doc->'compensation_decision'->>'decision' = 'positive'");
  assert_true(tab(cookie, "messages"));
}

/* ---- closure -----------------------------------------------------------------------------------
 */

static void test_closed_case_closes_after_its_days(void **state) {
  (void)state;
  char case_id[37], phone[24], cookie[512];
  struct tl_response r;
  page_case(case_id, phone);
  wait_known(case_id);
  open_page(case_id, phone, cookie);
  case_step("POST", case_id, "/close", NULL);
  wait_for(case_id,
           "SELECT 1 FROM customer.cases WHERE case_id = $1::uuid AND closed_at IS NOT NULL");
  page(cookie, "case", &r); /* 30 days by default: still there */
  tl_expect(&r, 200);
  tl_response_free(&r);
  case_override(case_id, "{\"visible_days_after_closing\": 0}");
  page(cookie, "case", &r);
  tl_assert_problem(&r, 410, NULL);
  tl_response_free(&r);
  case_step("POST", case_id, "/reopen", NULL);
  wait_for(case_id, "SELECT 1 FROM customer.cases WHERE case_id = $1::uuid AND closed_at IS NULL");
  page(cookie, "case", &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
}

/* ---- without the cases service ------------------------------------------------------------------
 */

static void test_page_answers_while_cases_is_stopped(void **state) {
  (void)state;
  char case_id[37], phone[24], cookie[512];
  struct tl_response r;
  page_case(case_id, phone);
  wait_known(case_id);
  case_override(case_id, "{\"news_feed_title\": \"always\", \"news_filter\": [\"case_closed\"]}");
  open_page(case_id, phone, cookie);
  assert_int_equal(tl_stack("kill", "cases"), 0);
  cases_stopped = 1;
  static const char *const parts[] = {"case", "news", "plan"};
  for (size_t i = 0; i < 3; i++) {
    page(cookie, parts[i], &r);
    tl_expect(&r, 200);
    tl_response_free(&r);
  }
  assert_int_equal(tl_stack("restart", "cases"), 0);
  cases_stopped = 0;
}

static int restore_stack(void **state) {
  (void)state;
  if (cases_stopped && tl_stack("restart", "cases") == 0) cases_stopped = 0;
  return 0;
}

/* ---- the link sent on its trigger ----------------------------------------------------------- */

static long messages_to(const char *recipient) {
  return tl_sql_long("SELECT count(*) FROM customer.outgoing_messages WHERE recipient = $1", 1,
                     (const char *[]){recipient});
}

struct sent_wait {
  const char *recipient;
  long at_least;
};

static int sent(void *arg) {
  const struct sent_wait *s = arg;
  return messages_to(s->recipient) >= s->at_least;
}

/* The contact person's address of a case made by page_case (number n of this run). */
static char *contact_email(const char *case_id) {
  return tl_sql("SELECT doc->'contacts'->1->>'email' FROM customer.cases WHERE case_id = $1::uuid",
                1, (const char *[]){case_id});
}

static void test_link_when_the_inspector_is_assigned(void **state) {
  (void)state;
  char case_id[37], phone[24], task_id[37], path[200], body[160];
  struct tl_response r;
  page_case(case_id, phone);
  wait_known(case_id);
  case_override(case_id, "{\"link_sending\": \"inspector_assigned\", \"access\": \"both\"}");
  char *email = contact_email(case_id);
  tl_world_task(&w, case_id, "inspection", NULL, w.p_sthlm, task_id);
  assert_int_equal(messages_to(phone), 0); /* an office is not an inspector */
  snprintf(path, sizeof(path), "/v1/cases/%s/tasks/%s/user", case_id, task_id);
  snprintf(body, sizeof(body), "{\"user_id\": \"%s\"}", w.p_worker.id);
  tl_cases("PUT", path, w.p_admin.token, body, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  struct sent_wait to_phone = {phone, 1}, to_email = {email, 1};
  assert_true(tl_wait(sent, &to_phone, 10000));
  assert_true(tl_wait(sent, &to_email, 10000));
  /* once: another user on the task sends nothing more */
  snprintf(body, sizeof(body), "{\"user_id\": \"%s\"}", w.p_admin.id);
  tl_cases("PUT", path, w.p_admin.token, body, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  case_step("PATCH", case_id, "", "{\"damage_type\": \"storm\"}");
  wait_for(case_id,
           "SELECT 1 FROM customer.cases WHERE case_id = $1::uuid"
           " AND doc->>'damage_type' = 'storm'");
  assert_int_equal(messages_to(phone), 1);
  assert_int_equal(messages_to(email), 1);
  free(email);
}

static void test_link_after_a_positive_decision(void **state) {
  (void)state;
  char case_id[37], phone[24];
  page_case(case_id, phone);
  wait_known(case_id);
  case_override(
      case_id,
      "{\"link_sending\": \"positive_compensation_decision\", \"access\": \"policyholder\"}");
  char *email = contact_email(case_id);
  case_step("PUT", case_id, "/compensation-decision", "{\"decision\": \"negative\"}");
  wait_for(case_id,
           "SELECT 1 FROM customer.cases WHERE case_id = $1::uuid"
           " AND doc->'compensation_decision'->>'decision' = 'negative'");
  assert_int_equal(messages_to(phone), 0);
  case_step("PUT", case_id, "/compensation-decision", "{\"decision\": \"positive\"}");
  struct sent_wait to_phone = {phone, 1};
  assert_true(tl_wait(sent, &to_phone, 10000));
  assert_int_equal(messages_to(email), 0); /* the policyholder only */
  free(email);
}

/* A case made before its events carried it (or a service wiped): a snapshot teaches it whole,
 * with its documents, and sends no link (nothing was triggered). */
static void test_snapshot_teaches_a_case(void **state) {
  (void)state;
  char case_id[37], phone[24];
  page_case(case_id, phone);
  wait_known(case_id);
  tl_sql_run(
      "INSERT INTO cases.documents (id, case_id, portal_id, type, title, file_name,"
      " media_type, size, sha256, added_by) SELECT gen_random_uuid(), c.id, c.portal_id,"
      " 'inspection_report', 'Besigtigelsesrapport', 'rapport.pdf', 'application/pdf', 10,"
      " repeat('ab', 32), c.created_by FROM cases.cases c WHERE c.id = $1::uuid",
      1, case_id);
  tl_sql_run("DELETE FROM customer.cases WHERE case_id = $1::uuid", 1, case_id);
  long sent = messages_to(phone);
  tl_sql_run(
      "INSERT INTO cases.outbox (id, type, portal_id, aggregate_id, data)"
      " SELECT gen_random_uuid(), 'case.snapshot', c.portal_id, c.id::text,"
      " cases.case_snapshot_data(c) FROM cases.cases c WHERE c.id = $1::uuid",
      1, case_id);
  wait_known(case_id);
  wait_for(case_id,
           "SELECT 1 FROM customer.case_documents WHERE case_id = $1::uuid"
           " AND title = 'Besigtigelsesrapport' AND sha256 = repeat('ab', 32)");
  char *claim = tl_sql("SELECT doc->>'claim_number' FROM customer.cases WHERE case_id = $1::uuid",
                       1, (const char *[]){case_id});
  assert_non_null(strstr(claim, "CP-"));
  free(claim);
  assert_int_equal(messages_to(phone), sent);
}

/* ---- no session
 * ----------------------------------------------------------------------------------- */

static void test_no_session_no_page(void **state) {
  (void)state;
  struct tl_response r;
  static const char *const parts[] = {"case", "news", "plan", "budget", "documents"};
  for (size_t i = 0; i < 5; i++) {
    page(NULL, parts[i], &r);
    tl_assert_problem(&r, 401, NULL);
    tl_response_free(&r);
    page("Cookie: claimsuite_customer=not-a-session", parts[i], &r);
    tl_assert_problem(&r, 401, NULL);
    tl_response_free(&r);
  }
  /* a staff token is no customer session */
  customer("GET", "/v1/customer-portal/case", w.ia_admin.token, NULL, NULL, &r);
  tl_assert_problem(&r, 401, NULL);
  tl_response_free(&r);
}

static int setup(void **state) {
  (void)state;
  tl_world_create(&w);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  restore_stack(NULL);
  tl_world_free(&w);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_read_model_follows_the_case),
      cmocka_unit_test(test_news_filter_and_what_entries_say),
      cmocka_unit_test(test_parts_follow_their_when),
      cmocka_unit_test(test_closed_case_closes_after_its_days),
      cmocka_unit_test(test_link_when_the_inspector_is_assigned),
      cmocka_unit_test(test_link_after_a_positive_decision),
      cmocka_unit_test(test_snapshot_teaches_a_case),
      cmocka_unit_test_teardown(test_page_answers_while_cases_is_stopped, restore_stack),
      cmocka_unit_test(test_no_session_no_page),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
