/* The data of the browser test (tests/browser/journey.mjs), made through the services' APIs as
 * the integration tests make theirs (tl_world.h, tl_customer.h): a world, a case whose customer
 * page asks for the SMS code and shows news, plan, messages, documents and budget, news entries
 * of allowed and of filtered-out kinds, and an access link sent to the policyholder's phone.
 * Writes what the journey needs as JSON to $BROWSER_WORLD_OUT. A cmocka program, so that a
 * failed step fails the way the test library reports it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tl_customer.h"

static struct tl_world w;

/* The page as the journey expects it: Danish, the SMS code on, every part shown, the feed
 * letting through new tasks and shared documents only (calls and decisions are filtered out),
 * and 3 days of page after closing. */
static const char override[] =
    "{\"sms_security_code\": true, \"language\": \"da\", \"dashboard\": \"always\","
    " \"news_feed_title\": \"always\", \"news_filter\": [\"new_tasks_added\","
    " \"document_shared\"], \"show_plan\": true, \"rebuild_plan_tab\": \"always\","
    " \"messages_tab\": \"always\", \"messages_direction\": \"both\", \"reports_tab\": \"always\","
    " \"case_budget\": \"always\", \"visible_days_after_closing\": 3, \"show_case_handler\": true,"
    " \"more_information_contact\": \"Ring til kundeservice på 70 10 20 30 <b>hverdage</b>\","
    " \"page_background_color\": \"#fbfaf5\", \"menu_background_color\": \"#e8eef5\","
    " \"selected_menu_background_color\": \"#0b4f6c\", \"font_color\": \"#1b1b1b\","
    " \"selected_font_color\": \"#ffffff\", \"heading_font_color\": \"#0b4f6c\"}";

static void call_ok(const char *method, const char *path, const char *token, const char *body,
                    const char *extra) {
  struct tl_response r;
  long st = strncmp(path, "/v1/customer", 12) == 0
                ? tl_customer_call(method, path, token, body, extra, &r)
                : tl_cases(method, path, token, body, extra, &r);
  if (st != 200 && st != 201) fail_msg("%s %s: %ld %s", method, path, st, r.body);
  tl_response_free(&r);
}

static void put_override(const char *case_id) {
  char path[160], if_match[80];
  struct tl_response r;
  snprintf(path, sizeof(path), "/v1/customer/cases/%s/settings", case_id);
  tl_customer_call("GET", path, w.ia_admin.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  char *etag = tl_header(&r, "ETag");
  snprintf(if_match, sizeof(if_match), "If-Match: %s", etag);
  free(etag);
  tl_response_free(&r);
  call_ok("PUT", path, w.ia_admin.token, override, if_match);
}

static void news_of(const char *case_id, const char *kind) {
  char q[200];
  snprintf(q, sizeof(q), "SELECT 1 FROM customer.news WHERE case_id = $1::uuid AND kind = '%s'",
           kind);
  tl_customer_wait(case_id, q);
}

static void prepare(void **state) {
  (void)state;
  char case_id[37], phone[24], claim[64], path[200], task_id[37];
  const char *out = getenv("BROWSER_WORLD_OUT");
  assert_non_null(out);
  tl_customer_case(&w, case_id, phone, claim);
  put_override(case_id);
  /* an allowed kind (a task added) and two filtered out (a call, a decision) */
  tl_world_task(&w, case_id, "repair", "carpentry", w.p_sthlm, task_id);
  snprintf(path, sizeof(path), "/v1/cases/%s/calls", case_id);
  call_ok("POST", path, w.ia_handler.token,
          "{\"number\": \"+4511111111\", \"started_at\": \"2026-12-01T10:00:00Z\","
          " \"duration_seconds\": 60, \"reached\": true}",
          NULL);
  snprintf(path, sizeof(path), "/v1/cases/%s/compensation-decision", case_id);
  call_ok("PUT", path, w.ia_handler.token, "{\"decision\": \"negative\"}", NULL);
  news_of(case_id, "new_tasks_added");
  news_of(case_id, "call_history");
  news_of(case_id, "compensation_decision");
  /* the link, by SMS to the policyholder's phone, as a case handler grants it by hand */
  snprintf(path, sizeof(path), "/v1/customer/cases/%s/access", case_id);
  call_ok("POST", path, w.ia_handler.token, "{\"contact_index\": 0, \"send\": [\"sms\"]}", NULL);
  char *token = tl_customer_link_token(phone);
  json_t *doc =
      json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "case_id", case_id, "phone", phone,
                "claim_number", claim, "link_token", token, "admin_token", w.ia_admin.token,
                "handler_token", w.ia_handler.token, "task_id", task_id);
  free(token);
  assert_int_equal(json_dump_file(doc, out, JSON_INDENT(2)), 0);
  json_decref(doc);
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
  const struct CMUnitTest tests[] = {cmocka_unit_test(prepare)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
