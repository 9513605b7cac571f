/* The case list (GET /v1/cases), the dashboard (GET /v1/dashboard) and the case statistics
 * report (GET /v1/reports/case-statistics) of the cases service: every filter alone and
 * combined, keyset paging, the caller's reasons to act, exact dashboard counts that match the
 * lists their filters name, the report in JSON and CSV with the external case handler's current
 * email, and that another company or portal sees nothing of the cases.
 *
 * Fixtures: the world of tl_world.h, and cases and tasks inserted directly into the cases
 * schema (the lists only read them), in portal A unless said otherwise:
 *   C1  water, task of P at Stockholm waiting for a user (status 1); contact Anna Andersson
 *   C2  fire, a task without an office (status 0)
 *   C3  water, the ECH role given to P Stockholm without a user; Q's task with q_worker (2)
 *   C4  water, the ECH role held by p_ech; task of P at Uppsala waiting for a user
 *   C5  water, closed, task of P at Stockholm waiting for a user
 *   C6  storm, on hold, street "100%_Gatan"; p_worker's started task (3), p_ech's approved (A)
 *   C7..C12 leak: ia_handler's reminders today, tomorrow, later, overdue, today on a closed
 *       case; ia_admin's tomorrow
 *   C13 report_csv: a claim number that is a spreadsheet formula, a city with a comma
 *   R1, R2 report_range, created 2020-03-15 12:00 UTC and 23:30 UTC (the 16th in Stockholm)
 *   PG  25 cases paging_test, ten of them created at the same instant
 *   B1  portal B, task of P at Stockholm waiting for a user */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "http.h"
#include "ids.h"
#include "tl_world.h"

#define NPAGING 25

static struct tl_world w;
static char c1[37], c2[37], c3[37], c4[37], c5[37], c6[37], c7[37], c8[37], c9[37], c10[37],
    c11[37], c12[37], c13[37], r1[37], r2[37], b1[37];
static char pg[NPAGING][37];

/* ---- fixtures ------------------------------------------------------------------------------ */

/* A case created minutes_ago (updated then too), closed_at set when closed. */
static void new_case(char id[37], const char *portal, const char *claim, const char *damage,
                     const char *status, int minutes_ago) {
  char full[96], mins[16];
  ids_uuid_v4(id);
  snprintf(full, sizeof(full), "L-%s-%s", w.sfx, claim);
  snprintf(mins, sizeof(mins), "%d", minutes_ago);
  tl_sql_run(
      "INSERT INTO cases.cases (id, portal_id, claim_number, damage_type, damage_date, "
      "status, street, postal_code, city, created_by, created_at, updated_at, closed_at) "
      "VALUES ($1, $2, $3, $4, '2026-01-10', $5, 'Testvägen 1', '111 11', 'Stockholm', "
      "'test', now() - $6::int * interval '1 minute', "
      "now() - $6::int * interval '1 minute', CASE WHEN $5 = 'closed' THEN now() END)",
      6, id, portal, full, damage, status, mins);
}

/* A task; office, company and user may be NULL. */
static void new_task(const char *case_id, const char *portal, const char *type, const char *status,
                     const char *office, const char *company, const struct tl_person *user) {
  char id[37];
  ids_uuid_v4(id);
  tl_sql_run(
      "INSERT INTO cases.tasks (id, case_id, portal_id, type, trade, status, office_id, "
      "office_name, company_id, company_name, user_id, user_name, office_assigned_at, "
      "user_assigned_at) VALUES ($1, $2, $3, $4, "
      "CASE WHEN $4 = 'repair' THEN 'carpentry' END, "
      "$5, $6::uuid, CASE WHEN $6 IS NOT NULL THEN 'Office' END, $7::uuid, "
      "CASE WHEN $7 IS NOT NULL THEN 'Company' END, $8::uuid, "
      "CASE WHEN $8 IS NOT NULL THEN 'User' END, CASE WHEN $6 IS NOT NULL THEN now() END, "
      "CASE WHEN $8 IS NOT NULL THEN now() END)",
      8, id, case_id, portal, type, status, office, company, user != NULL ? user->id : NULL);
}

static void give_ech(const char *case_id, const char *office, const char *company,
                     const struct tl_person *user) {
  tl_sql_run(
      "UPDATE cases.cases SET ech_office_id = $2, ech_office_name = 'P Stockholm', "
      "ech_company_id = $3, ech_company_name = 'Partner P', ech_office_assigned_at = now(), "
      "ech_user_id = $4::uuid, ech_user_name = CASE WHEN $4 IS NOT NULL THEN 'p-ech' END, "
      "ech_user_assigned_at = CASE WHEN $4 IS NOT NULL THEN now() END WHERE id = $1",
      4, case_id, office, company, user != NULL ? user->id : NULL);
}

/* The case handler and a reminder days from today (Stockholm). */
static void remind(const char *case_id, const struct tl_person *handler, int days) {
  char d[16];
  snprintf(d, sizeof(d), "%d", days);
  tl_sql_run(
      "UPDATE cases.cases SET case_handler_id = $2, reminder_date = "
      "(now() AT TIME ZONE 'Europe/Stockholm')::date + $3::int WHERE id = $1",
      3, case_id, handler->id, d);
}

static void create_cases(void) {
  new_case(c1, w.portal_a, "001", "water", "open", 60);
  tl_sql_run(
      "UPDATE cases.cases SET contacts = '[{\"kind\": \"policyholder\", \"name\": \"Anna "
      "Andersson\", \"phone\": \"+46701234567\"}]', case_handler_id = $2 WHERE id = $1",
      2, c1, w.ia_handler.id);
  new_task(c1, w.portal_a, "repair", "1", w.p_sthlm, w.partner_p, NULL);
  new_case(c2, w.portal_a, "002", "fire", "open", 59);
  tl_sql_run(
      "UPDATE cases.cases SET street = 'Kungsgatan 5', postal_code = '753 20', "
      "city = 'Uppsala' WHERE id = $1",
      1, c2);
  new_task(c2, w.portal_a, "inspection", "0", NULL, NULL, NULL);
  new_case(c3, w.portal_a, "003", "water", "open", 58);
  give_ech(c3, w.p_sthlm, w.partner_p, NULL);
  new_task(c3, w.portal_a, "first_aid", "2", w.q_gbg, w.partner_q, &w.q_worker);
  new_case(c4, w.portal_a, "004", "water", "open", 57);
  give_ech(c4, w.p_sthlm, w.partner_p, &w.p_ech);
  new_task(c4, w.portal_a, "repair", "1", w.p_upps, w.partner_p, NULL);
  new_case(c5, w.portal_a, "005", "water", "closed", 56);
  new_task(c5, w.portal_a, "repair", "1", w.p_sthlm, w.partner_p, NULL);
  new_case(c6, w.portal_a, "006", "storm", "on_hold", 55);
  tl_sql_run("UPDATE cases.cases SET street = '100%_Gatan 3' WHERE id = $1", 1, c6);
  new_task(c6, w.portal_a, "repair", "3", w.p_sthlm, w.partner_p, &w.p_worker);
  new_task(c6, w.portal_a, "inspection", "A", w.p_sthlm, w.partner_p, &w.p_ech);

  new_case(c7, w.portal_a, "007", "leak", "open", 54);
  tl_sql_run("UPDATE cases.cases SET street = '1000 Vägen' WHERE id = $1", 1, c7);
  remind(c7, &w.ia_handler, 0);
  new_case(c8, w.portal_a, "008", "leak", "open", 53);
  remind(c8, &w.ia_handler, 1);
  new_case(c9, w.portal_a, "009", "leak", "open", 52);
  remind(c9, &w.ia_handler, 5);
  new_case(c10, w.portal_a, "010", "leak", "open", 51);
  remind(c10, &w.ia_handler, -3);
  new_case(c11, w.portal_a, "011", "leak", "closed", 50);
  remind(c11, &w.ia_handler, 0);
  new_case(c12, w.portal_a, "012", "leak", "open", 49);
  remind(c12, &w.ia_admin, 1);

  new_case(c13, w.portal_a, "013", "report_csv", "open", 48);
  tl_sql_run(
      "UPDATE cases.cases SET claim_number = '=HYPERLINK(\"x\"),1', city = 'Malmö, Syd' "
      "WHERE id = $1",
      1, c13);
  new_case(r1, w.portal_a, "R1", "report_range", "open", 47);
  tl_sql_run("UPDATE cases.cases SET created_at = '2020-03-15 12:00:00+00' WHERE id = $1", 1, r1);
  new_case(r2, w.portal_a, "R2", "report_range", "open", 47);
  tl_sql_run("UPDATE cases.cases SET created_at = '2020-03-15 23:30:00+00' WHERE id = $1", 1, r2);

  for (int i = 0; i < NPAGING; i++) {
    char claim[16];
    snprintf(claim, sizeof(claim), "PG%02d", i);
    new_case(pg[i], w.portal_a, claim, "paging_test", "open", i < 10 ? 45 : 44 - i);
    if (i < 10)
      tl_sql_run(
          "UPDATE cases.cases SET created_at = "
          "(SELECT created_at FROM cases.cases WHERE id = $2) WHERE id = $1",
          2, pg[i], pg[0]);
  }

  new_case(b1, w.portal_b, "B01", "water", "open", 30);
  new_task(b1, w.portal_b, "repair", "1", w.p_sthlm, w.partner_p, NULL);
}

static int setup(void **state) {
  (void)state;
  tl_world_create(&w);
  create_cases();
  return 0;
}

static int teardown(void **state) {
  (void)state;
  tl_world_free(&w);
  return 0;
}

/* ---- helpers ------------------------------------------------------------------------------- */

/* A readable name of a fixture id (for failure messages). */
static const char *name_of(const char *id) {
  static const struct {
    const char *name;
    const char *id;
  } names[] = {{"C1", c1},   {"C2", c2}, {"C3", c3}, {"C4", c4},   {"C5", c5},   {"C6", c6},
               {"C7", c7},   {"C8", c8}, {"C9", c9}, {"C10", c10}, {"C11", c11}, {"C12", c12},
               {"C13", c13}, {"R1", r1}, {"R2", r2}, {"B1", b1}};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if (!strcmp(names[i].id, id)) return names[i].name;
  for (int i = 0; i < NPAGING; i++)
    if (!strcmp(pg[i], id)) return "PG";
  return id;
}

/* Sorted readable names of ids, comma-joined, into buf. */
static void names_joined(const char **ids, size_t n, char *buf, size_t len) {
  const char **names = calloc(n + 1, sizeof(*names));
  for (size_t i = 0; i < n; i++) names[i] = name_of(ids[i]);
  tl_sort_join(names, n, buf, len);
  free(names);
}

static long get(const char *token, const char *path, struct tl_response *r) {
  return tl_cases("GET", path, token, NULL, NULL, r);
}

/* The list GET /v1/cases?query (one page of up to 200) as token lists exactly the fixture ids
 * given (NULL-terminated), in any order. */
static void expect_list(const char *token, const char *query, ...) {
  const char *want[64], *got[256];
  size_t nwant = 0, ngot = 0, i;
  char path[512], want_s[2048], got_s[2048];
  struct tl_response r;
  json_t *item;
  va_list ap;
  va_start(ap, query);
  for (const char *id; (id = va_arg(ap, const char *)) != NULL;) want[nwant++] = id;
  va_end(ap);
  snprintf(path, sizeof(path), "/v1/cases?limit=200%s%s", query[0] ? "&" : "", query);
  get(token, path, &r);
  tl_expect(&r, 200);
  assert_true(json_is_null(json_object_get(r.json, "next_cursor")));
  json_array_foreach(json_object_get(r.json, "items"), i, item) {
    assert_true(ngot < 256);
    got[ngot++] = tl_str(item, "id");
  }
  names_joined(want, nwant, want_s, sizeof(want_s));
  names_joined(got, ngot, got_s, sizeof(got_s));
  if (strcmp(want_s, got_s) != 0) fail_msg("GET %s lists [%s], expected [%s]", path, got_s, want_s);
  tl_response_free(&r);
}

/* The item of id in a list answer, or NULL. Borrowed. */
static json_t *item_of(const struct tl_response *r, const char *id) {
  return tl_item(json_object_get(r->json, "items"), id);
}

/* The caller's action reasons on case id, comma-joined ("" for none), as the list says. */
static void expect_reasons(const char *token, const char *id, const char *expected) {
  char path[256], got[256] = "";
  struct tl_response r;
  json_t *reason;
  size_t i, used = 0;
  snprintf(path, sizeof(path), "/v1/cases?limit=200");
  get(token, path, &r);
  tl_expect(&r, 200);
  json_t *item = item_of(&r, id);
  if (item == NULL) fail_msg("%s is not listed: %s", name_of(id), r.body);
  json_array_foreach(json_object_get(item, "action_reasons"), i, reason) used += (size_t)snprintf(
      got + used, sizeof(got) - used, "%s%s", i ? "," : "", json_string_value(reason));
  if (strcmp(got, expected) != 0)
    fail_msg("reasons on %s are [%s], expected [%s]", name_of(id), got, expected);
  assert_true(json_is_boolean(json_object_get(item, "action_required")));
  assert_int_equal(json_is_true(json_object_get(item, "action_required")), expected[0] != '\0');
  tl_response_free(&r);
}

/* Fails unless r is a 400 problem naming field among its errors. */
static void expect_bad_param(const char *token, const char *query, const char *field) {
  char path[512];
  struct tl_response r;
  snprintf(path, sizeof(path), "/v1/cases?%s", query);
  get(token, path, &r);
  if (r.status != 400) fail_msg("GET %s answered %ld, expected 400", path, r.status);
  tl_assert_problem(&r, 400, NULL);
  const json_t *e = tl_error_for(json_object_get(r.json, "errors"), field, NULL);
  if (e == NULL) fail_msg("no error for %s in %s", field, r.body);
  assert_non_null(tl_str(e, "message"));
  tl_response_free(&r);
}

/* ---- the list ------------------------------------------------------------------------------ */

static void test_list_other_companies_and_portals_see_nothing(void **state) {
  (void)state;
  /* P sees the cases where it holds a task or the role, in the token's portal only */
  expect_list(w.p_admin.token, "", c1, c3, c4, c5, c6, NULL);
  expect_list(w.p_worker.token, "", c1, c3, c4, c5, c6, NULL);
  /* Q only its own task's case, even when searching for P's */
  expect_list(w.q_worker.token, "", c3, NULL);
  expect_list(w.q_worker.token, "q=L-", c3, NULL);
}

static void test_list_other_portal(void **state) {
  (void)state;
  expect_list(w.ib_admin.token, "", b1, NULL);
  expect_list(w.ib_admin.token, "damage_type=water", b1, NULL);
  /* P acting in portal B sees B1 only */
  char *p_in_b = tl_world_token_in(&w, &w.p_admin, w.portal_b);
  expect_list(p_in_b, "", b1, NULL);
  free(p_in_b);
  /* and in portal A never B1 */
  expect_list(w.p_admin.token, "damage_type=water", c1, c3, c4, c5, NULL);
}

static void test_list_filters(void **state) {
  (void)state;
  const char *ia = w.ia_admin.token;
  expect_list(ia, "status=closed", c5, c11, NULL);
  expect_list(ia, "status=on_hold,closed", c5, c6, c11, NULL);
  expect_list(ia, "damage_type=water", c1, c3, c4, c5, NULL);
  expect_list(ia, "damage_type=storm", c6, NULL);
  expect_list(ia, "damage_type=nothing_like_this", NULL);
  /* q: claim number, street, city, postal code, contact names; wildcards are literal */
  expect_list(ia, "q=anna%20ANDERSSON", c1, NULL);
  expect_list(ia, "q=kungsgatan", c2, NULL);
  expect_list(ia, "q=uppsala", c2, NULL);
  expect_list(ia, "q=753%2020", c2, NULL);
  char q[64];
  snprintf(q, sizeof(q), "q=L-%s-004", w.sfx);
  expect_list(ia, q, c4, NULL);
  expect_list(ia, "q=100%25", c6, NULL); /* not "1000 Vägen" */
  expect_list(ia, "q=_", c6, NULL);      /* the only underscore */
  expect_list(ia, "q=%25", c6, NULL);    /* the only percent sign */
  expect_list(ia, "q=malm%C3%B6", c13, NULL);
  /* the insurer acts where a task has no office yet */
  expect_list(ia, "action_required=true", c2, NULL);
  expect_list(ia, "action_required=false&damage_type=water", c1, c3, c4, c5, NULL);
  expect_list(ia, "action_reason=task_awaiting_office", c2, NULL);
  /* user: holds any task or the role */
  char f[128];
  snprintf(f, sizeof(f), "user_id=%s", w.p_ech.id);
  expect_list(ia, f, c4, c6, NULL);
  snprintf(f, sizeof(f), "user_id=%s", w.q_worker.id);
  expect_list(ia, f, c3, NULL);
  expect_list(w.p_ech.token, "my_tasks=true", c4, c6, NULL);
  expect_list(w.p_ech.token, "my_tasks=false", c1, c3, c5, NULL);
  expect_list(w.p_worker.token, "my_tasks=true", c6, NULL);
  /* open tasks: p_ech's only task is approved */
  expect_list(w.p_ech.token, "my_open_tasks=true", NULL);
  expect_list(w.p_worker.token, "my_open_tasks=true", c6, NULL);
  /* the role: an office holds it (with or without a user yet) */
  expect_list(ia, "has_external_case_handler=true", c3, c4, NULL);
  expect_list(ia, "has_external_case_handler=false&damage_type=water", c1, c5, NULL);
  expect_list(w.p_ech.token, "external_case_handler=me", c4, NULL);
  expect_list(w.p_worker.token, "external_case_handler=me", NULL);
  snprintf(f, sizeof(f), "external_case_handler=%s", w.p_ech.id);
  expect_list(ia, f, c4, NULL);
  /* case handler and reminders (overdue ones count as today; closed cases are kept out by
   * status) */
  expect_list(w.ia_handler.token, "case_handler=me&reminder=today", c7, c10, c11, NULL);
  expect_list(w.ia_handler.token, "case_handler=me&reminder=today&status=open", c7, c10, NULL);
  expect_list(w.ia_handler.token, "case_handler=me&reminder=tomorrow", c8, NULL);
  expect_list(w.ia_handler.token, "case_handler=me&reminder=later", c9, NULL);
  expect_list(ia, "reminder=tomorrow", c8, c12, NULL);
  snprintf(f, sizeof(f), "case_handler=%s", w.ia_handler.id);
  expect_list(ia, f, c1, c7, c8, c9, c10, c11, NULL);
  /* combined: AND */
  expect_list(ia, "damage_type=water&has_external_case_handler=true&status=open", c3, c4, NULL);
  snprintf(f, sizeof(f), "user_id=%s&damage_type=storm&status=on_hold", w.p_ech.id);
  expect_list(ia, f, c6, NULL);
  expect_list(w.p_admin.token, "action_required=true&damage_type=water&q=L-", c1, c3, c4, NULL);
  /* an API client sees the portal as the insurer does */
  expect_list(w.client_a_token, "damage_type=water", c1, c3, c4, c5, NULL);
}

static void test_list_item_shape(void **state) {
  (void)state;
  struct tl_response r;
  char path[128];
  snprintf(path, sizeof(path), "/v1/cases?q=L-%s-004", w.sfx);
  get(w.p_admin.token, path, &r);
  tl_expect(&r, 200);
  json_t *item = item_of(&r, c4);
  assert_non_null(item);
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
  assert_true(json_is_null(json_object_get(r.json, "next_cursor")));
  char claim[64];
  snprintf(claim, sizeof(claim), "L-%s-004", w.sfx);
  assert_string_equal(tl_str(item, "claim_number"), claim);
  assert_string_equal(tl_str(item, "damage_type"), "water");
  assert_string_equal(tl_str(item, "damage_date"), "2026-01-10");
  assert_string_equal(tl_str(item, "status"), "open");
  assert_string_equal(tl_str(json_object_get(item, "address"), "city"), "Stockholm");
  assert_string_equal(tl_str(json_object_get(item, "address"), "postal_code"), "111 11");
  assert_true(json_is_null(json_object_get(item, "case_handler_id")));
  json_t *ech = json_object_get(item, "external_case_handler");
  assert_string_equal(tl_str(json_object_get(ech, "office"), "id"), w.p_sthlm);
  assert_string_equal(tl_str(json_object_get(ech, "office"), "company_id"), w.partner_p);
  assert_string_equal(tl_str(json_object_get(ech, "user"), "id"), w.p_ech.id);
  assert_int_equal(json_integer_value(json_object_get(item, "tasks_total")), 1);
  assert_int_equal(json_integer_value(json_object_get(item, "version")), 1);
  assert_true(ids_is_timestamp(tl_str(item, "created_at")));
  assert_true(ids_is_timestamp(tl_str(item, "updated_at")));
  assert_true(json_is_true(json_object_get(item, "action_required")));
  assert_string_equal(json_string_value(json_array_get(json_object_get(item, "action_reasons"), 0)),
                      "task_awaiting_user");
  tl_response_free(&r);

  /* a case without the role says null */
  snprintf(path, sizeof(path), "/v1/cases?q=L-%s-006", w.sfx);
  get(w.ia_admin.token, path, &r);
  tl_expect(&r, 200);
  item = item_of(&r, c6);
  assert_non_null(item);
  assert_true(json_is_null(json_object_get(item, "external_case_handler")));
  assert_int_equal(json_integer_value(json_object_get(item, "tasks_total")), 2);
  assert_int_equal(json_array_size(json_object_get(item, "action_reasons")), 0);
  assert_true(json_is_false(json_object_get(item, "action_required")));
  tl_response_free(&r);
}

/* The summary the list shows is kept with the case: it follows every change of the case's row
 * and of its tasks, however they are made. */
static void test_list_follows_the_case_and_its_tasks(void **state) {
  (void)state;
  char id[37], path[160];
  struct tl_response r;
  new_case(id, w.portal_a, "901", "fire", "open", 5);
  new_task(id, w.portal_a, "repair", "3", w.p_sthlm, w.partner_p, &w.p_worker);
  new_task(id, w.portal_a, "inspection", "A", w.p_sthlm, w.partner_p, &w.p_ech);
  snprintf(path, sizeof(path), "/v1/cases?q=L-%s-901", w.sfx);
  get(w.ia_admin.token, path, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_integer_value(json_object_get(item_of(&r, id), "tasks_total")), 2);
  tl_response_free(&r);

  tl_sql_run("DELETE FROM cases.tasks WHERE case_id = $1 AND type = 'repair'", 1, id);
  tl_sql_run(
      "UPDATE cases.cases SET city = 'Uppsala', status = 'closed', version = 7 "
      "WHERE id = $1",
      1, id);
  get(w.ia_admin.token, path, &r);
  tl_expect(&r, 200);
  json_t *item = item_of(&r, id);
  assert_non_null(item);
  assert_int_equal(json_integer_value(json_object_get(item, "tasks_total")), 1);
  assert_string_equal(tl_str(json_object_get(item, "address"), "city"), "Uppsala");
  assert_string_equal(tl_str(item, "status"), "closed");
  assert_int_equal(json_integer_value(json_object_get(item, "version")), 7);
  tl_response_free(&r);

  /* so does the insurer's reason to act: a task waits for an office, then none does */
  tl_sql_run("UPDATE cases.cases SET status = 'open' WHERE id = $1", 1, id);
  tl_sql_run(
      "UPDATE cases.tasks SET status = '0', office_id = NULL, user_id = NULL WHERE case_id = $1", 1,
      id);
  expect_reasons(w.ia_admin.token, id, "task_awaiting_office");
  get(w.ia_admin.token, path, &r); /* filtered: another statement */
  item = item_of(&r, id);
  assert_non_null(item);
  assert_true(json_is_true(json_object_get(item, "action_required")));
  tl_response_free(&r);
  tl_sql_run("DELETE FROM cases.tasks WHERE case_id = $1", 1, id);
  expect_reasons(w.ia_admin.token, id, "");
}

static void test_list_action_reasons_per_caller(void **state) {
  (void)state;
  /* a partner acts for the offices it belongs to; its admin for the whole company */
  expect_reasons(w.p_worker.token, c1, "task_awaiting_user");
  expect_reasons(w.p_upps_worker.token, c1, "");
  expect_reasons(w.p_admin.token, c1, "task_awaiting_user");
  expect_reasons(w.p_worker.token, c4, "");
  expect_reasons(w.p_upps_worker.token, c4, "task_awaiting_user");
  expect_reasons(w.p_admin.token, c4, "task_awaiting_user");
  expect_reasons(w.p_worker.token, c3, "external_case_handler_awaiting_user");
  expect_reasons(w.p_admin.token, c3, "external_case_handler_awaiting_user");
  expect_reasons(w.p_upps_worker.token, c3, "");
  expect_reasons(w.q_worker.token, c3, ""); /* Q's task has its user */
  /* a closed case asks nothing; a started task neither */
  expect_reasons(w.p_admin.token, c5, "");
  expect_reasons(w.p_admin.token, c6, "");
  /* the insurer: a task without an office; the partners' waiting is not the insurer's */
  expect_reasons(w.ia_handler.token, c2, "task_awaiting_office");
  expect_reasons(w.ia_handler.token, c1, "");
  expect_reasons(w.client_a_token, c2, "task_awaiting_office");
  /* the filters follow the same rule */
  expect_list(w.p_worker.token, "action_required=true", c1, c3, NULL);
  expect_list(w.p_upps_worker.token, "action_required=true", c4, NULL);
  expect_list(w.p_admin.token, "action_required=true", c1, c3, c4, NULL);
  expect_list(w.p_admin.token, "action_reason=external_case_handler_awaiting_user", c3, NULL);
  expect_list(w.p_admin.token, "action_reason=task_awaiting_office", NULL);
  expect_list(w.q_worker.token, "action_required=true", NULL);
}

static void test_list_paging(void **state) {
  (void)state;
  char path[1024], seen[NPAGING][37];
  int nseen = 0, pages = 0;
  char *cursor = NULL;
  char prev_at[40] = ""; /* created_at of the previous item, across pages */
  do {
    struct tl_response r;
    snprintf(path, sizeof(path), "/v1/cases?damage_type=paging_test&limit=7%s%s",
             cursor ? "&cursor=" : "", cursor ? cursor : "");
    free(cursor);
    cursor = NULL;
    get(w.ia_handler.token, path, &r);
    tl_expect(&r, 200);
    json_t *items = json_object_get(r.json, "items"), *item;
    size_t i;
    assert_true(json_array_size(items) <= 7);
    json_array_foreach(items, i, item) {
      for (int k = 0; k < nseen; k++)
        if (!strcmp(seen[k], tl_str(item, "id"))) fail_msg("%s listed twice", tl_str(item, "id"));
      assert_true(nseen < NPAGING);
      snprintf(seen[nseen++], 37, "%s", tl_str(item, "id"));
      /* newest first */
      if (prev_at[0]) assert_true(strcmp(prev_at, tl_str(item, "created_at")) >= 0);
      snprintf(prev_at, sizeof(prev_at), "%s", tl_str(item, "created_at"));
    }
    const char *next = tl_str(r.json, "next_cursor");
    if (next != NULL) cursor = strdup(next);
    tl_response_free(&r);
    pages++;
  } while (cursor != NULL && pages < 10);
  assert_int_equal(pages, 4);
  assert_int_equal(nseen, NPAGING);
  for (int i = 0; i < NPAGING; i++) {
    int found = 0;
    for (int k = 0; k < nseen; k++) found |= !strcmp(seen[k], pg[i]);
    if (!found) fail_msg("PG%02d never listed", i);
  }

  /* sorted by update: the one touched last comes first */
  tl_sql_run("UPDATE cases.cases SET updated_at = now() + interval '1 minute' WHERE id = $1", 1,
             pg[24]);
  struct tl_response r;
  get(w.ia_handler.token, "/v1/cases?damage_type=paging_test&sort=updated&limit=2", &r);
  tl_expect(&r, 200);
  assert_string_equal(tl_str(json_array_get(json_object_get(r.json, "items"), 0), "id"), pg[24]);
  char *next = strdup(tl_str(r.json, "next_cursor"));
  tl_response_free(&r);
  /* a cursor of one order is refused in another */
  snprintf(path, sizeof(path), "/v1/cases?damage_type=paging_test&cursor=%s", next);
  get(w.ia_handler.token, path, &r);
  tl_assert_problem(&r, 400, NULL);
  assert_non_null(strstr(r.body, "cursor"));
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/cases?damage_type=paging_test&sort=updated&limit=200&cursor=%s",
           next);
  get(w.ia_handler.token, path, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), NPAGING - 2);
  tl_response_free(&r);
  free(next);
}

static void test_list_bad_parameters(void **state) {
  (void)state;
  const char *ia = w.ia_admin.token;
  expect_bad_param(ia, "status=pending", "status");
  expect_bad_param(ia, "status=open,,", "status");
  expect_bad_param(ia, "damage_type=Water", "damage_type");
  expect_bad_param(ia, "action_required=yes", "action_required");
  expect_bad_param(ia, "action_reason=because", "action_reason");
  expect_bad_param(ia, "user_id=42", "user_id");
  expect_bad_param(ia, "my_tasks=1", "my_tasks");
  expect_bad_param(ia, "has_external_case_handler=maybe", "has_external_case_handler");
  expect_bad_param(ia, "external_case_handler=you", "external_case_handler");
  expect_bad_param(ia, "reminder=yesterday", "reminder");
  expect_bad_param(ia, "sort=name", "sort");
  expect_bad_param(ia, "limit=0", "limit");
  expect_bad_param(ia, "limit=201", "limit");
  expect_bad_param(ia, "limit=ten", "limit");
  expect_bad_param(ia, "cursor=not-a-cursor", "cursor");
  char long_q[160] = "q=";
  memset(long_q + 2, 'x', 101);
  expect_bad_param(ia, long_q, "q");
  expect_bad_param(ia, "action_requried=true", "action_requried"); /* a typo is not ignored */
  /* every bad parameter at once */
  struct tl_response r;
  get(ia, "/v1/cases?status=x&limit=0&sort=y", &r);
  tl_assert_problem(&r, 400, NULL);
  assert_int_equal(json_array_size(json_object_get(r.json, "errors")), 3);
  tl_response_free(&r);
  /* an API client is no user */
  expect_bad_param(w.client_a_token, "my_tasks=true", "my_tasks");
  expect_bad_param(w.client_a_token, "external_case_handler=me", "external_case_handler");
  /* no token */
  get(NULL, "/v1/cases", &r);
  tl_expect(&r, 401);
  tl_response_free(&r);
}

/* ---- the dashboard ----------------------------------------------------------------------- */

/* Every row's filter, given to the case list, lists exactly count cases. */
static void expect_filters_match(const char *token, const struct tl_response *dash) {
  json_t *e;
  size_t i;
  json_array_foreach(json_object_get(dash->json, "rows"), i, e) {
    char query[512] = "limit=200";
    size_t used = strlen(query);
    const char *key;
    json_t *v;
    json_object_foreach(json_object_get(e, "filter"), key, v) used +=
        (size_t)snprintf(query + used, sizeof(query) - used, "&%s=%s", key, json_string_value(v));
    char path[600];
    struct tl_response r;
    snprintf(path, sizeof(path), "/v1/cases?%s", query);
    get(token, path, &r);
    tl_expect(&r, 200);
    long long count = json_integer_value(json_object_get(e, "count"));
    if ((long long)json_array_size(json_object_get(r.json, "items")) != count)
      fail_msg("row %s counts %lld but %s lists %zu", tl_str(e, "row"), count, path,
               json_array_size(json_object_get(r.json, "items")));
    tl_response_free(&r);
  }
}

static void dashboard(const char *token, struct tl_response *r) {
  get(token, "/v1/dashboard", r);
  tl_expect(r, 200);
  assert_true(json_is_array(json_object_get(r->json, "rows")));
}

/* The rows of r but the money rows, the chat's, the uploads', the RFQs' and the customer's
 * (test_cases_money_screens.c, test_cases_chat_screens.c, test_cases_rfqs.c and
 * test_cases_customer_contact.c count those). */
static size_t rows_but_money(const struct tl_response *r) {
  static const char *const money[] = {"budgets_awaiting_my_approval",
                                      "budgets_rejected",
                                      "cases_with_invoices_awaiting_approval",
                                      "cases_with_unread_chat",
                                      "cases_with_partner_uploads",
                                      "cases_with_rfq_tasks",
                                      "temporary_cases_to_connect",
                                      "cases_with_customer_contact"};
  size_t i, n = 0;
  json_t *e;
  json_array_foreach(json_object_get(r->json, "rows"), i, e) {
    int is_money = 0;
    for (size_t k = 0; k < sizeof(money) / sizeof(money[0]); k++)
      is_money |= !strcmp(tl_str(e, "row"), money[k]);
    n += !is_money;
  }
  return n;
}

static void expect_rows(const struct tl_response *r, const char *const *names,
                        const long long *counts, size_t n) {
  assert_int_equal(rows_but_money(r), n);
  for (size_t i = 0; i < n; i++) {
    long long got = tl_dashboard_count(r, names[i]);
    if (got != counts[i])
      fail_msg("row %s counts %lld, expected %lld: %s", names[i], got, counts[i], r->body);
  }
}

static const char *const supplier_rows[] = {"new_tasks_awaiting_user",
                                            "new_external_case_handler_awaiting_user", "my_tasks",
                                            "cases_assigned_to_me_as_external_case_handler"};

static void test_dashboard_suppliers(void **state) {
  (void)state;
  struct tl_response r;
  /* the admin of P: every office (C1, C4; C5 is closed), the role at Stockholm (C3) */
  dashboard(w.p_admin.token, &r);
  expect_rows(&r, supplier_rows, (const long long[]){2, 1, 0}, 3);
  assert_int_equal(tl_dashboard_count(&r, supplier_rows[3]), -1); /* not marked */
  json_t *first = json_array_get(json_object_get(r.json, "rows"), 0);
  assert_string_equal(tl_str(first, "row"), "new_tasks_awaiting_user");
  assert_string_equal(tl_str(json_object_get(first, "filter"), "action_reason"),
                      "task_awaiting_user");
  expect_filters_match(w.p_admin.token, &r);
  tl_response_free(&r);
  /* a worker at Stockholm: its office's task and role, its own started task */
  dashboard(w.p_worker.token, &r);
  expect_rows(&r, supplier_rows, (const long long[]){1, 1, 1}, 3);
  expect_filters_match(w.p_worker.token, &r);
  tl_response_free(&r);
  /* a worker at Uppsala: the task given to Uppsala */
  dashboard(w.p_upps_worker.token, &r);
  expect_rows(&r, supplier_rows, (const long long[]){1, 0, 0}, 3);
  expect_filters_match(w.p_upps_worker.token, &r);
  tl_response_free(&r);
  /* marked users get their row, even at 0 */
  dashboard(w.p_ech.token, &r);
  expect_rows(&r, supplier_rows, (const long long[]){1, 1, 0, 1}, 4);
  expect_filters_match(w.p_ech.token, &r);
  tl_response_free(&r);
  dashboard(w.q_ech.token, &r);
  expect_rows(&r, supplier_rows, (const long long[]){0, 0, 0, 0}, 4);
  tl_response_free(&r);
  /* Q's worker counts nothing of P's */
  dashboard(w.q_worker.token, &r);
  expect_rows(&r, supplier_rows, (const long long[]){0, 0, 1}, 3);
  expect_filters_match(w.q_worker.token, &r);
  tl_response_free(&r);
  /* P in portal B: B1's task */
  char *p_in_b = tl_world_token_in(&w, &w.p_admin, w.portal_b);
  dashboard(p_in_b, &r);
  expect_rows(&r, supplier_rows, (const long long[]){1, 0, 0}, 3);
  tl_response_free(&r);
  free(p_in_b);
}

static const char *const insurer_rows[] = {"tasks_awaiting_office", "reminders_today",
                                           "reminders_tomorrow", "reminders_later", "open_cases"};

static void test_dashboard_insurers(void **state) {
  (void)state;
  struct tl_response r;
  /* open in A: C1-C4, C7-C10, C12, C13, R1, R2 and the 25 paging cases */
  const long long open_a = 12 + NPAGING;
  dashboard(w.ia_handler.token, &r);
  expect_rows(&r, insurer_rows, (const long long[]){1, 2, 1, 1, open_a}, 5);
  expect_filters_match(w.ia_handler.token, &r);
  tl_response_free(&r);
  dashboard(w.ia_admin.token, &r);
  expect_rows(&r, insurer_rows, (const long long[]){1, 0, 1, 0, open_a}, 5);
  expect_filters_match(w.ia_admin.token, &r);
  tl_response_free(&r);
  /* an API client handles no cases: no reminders */
  dashboard(w.client_a_token, &r);
  expect_rows(&r, (const char *const[]){"tasks_awaiting_office", "open_cases"},
              (const long long[]){1, open_a}, 2);
  tl_response_free(&r);
  /* portal B counts its own */
  dashboard(w.ib_admin.token, &r);
  expect_rows(&r, insurer_rows, (const long long[]){0, 0, 0, 0, 1}, 5);
  expect_filters_match(w.ib_admin.token, &r);
  tl_response_free(&r);
  get(NULL, "/v1/dashboard", &r);
  tl_expect(&r, 401);
  tl_response_free(&r);
}

/* Closing a case takes it out of open_cases and its tasks out of the partner's rows at once
 * (both are kept by triggers, migrations 0003 and 0004); reopening puts them back. */
static void test_dashboard_follows_closing(void **state) {
  (void)state;
  struct tl_response r;
  char *p_in_b = tl_world_token_in(&w, &w.p_admin, w.portal_b);
  const char *const rows[] = {"new_tasks_awaiting_user", "open_cases"};
  for (int round = 0; round < 3; round++) {
    long long open = round == 1 ? 0 : 1; /* closed in the second round, reopened in the third */
    if (round > 0)
      tl_sql_run(
          "UPDATE cases.cases SET status = $2, closed_at = CASE WHEN $2 = 'closed' "
          "THEN now() END WHERE id = $1",
          2, b1, round == 1 ? "closed" : "open");
    dashboard(w.ib_admin.token, &r);
    assert_int_equal(tl_dashboard_count(&r, rows[1]), open);
    expect_filters_match(w.ib_admin.token, &r);
    tl_response_free(&r);
    dashboard(p_in_b, &r);
    assert_int_equal(tl_dashboard_count(&r, rows[0]), open);
    expect_filters_match(p_in_b, &r);
    tl_response_free(&r);
  }
  free(p_in_b);
}

/* ---- the report -------------------------------------------------------------------------- */

static json_t *report_row(const struct tl_response *r, const char *case_id) {
  json_t *row;
  size_t i;
  json_array_foreach(json_object_get(r->json, "rows"), i,
                     row) if (!strcmp(tl_str(row, "case_id"), case_id)) return row;
  return NULL;
}

static void test_report_json_and_current_email(void **state) {
  (void)state;
  struct tl_response r;
  get(w.ia_admin.token, "/v1/reports/case-statistics", &r);
  tl_expect(&r, 200);
  assert_true(json_is_null(json_object_get(r.json, "from")));
  assert_true(json_is_false(json_object_get(r.json, "truncated")));
  assert_true(ids_is_timestamp(tl_str(r.json, "generated_at")));
  /* every case of portal A, oldest first (R1, R2 first), nothing of B */
  assert_int_equal(json_array_size(json_object_get(r.json, "rows")), 15 + NPAGING);
  assert_string_equal(tl_str(json_array_get(json_object_get(r.json, "rows"), 0), "case_id"), r1);
  assert_null(report_row(&r, b1));
  json_t *row = report_row(&r, c6);
  assert_non_null(row);
  assert_string_equal(tl_str(row, "status"), "on_hold");
  assert_string_equal(tl_str(row, "damage_type"), "storm");
  assert_string_equal(tl_str(row, "damage_date"), "2026-01-10");
  assert_string_equal(tl_str(row, "city"), "Stockholm");
  assert_int_equal(json_integer_value(json_object_get(row, "tasks_total")), 2);
  assert_int_equal(json_integer_value(json_object_get(row, "tasks_approved")), 1);
  assert_true(json_is_null(json_object_get(row, "external_case_handler_email")));
  row = report_row(&r, c5);
  assert_true(ids_is_timestamp(tl_str(row, "closed_at")));
  row = report_row(&r, c4);
  assert_string_equal(tl_str(row, "external_case_handler_office"), "P Stockholm");
  assert_string_equal(tl_str(row, "external_case_handler_email"), w.p_ech.email);
  assert_null(json_object_get(row, "external_case_handler_user_id"));
  row = report_row(&r, c3); /* the role without a user yet */
  assert_string_equal(tl_str(row, "external_case_handler_office"), "P Stockholm");
  assert_true(json_is_null(json_object_get(row, "external_case_handler_email")));
  tl_response_free(&r);

  /* the email as it is when the report is made */
  char email[160];
  snprintf(email, sizeof(email), "renamed-%s@world.test", w.sfx);
  tl_sql_run("UPDATE policy.users SET email = $2 WHERE id = $1", 2, w.p_ech.id, email);
  get(w.ia_admin.token, "/v1/reports/case-statistics", &r);
  tl_expect(&r, 200);
  assert_string_equal(tl_str(report_row(&r, c4), "external_case_handler_email"), email);
  tl_response_free(&r);
  tl_sql_run("UPDATE policy.users SET email = $2 WHERE id = $1", 2, w.p_ech.id, w.p_ech.email);

  /* an API client may; a partner admin sees its company's cases only */
  get(w.client_a_token, "/v1/reports/case-statistics", &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "rows")), 15 + NPAGING);
  tl_response_free(&r);
  get(w.p_admin.token, "/v1/reports/case-statistics", &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "rows")), 5);
  assert_non_null(report_row(&r, c1));
  assert_non_null(report_row(&r, c3));
  assert_non_null(report_row(&r, c4));
  assert_non_null(report_row(&r, c5));
  assert_non_null(report_row(&r, c6));
  tl_response_free(&r);
  get(w.ib_admin.token, "/v1/reports/case-statistics", &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "rows")), 1);
  assert_non_null(report_row(&r, b1));
  tl_response_free(&r);
}

static void test_report_range_and_refusals(void **state) {
  (void)state;
  struct tl_response r;
  /* local dates: 23:30 UTC on the 15th is the 16th in Stockholm */
  get(w.ia_admin.token, "/v1/reports/case-statistics?from=2020-03-15&to=2020-03-15", &r);
  tl_expect(&r, 200);
  assert_string_equal(tl_str(r.json, "from"), "2020-03-15");
  assert_string_equal(tl_str(r.json, "to"), "2020-03-15");
  assert_int_equal(json_array_size(json_object_get(r.json, "rows")), 1);
  assert_non_null(report_row(&r, r1));
  tl_response_free(&r);
  get(w.ia_admin.token, "/v1/reports/case-statistics?from=2020-03-16&to=2020-03-16", &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "rows")), 1);
  assert_non_null(report_row(&r, r2));
  tl_response_free(&r);
  get(w.ia_admin.token, "/v1/reports/case-statistics?to=2020-03-16", &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "rows")), 2);
  tl_response_free(&r);

  get(w.ia_admin.token, "/v1/reports/case-statistics?from=2020-03-17&to=2020-03-16", &r);
  tl_assert_problem(&r, 400, NULL);
  assert_non_null(strstr(r.body, "\"from\""));
  tl_response_free(&r);
  get(w.ia_admin.token, "/v1/reports/case-statistics?from=2020-02-30", &r);
  tl_assert_problem(&r, 400, NULL);
  tl_response_free(&r);
  get(w.ia_admin.token, "/v1/reports/case-statistics?since=2020-01-01", &r);
  tl_assert_problem(&r, 400, NULL);
  assert_non_null(strstr(r.body, "since"));
  tl_response_free(&r);

  /* level 3 users, of any company, are refused */
  const char *refused[] = {w.ia_handler.token, w.p_worker.token, w.p_ech.token, w.q_worker.token};
  for (size_t i = 0; i < 4; i++) {
    get(refused[i], "/v1/reports/case-statistics", &r);
    tl_assert_problem(&r, 403, NULL);
    tl_response_free(&r);
  }
  /* made admin, Q's worker sees its own case only */
  tl_sql_run("UPDATE policy.users SET authority_level = 6 WHERE id = $1", 1, w.q_worker.id);
  get(w.q_worker.token, "/v1/reports/case-statistics", &r);
  tl_sql_run("UPDATE policy.users SET authority_level = 3 WHERE id = $1", 1, w.q_worker.id);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "rows")), 1);
  assert_non_null(report_row(&r, c3));
  tl_response_free(&r);
}

static void test_report_csv(void **state) {
  (void)state;
  struct tl_response r;
  tl_cases("GET", "/v1/reports/case-statistics", w.ia_admin.token, NULL, "Accept: text/csv", &r);
  tl_expect(&r, 200);
  char *type = tl_header(&r, "Content-Type"), *disp = tl_header(&r, "Content-Disposition");
  char *trunc = tl_header(&r, "X-Report-Truncated");
  assert_string_equal(type, "text/csv; charset=utf-8");
  assert_string_equal(disp, "attachment; filename=\"case-statistics.csv\"");
  assert_string_equal(trunc, "false");
  free(type);
  free(disp);
  free(trunc);
  const char *header =
      "claim_number,case_id,status,damage_type,damage_date,created_at,closed_at,city,"
      "tasks_total,tasks_approved,external_case_handler_office,external_case_handler_email,"
      "budgets_submitted_incl_vat,budgets_approved_incl_vat,cash_offered,cash_accepted\r\n";
  assert_memory_equal(r.body, header, strlen(header));
  /* header + one line per case, CRLF */
  size_t lines = 0;
  for (const char *p = r.body; (p = strstr(p, "\r\n")) != NULL; p += 2) lines++;
  assert_int_equal(lines, 1 + 15 + NPAGING);
  /* the formula is neutralised and quoted (it has a comma and quotes), the city quoted */
  char line[512];
  snprintf(line, sizeof(line), "\"'=HYPERLINK(\"\"x\"\"),1\",%s,open,report_csv,2026-01-10,", c13);
  assert_non_null(strstr(r.body, line));
  assert_non_null(strstr(r.body, ",\"Malmö, Syd\",0,0,,,0,0,0,0\r\n"));
  /* the role holder's email */
  snprintf(line, sizeof(line), ",1,0,P Stockholm,%s,0,0,0,0\r\n", w.p_ech.email);
  assert_non_null(strstr(r.body, line));
  snprintf(line, sizeof(line), "L-%s-004,%s,open,water,2026-01-10,", w.sfx, c4);
  assert_non_null(strstr(r.body, line));
  tl_response_free(&r);

  /* JSON stays the default, and wins when preferred */
  tl_cases("GET", "/v1/reports/case-statistics?from=2020-03-15&to=2020-03-15", w.ia_admin.token,
           NULL, "Accept: application/json, text/csv;q=0.5", &r);
  tl_expect(&r, 200);
  assert_non_null(r.json);
  tl_response_free(&r);
  tl_cases("GET", "/v1/reports/case-statistics?from=2020-03-15&to=2020-03-15", w.ia_admin.token,
           NULL, "Accept: text/csv;q=0.9, application/json;q=0.1", &r);
  tl_expect(&r, 200);
  snprintf(line, sizeof(line),
           "%s\r\nL-%s-R1,%s,open,report_range,2026-01-10,2020-03-15T12:00:00.000000Z,,Stockholm,0,"
           "0,,,0,0,0,0\r\n",
           "claim_number,case_id,status,damage_type,damage_date,created_at,closed_at,city,"
           "tasks_total,tasks_approved,external_case_handler_office,external_case_handler_email,"
           "budgets_submitted_incl_vat,budgets_approved_incl_vat,cash_offered,cash_accepted",
           w.sfx, r1);
  assert_string_equal(r.body, line);
  tl_response_free(&r);
  /* refused as CSV too, as a problem */
  tl_cases("GET", "/v1/reports/case-statistics", w.p_worker.token, NULL, "Accept: text/csv", &r);
  tl_assert_problem(&r, 403, NULL);
  tl_response_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_list_other_companies_and_portals_see_nothing),
      cmocka_unit_test(test_list_other_portal),
      cmocka_unit_test(test_list_filters),
      cmocka_unit_test(test_list_item_shape),
      cmocka_unit_test(test_list_action_reasons_per_caller),
      cmocka_unit_test(test_list_bad_parameters),
      cmocka_unit_test(test_dashboard_suppliers),
      cmocka_unit_test(test_dashboard_insurers),
      cmocka_unit_test(test_report_json_and_current_email),
      cmocka_unit_test(test_report_range_and_refusals),
      cmocka_unit_test(test_report_csv),
      cmocka_unit_test(test_dashboard_follows_closing),
      cmocka_unit_test(test_list_paging), /* late: it touches a paging case */
      /* last: a case more would change the counts of the dashboards and reports above */
      cmocka_unit_test(test_list_follows_the_case_and_its_tasks),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
