/* The report of temporary cases against the running stack (services/cases/temporary/report_*):
 * the rows computed on demand per office and period (created, converted, connected, still open,
 * median and 90th percentile of the hours to resolution), JSON and CSV, who sees which rows, the
 * refused parameters; and the schedule: the report of the last completed period generated once
 * on the portal's setting, kept, listed, read and announced once — also while another instance
 * holds the portal's lock — and a shutdown that does not wait out the check interval. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tl_world.h"

#define PROBLEM(slug) "urn:claimsuite:problem:" slug
#define REPORTS "/v1/reports/temporary-cases"

static struct tl_world w;

/* ---- helpers --------------------------------------------------------------------------------- */

static void office_may(const char *office_id, const char *setting) {
  char path[96], body[96];
  snprintf(path, sizeof(path), "/v1/offices/%s", office_id);
  snprintf(body, sizeof(body), "{\"temporary_cases\": \"%s\"}", setting);
  tl_world_policy_change(&w, "PATCH", path, body);
}

/* A temporary case opened by the office of token's user; its id into id. */
static void open_temporary(const char *token, char id[37]) {
  struct tl_response r;
  tl_cases("POST", "/v1/temporary-cases", token,
           "{\"damage_type\": \"storm\", \"damage_date\": \"2026-11-30\", \"address\":"
           " {\"street\": \"Fjordveien 2\", \"postal_code\": \"5003\", \"city\": \"Bergen\"}}",
           NULL, &r);
  tl_expect(&r, 201);
  snprintf(id, 37, "%s", tl_str(r.json, "id"));
  tl_response_free(&r);
}

static void convert(const char *id) {
  static int n;
  char path[128], body[256];
  struct tl_response r;
  snprintf(path, sizeof(path), "/v1/cases/%s/convert", id);
  snprintf(body, sizeof(body), "{\"claim_number\": \"TR-%s-%d\", \"case_handler_id\": \"%s\"}",
           w.sfx, ++n, w.ia_handler.id);
  tl_cases("POST", path, w.ia_handler.token, body, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
}

static void connect_to_new_case(const char *id) {
  char path[128], body[128], target[37];
  struct tl_response r;
  tl_world_case(&w, 0, 0, target);
  snprintf(path, sizeof(path), "/v1/cases/%s/connect", id);
  snprintf(body, sizeof(body), "{\"target_case_id\": \"%s\"}", target);
  tl_cases("POST", path, w.ia_handler.token, body, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
}

/* The case was resolved hours after it was opened. */
static void resolved_after(const char *id, const char *hours) {
  tl_sql_run(
      "UPDATE cases.cases SET temporary_resolved_at = created_at + make_interval(hours => $2::int)"
      " WHERE id = $1",
      2, id, hours);
}

/* A date of portal A's zone as SQL computes it from now (expr uses l.t, the local time). */
static char *local_date(const char *expr) {
  char sql[512];
  snprintf(sql, sizeof(sql),
           "SELECT to_char(%s, 'YYYY-MM-DD') FROM (SELECT now() AT TIME ZONE p.timezone AS t"
           " FROM cases.replica_portal p WHERE p.id = $1) l",
           expr);
  return tl_sql(sql, 1, (const char *[]){w.portal_a});
}

static long get(const char *token, const char *path, struct tl_response *r) {
  return tl_cases("GET", path, token, NULL, NULL, r);
}

/* The row of office_id for the period starting at start in rows (borrowed), or NULL. */
static json_t *row_of(const json_t *rows, const char *office_id, const char *start) {
  json_t *row;
  size_t i;
  json_array_foreach(rows, i, row) {
    if (!strcmp(tl_str(row, "office_id"), office_id) && !strcmp(tl_str(row, "period_start"), start))
      return row;
  }
  return NULL;
}

static void assert_counts(const json_t *row, long created, long converted, long connected,
                          long still_open) {
  assert_non_null(row);
  assert_int_equal(json_integer_value(json_object_get(row, "created")), created);
  assert_int_equal(json_integer_value(json_object_get(row, "converted")), converted);
  assert_int_equal(json_integer_value(json_object_get(row, "connected")), connected);
  assert_int_equal(json_integer_value(json_object_get(row, "still_open")), still_open);
}

/* The hours member key of row: expected, or null when expected < 0. */
static void assert_hours(const json_t *row, const char *key, double expected) {
  const json_t *v = json_object_get(row, key);
  if (expected < 0) {
    assert_true(json_is_null(v));
    return;
  }
  assert_true(json_is_number(v));
  if (fabs(json_number_value(v) - expected) > 1e-9)
    fail_msg("%s is %g, not %g", key, json_number_value(v), expected);
}

/* ---- on demand ------------------------------------------------------------------------------- */

static char p1[37], p2[37], p3[37], u1[37], q1[37];

static void test_on_demand_rows(void **state) {
  (void)state;
  char path[256];
  struct tl_response r;
  office_may(w.p_sthlm, "always");
  office_may(w.p_upps, "always");
  office_may(w.q_gbg, "always");
  /* P Stockholm: one converted (2 h), one connected (6 h), one open; P Uppsala and Q one open */
  open_temporary(w.p_worker.token, p1);
  open_temporary(w.p_worker.token, p2);
  open_temporary(w.p_worker.token, p3);
  open_temporary(w.p_upps_worker.token, u1);
  open_temporary(w.q_worker.token, q1);
  convert(p1);
  connect_to_new_case(p2);
  resolved_after(p1, "2");
  resolved_after(p2, "6");

  char *week = local_date("date_trunc('week', l.t)"),
       *month = local_date("date_trunc('month', l.t)");
  char *from12w = local_date("date_trunc('week', l.t) - interval '11 weeks'");
  char *sunday = local_date("date_trunc('week', l.t) + interval '6 days'");

  /* weekly, the default range: the 12 weeks up to this one, whole weeks */
  get(w.ia_admin.token, REPORTS "?period=weekly", &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "period", "weekly");
  tl_assert_str(r.json, "from", from12w);
  tl_assert_str(r.json, "to", sunday);
  json_t *rows = json_object_get(r.json, "rows");
  assert_int_equal(json_array_size(rows), 3);
  json_t *row = row_of(rows, w.p_sthlm, week);
  assert_counts(row, 3, 1, 1, 1);
  tl_assert_str(row, "office_name", "P Stockholm");
  tl_assert_str(row, "company_id", w.partner_p);
  assert_hours(row, "median_hours_to_resolution", 4.0);
  assert_hours(row, "p90_hours_to_resolution", 5.6); /* 2 + 0.9 * (6 - 2) */
  char *next_week = local_date("date_trunc('week', l.t) + interval '7 days'");
  tl_assert_str(row, "period_end", next_week);
  free(next_week);
  row = row_of(rows, w.q_gbg, week);
  assert_counts(row, 1, 0, 0, 1);
  assert_hours(row, "median_hours_to_resolution", -1);
  assert_hours(row, "p90_hours_to_resolution", -1);
  assert_counts(row_of(rows, w.p_upps, week), 1, 0, 0, 1);
  tl_response_free(&r);

  /* monthly: the same cases in this month's rows */
  get(w.ia_admin.token, REPORTS "?period=monthly", &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "period", "monthly");
  row = row_of(json_object_get(r.json, "rows"), w.p_sthlm, month);
  assert_counts(row, 3, 1, 1, 1);
  assert_hours(row, "median_hours_to_resolution", 4.0);
  assert_hours(row, "p90_hours_to_resolution", 5.6);
  assert_counts(row_of(json_object_get(r.json, "rows"), w.q_gbg, month), 1, 0, 0, 1);
  tl_response_free(&r);

  /* a range: whole periods around the dates given; a range without cases has no rows */
  char *today = local_date("l.t");
  snprintf(path, sizeof(path), REPORTS "?period=weekly&from=%s&to=%s", today, today);
  get(w.ia_admin.token, path, &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "from", week);
  tl_assert_str(r.json, "to", sunday);
  assert_int_equal(json_array_size(json_object_get(r.json, "rows")), 3);
  tl_response_free(&r);
  get(w.ia_admin.token, REPORTS "?period=monthly&from=2020-01-15&to=2020-02-01", &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "from", "2020-01-01");
  tl_assert_str(r.json, "to", "2020-02-29");
  assert_int_equal(json_array_size(json_object_get(r.json, "rows")), 0);
  tl_response_free(&r);
  free(today);
  free(week);
  free(month);
  free(from12w);
  free(sunday);
}

static void test_on_demand_csv(void **state) {
  (void)state;
  struct tl_response r;
  tl_cases("GET", REPORTS "?period=weekly", w.ia_admin.token, NULL, "Accept: text/csv", &r);
  tl_expect(&r, 200);
  tl_assert_header(&r, "Content-Type", "text/csv; charset=utf-8");
  tl_assert_header(&r, "Content-Disposition", "attachment; filename=\"temporary-cases.csv\"");
  const char *header =
      "period_start,period_end,office_id,office_name,company_id,created,converted,connected,"
      "still_open,median_hours_to_resolution,p90_hours_to_resolution\r\n";
  assert_memory_equal(r.body, header, strlen(header));
  char line[512];
  char *week = local_date("date_trunc('week', l.t)"),
       *end = local_date("date_trunc('week', l.t) + interval '7 days'");
  snprintf(line, sizeof(line), "\r\n%s,%s,%s,P Stockholm,%s,3,1,1,1,4.0,5.6\r\n", week, end,
           w.p_sthlm, w.partner_p);
  if (strstr(r.body, line) == NULL) fail_msg("no line '%s' in\n%s", line + 2, r.body);
  /* no resolution yet: empty cells */
  char *q_line = strstr(r.body, w.q_gbg);
  assert_non_null(q_line);
  assert_non_null(strstr(q_line, ",1,0,0,1,,\r\n"));
  free(week);
  free(end);
  tl_response_free(&r);
  /* JSON is what no Accept, or one preferring it, gets */
  tl_cases("GET", REPORTS "?period=weekly", w.ia_admin.token, NULL,
           "Accept: application/json, text/csv;q=0.5", &r);
  tl_expect(&r, 200);
  assert_non_null(r.json);
  tl_response_free(&r);
}

static void test_who_sees_which_rows(void **state) {
  (void)state;
  struct tl_response r;
  char *week = local_date("date_trunc('week', l.t)");
  /* an API client: every office */
  get(w.client_a_token, REPORTS "?period=weekly", &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "rows")), 3);
  tl_response_free(&r);
  /* P's admin: its own company's two offices, nothing of Q */
  get(w.p_admin.token, REPORTS "?period=weekly", &r);
  tl_expect(&r, 200);
  json_t *rows = json_object_get(r.json, "rows");
  assert_int_equal(json_array_size(rows), 2);
  assert_counts(row_of(rows, w.p_sthlm, week), 3, 1, 1, 1);
  assert_counts(row_of(rows, w.p_upps, week), 1, 0, 0, 1);
  assert_null(row_of(rows, w.q_gbg, week));
  assert_null(strstr(r.body, w.partner_q));
  tl_response_free(&r);
  /* portal B's admin: none of portal A's */
  get(w.ib_admin.token, REPORTS "?period=weekly", &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "rows")), 0);
  tl_response_free(&r);
  /* level 3, insurer or partner: 403, also for the stored list */
  const char *refused[] = {w.ia_handler.token, w.p_worker.token, w.q_worker.token};
  for (size_t i = 0; i < 3; i++) {
    get(refused[i], REPORTS "?period=weekly", &r);
    tl_assert_problem(&r, 403, PROBLEM("forbidden"));
    tl_response_free(&r);
    get(refused[i], REPORTS, &r);
    tl_assert_problem(&r, 403, PROBLEM("forbidden"));
    tl_response_free(&r);
  }
  free(week);
}

static void test_bad_parameters(void **state) {
  (void)state;
  static const struct {
    const char *query, *field;
  } bad[] = {
      {"?period=daily", "period"},
      {"?period=", "period"},
      {"?period=weekly&from=2020-02-30", "from"},
      {"?period=weekly&to=20200101", "to"},
      {"?period=weekly&from=0000-01-01", "from"},
      {"?period=weekly&from=2020-03-02&to=2020-03-01", "from"},
      {"?period=weekly&since=2020-01-01", "since"},
      {"?period=weekly&limit=5", "limit"},
      {"?from=2020-01-01", "from"},
      {"?limit=0", "limit"},
      {"?limit=201", "limit"},
      {"?cursor=not-ours", "cursor"},
      {"?cursor=eyJhIjoxfQ", "cursor"}, /* {"a":1}: JSON, but no position of this list */
  };
  struct tl_response r;
  char path[256];
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    snprintf(path, sizeof(path), REPORTS "%s", bad[i].query);
    get(w.ia_admin.token, path, &r);
    tl_assert_problem(&r, 400, PROBLEM("invalid-parameter"));
    if (tl_error_for(json_object_get(r.json, "errors"), bad[i].field, NULL) == NULL)
      fail_msg("%s: no error for %s in %s", bad[i].query, bad[i].field, r.body);
    tl_response_free(&r);
  }
  /* every bad parameter at once */
  get(w.ia_admin.token, REPORTS "?period=hourly&from=x&to=y&foo=1", &r);
  tl_assert_problem(&r, 400, PROBLEM("invalid-parameter"));
  tl_assert_field_error(&r, "period", NULL);
  tl_assert_field_error(&r, "from", NULL);
  tl_assert_field_error(&r, "to", NULL);
  tl_assert_field_error(&r, "foo", NULL);
  tl_response_free(&r);
  get(w.ia_admin.token, REPORTS "?limit=0&to=2020-01-01", &r);
  tl_assert_problem(&r, 400, PROBLEM("invalid-parameter"));
  tl_assert_field_error(&r, "limit", NULL);
  tl_assert_field_error(&r, "to", NULL);
  tl_response_free(&r);
  /* no such stored report: 404 */
  get(w.ia_admin.token, REPORTS "/00000000-0000-4000-8000-000000000000", &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  get(w.ia_admin.token, REPORTS "/not-a-uuid", &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
}

/* ---- the schedule ---------------------------------------------------------------------------- */

static int cases_stopped;

static int restore_stack(void **state) {
  (void)state;
  if (cases_stopped && tl_stack("restart", "cases") == 0) cases_stopped = 0;
  return 0;
}

struct stored {
  const char *period;
  char start[11];
};

static long stored_count(const struct stored *s) {
  return tl_sql_long(
      "SELECT count(*) FROM cases.temporary_case_reports WHERE portal_id = $1 AND period = $2"
      " AND period_start = $3::date",
      3, (const char *[]){w.portal_a, s->period, s->start});
}

static int is_stored(void *arg) { return stored_count(arg) > 0; }

/* The cases service again, checking every second (unless the stack says otherwise already), and
 * stopped first: its schedule, asleep in a one-minute wait, must not hold the shutdown up. */
static void restart_checking_often(void) {
  const char *dir = tl_env("STACK_DIR");
  long long t0 = tl_now_ms();
  assert_int_equal(tl_stack("kill", "cases"), 0);
  cases_stopped = 1;
  long long took = tl_now_ms() - t0;
  printf("cases stopped in %lld ms\n", took);
  assert_true(took < 8000); /* the exit of a sanitizer build included */
  assert_int_equal(tl_sh("grep -q '^TEMPORARY_REPORT_CHECK_SECONDS=' '%s/envs/cases.env' ||"
                         " echo TEMPORARY_REPORT_CHECK_SECONDS=1 >> '%s/envs/cases.env'",
                         dir, dir),
                   0);
  assert_int_equal(tl_stack("restart", "cases"), 0);
  cases_stopped = 0;
}

static void test_schedule(void **state) {
  (void)state;
  char s1[37], s2[37], s3[37], path[256], report_id[37];
  struct tl_response r;

  /* last month's cases: opened now, then dated to the 11th of last month, noon, local */
  struct stored month = {"monthly", ""}, week = {"weekly", ""};
  char *d = local_date("date_trunc('month', l.t) - interval '1 month'");
  snprintf(month.start, sizeof(month.start), "%s", d);
  free(d);
  d = local_date("date_trunc('week', l.t) - interval '7 days'");
  snprintf(week.start, sizeof(week.start), "%s", d);
  free(d);
  open_temporary(w.p_worker.token, s1);
  open_temporary(w.p_worker.token, s2);
  open_temporary(w.q_worker.token, s3);
  convert(s1);
  connect_to_new_case(s2);
  tl_sql_run(
      "UPDATE cases.cases c SET created_at = (($2::date + 10) + time '12:00') AT TIME ZONE"
      " p.timezone FROM cases.replica_portal p WHERE p.id = c.portal_id AND c.id IN ($1, $3, $4)",
      4, s1, month.start, s2, s3);
  resolved_after(s1, "3");
  resolved_after(s2, "5");
  assert_int_equal(stored_count(&month), 0); /* the portal's setting is weekly still */

  restart_checking_often();
  /* the weekly report of last week comes (none of these cases is in it) */
  assert_true(tl_wait(is_stored, &week, 10000));

  /* another instance holds the portal's lock (the key as store_report_temporary.c takes it):
   * this one skips the portal while it does */
  tl_sql_run("BEGIN", 0);
  tl_sql_run(
      "SELECT pg_advisory_xact_lock(hashtextextended('cases.temporary_case_report/' || $1,"
      " 0))",
      1, w.portal_a);
  tl_world_policy_change(&w, "PATCH", "/v1/portal/settings",
                         "{\"temporary_cases_report\": \"monthly\"}");
  tl_replica_sync();
  usleep(2500 * 1000); /* two rounds and more */
  assert_int_equal(stored_count(&month), 0);
  tl_sql_run("COMMIT", 0);
  assert_true(tl_wait(is_stored, &month, 10000));
  usleep(2500 * 1000);
  assert_int_equal(stored_count(&month), 1);
  assert_int_equal(stored_count(&week), 1);

  char *id = tl_sql(
      "SELECT id::text FROM cases.temporary_case_reports WHERE portal_id = $1 AND period ="
      " 'monthly' AND period_start = $2::date",
      2, (const char *[]){w.portal_a, month.start});
  snprintf(report_id, sizeof(report_id), "%s", id);
  free(id);
  /* announced once, with the period */
  assert_int_equal(
      tl_sql_long("SELECT count(*) FROM cases.outbox WHERE type = 'temporary_case_report.generated'"
                  " AND portal_id = $1 AND data->>'period' = 'monthly'"
                  " AND data->>'period_start' = $2",
                  2, (const char *[]){w.portal_a, month.start}),
      1);
  assert_int_equal(
      tl_sql_long("SELECT count(*) FROM cases.outbox WHERE type = 'temporary_case_report.generated'"
                  " AND aggregate_id = $1 AND data->>'report_id' = $1",
                  1, (const char *[]){report_id}),
      1);

  /* listed, newest period first, in pages */
  get(w.ia_admin.token, REPORTS "?limit=1", &r);
  tl_expect(&r, 200);
  json_t *item = json_array_get(json_object_get(r.json, "items"), 0);
  tl_assert_str(item, "period", "weekly");
  tl_assert_str(item, "period_start", week.start);
  const char *cursor = tl_str(r.json, "next_cursor");
  assert_non_null(cursor);
  snprintf(path, sizeof(path), REPORTS "?limit=1&cursor=%s", cursor);
  tl_response_free(&r);
  get(w.ia_admin.token, path, &r);
  tl_expect(&r, 200);
  item = json_array_get(json_object_get(r.json, "items"), 0);
  tl_assert_str(item, "id", report_id);
  tl_assert_str(item, "period", "monthly");
  tl_assert_str(item, "period_start", month.start);
  char *end = local_date("date_trunc('month', l.t)");
  tl_assert_str(item, "period_end", end);
  snprintf(path, sizeof(path), REPORTS "/%s", report_id);
  tl_assert_str(item, "url", path);
  assert_non_null(tl_str(item, "generated_at"));
  assert_true(json_is_null(json_object_get(r.json, "next_cursor")));
  tl_response_free(&r);

  /* read: the insurer every office, P's admin P's row only */
  get(w.ia_admin.token, path, &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "id", report_id);
  tl_assert_str(r.json, "period", "monthly");
  tl_assert_str(r.json, "period_end", end);
  json_t *rows = json_object_get(r.json, "rows");
  assert_int_equal(json_array_size(rows), 2);
  json_t *row = row_of(rows, w.p_sthlm, month.start);
  assert_counts(row, 2, 1, 1, 0);
  assert_hours(row, "median_hours_to_resolution", 4.0);
  assert_hours(row, "p90_hours_to_resolution", 4.8);
  tl_assert_str(row, "period_end", end);
  row = row_of(rows, w.q_gbg, month.start);
  assert_counts(row, 1, 0, 0, 1);
  assert_hours(row, "median_hours_to_resolution", -1);
  tl_response_free(&r);
  get(w.p_admin.token, path, &r);
  tl_expect(&r, 200);
  rows = json_object_get(r.json, "rows");
  assert_int_equal(json_array_size(rows), 1);
  assert_counts(row_of(rows, w.p_sthlm, month.start), 2, 1, 1, 0);
  tl_response_free(&r);
  /* as CSV */
  tl_cases("GET", path, w.ia_admin.token, NULL, "Accept: text/csv", &r);
  tl_expect(&r, 200);
  char disposition[128], line[256];
  snprintf(disposition, sizeof(disposition),
           "attachment; filename=\"temporary-cases-monthly-%s.csv\"", month.start);
  tl_assert_header(&r, "Content-Disposition", disposition);
  snprintf(line, sizeof(line), "%s,%s,%s,P Stockholm,%s,2,1,1,0,4.0,4.8\r\n", month.start, end,
           w.p_sthlm, w.partner_p);
  if (strstr(r.body, line) == NULL) fail_msg("no line '%s' in\n%s", line, r.body);
  tl_response_free(&r);
  free(end);
  /* another portal's admin: not found; a level-3 user: refused */
  get(w.ib_admin.token, path, &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  get(w.ib_admin.token, REPORTS, &r);
  tl_expect(&r, 200);
  assert_null(strstr(r.body, report_id));
  tl_response_free(&r);
  get(w.ia_handler.token, path, &r);
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  tl_response_free(&r);

  tl_world_policy_change(&w, "PATCH", "/v1/portal/settings",
                         "{\"temporary_cases_report\": \"weekly\"}");
}

int main(void) {
  tl_world_create(&w);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_on_demand_rows),
      cmocka_unit_test(test_on_demand_csv),
      cmocka_unit_test(test_who_sees_which_rows),
      cmocka_unit_test(test_bad_parameters),
      cmocka_unit_test_teardown(test_schedule, restore_stack),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  tl_world_free(&w);
  return failed;
}
