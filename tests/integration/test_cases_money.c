/* Money on a case against the running stack (services/cases/money/): budgets from draft to
 * approval or rejection with the task's B / B++, the approval limit (equal allowed, one minor
 * unit above refused with its figures), the rights of the external case handler one by one
 * (without: 403 naming the right; with: allowed; the insurer unaffected; an unlinked partner
 * 404), cash offers and their three rights, invoices flagged over the approved budget, the
 * compensation decision, cost control and the settlement statement, exact totals against a
 * reference computed by PostgreSQL, racing approvals and If-Match. Every step's history line and
 * its one event are checked. Fixtures: tl_world.h. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tl_world.h"

#define PROBLEM(slug) "urn:claimsuite:problem:" slug
/* one line: 1 × 8000 at 25 % VAT is 10000 incl. VAT, the portal's default limit */
#define LINE_10000                                                                               \
  "{\"description\":\"Tiles\",\"quantity\":1,\"unit\":\"pcs\",\"unit_price\":8000,\"vat_rate\":" \
  "25}"
/* 1 × 8001 at 25 %: VAT 2000.25 rounds to 2000, 10001 incl. VAT: one above the limit */
#define LINE_10001                                                                               \
  "{\"description\":\"Tiles\",\"quantity\":1,\"unit\":\"pcs\",\"unit_price\":8001,\"vat_rate\":" \
  "25}"

static struct tl_world w;

/* ---- helpers ------------------------------------------------------------------------------ */

static long api(struct tl_response *r, const char *method, const char *token, const char *body,
                const char *header, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static long api(struct tl_response *r, const char *method, const char *token, const char *body,
                const char *header, const char *fmt, ...) {
  char path[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(path, sizeof(path), fmt, ap);
  va_end(ap);
  return tl_cases(method, path, token, body, header, r);
}

static long long num(const json_t *o, const char *member) {
  return (long long)json_integer_value(json_object_get(o, member));
}

/* A new case of portal A with a repair task given to office_id (NULL: none); ids out. */
static void case_with_task(const char *office_id, char case_id[37], char task_id[37]) {
  tl_world_case(&w, 0, 0, case_id);
  tl_world_task(&w, case_id, "repair", "carpentry", office_id, task_id);
}

/* Gives the case's external case handler role to p_ech (office Stockholm). */
static void give_ech(const char *case_id) { tl_world_ech(&w, case_id, w.p_sthlm, &w.p_ech); }

/* POSTs a budget of lines (JSON array text) as token: the status; *id its id on 201. */
static long new_budget(const char *token, const char *case_id, const char *task_id,
                       const char *lines, char id[37], struct tl_response *r) {
  size_t len = strlen(lines) + 16;
  char *body = malloc(len);
  snprintf(body, len, "{\"lines\": %s}", lines);
  long status =
      api(r, "POST", token, body, NULL, "/v1/cases/%s/tasks/%s/budgets", case_id, task_id);
  free(body);
  if (status == 201 && id != NULL) snprintf(id, 37, "%s", tl_str(r->json, "id"));
  return status;
}

/* A budget step (submit, approve, reject) as token: the status. */
static long budget_step(const char *token, const char *case_id, const char *budget_id,
                        const char *step, const char *body, const char *header,
                        struct tl_response *r) {
  return api(r, "POST", token, body, header, "/v1/cases/%s/budgets/%s/%s", case_id, budget_id,
             step);
}

/* A submitted budget of one line, drafted and submitted as token. */
static void submitted_budget(const char *token, const char *case_id, const char *task_id,
                             const char *line, char id[37]) {
  struct tl_response r;
  char lines[512];
  snprintf(lines, sizeof(lines), "[%s]", line);
  new_budget(token, case_id, task_id, lines, id, &r);
  tl_expect(&r, 201);
  tl_response_free(&r);
  budget_step(token, case_id, id, "submit", NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
}

static void approve(const char *token, const char *case_id, const char *budget_id) {
  struct tl_response r;
  budget_step(token, case_id, budget_id, "approve", NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_string_equal(tl_str(r.json, "status"), "approved");
  tl_response_free(&r);
}

static long count_events(const char *case_id, const char *type) {
  return tl_sql_long("SELECT count(*) FROM cases.outbox WHERE aggregate_id = $1 AND type = $2", 2,
                     (const char *[]){case_id, type});
}

static long count_history(const char *case_id, const char *action) {
  return tl_sql_long("SELECT count(*) FROM cases.case_history WHERE case_id = $1 AND action = $2",
                     2, (const char *[]){case_id, action});
}

/* The task's budget_indicator in the case document ("" for null). */
static const char *indicator(const char *case_id, const char *task_id, char out[8]) {
  struct tl_response r;
  api(&r, "GET", w.ia_handler.token, NULL, NULL, "/v1/cases/%s", case_id);
  tl_expect(&r, 200);
  const char *s = json_string_value(
      json_object_get(tl_item(json_object_get(r.json, "tasks"), task_id), "budget_indicator"));
  snprintf(out, 8, "%s", s != NULL ? s : "");
  tl_response_free(&r);
  return out;
}

/* A 403 whose detail names right. */
static void assert_refused_for(const struct tl_response *r, const char *right) {
  tl_assert_problem(r, 403, PROBLEM("forbidden"));
  const char *detail = tl_str(r->json, "detail");
  if (strstr(detail, right) == NULL) fail_msg("'%s' does not name %s", detail, right);
}

/* ---- budgets ------------------------------------------------------------------------------ */

static void test_budget_lifecycle(void **state) {
  (void)state;
  char case_id[37], task_id[37], budget_id[37], ind[8];
  struct tl_response r;
  case_with_task(w.q_gbg, case_id, task_id);

  /* the partner holding the task drafts: 2.5 h × 450.00 at 25 %, 3 m² × 199.99 at 12 % */
  new_budget(w.q_worker.token, case_id, task_id,
             "[{\"description\":\"Carpenter\",\"quantity\":2.5,\"unit\":\"h\","
             "\"unit_price\":45000,\"vat_rate\":25},"
             "{\"description\":\"Board\",\"quantity\":3,\"unit\":\"m2\",\"unit_price\":19999,"
             "\"vat_rate\":12}]",
             budget_id, &r);
  tl_expect(&r, 201);
  /* 112500 + 28125; 59997 + 7199.64 → 7200 */
  assert_int_equal(num(r.json, "total_excl_vat"), 112500 + 59997);
  assert_int_equal(num(r.json, "total_vat"), 28125 + 7200);
  assert_int_equal(num(r.json, "total_incl_vat"), 112500 + 59997 + 28125 + 7200);
  assert_string_equal(tl_str(r.json, "status"), "draft");
  assert_int_equal(num(r.json, "revision"), 1);
  assert_string_equal(tl_str(r.json, "currency"), "SEK");
  assert_int_equal(num(json_array_get(json_object_get(r.json, "lines"), 1), "vat"), 7200);
  char *loc = tl_header(&r, "Location"), *etag = tl_header(&r, "ETag");
  assert_non_null(strstr(loc, budget_id));
  assert_string_equal(etag, "\"1\"");
  free(loc);
  free(etag);
  tl_response_free(&r);
  assert_string_equal(indicator(case_id, task_id, ind), "");

  /* a second budget while this one is open: 409 */
  new_budget(w.q_worker.token, case_id, task_id, "[" LINE_10000 "]", NULL, &r);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);

  /* the draft's lines are replaced whole */
  api(&r, "PATCH", w.q_worker.token, "{\"lines\":[" LINE_10000 "],\"note\":\"revised\"}", NULL,
      "/v1/cases/%s/budgets/%s", case_id, budget_id);
  tl_expect(&r, 200);
  assert_int_equal(num(r.json, "total_incl_vat"), 10000);
  assert_int_equal(json_array_size(json_object_get(r.json, "lines")), 1);
  assert_string_equal(tl_str(r.json, "note"), "revised");
  tl_response_free(&r);

  /* submitted: the task shows B; no more changes */
  budget_step(w.q_worker.token, case_id, budget_id, "submit", NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_string_equal(tl_str(r.json, "status"), "submitted");
  assert_string_equal(tl_str(r.json, "submitted_by"), w.q_worker.id);
  tl_response_free(&r);
  assert_string_equal(indicator(case_id, task_id, ind), "B");
  api(&r, "PATCH", w.q_worker.token, "{\"note\":\"late\"}", NULL, "/v1/cases/%s/budgets/%s",
      case_id, budget_id);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);

  /* the supplier cannot approve; the insurer rejects, with a reason */
  budget_step(w.q_worker.token, case_id, budget_id, "approve", NULL, NULL, &r);
  assert_refused_for(&r, "approve_budget");
  tl_response_free(&r);
  budget_step(w.ia_handler.token, case_id, budget_id, "reject", "{}", NULL, &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_error(&r, "reason", NULL);
  tl_response_free(&r);
  budget_step(w.ia_handler.token, case_id, budget_id, "reject", "{\"reason\":\"too dear\"}", NULL,
              &r);
  tl_expect(&r, 200);
  assert_string_equal(tl_str(r.json, "rejection_reason"), "too dear");
  tl_response_free(&r);
  assert_string_equal(indicator(case_id, task_id, ind), "");

  /* a new revision follows, and is approved at the limit exactly: B++ */
  char second[37];
  submitted_budget(w.q_worker.token, case_id, task_id, LINE_10000, second);
  api(&r, "GET", w.ia_handler.token, NULL, NULL, "/v1/cases/%s/budgets/%s", case_id, second);
  tl_expect(&r, 200);
  assert_int_equal(num(r.json, "revision"), 2);
  tl_response_free(&r);
  approve(w.ia_handler.token, case_id, second);
  assert_string_equal(indicator(case_id, task_id, ind), "B++");
  budget_step(w.ia_handler.token, case_id, second, "approve", NULL, NULL, &r);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);

  /* every step: one history line and one event */
  assert_int_equal(count_events(case_id, "budget.created"), 2);
  assert_int_equal(count_events(case_id, "budget.changed"), 1);
  assert_int_equal(count_events(case_id, "budget.submitted"), 2);
  assert_int_equal(count_events(case_id, "budget.rejected"), 1);
  assert_int_equal(count_events(case_id, "budget.approved"), 1);
  assert_int_equal(count_history(case_id, "budget.created"), 2);
  assert_int_equal(count_history(case_id, "budget.changed"), 1);
  assert_int_equal(count_history(case_id, "budget.submitted"), 2);
  assert_int_equal(count_history(case_id, "budget.rejected"), 1);
  assert_int_equal(count_history(case_id, "budget.approved"), 1);
  char *data = tl_sql(
      "SELECT data::text FROM cases.outbox WHERE aggregate_id = $1"
      " AND type = 'budget.approved'",
      1, (const char *[]){case_id});
  json_t *d = json_loads(data, 0, NULL);
  assert_string_equal(tl_str(d, "budget_id"), second);
  assert_string_equal(tl_str(d, "task_id"), task_id);
  assert_int_equal(num(d, "total_incl_vat"), 10000);
  assert_string_equal(tl_str(d, "currency"), "SEK");
  json_decref(d);
  free(data);

  /* the supplier lists its budgets; another partner's worker sees none of this case */
  api(&r, "GET", w.q_worker.token, NULL, NULL, "/v1/cases/%s/budgets?status=approved", case_id);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
  tl_response_free(&r);
  api(&r, "GET", w.p_worker.token, NULL, NULL, "/v1/cases/%s/budgets", case_id);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  budget_step(w.p_worker.token, case_id, second, "reject", "{\"reason\":\"x\"}", NULL, &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found")); /* an unlinked partner */
  tl_response_free(&r);

  /* the money stays with its task: it cannot be removed now */
  api(&r, "DELETE", w.ia_handler.token, NULL, NULL, "/v1/cases/%s/tasks/%s", case_id, task_id);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);
  api(&r, "GET", w.ia_handler.token, NULL, NULL, "/v1/cases/%s/budgets?status=nonsense", case_id);
  tl_assert_problem(&r, 400, PROBLEM("invalid-parameter"));
  tl_response_free(&r);
}

static void test_approval_limit(void **state) {
  (void)state;
  char case_id[37], task_id[37], over[37], at[37];
  struct tl_response r;
  case_with_task(w.q_gbg, case_id, task_id);
  submitted_budget(w.q_worker.token, case_id, task_id, LINE_10001, over);

  /* one minor unit above the portal's default limit: refused with the figures */
  budget_step(w.ia_handler.token, case_id, over, "approve", NULL, NULL, &r);
  tl_assert_problem(&r, 403, PROBLEM("approval-limit-exceeded"));
  assert_int_equal(num(r.json, "limit"), 10000);
  assert_int_equal(num(r.json, "amount"), 10001);
  assert_string_equal(tl_str(r.json, "currency"), "SEK");
  tl_response_free(&r);
  assert_int_equal(count_events(case_id, "budget.approved"), 0);

  /* an API client acts for the insurer: no limit */
  budget_step(w.client_a_token, case_id, over, "approve", NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);

  /* a supplement equal to the limit: approved */
  submitted_budget(w.q_worker.token, case_id, task_id, LINE_10000, at);
  approve(w.ia_handler.token, case_id, at);
}

/* ---- the external case handler's rights ---------------------------------------------------- */

static void test_external_case_handler_rights(void **state) {
  (void)state;
  char case_id[37], task_id[37], budget_id[37], other[37];
  struct tl_response r;
  tl_world_define_role(&w, "external_case_handler", "[]");
  case_with_task(w.q_gbg, case_id, task_id);
  give_ech(case_id);

  /* add_budget_for_other_partners */
  new_budget(w.p_ech.token, case_id, task_id, "[" LINE_10000 "]", NULL, &r);
  assert_refused_for(&r, "add_budget_for_other_partners");
  tl_response_free(&r);
  tl_world_define_role(&w, "external_case_handler",
                       "[\"add_budget_for_other_partners\", \"approve_budget\"]");
  new_budget(w.p_ech.token, case_id, task_id, "[" LINE_10000 "]", budget_id, &r);
  tl_expect(&r, 201);
  assert_string_equal(tl_str(r.json, "company_id"), w.partner_q); /* the task's supplier */
  tl_response_free(&r);
  budget_step(w.p_ech.token, case_id, budget_id, "submit", NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);

  /* four eyes: the submitter cannot approve; the insurer can */
  budget_step(w.p_ech.token, case_id, budget_id, "approve", NULL, NULL, &r);
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  tl_response_free(&r);

  budget_step(w.ia_admin.token, case_id, budget_id, "reject", "{\"reason\":\"duplicate\"}", NULL,
              &r);
  tl_expect(&r, 200);
  tl_response_free(&r);

  /* approve_budget within the handler's own limit (50000): equal yes, one above no */
  submitted_budget(w.q_worker.token, case_id, task_id,
                   "{\"description\":\"x\",\"quantity\":1,\"unit\":\"pcs\",\"unit_price\":40001,"
                   "\"vat_rate\":25}",
                   other); /* 50001.25 → 50001 */
  budget_step(w.p_ech.token, case_id, other, "approve", NULL, NULL, &r);
  tl_assert_problem(&r, 403, PROBLEM("approval-limit-exceeded"));
  assert_int_equal(num(r.json, "limit"), 50000);
  tl_response_free(&r);
  budget_step(w.p_ech.token, case_id, other, "reject", "{\"reason\":\"over\"}", NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  submitted_budget(w.q_worker.token, case_id, task_id,
                   "{\"description\":\"x\",\"quantity\":1,\"unit\":\"pcs\",\"unit_price\":40000,"
                   "\"vat_rate\":25}",
                   other);
  approve(w.p_ech.token, case_id, other);

  /* without approve_budget: 403 naming it; the insurer unaffected */
  tl_world_define_role(&w, "external_case_handler", "[]");
  char third[37];
  submitted_budget(w.q_worker.token, case_id, task_id, LINE_10000, third);
  budget_step(w.p_ech.token, case_id, third, "approve", NULL, NULL, &r);
  assert_refused_for(&r, "approve_budget");
  tl_response_free(&r);
  approve(w.ia_handler.token, case_id, third);

  /* make_compensation_decision */
  api(&r, "PUT", w.p_ech.token, "{\"decision\":\"positive\"}", NULL,
      "/v1/cases/%s/compensation-decision", case_id);
  assert_refused_for(&r, "make_compensation_decision");
  tl_response_free(&r);
  tl_world_define_role(&w, "external_case_handler", "[\"make_compensation_decision\"]");
  api(&r, "PUT", w.p_ech.token, "{\"decision\":\"negative\",\"comment\":\"wear and tear\"}", NULL,
      "/v1/cases/%s/compensation-decision", case_id);
  tl_expect(&r, 200);
  json_t *cd = json_object_get(r.json, "compensation_decision");
  assert_string_equal(tl_str(cd, "decision"), "negative");
  assert_string_equal(tl_str(cd, "decided_by"), w.p_ech.id);
  tl_response_free(&r);
  api(&r, "PUT", w.ia_handler.token, "{\"decision\":\"positive\"}", NULL,
      "/v1/cases/%s/compensation-decision", case_id);
  tl_expect(&r, 200);
  tl_response_free(&r);
  api(&r, "DELETE", w.p_ech.token, NULL, NULL, "/v1/cases/%s/compensation-decision", case_id);
  tl_expect(&r, 200);
  assert_true(json_is_null(json_object_get(r.json, "compensation_decision")));
  tl_response_free(&r);
  api(&r, "DELETE", w.p_ech.token, NULL, NULL, "/v1/cases/%s/compensation-decision", case_id);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);
  api(&r, "PUT", w.p_ech.token, "{\"decision\":\"maybe\"}", NULL,
      "/v1/cases/%s/compensation-decision", case_id);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_response_free(&r);
  assert_int_equal(count_events(case_id, "compensation.decided"), 2);
  assert_int_equal(count_events(case_id, "compensation.undone"), 1);
  assert_int_equal(count_history(case_id, "compensation.decided"), 2);
  assert_int_equal(count_history(case_id, "compensation.undone"), 1);

  /* a colleague of the handler sees the case through its company, but holds no role in it */
  budget_step(w.p_worker.token, case_id, third, "approve", NULL, NULL, &r);
  assert_refused_for(&r, "approve_budget");
  tl_response_free(&r);
  /* another portal's insurer: 404 */
  api(&r, "PUT", w.ib_admin.token, "{\"decision\":\"positive\"}", NULL,
      "/v1/cases/%s/compensation-decision", case_id);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  tl_world_define_role(&w, "external_case_handler", "[]");
}

/* ---- cash offers --------------------------------------------------------------------------- */

static long offer(const char *token, const char *case_id, const char *body, struct tl_response *r) {
  return api(r, "POST", token, body, NULL, "/v1/cases/%s/cash-offers", case_id);
}

static void test_cash_offers(void **state) {
  (void)state;
  char case_id[37], task_id[37], body[256], offer_id[37], budget_id[37];
  struct tl_response r;
  tl_world_define_role(&w, "external_case_handler", "[]");
  case_with_task(w.q_gbg, case_id, task_id);
  give_ech(case_id);
  snprintf(body, sizeof(body), "{\"kind\":\"task\",\"task_id\":\"%s\",\"amount\":7500}", task_id);

  /* before the task's budget is approved: cash_offer_before_budget_approval */
  offer(w.p_ech.token, case_id, body, &r);
  assert_refused_for(&r, "cash_offer_before_budget_approval");
  tl_response_free(&r);
  tl_world_define_role(
      &w, "external_case_handler",
      "[\"cash_offer_before_budget_approval\", \"add_budget_for_other_partners\"]");
  offer(w.p_ech.token, case_id, body, &r);
  tl_expect(&r, 201);
  snprintf(offer_id, sizeof(offer_id), "%s", tl_str(r.json, "id"));
  assert_string_equal(tl_str(r.json, "status"), "offered");
  assert_true(json_is_true(json_object_get(r.json, "before_budget_approval")));
  tl_response_free(&r);

  /* one offer of a task at a time; and where it is used, no budget on the partner's behalf */
  offer(w.ia_handler.token, case_id, body, &r);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);
  new_budget(w.p_ech.token, case_id, task_id, "[" LINE_10000 "]", NULL, &r);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);

  /* the customer's answer recorded by the insurer; then nothing more */
  api(&r, "POST", w.q_worker.token, NULL, NULL, "/v1/cases/%s/cash-offers/%s/accept", case_id,
      offer_id);
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  tl_response_free(&r);
  api(&r, "POST", w.ia_handler.token, NULL, NULL, "/v1/cases/%s/cash-offers/%s/decline", case_id,
      offer_id);
  tl_expect(&r, 200);
  assert_string_equal(tl_str(r.json, "status"), "declined");
  tl_response_free(&r);
  api(&r, "POST", w.p_ech.token, NULL, NULL, "/v1/cases/%s/cash-offers/%s/withdraw", case_id,
      offer_id);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);

  /* work items of the task before approval: cash_offer_wi_before_budget_approval */
  snprintf(body, sizeof(body),
           "{\"kind\":\"work_items\",\"task_id\":\"%s\",\"work_items\":[{\"description\":"
           "\"Painting\",\"amount\":3000},{\"description\":\"Cleaning\",\"amount\":1200}]}",
           task_id);
  offer(w.p_ech.token, case_id, body, &r);
  assert_refused_for(&r, "cash_offer_wi_before_budget_approval");
  tl_response_free(&r);
  tl_world_define_role(&w, "external_case_handler", "[\"cash_offer_wi_before_budget_approval\"]");
  offer(w.p_ech.token, case_id, body, &r);
  tl_expect(&r, 201);
  assert_int_equal(num(r.json, "amount"), 4200);
  snprintf(offer_id, sizeof(offer_id), "%s", tl_str(r.json, "id"));
  tl_response_free(&r);
  api(&r, "POST", w.p_ech.token, NULL, NULL, "/v1/cases/%s/cash-offers/%s/withdraw", case_id,
      offer_id);
  tl_expect(&r, 200); /* its maker's company may withdraw it */
  tl_response_free(&r);

  /* once the budget is approved: cash_offer_all_tasks */
  submitted_budget(w.q_worker.token, case_id, task_id, LINE_10000, budget_id);
  approve(w.ia_handler.token, case_id, budget_id);
  /* without kind: the task's */
  snprintf(body, sizeof(body), "{\"task_id\":\"%s\",\"amount\":9000}", task_id);
  offer(w.p_ech.token, case_id, body, &r);
  assert_refused_for(&r, "cash_offer_all_tasks");
  tl_response_free(&r);
  tl_world_define_role(&w, "external_case_handler", "[\"cash_offer_all_tasks\"]");
  offer(w.p_ech.token, case_id, body, &r);
  tl_expect(&r, 201);
  assert_false(json_is_true(json_object_get(r.json, "before_budget_approval")));
  tl_assert_str(r.json, "kind", "task");
  snprintf(offer_id, sizeof(offer_id), "%s", tl_str(r.json, "id"));
  tl_response_free(&r);
  api(&r, "POST", w.ia_handler.token, NULL, NULL, "/v1/cases/%s/cash-offers/%s/accept", case_id,
      offer_id);
  tl_expect(&r, 200);
  tl_response_free(&r);

  /* a body that is wrong in several ways: every field named at once */
  offer(w.ia_handler.token, case_id,
        "{\"kind\":\"work_items\",\"amount\":5,\"work_items\":[{\"description\":\"\","
        "\"amount\":-1,\"x\":1}]}",
        &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_error(&r, "work_items/0/description", NULL);
  tl_assert_field_error(&r, "work_items/0/amount", NULL);
  tl_assert_field_error(&r, "work_items/0/x", NULL);
  tl_response_free(&r);

  assert_int_equal(count_events(case_id, "cash_offer.made"), 3);
  assert_int_equal(count_events(case_id, "cash_offer.declined"), 1);
  assert_int_equal(count_events(case_id, "cash_offer.withdrawn"), 1);
  assert_int_equal(count_events(case_id, "cash_offer.accepted"), 1);
  assert_int_equal(count_history(case_id, "cash_offer.made"), 3);
  tl_world_define_role(&w, "external_case_handler", "[]");
}

/* ---- invoices, cost control, settlement ----------------------------------------------------- */

static long invoice(const char *token, const char *case_id, const char *task_id, const char *number,
                    long long unit_price, struct tl_response *r) {
  char body[512];
  snprintf(body, sizeof(body),
           "{\"invoice_number\":\"%s\",\"lines\":[{\"description\":\"Work\",\"quantity\":1,"
           "\"unit\":\"pcs\",\"unit_price\":%lld,\"vat_rate\":25}],\"document_ref\":\"scan-1\"}",
           number, unit_price);
  return api(r, "POST", token, body, NULL, "/v1/cases/%s/tasks/%s/invoices", case_id, task_id);
}

/* An invoice of one line with a number of its own, as the task's partner Q. */
static long invoice_on(const char *case_id, const char *task_id, struct tl_response *r) {
  char number[64];
  snprintf(number, sizeof(number), "E-%s-%.8s", w.sfx, task_id);
  return invoice(w.q_worker.token, case_id, task_id, number, 100, r);
}

static void test_invoices_cost_control_settlement(void **state) {
  (void)state;
  char case_id[37], task_id[37], task2[37], budget_id[37], b2[37], first[37], second[37];
  char number[64], number2[64];
  struct tl_response r;
  case_with_task(w.q_gbg, case_id, task_id);
  snprintf(number, sizeof(number), "Q-%s-1", w.sfx);
  snprintf(number2, sizeof(number2), "Q-%s-2", w.sfx);

  /* no approved budget: nothing to invoice against */
  invoice(w.q_worker.token, case_id, task_id, number, 6400, &r);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);
  submitted_budget(w.q_worker.token, case_id, task_id, LINE_10000, budget_id);
  approve(w.ia_handler.token, case_id, budget_id);

  /* 6400 + 25 % = 8000: within the approved 10000 */
  invoice(w.q_worker.token, case_id, task_id, number, 6400, &r);
  tl_expect(&r, 201);
  snprintf(first, sizeof(first), "%s", tl_str(r.json, "id"));
  assert_false(json_is_true(json_object_get(r.json, "over_budget")));
  tl_response_free(&r);
  invoice(w.q_worker.token, case_id, task_id, number, 100, &r); /* the same number again */
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "invoice_number", "not_unique");
  tl_response_free(&r);
  invoice(w.p_worker.token, case_id, task_id, number2, 100, &r); /* not linked */
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  /* 3200 incl. VAT more: 1200 over what was approved, flagged */
  invoice(w.q_worker.token, case_id, task_id, number2, 2560, &r);
  tl_expect(&r, 201);
  snprintf(second, sizeof(second), "%s", tl_str(r.json, "id"));
  assert_true(json_is_true(json_object_get(r.json, "over_budget")));
  assert_int_equal(num(r.json, "over_budget_amount"), 1200);
  tl_response_free(&r);

  api(&r, "POST", w.ia_handler.token, NULL, NULL, "/v1/cases/%s/invoices/%s/approve", case_id,
      first);
  tl_expect(&r, 200);
  tl_response_free(&r);
  api(&r, "POST", w.ia_handler.token, NULL, NULL, "/v1/cases/%s/invoices/%s/approve", case_id,
      second);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  assert_int_equal(num(r.json, "over_budget_amount"), 1200);
  tl_response_free(&r);
  api(&r, "POST", w.ia_handler.token, "{\"accept_over_budget\":true}", NULL,
      "/v1/cases/%s/invoices/%s/approve", case_id, second);
  tl_expect(&r, 200);
  tl_response_free(&r);
  /* an invoice of totals alone (as a core system has it); lines and an amount must agree */
  char body3[256], number3[64];
  snprintf(number3, sizeof(number3), "Q-%s-3", w.sfx);
  snprintf(body3, sizeof(body3), "{\"invoice_number\":\"%s\",\"amount\":500,\"vat_amount\":100}",
           number3);
  api(&r, "POST", w.q_worker.token, body3, NULL, "/v1/cases/%s/tasks/%s/invoices", case_id,
      task_id);
  tl_expect(&r, 201);
  assert_int_equal(num(r.json, "total_incl_vat"), 500);
  assert_int_equal(num(r.json, "total_excl_vat"), 400);
  assert_int_equal(json_array_size(json_object_get(r.json, "lines")), 0);
  tl_response_free(&r);
  api(&r, "POST", w.q_worker.token,
      "{\"invoice_number\":\"X\",\"amount\":1,\"lines\":[" LINE_10000 "]}", NULL,
      "/v1/cases/%s/tasks/%s/invoices", case_id, task_id);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_error(&r, "amount", "lines' total");
  tl_response_free(&r);
  api(&r, "POST", w.q_worker.token, "{\"invoice_number\":\"Y\"}", NULL,
      "/v1/cases/%s/tasks/%s/invoices", case_id, task_id);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_error(&r, "lines", NULL);
  tl_response_free(&r);
  api(&r, "POST", w.ia_handler.token, "{\"reason\":\"duplicate of F-1\"}", NULL,
      "/v1/cases/%s/invoices/%s/reject", case_id, first);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state")); /* approved already */
  tl_response_free(&r);
  assert_int_equal(count_events(case_id, "invoice.submitted"), 3);
  assert_int_equal(count_events(case_id, "invoice.approved"), 2);

  /* a second task of partner P: an approved budget of 10000, a supplement of 10001 waiting */
  api(&r, "POST", w.ia_handler.token, "{\"type\":\"repair\",\"trade\":\"painting\"}", NULL,
      "/v1/cases/%s/tasks", case_id);
  tl_expect(&r, 201);
  char *loc = tl_header(&r, "Location");
  snprintf(task2, sizeof(task2), "%s", strrchr(loc, '/') + 1);
  free(loc);
  tl_response_free(&r);
  char body[96];
  snprintf(body, sizeof(body), "{\"office_id\":\"%s\"}", w.p_upps);
  api(&r, "PUT", w.ia_handler.token, body, NULL, "/v1/cases/%s/tasks/%s/office", case_id, task2);
  tl_expect(&r, 200);
  tl_response_free(&r);
  submitted_budget(w.p_upps_worker.token, case_id, task2, LINE_10000, b2);
  approve(w.ia_handler.token, case_id, b2);
  submitted_budget(w.p_upps_worker.token, case_id, task2, LINE_10001, b2);

  /* cost control: the insurer sees both tasks, each partner its own */
  api(&r, "GET", w.ia_handler.token, NULL, NULL, "/v1/cases/%s/cost-control", case_id);
  tl_expect(&r, 200);
  json_t *totals = json_object_get(r.json, "totals");
  assert_int_equal(json_array_size(json_object_get(r.json, "tasks")), 2);
  assert_int_equal(num(totals, "approved_incl_vat"), 20000);
  assert_int_equal(num(totals, "approved_excl_vat"), 16000);
  assert_int_equal(num(totals, "submitted_incl_vat"), 10001);
  assert_int_equal(num(totals, "budgeted_incl_vat"), 30001);
  assert_int_equal(num(totals, "invoiced_approved_incl_vat"), 11200);
  assert_string_equal(tl_str(r.json, "currency"), "SEK");
  tl_response_free(&r);
  api(&r, "GET", w.q_worker.token, NULL, NULL, "/v1/cases/%s/cost-control", case_id);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "tasks")), 1);
  assert_int_equal(num(json_object_get(r.json, "totals"), "approved_incl_vat"), 10000);
  tl_response_free(&r);

  /* settlement: a deductible of 15000 and an accepted cash offer of 4000 for the customer's own
   * work: 4000 kept from the cash, 11000 paid by the customer to the partners, largest first */
  api(&r, "POST", w.ia_handler.token,
      "{\"kind\":\"work_items\",\"work_items\":[{\"description\":\"Own "
      "painting\",\"amount\":4000}]}",
      NULL, "/v1/cases/%s/cash-offers", case_id);
  tl_expect(&r, 201);
  char offer_id[37];
  snprintf(offer_id, sizeof(offer_id), "%s", tl_str(r.json, "id"));
  tl_response_free(&r);
  api(&r, "POST", w.ia_handler.token, NULL, NULL, "/v1/cases/%s/cash-offers/%s/accept", case_id,
      offer_id);
  tl_expect(&r, 200);
  tl_response_free(&r);
  api(&r, "GET", w.ia_handler.token, NULL, NULL, "/v1/cases/%s", case_id);
  char *etag = tl_header(&r, "ETag"), header[64];
  snprintf(header, sizeof(header), "If-Match: %s", etag);
  free(etag);
  tl_response_free(&r);
  api(&r, "PATCH", w.ia_handler.token, "{\"deductible\":15000}", header, "/v1/cases/%s", case_id);
  tl_expect(&r, 200);
  assert_int_equal(num(r.json, "deductible"), 15000);
  tl_response_free(&r);

  api(&r, "GET", w.ia_handler.token, NULL, NULL, "/v1/cases/%s/settlement", case_id);
  tl_expect(&r, 200);
  totals = json_object_get(r.json, "totals");
  assert_int_equal(num(totals, "approved_costs"), 11200 + 10000); /* invoices, else budgets */
  assert_int_equal(num(totals, "cash_offers"), 4000);
  assert_int_equal(num(totals, "compensation"), 25200);
  assert_int_equal(num(totals, "deductible_applied"), 15000);
  assert_int_equal(num(totals, "paid_by_insurer"), 25200 - 15000);
  json_t *payments = json_object_get(r.json, "payments");
  const json_t *p0 = json_array_get(payments, 0); /* partner Q: 11200, the largest */
  assert_string_equal(tl_str(p0, "company_id"), w.partner_q);
  assert_int_equal(num(p0, "paid_by_customer"), 11000);
  assert_int_equal(num(p0, "paid_by_insurer"), 200);
  const json_t *p1 = json_array_get(payments, 1);
  assert_string_equal(tl_str(p1, "company_id"), w.partner_p);
  assert_int_equal(num(p1, "paid_by_customer"), 0);
  assert_int_equal(num(p1, "paid_by_insurer"), 10000);
  const json_t *p2 = json_array_get(payments, 2);
  assert_string_equal(tl_str(p2, "payee"), "customer");
  assert_int_equal(num(p2, "paid_by_insurer"), 0);
  tl_response_free(&r);
  api(&r, "GET", w.q_worker.token, NULL, NULL, "/v1/cases/%s/settlement", case_id);
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  tl_response_free(&r);
}

/* ---- exact amounts --------------------------------------------------------------------------- */

/* Many random lines: the server's line amounts and totals equal PostgreSQL's numeric reference
 * (round() is half away from zero) computed from the same lines. */
static void test_totals_are_exact(void **state) {
  (void)state;
  static const char *const rates[] = {"0", "6", "12", "14", "15", "24", "25", "25.5", "13.33"};
  char case_id[37], task_id[37];
  char *lines = malloc(65536), *values = malloc(65536);
  size_t nl = 0, nv = 0;
  struct tl_response r;
  srand(20261205);
  case_with_task(w.q_gbg, case_id, task_id);
  nl += (size_t)snprintf(lines + nl, 65536 - nl, "[");
  for (int i = 0; i < 200; i++) {
    long q_milli = 1 + rand() % 99999; /* up to 99.999 */
    long long price = (long long)(rand() % 2000000);
    const char *rate = rates[rand() % 9];
    nl += (size_t)snprintf(lines + nl, 65536 - nl,
                           "%s{\"description\":\"l%d\",\"quantity\":%ld.%03ld,\"unit\":\"h\","
                           "\"unit_price\":%lld,\"vat_rate\":%s}",
                           i ? "," : "", i, q_milli / 1000, q_milli % 1000, price, rate);
    nv += (size_t)snprintf(values + nv, 65536 - nv, "%s(%d, %ld.%03ld::numeric, %lld, %s)",
                           i ? "," : "", i, q_milli / 1000, q_milli % 1000, price, rate);
  }
  snprintf(lines + nl, 65536 - nl, "]");
  new_budget(w.q_worker.token, case_id, task_id, lines, NULL, &r);
  tl_expect(&r, 201);

  char sql[70000];
  snprintf(sql, sizeof(sql),
           "WITH l(i, q, p, v) AS (VALUES %s), a AS (SELECT i, round(q * p) AS ex FROM l),"
           " b AS (SELECT a.i, a.ex, round(a.ex * l.v / 100) AS vat FROM a JOIN l USING (i))"
           " SELECT json_build_object('ex', sum(ex), 'vat', sum(vat), 'in', sum(ex + vat),"
           " 'lines', json_agg(json_build_array(ex, vat) ORDER BY i))::text FROM b",
           values);
  char *ref_text = tl_sql(sql, 0, NULL);
  json_t *ref = json_loads(ref_text, 0, NULL);
  assert_int_equal(num(r.json, "total_excl_vat"), num(ref, "ex"));
  assert_int_equal(num(r.json, "total_vat"), num(ref, "vat"));
  assert_int_equal(num(r.json, "total_incl_vat"), num(ref, "in"));
  const json_t *got = json_object_get(r.json, "lines"), *want = json_object_get(ref, "lines");
  assert_int_equal(json_array_size(got), 200);
  for (size_t i = 0; i < 200; i++) {
    const json_t *g = json_array_get(got, i), *wl = json_array_get(want, i);
    assert_int_equal(num(g, "amount_excl_vat"), json_integer_value(json_array_get(wl, 0)));
    assert_int_equal(num(g, "vat"), json_integer_value(json_array_get(wl, 1)));
  }
  json_decref(ref);
  free(ref_text);
  tl_response_free(&r);

  /* invalid lines: every fault named at once, nothing written */
  new_budget(w.q_worker.token, case_id, task_id,
             "[{\"description\":\"a\",\"quantity\":1.0005,\"unit\":\"h\",\"unit_price\":1,"
             "\"vat_rate\":25.555},{\"quantity\":0,\"unit\":\"h\",\"unit_price\":-5,"
             "\"vat_rate\":101,\"color\":\"red\"},7]",
             NULL, &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_error(&r, "lines/0/quantity", NULL);
  tl_assert_field_error(&r, "lines/0/vat_rate", NULL);
  tl_assert_field_error(&r, "lines/1/description", NULL);
  tl_assert_field_error(&r, "lines/1/quantity", NULL);
  tl_assert_field_error(&r, "lines/1/unit_price", NULL);
  tl_assert_field_error(&r, "lines/1/vat_rate", NULL);
  tl_assert_field_error(&r, "lines/1/color", NULL);
  tl_assert_field_error(&r, "lines/2", NULL);
  tl_response_free(&r);
  free(lines);
  free(values);
}

/* ---- concurrency and If-Match ------------------------------------------------------------- */

struct racer {
  const char *token, *case_id, *budget_id;
  long status;
};

static void *race(void *arg) {
  struct racer *x = arg;
  struct tl_response r;
  x->status = budget_step(x->token, x->case_id, x->budget_id, "approve", NULL, NULL, &r);
  tl_response_free(&r);
  return NULL;
}

static void test_racing_approvals_and_if_match(void **state) {
  (void)state;
  char case_id[37], task_id[37], budget_id[37], header[64];
  struct tl_response r;
  case_with_task(w.q_gbg, case_id, task_id);

  /* a reader fetches the draft; the supplier changes and submits it: the old ETag fails */
  new_budget(w.q_worker.token, case_id, task_id, "[" LINE_10001 "]", budget_id, &r);
  tl_response_free(&r);
  api(&r, "GET", w.ia_handler.token, NULL, NULL, "/v1/cases/%s/budgets/%s", case_id, budget_id);
  tl_expect(&r, 200);
  char *old = tl_header(&r, "ETag");
  tl_response_free(&r);
  api(&r, "PATCH", w.q_worker.token, "{\"lines\":[" LINE_10000 "]}", NULL,
      "/v1/cases/%s/budgets/%s", case_id, budget_id);
  tl_expect(&r, 200);
  tl_response_free(&r);
  budget_step(w.q_worker.token, case_id, budget_id, "submit", NULL, NULL, &r);
  tl_expect(&r, 200);
  char *now = tl_header(&r, "ETag");
  tl_response_free(&r);
  snprintf(header, sizeof(header), "If-Match: %s", old);
  budget_step(w.ia_handler.token, case_id, budget_id, "approve", NULL, header, &r);
  tl_assert_problem(&r, 412, PROBLEM("precondition-failed"));
  tl_response_free(&r);

  /* two approvals at once: one wins, the other is told the budget is approved already */
  struct racer a = {w.ia_handler.token, case_id, budget_id, 0};
  struct racer b = {w.ia_admin.token, case_id, budget_id, 0};
  pthread_t ta, tb;
  pthread_create(&ta, NULL, race, &a);
  pthread_create(&tb, NULL, race, &b);
  pthread_join(ta, NULL);
  pthread_join(tb, NULL);
  assert_true((a.status == 200 && b.status == 409) || (a.status == 409 && b.status == 200));
  assert_int_equal(count_events(case_id, "budget.approved"), 1);
  assert_int_equal(count_history(case_id, "budget.approved"), 1);
  (void)now;
  free(old);
  free(now);
}

/* ---- the edges: a closed case, replays, too many lines, API clients, If-Match ------------- */

static void test_edges(void **state) {
  (void)state;
  char case_id[37], task_id[37], budget_id[37], header[96], key[64];
  struct tl_response r, again;
  case_with_task(w.q_gbg, case_id, task_id);

  /* an Idempotency-Key replays the first answer: one budget, one event */
  snprintf(key, sizeof(key), "Idempotency-Key: budget-%s", case_id);
  api(&r, "POST", w.q_worker.token, "{\"lines\":[" LINE_10000 "]}", key,
      "/v1/cases/%s/tasks/%s/budgets", case_id, task_id);
  tl_expect(&r, 201);
  snprintf(budget_id, sizeof(budget_id), "%s", tl_str(r.json, "id"));
  api(&again, "POST", w.q_worker.token, "{\"lines\":[" LINE_10000 "]}", key,
      "/v1/cases/%s/tasks/%s/budgets", case_id, task_id);
  tl_expect(&again, 201);
  assert_string_equal(tl_str(again.json, "id"), budget_id);
  tl_response_free(&r);
  tl_response_free(&again);
  assert_int_equal(count_events(case_id, "budget.created"), 1);

  /* 201 lines are too many; nothing changes */
  size_t len = 201 * (sizeof(LINE_10000) + 1) + 4;
  char *lines = malloc(len), *p = lines;
  *p++ = '[';
  for (int i = 0; i < 201; i++) p += sprintf(p, "%s" LINE_10000, i ? "," : "");
  strcpy(p, "]");
  char *body = malloc(len + 16);
  snprintf(body, len + 16, "{\"lines\":%s}", lines);
  api(&r, "PATCH", w.q_worker.token, body, NULL, "/v1/cases/%s/budgets/%s", case_id, budget_id);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "lines", "too_long");
  tl_response_free(&r);
  free(body);
  free(lines);

  /* an API client acts for the insurer: it submits on the partner's behalf and approves */
  budget_step(w.client_a_token, case_id, budget_id, "submit", NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  budget_step(w.ia_handler.token, case_id, budget_id, "approve", NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);

  /* the decision with a stale case ETag: 412; with the current one: 200 */
  api(&r, "GET", w.ia_handler.token, NULL, NULL, "/v1/cases/%s", case_id);
  char *etag = tl_header(&r, "ETag");
  tl_response_free(&r);
  api(&r, "POST", w.ia_handler.token, "{\"type\":\"inspection\"}", NULL, "/v1/cases/%s/tasks",
      case_id);
  tl_expect(&r, 201);
  tl_response_free(&r);
  snprintf(header, sizeof(header), "If-Match: %s", etag);
  api(&r, "PUT", w.ia_handler.token, "{\"decision\":\"positive\"}", header,
      "/v1/cases/%s/compensation-decision", case_id);
  tl_assert_problem(&r, 412, PROBLEM("precondition-failed"));
  tl_response_free(&r);
  free(etag);

  /* a closed case's money does not change */
  api(&r, "POST", w.ia_handler.token, NULL, NULL, "/v1/cases/%s/close", case_id);
  tl_expect(&r, 200);
  tl_response_free(&r);
  new_budget(w.q_worker.token, case_id, task_id, "[" LINE_10000 "]", NULL, &r);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);
  invoice_on(case_id, task_id, &r);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);
  api(&r, "PUT", w.ia_handler.token, "{\"decision\":\"positive\"}", NULL,
      "/v1/cases/%s/compensation-decision", case_id);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);
  /* and its figures are still read */
  api(&r, "GET", w.ia_handler.token, NULL, NULL, "/v1/cases/%s/settlement", case_id);
  tl_expect(&r, 200);
  assert_int_equal(num(json_object_get(r.json, "totals"), "approved_costs"), 10000);
  tl_response_free(&r);
}

int main(void) {
  tl_world_create(&w);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_budget_lifecycle),
      cmocka_unit_test(test_approval_limit),
      cmocka_unit_test(test_external_case_handler_rights),
      cmocka_unit_test(test_cash_offers),
      cmocka_unit_test(test_invoices_cost_control_settlement),
      cmocka_unit_test(test_totals_are_exact),
      cmocka_unit_test(test_racing_approvals_and_if_match),
      cmocka_unit_test(test_edges),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  tl_world_free(&w);
  return failed;
}
