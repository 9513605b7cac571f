/* The money of a case on the screens of the cases service: the dashboard's rows
 * budgets_awaiting_my_approval, budgets_rejected and cases_with_invoices_awaiting_approval, the
 * case list's filters budget_awaiting_approval, budget_rejected and invoice_awaiting_approval
 * (each lists exactly what its row counts, for the same caller), and the case statistics
 * report's money columns. Every budget, invoice and cash offer is made through the API.
 *
 * Fixtures: the world of tl_world.h (portal A: default budget limit 10000, its role definitions
 * empty until a test defines one; p_ech marked, own limit 50000), cases created by ia_handler:
 *   K1  P's repair task T1: a budget of 10000 submitted, rejected, a new revision approved, an
 *       invoice submitted and approved; a cash offer of 5000 on T1 and one of work items (700)
 *   K2  P's repair task T2: a budget of exactly 10000 incl. VAT, submitted; an accepted cash
 *       offer of 3000 on T2
 *   K3  P's repair task T3: a budget of 10001 incl. VAT, submitted
 *   K4  the external case handler role held by p_ech; P's repair task T4 with a budget of 20000
 *       submitted by p_worker, approved by p_ech, then an invoice
 *   K5  p_worker holds the project_management task; Q's repair task T5 with a budget of 5000
 *       submitted by q_worker; Q's budget is rejected
 * The tests run in order: each builds on the money the previous ones made. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tl_world.h"

static struct tl_world w;
static char k1[37], k2[37], k3[37], k4[37], k5[37];
static char t1[37], t2[37], t3[37], t4[37], t5[37], pm5[37];
static char b1[37], b1r2[37];

/* The rows of this file, in the order of the arrays of counts below. */
static const char *const money_rows[] = {"budgets_awaiting_my_approval", "budgets_rejected",
                                         "cases_with_invoices_awaiting_approval"};
static const char *const money_filters[] = {"budget_awaiting_approval=true", "budget_rejected=true",
                                            "invoice_awaiting_approval=true"};
#define NROWS 3
#define ABSENT -1

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

/* Copies the member id of r's body into id; fails unless r answered status. */
static void take_id(struct tl_response *r, long status, char id[37]) {
  tl_expect(r, status);
  const char *v = tl_str(r->json, "id");
  assert_non_null(v);
  snprintf(id, 37, "%s", v);
  tl_response_free(r);
}

/* A task of type on case_id given to office (as ia_handler); its id into id. */
static void task_at(const char *case_id, const char *type, const char *office, char id[37]) {
  tl_world_task(&w, case_id, type, !strcmp(type, "repair") ? "carpentry" : NULL, office, id);
}

/* One line of quantity 1 at unit_price and vat_rate %, as a lines array. */
static const char *lines(long long unit_price, int vat_rate) {
  static char buf[160];
  snprintf(buf, sizeof(buf),
           "[{\"description\": \"x\", \"quantity\": 1, \"unit\": \"pcs\", \"unit_price\": %lld, "
           "\"vat_rate\": %d}]",
           unit_price, vat_rate);
  return buf;
}

/* A draft budget of task_id drafted by token, of one line; its id into id. */
static void draft(const char *case_id, const char *task_id, const char *token, long long unit_price,
                  int vat_rate, long long incl_vat, char id[37]) {
  struct tl_response r;
  char body[256];
  snprintf(body, sizeof(body), "{\"lines\": %s}", lines(unit_price, vat_rate));
  api(&r, "POST", token, body, "/v1/cases/%s/tasks/%s/budgets", case_id, task_id);
  tl_expect(&r, 201);
  assert_int_equal(json_integer_value(json_object_get(r.json, "total_incl_vat")), incl_vat);
  take_id(&r, 201, id);
}

/* POST .../budgets/{id}/step (submit, approve, reject) as token; expects status. */
static void budget_step(const char *case_id, const char *budget_id, const char *step,
                        const char *token, long status) {
  struct tl_response r;
  api(&r, "POST", token, !strcmp(step, "reject") ? "{\"reason\": \"too dear\"}" : NULL,
      "/v1/cases/%s/budgets/%s/%s", case_id, budget_id, step);
  if (status == 200) {
    tl_expect(&r, 200);
    assert_string_equal(tl_str(r.json, "status"), !strcmp(step, "submit")    ? "submitted"
                                                  : !strcmp(step, "approve") ? "approved"
                                                                             : "rejected");
  } else {
    tl_assert_problem(&r, status, NULL);
  }
  tl_response_free(&r);
}

/* An invoice of task_id by token of one line; its id into id. */
static void invoice(const char *case_id, const char *task_id, const char *token,
                    long long unit_price, int vat_rate, char id[37]) {
  static int n;
  struct tl_response r;
  char body[320];
  snprintf(body, sizeof(body), "{\"invoice_number\": \"F-%s-%d\", \"lines\": %s}", w.sfx, ++n,
           lines(unit_price, vat_rate));
  api(&r, "POST", token, body, "/v1/cases/%s/tasks/%s/invoices", case_id, task_id);
  take_id(&r, 201, id);
}

/* A cash offer (body) on case_id by ia_handler; its id into id. */
static void cash_offer(const char *case_id, const char *body, char id[37]) {
  struct tl_response r;
  api(&r, "POST", w.ia_handler.token, body, "/v1/cases/%s/cash-offers", case_id);
  take_id(&r, 201, id);
}

/* ---- what the screens say ----------------------------------------------------------------- */

/* The fixture names of the cases GET /v1/cases?limit=200&<query> lists for token, sorted and
 * comma-joined into buf; also their number into *n. */
static const char *listed(const char *token, const char *query, char *buf, size_t len, size_t *n) {
  const char *const ids[] = {k1, k2, k3, k4, k5};
  const char *const names[] = {"K1", "K2", "K3", "K4", "K5"};
  return tl_cases_listed_names(token, query, ids, names, 5, buf, len, n);
}

/* The three rows of token's dashboard (ABSENT when not shown), then each shown row's filter
 * lists exactly the fixture cases given ("K1,K4", "" for none, in order of the rows), as many
 * as the row counts. */
static void expect_rows(const char *token, long long awaiting, long long rejected,
                        long long invoices, const char *awaiting_cases, const char *rejected_cases,
                        const char *invoice_cases) {
  const long long want[NROWS] = {awaiting, rejected, invoices};
  const char *const cases[NROWS] = {awaiting_cases, rejected_cases, invoice_cases};
  struct tl_response r;
  api(&r, "GET", token, NULL, "/v1/dashboard");
  tl_expect(&r, 200);
  for (size_t i = 0; i < NROWS; i++) {
    long long got = tl_dashboard_count(&r, money_rows[i]);
    if (got != want[i])
      fail_msg("%s counts %lld, expected %lld: %s", money_rows[i], got, want[i], r.body);
  }
  /* each row's filter is the list's */
  json_t *e;
  size_t i;
  json_array_foreach(json_object_get(r.json, "rows"), i, e) {
    for (size_t k = 0; k < NROWS; k++) {
      if (strcmp(tl_str(e, "row"), money_rows[k]) != 0) continue;
      const char *key;
      json_t *v;
      char query[128] = "";
      json_object_foreach(json_object_get(e, "filter"), key, v)
          snprintf(query, sizeof(query), "%s=%s", key, json_string_value(v));
      assert_string_equal(query, money_filters[k]);
    }
  }
  tl_response_free(&r);
  for (size_t k = 0; k < NROWS; k++) {
    char got[256];
    size_t n;
    if (want[k] == ABSENT) continue;
    listed(token, money_filters[k], got, sizeof(got), &n);
    if ((long long)n != want[k] || strcmp(got, cases[k]) != 0)
      fail_msg("%s lists [%s], expected [%s] as %s counts %lld", money_filters[k], got, cases[k],
               money_rows[k], want[k]);
  }
}

/* ---- fixtures ------------------------------------------------------------------------------ */

static int setup(void **state) {
  (void)state;
  tl_world_create(&w);
  char *cases[] = {k1, k2, k3, k4, k5};
  for (size_t i = 0; i < 5; i++) tl_world_case(&w, 0, 0, cases[i]);
  task_at(k1, "repair", w.p_sthlm, t1);
  task_at(k2, "repair", w.p_sthlm, t2);
  task_at(k3, "repair", w.p_sthlm, t3);
  task_at(k4, "repair", w.p_sthlm, t4);
  task_at(k5, "repair", w.q_gbg, t5);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  tl_world_free(&w);
  return 0;
}

/* ---- the rows and the filters -------------------------------------------------------------- */

/* Nothing waits: every caller sees its rows at 0; API clients have no budgets_rejected row. */
static void test_rows_before_any_money(void **state) {
  (void)state;
  expect_rows(w.ia_handler.token, 0, 0, 0, "", "", "");
  expect_rows(w.ia_admin.token, 0, 0, 0, "", "", "");
  expect_rows(w.client_a_token, 0, ABSENT, 0, "", "", "");
  expect_rows(w.p_admin.token, 0, 0, 0, "", "", "");
  expect_rows(w.p_worker.token, 0, 0, 0, "", "", "");
  expect_rows(w.q_worker.token, 0, 0, 0, "", "", "");
}

/* Each step of a budget moves its rows by exactly one, for everyone concerned. */
static void test_budget_steps_move_the_rows_by_one(void **state) {
  (void)state;
  draft(k1, t1, w.p_worker.token, 8000, 25, 10000, b1);
  expect_rows(w.ia_handler.token, 0, 0, 0, "", "", ""); /* a draft waits for nobody */

  budget_step(k1, b1, "submit", w.p_worker.token, 200);
  expect_rows(w.ia_handler.token, 1, 0, 0, "K1", "", "");
  expect_rows(w.ia_admin.token, 1, 0, 0, "K1", "", "");
  expect_rows(w.client_a_token, 1, ABSENT, 0, "K1", "", "");
  /* partners hold no role that may approve (the portal's definitions are empty) */
  expect_rows(w.p_worker.token, 0, 0, 0, "", "", "");
  expect_rows(w.p_admin.token, 0, 0, 0, "", "", "");
  /* the other filters' values: false lists the rest, a case at a time */
  char got[256];
  size_t n;
  assert_string_equal(
      listed(w.ia_handler.token, "budget_awaiting_approval=false", got, sizeof(got), &n),
      "K2,K3,K4,K5");

  budget_step(k1, b1, "reject", w.ia_handler.token, 200);
  expect_rows(w.ia_handler.token, 0, 1, 0, "", "K1", "");
  expect_rows(w.ia_admin.token, 0, 1, 0, "", "K1", "");
  expect_rows(w.client_a_token, 0, ABSENT, 0, "", "", "");
  /* the supplier's company, every office of it; not another partner */
  expect_rows(w.p_worker.token, 0, 1, 0, "", "K1", "");
  expect_rows(w.p_admin.token, 0, 1, 0, "", "K1", "");
  expect_rows(w.p_upps_worker.token, 0, 1, 0, "", "K1", "");
  expect_rows(w.q_worker.token, 0, 0, 0, "", "", "");

  /* a new revision answers the rejection, even as a draft */
  draft(k1, t1, w.p_worker.token, 8000, 25, 10000, b1r2);
  expect_rows(w.p_worker.token, 0, 0, 0, "", "", "");
  expect_rows(w.ia_handler.token, 0, 0, 0, "", "", "");

  budget_step(k1, b1r2, "submit", w.p_worker.token, 200);
  expect_rows(w.ia_handler.token, 1, 0, 0, "K1", "", "");
  budget_step(k1, b1r2, "approve", w.ia_handler.token, 200);
  expect_rows(w.ia_handler.token, 0, 0, 0, "", "", "");
  expect_rows(w.client_a_token, 0, ABSENT, 0, "", "", "");
}

/* An invoice awaiting approval: the insurer's row and filter, not a partner's without the right;
 * its approval takes it out again. */
static void test_invoice_rows(void **state) {
  (void)state;
  char inv[37];
  struct tl_response r;
  invoice(k1, t1, w.p_worker.token, 8000, 25, inv);
  expect_rows(w.ia_handler.token, 0, 0, 1, "", "", "K1");
  expect_rows(w.client_a_token, 0, ABSENT, 1, "", "", "K1");
  expect_rows(w.p_worker.token, 0, 0, 0, "", "", "");
  expect_rows(w.p_admin.token, 0, 0, 0, "", "", "");
  api(&r, "POST", w.ia_handler.token, NULL, "/v1/cases/%s/invoices/%s/approve", k1, inv);
  tl_expect(&r, 200);
  tl_response_free(&r);
  expect_rows(w.ia_handler.token, 0, 0, 0, "", "", "");
  expect_rows(w.client_a_token, 0, ABSENT, 0, "", "", "");
}

/* A budget of 10000 incl. VAT is within the portal's default limit of 10000 (equal is allowed),
 * one of 10001 is not: it counts for the API client only (no limit), and ia_handler's approval
 * of it is refused, as the row says. */
static void test_within_the_limit(void **state) {
  (void)state;
  char b2[37], b3[37];
  draft(k2, t2, w.p_worker.token, 8000, 25, 10000, b2);
  budget_step(k2, b2, "submit", w.p_worker.token, 200);
  draft(k3, t3, w.p_worker.token, 10001, 0, 10001, b3);
  budget_step(k3, b3, "submit", w.p_worker.token, 200);
  expect_rows(w.ia_handler.token, 1, 0, 0, "K2", "", "");
  expect_rows(w.ia_admin.token, 1, 0, 0, "K2", "", "");
  expect_rows(w.client_a_token, 2, ABSENT, 0, "K2,K3", "", "");
  budget_step(k3, b3, "approve", w.ia_handler.token, 403);
  /* an insurer user with an own limit above it sees it */
  tl_sql_run("UPDATE policy.users SET budget_limit = 10001 WHERE id = $1", 1, w.ia_handler.id);
  expect_rows(w.ia_handler.token, 2, 0, 0, "K2,K3", "", "");
  tl_sql_run("UPDATE policy.users SET budget_limit = NULL WHERE id = $1", 1, w.ia_handler.id);
  expect_rows(w.ia_handler.token, 1, 0, 0, "K2", "", "");
}

/* A partner user counts only the cases where one of its case roles holds approve_budget in the
 * portal's definitions, within its own limit, and never a budget it submitted itself. */
static void test_partner_roles(void **state) {
  (void)state;
  char b4[37], b5[37], inv[37];
  struct tl_response r;
  char body[96];
  /* K4: the role held by p_ech, a budget of 20000 submitted by p_worker */
  snprintf(body, sizeof(body), "{\"office_id\": \"%s\"}", w.p_sthlm);
  api(&r, "PUT", w.ia_handler.token, body, "/v1/cases/%s/external-case-handler/office", k4);
  tl_expect(&r, 200);
  tl_response_free(&r);
  snprintf(body, sizeof(body), "{\"user_id\": \"%s\"}", w.p_ech.id);
  api(&r, "PUT", w.ia_handler.token, body, "/v1/cases/%s/external-case-handler/user", k4);
  tl_expect(&r, 200);
  tl_response_free(&r);
  draft(k4, t4, w.p_worker.token, 16000, 25, 20000, b4);
  budget_step(k4, b4, "submit", w.p_worker.token, 200);
  /* without the right in the role's definition: 0, and the approval is refused */
  expect_rows(w.p_ech.token, 0, 0, 0, "", "", "");
  budget_step(k4, b4, "approve", w.p_ech.token, 403);

  tl_world_define_role(&w, "external_case_handler", "[\"approve_budget\"]");
  /* within p_ech's own limit of 50000, above the portal's default; only where it holds it */
  expect_rows(w.p_ech.token, 1, 0, 0, "K4", "", "");
  expect_rows(w.q_ech.token, 0, 0, 0, "", "", ""); /* marked, but holds the role nowhere */
  expect_rows(w.p_worker.token, 0, 0, 0, "", "", "");
  /* the insurer: K4 is above its limit */
  expect_rows(w.ia_handler.token, 1, 0, 0, "K2", "", "");
  /* unmarked, the role is not the user's (as the decision says) */
  tl_world_mark_external(&w, &w.p_ech, 0);
  expect_rows(w.p_ech.token, 0, 0, 0, "", "", "");
  tl_world_mark_external(&w, &w.p_ech, 1);
  expect_rows(w.p_ech.token, 1, 0, 0, "K4", "", "");

  /* the row's case is the approval's: p_ech approves, then an invoice waits for it */
  budget_step(k4, b4, "approve", w.p_ech.token, 200);
  expect_rows(w.p_ech.token, 0, 0, 0, "", "", "");
  invoice(k4, t4, w.p_worker.token, 16000, 25, inv);
  expect_rows(w.p_ech.token, 0, 0, 1, "", "", "K4");
  expect_rows(w.p_worker.token, 0, 0, 0, "", "", "");
  expect_rows(w.ia_handler.token, 1, 0, 1, "K2", "", "K4");

  /* K5: p_worker holds the project_management task; Q's budget waits */
  task_at(k5, "project_management", w.p_sthlm, pm5);
  snprintf(body, sizeof(body), "{\"user_id\": \"%s\"}", w.p_worker.id);
  api(&r, "PUT", w.ia_handler.token, body, "/v1/cases/%s/tasks/%s/user", k5, pm5);
  tl_expect(&r, 200);
  tl_response_free(&r);
  draft(k5, t5, w.q_worker.token, 4000, 25, 5000, b5);
  budget_step(k5, b5, "submit", w.q_worker.token, 200);
  expect_rows(w.p_worker.token, 0, 0, 0, "", "", "");
  tl_world_define_role(&w, "project_manager", "[\"approve_budget\"]");
  expect_rows(w.p_worker.token, 1, 0, 0, "K5", "", "");
  /* the budgets of K2 and K3 are p_worker's own: given the task there too, it never counts them */
  char pm2[37];
  task_at(k2, "project_management", w.p_sthlm, pm2);
  api(&r, "PUT", w.ia_handler.token, body, "/v1/cases/%s/tasks/%s/user", k2, pm2);
  tl_expect(&r, 200);
  tl_response_free(&r);
  expect_rows(w.p_worker.token, 1, 0, 0, "K5", "", "");
  expect_rows(w.p_admin.token, 0, 0, 0, "", "", ""); /* holds no role */
  expect_rows(w.ia_handler.token, 2, 0, 1, "K2,K5", "", "K4");

  /* Q's rejected budget is Q's row, not P's (P sees K5 through its task there) */
  budget_step(k5, b5, "reject", w.p_worker.token, 200);
  expect_rows(w.q_worker.token, 0, 1, 0, "", "K5", "");
  expect_rows(w.p_admin.token, 0, 0, 0, "", "", "");
  expect_rows(w.p_worker.token, 0, 0, 0, "", "", "");
  expect_rows(w.ia_handler.token, 1, 1, 1, "K2", "K5", "K4");

  tl_world_define_role(&w, "external_case_handler", "[]");
  tl_world_define_role(&w, "project_manager", "[]");
  expect_rows(w.p_ech.token, 0, 0, 0, "", "", "");
  expect_rows(w.p_worker.token, 0, 0, 0, "", "", "");
}

/* A closed case waits for nothing. */
static void test_closed_cases_wait_for_nothing(void **state) {
  (void)state;
  tl_sql_run("UPDATE cases.cases SET status = 'closed', closed_at = now() WHERE id = $1", 1, k5);
  expect_rows(w.ia_handler.token, 1, 0, 1, "K2", "", "K4");
  expect_rows(w.q_worker.token, 0, 0, 0, "", "", "");
  tl_sql_run("UPDATE cases.cases SET status = 'open', closed_at = NULL WHERE id = $1", 1, k5);
  expect_rows(w.ia_handler.token, 1, 1, 1, "K2", "K5", "K4");
}

static void test_bad_filter_values(void **state) {
  (void)state;
  const char *queries[] = {"budget_awaiting_approval=yes", "budget_rejected=1",
                           "invoice_awaiting_approval=TRUE"};
  const char *fields[] = {"budget_awaiting_approval", "budget_rejected",
                          "invoice_awaiting_approval"};
  struct tl_response r;
  for (size_t i = 0; i < 3; i++) {
    api(&r, "GET", w.ia_handler.token, NULL, "/v1/cases?%s", queries[i]);
    tl_assert_problem(&r, 400, "urn:claimsuite:problem:invalid-parameter");
    tl_assert_field_code(&r, fields[i], "wrong_type");
    tl_response_free(&r);
  }
  /* every bad one at once */
  api(&r, "GET", w.p_worker.token, NULL,
      "/v1/cases?budget_awaiting_approval=x&budget_rejected=y&invoice_awaiting_approval=z");
  tl_assert_problem(&r, 400, "urn:claimsuite:problem:invalid-parameter");
  assert_int_equal(json_array_size(json_object_get(r.json, "errors")), 3);
  tl_response_free(&r);
  /* combined with the others (AND) */
  char got[256];
  size_t n;
  assert_string_equal(
      listed(w.ia_handler.token, "budget_awaiting_approval=true&has_external_case_handler=true",
             got, sizeof(got), &n),
      "");
  assert_string_equal(
      listed(w.ia_handler.token, "invoice_awaiting_approval=true&has_external_case_handler=true",
             got, sizeof(got), &n),
      "K4");
  assert_string_equal(listed(w.ia_handler.token, "budget_awaiting_approval=true&sort=updated", got,
                             sizeof(got), &n),
                      "K2");
}

/* ---- the report ---------------------------------------------------------------------------- */

/* A sum of the tables for the report's column of case_id as company (NULL: the insurer) sees
 * it: what (budgets or cash_offers) with status, summing column. */
static long long table_sum(const char *table, const char *column, const char *status,
                           const char *case_id, const char *company) {
  char sql[512];
  snprintf(sql, sizeof(sql),
           "SELECT coalesce(sum(x.%s), 0) FROM cases.%s x WHERE x.case_id = $1 AND x.status = $2 "
           "AND ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM cases.tasks t WHERE t.id = x.task_id "
           "AND t.company_id = $3::uuid))",
           column, table);
  const char *p[] = {case_id, status, company};
  return tl_sql_long(sql, 3, p);
}

/* Every row of token's report has the money of the tables as company sees it; nrows rows. */
static void expect_report_money(const char *token, const char *company, size_t nrows) {
  struct tl_response r;
  json_t *row;
  size_t i;
  api(&r, "GET", token, NULL, "/v1/reports/case-statistics");
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "rows")), nrows);
  json_array_foreach(json_object_get(r.json, "rows"), i, row) {
    const char *id = tl_str(row, "case_id");
    const struct {
      const char *member, *table, *column, *status;
    } cols[] = {{"budgets_submitted_incl_vat", "budgets", "total_incl_vat", "submitted"},
                {"budgets_approved_incl_vat", "budgets", "total_incl_vat", "approved"},
                {"cash_offered", "cash_offers", "amount", "offered"},
                {"cash_accepted", "cash_offers", "amount", "accepted"}};
    for (size_t k = 0; k < 4; k++) {
      json_t *v = json_object_get(row, cols[k].member);
      if (!json_is_integer(v)) fail_msg("%s of %s is not an integer", cols[k].member, id);
      long long want = table_sum(cols[k].table, cols[k].column, cols[k].status, id, company);
      if (json_integer_value(v) != want)
        fail_msg("%s of %s is %lld, the tables say %lld", cols[k].member, id,
                 (long long)json_integer_value(v), want);
    }
  }
  tl_response_free(&r);
}

/* The report's money of K1 as token sees it: {submitted, approved, offered, accepted}. */
static void expect_k1(const char *token, const long long want[4]) {
  static const char *const members[] = {"budgets_submitted_incl_vat", "budgets_approved_incl_vat",
                                        "cash_offered", "cash_accepted"};
  struct tl_response r;
  json_t *row;
  size_t i;
  api(&r, "GET", token, NULL, "/v1/reports/case-statistics");
  tl_expect(&r, 200);
  json_array_foreach(json_object_get(r.json, "rows"), i, row) {
    if (strcmp(tl_str(row, "case_id"), k1) != 0) continue;
    for (size_t k = 0; k < 4; k++)
      assert_int_equal(json_integer_value(json_object_get(row, members[k])), want[k]);
    tl_response_free(&r);
    return;
  }
  fail_msg("K1 is not in the report: %s", r.body);
}

static void test_report_money_columns(void **state) {
  (void)state;
  char o1[37], o2[37], o3[37];
  struct tl_response r;
  char body[256];
  snprintf(body, sizeof(body), "{\"kind\": \"task\", \"task_id\": \"%s\", \"amount\": 5000}", t1);
  cash_offer(k1, body, o1);
  cash_offer(k1,
             "{\"kind\": \"work_items\", \"work_items\": [{\"description\": \"paint\", "
             "\"amount\": 700}]}",
             o2);
  snprintf(body, sizeof(body), "{\"kind\": \"task\", \"task_id\": \"%s\", \"amount\": 3000}", t2);
  cash_offer(k2, body, o3);
  api(&r, "POST", w.ia_handler.token, NULL, "/v1/cases/%s/cash-offers/%s/accept", k2, o3);
  tl_expect(&r, 200);
  tl_response_free(&r);

  /* the insurer sees all of it; P its own tasks' (not the work items, nor Q's budget in K5) */
  expect_report_money(w.ia_admin.token, NULL, 5);
  expect_report_money(w.client_a_token, NULL, 5);
  expect_report_money(w.p_admin.token, w.partner_p, 5);
  expect_k1(w.ia_admin.token, (const long long[]){0, 10000, 5700, 0});
  expect_k1(w.p_admin.token, (const long long[]){0, 10000, 5000, 0});
  /* a partner sees only its cases: Q's admin K5 alone */
  tl_sql_run("UPDATE policy.users SET authority_level = 6 WHERE id = $1", 1, w.q_worker.id);
  expect_report_money(w.q_worker.token, w.partner_q, 1);
  tl_sql_run("UPDATE policy.users SET authority_level = 3 WHERE id = $1", 1, w.q_worker.id);

  /* CSV: the same columns last, integers */
  tl_cases("GET", "/v1/reports/case-statistics", w.ia_admin.token, NULL, "Accept: text/csv", &r);
  tl_expect(&r, 200);
  const char *header =
      "claim_number,case_id,status,damage_type,damage_date,created_at,closed_at,city,"
      "tasks_total,tasks_approved,external_case_handler_office,external_case_handler_email,"
      "budgets_submitted_incl_vat,budgets_approved_incl_vat,cash_offered,cash_accepted\r\n";
  assert_memory_equal(r.body, header, strlen(header));
  /* K2: a budget submitted, an offer accepted; no role (office and email empty) */
  char line[512];
  snprintf(line, sizeof(line), ",%s,open,water,", k2);
  const char *k2_line = strstr(r.body, line);
  assert_non_null(k2_line);
  snprintf(line, sizeof(line), "%.*s", (int)strcspn(k2_line, "\r"), k2_line);
  const char *tail = ",,,10000,0,0,3000";
  assert_true(strlen(line) > strlen(tail));
  assert_string_equal(line + strlen(line) - strlen(tail), tail);
  tl_response_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rows_before_any_money),
      cmocka_unit_test(test_budget_steps_move_the_rows_by_one),
      cmocka_unit_test(test_invoice_rows),
      cmocka_unit_test(test_within_the_limit),
      cmocka_unit_test(test_partner_roles),
      cmocka_unit_test(test_closed_cases_wait_for_nothing),
      cmocka_unit_test(test_bad_filter_values),
      cmocka_unit_test(test_report_money_columns),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
