/* Temporary cases against the running stack (services/cases/temporary/): when an office may open
 * one — its setting never | outside_office_hours | always against the portal's office hours,
 * office days, holidays and time zone, each placed around "now" through the portal's settings
 * (the clock is never waited for) — what is refused without the portal's enhanced temporary
 * cases, who sees one, and the insurer converting or connecting it (atomically: a failure
 * half-way leaves both cases as they were). */
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

/* ---- the portal's clock and the office's setting ------------------------------------------- */

/* A fixed-offset zone in which it is now around noon: the office hours placed around now never
 * cross midnight. */
static void noon_zone(char zone[32]) {
  long hour = tl_sql_long("SELECT extract(hour FROM now() AT TIME ZONE 'UTC')::bigint", 0, NULL);
  long offset = 12 - hour; /* -11 .. 12 */
  /* POSIX-style names: Etc/GMT-3 is three hours east of UTC */
  if (offset == 0)
    snprintf(zone, 32, "UTC");
  else
    snprintf(zone, 32, "Etc/GMT%+ld", -offset);
}

/* A zone far from UTC whose hours from now - 1 h to now + 2 h stay within today: UTC+14 unless
 * it is late there, then UTC+5:30 (8.5 hours apart, so one of them always is). */
static const char *far_zone(void) {
  long hour = tl_sql_long(
      "SELECT extract(hour FROM now() AT TIME ZONE 'Pacific/Kiritimati')::bigint", 0, NULL);
  return hour >= 2 && hour <= 20 ? "Pacific/Kiritimati" : "Asia/Kolkata";
}

/* "HH:MM" of now + minutes in zone. */
static void local_hhmm(const char *zone, long minutes, char out[6]) {
  char m[24];
  snprintf(m, sizeof(m), "%ld", minutes);
  char *v = tl_sql(
      "SELECT to_char(now() AT TIME ZONE $1 + make_interval(mins => $2::int),"
      " 'HH24:MI')",
      2, (const char *[]){zone, m});
  snprintf(out, 6, "%s", v);
  free(v);
}

/* Today's ISO weekday and date in zone. */
static long local_isodow(const char *zone) {
  return tl_sql_long("SELECT extract(isodow FROM now() AT TIME ZONE $1)::bigint", 1,
                     (const char *[]){zone});
}

/* Portal A's clock: zone, office hours from now + start_min to now + end_min (minutes), office
 * days (a JSON array), holidays (a JSON array), enhanced temporary cases. */
static void portal_clock(const char *zone, long start_min, long end_min, const char *days,
                         const char *holidays, int enhanced) {
  char start[6], end[6], body[512];
  local_hhmm(zone, start_min, start);
  local_hhmm(zone, end_min, end);
  snprintf(body, sizeof(body),
           "{\"timezone\": \"%s\", \"office_hours\": {\"start\": \"%s\", \"end\": \"%s\"},"
           " \"office_days\": %s, \"public_holidays\": %s, \"enhanced_temporary_cases\": %s}",
           zone, start, end, days, holidays, enhanced ? "true" : "false");
  tl_world_policy_change(&w, "PATCH", "/v1/portal/settings", body);
}

static void office_may(const char *office_id, const char *setting) {
  char path[96], body[96];
  snprintf(path, sizeof(path), "/v1/offices/%s", office_id);
  snprintf(body, sizeof(body), "{\"temporary_cases\": \"%s\"}", setting);
  tl_world_policy_change(&w, "PATCH", path, body);
}

#define ALL_DAYS "[1, 2, 3, 4, 5, 6, 7]"

/* ---- opening one ------------------------------------------------------------------------------
 */

static const char *const plain =
    "{\"damage_type\": \"storm\", \"damage_date\": \"2026-11-30\","
    " \"address\": {\"street\": \"Fjordveien 2\", \"postal_code\": \"5003\", \"city\": \"Bergen\","
    " \"country\": \"NO\"}, \"contacts\": [{\"kind\": \"policyholder\", \"name\": \"Ola Nordmann\","
    " \"phone\": \"+4791234567\"}], \"description\": \"Roof blown off in the night\"}";

/* POST /v1/temporary-cases as token: the status; r holds the answer. */
static long open_temporary(const char *token, const char *body, struct tl_response *r) {
  return tl_cases("POST", "/v1/temporary-cases", token, body, NULL, r);
}

/* Expects 403 with needle in its detail. */
static void refused(const char *token, const char *needle) {
  struct tl_response r;
  open_temporary(token, plain, &r);
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  if (needle != NULL && strstr(tl_str(r.json, "detail"), needle) == NULL)
    fail_msg("detail '%s' lacks '%s'", tl_str(r.json, "detail"), needle);
  tl_response_free(&r);
}

/* Expects 201; the case's id into id (37 bytes) unless NULL. */
static void opened(const char *token, const char *body, char *id) {
  struct tl_response r;
  open_temporary(token, body, &r);
  tl_expect(&r, 201);
  assert_memory_equal(tl_str(r.json, "claim_number"), "TEMPORARY-", 10);
  if (id != NULL) snprintf(id, 37, "%s", tl_str(r.json, "id"));
  tl_response_free(&r);
}

static void test_when_an_office_may(void **state) {
  (void)state;
  char zone[32], days[64], today[16], holidays[64];
  noon_zone(zone);

  /* never: the default */
  office_may(w.p_sthlm, "never");
  portal_clock(zone, -60, 60, ALL_DAYS, "[]", 0);
  refused(w.p_worker.token, "never");

  /* outside office hours: inside them it is refused and says why */
  office_may(w.p_sthlm, "outside_office_hours");
  refused(w.p_worker.token, "inside office hours");
  refused(w.p_worker.token, zone);
  /* the boundary minutes: the start minute is inside, the end minute outside */
  portal_clock(zone, 0, 60, ALL_DAYS, "[]", 0);
  refused(w.p_worker.token, "inside office hours");
  portal_clock(zone, -60, 0, ALL_DAYS, "[]", 0);
  opened(w.p_worker.token, plain, NULL);
  /* before the start */
  portal_clock(zone, 2, 120, ALL_DAYS, "[]", 0);
  opened(w.p_worker.token, plain, NULL);
  /* a day that is no office day (the weekend), inside the hours */
  long dow = local_isodow(zone);
  size_t n = (size_t)snprintf(days, sizeof(days), "[");
  for (long d = 1; d <= 7; d++)
    if (d != dow) n += (size_t)snprintf(days + n, sizeof(days) - n, "%s%ld", n > 1 ? ", " : "", d);
  snprintf(days + n, sizeof(days) - n, "]");
  portal_clock(zone, -60, 60, days, "[]", 0);
  opened(w.p_worker.token, plain, NULL);
  /* a public holiday, inside the hours of an office day */
  char *date =
      tl_sql("SELECT to_char(now() AT TIME ZONE $1, 'YYYY-MM-DD')", 1, (const char *[]){zone});
  snprintf(today, sizeof(today), "%s", date);
  free(date);
  snprintf(holidays, sizeof(holidays), "[\"%s\"]", today);
  portal_clock(zone, -60, 60, ALL_DAYS, holidays, 0);
  opened(w.p_worker.token, plain, NULL);

  /* a time zone far from UTC: the hours are its own */
  const char *far = far_zone();
  portal_clock(far, -60, 60, ALL_DAYS, "[]", 0);
  refused(w.p_worker.token, far);
  portal_clock(far, 60, 120, ALL_DAYS, "[]", 0);
  opened(w.p_worker.token, plain, NULL);

  /* always: inside office hours too */
  office_may(w.p_sthlm, "always");
  portal_clock(zone, -60, 60, ALL_DAYS, "[]", 0);
  opened(w.p_worker.token, plain, NULL);
  /* an office the user does not belong to, and an office that may never */
  struct tl_response r;
  char body[1024];
  snprintf(body, sizeof(body),
           "{\"damage_type\": \"storm\", \"damage_date\": \"2026-11-30\", \"address\":"
           " {\"street\": \"A 1\", \"city\": \"Bergen\"}, \"office_id\": \"%s\"}",
           w.q_gbg);
  open_temporary(w.p_worker.token, body, &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "office_id", "not_allowed");
  tl_response_free(&r);
  office_may(w.q_gbg, "never");
  refused(w.q_worker.token, "never");
  /* the insurer opens ordinary cases */
  open_temporary(w.ia_handler.token, plain, &r);
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  tl_response_free(&r);
  office_may(w.p_sthlm, "never");
}

static void test_what_a_partner_gives(void **state) {
  (void)state;
  char zone[32], id[37], path[200], body[1024];
  struct tl_response r;
  noon_zone(zone);
  office_may(w.p_sthlm, "always");
  portal_clock(zone, -60, 60, ALL_DAYS, "[]", 0);

  /* every missing field at once */
  open_temporary(w.p_worker.token, "{\"description\": \"x\"}", &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_error(&r, "damage_type", NULL);
  tl_assert_field_error(&r, "damage_date", NULL);
  tl_assert_field_error(&r, "address", NULL);
  tl_response_free(&r);

  /* without enhanced temporary cases the claim number and other offices' tasks are refused,
   * each named, never dropped */
  snprintf(body, sizeof(body),
           "{\"claim_number\": \"P-%s-1\", \"damage_type\": \"storm\", \"damage_date\":"
           " \"2026-11-30\", \"address\": {\"street\": \"A 1\", \"city\": \"Bergen\"},"
           " \"tasks\": [{\"type\": \"repair\", \"trade\": \"roofing\", \"office_id\": \"%s\"}]}",
           w.sfx, w.q_gbg);
  open_temporary(w.p_worker.token, body, &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_error(&r, "claim_number", "enhanced");
  tl_assert_field_error(&r, "tasks", "enhanced");
  tl_response_free(&r);
  /* with them, both are taken: Q gets its task and sees the case */
  portal_clock(zone, -60, 60, ALL_DAYS, "[]", 1);
  open_temporary(w.p_worker.token, body, &r);
  tl_expect(&r, 201);
  snprintf(id, sizeof(id), "%s", tl_str(r.json, "id"));
  assert_non_null(strstr(tl_str(r.json, "claim_number"), "P-"));
  assert_int_equal(json_array_size(json_object_get(r.json, "tasks")), 2);
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/cases/%s", id);
  tl_cases("GET", path, w.q_worker.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  portal_clock(zone, -60, 60, ALL_DAYS, "[]", 0);

  /* a plain one: TEMPORARY-..., the opening partner sees it at once, its first-aid task waits
   * for a user of the office and takes reports without a budget; Q sees nothing of it */
  opened(w.p_worker.token, plain, id);
  snprintf(path, sizeof(path), "/v1/cases/%s", id);
  tl_cases("GET", path, w.p_worker.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  json_t *task = json_array_get(json_object_get(r.json, "tasks"), 0);
  tl_assert_str(task, "type", "first_aid");
  tl_assert_str(task, "status", "1");
  tl_assert_str(json_object_get(task, "office"), "id", w.p_sthlm);
  tl_assert_str(json_object_get(r.json, "temporary"), "status", "open");
  char task_id[37];
  snprintf(task_id, sizeof(task_id), "%s", tl_str(task, "id"));
  tl_response_free(&r);
  /* the first-aid task takes a report at once, with no budget */
  char url[300], auth[2048];
  snprintf(url, sizeof(url), "%s/v1/cases/%s/tasks/%s/reports", tl_env("CASES_URL"), id, task_id);
  snprintf(auth, sizeof(auth), "Authorization: Bearer %s", w.p_worker.token);
  const char *headers[] = {auth, "Content-Type: multipart/form-data; boundary=XyZ", NULL};
  static const char form[] =
      "--XyZ\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nTarp on the roof, "
      "water stopped\r\n--XyZ--\r\n";
  assert_int_equal(tl_http("POST", url, headers, form, sizeof(form) - 1, 10000, &r), 0);
  tl_expect(&r, 201);
  tl_response_free(&r);
  tl_cases("GET", path, w.q_worker.token, NULL, NULL, &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  json_t *listed = tl_cases_listed(w.q_worker.token, "limit=200", id);
  assert_null(listed);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.outbox WHERE aggregate_id = $1 AND"
                               " type = 'temporary_case.created'",
                               1, (const char *[]){id}),
                   1);
  office_may(w.p_sthlm, "never");
}

/* ---- the insurer's side -----------------------------------------------------------------------
 */

static long long to_connect(void) {
  return tl_dashboard_row(w.ia_handler.token, "temporary_cases_to_connect");
}

static long case_call(const char *token, const char *case_id, const char *action, const char *body,
                      struct tl_response *r) {
  char path[200];
  snprintf(path, sizeof(path), "/v1/cases/%s/%s", case_id, action);
  return tl_cases("POST", path, token, body, NULL, r);
}

static void open_one(char id[37]) {
  char zone[32];
  noon_zone(zone);
  office_may(w.p_sthlm, "always");
  portal_clock(zone, -60, 60, ALL_DAYS, "[]", 0);
  opened(w.p_worker.token, plain, id);
  office_may(w.p_sthlm, "never");
}

static void test_convert(void **state) {
  (void)state;
  char id[37], body[256];
  struct tl_response r;
  long long before = to_connect();
  open_one(id);
  assert_int_equal(to_connect(), before + 1);
  json_t *listed = tl_cases_listed(w.ia_handler.token, "temporary=true", id);
  assert_non_null(listed);
  json_decref(listed);

  snprintf(body, sizeof(body), "{\"claim_number\": \"C-%s-9\", \"case_handler_id\": \"%s\"}", w.sfx,
           w.ia_handler.id);
  case_call(w.p_worker.token, id, "convert", body, &r); /* the insurer's to do */
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  tl_response_free(&r);
  case_call(w.ia_handler.token, id, "convert", body, &r);
  tl_expect(&r, 200);
  tl_assert_str(json_object_get(r.json, "temporary"), "status", "converted");
  tl_assert_str(r.json, "case_handler_id", w.ia_handler.id);
  assert_non_null(strstr(tl_str(r.json, "claim_number"), "C-"));
  tl_response_free(&r);
  assert_int_equal(to_connect(), before);
  /* twice, or connecting a converted case: 409 */
  case_call(w.ia_handler.token, id, "convert", body, &r);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);
  char other[37];
  tl_world_case(&w, 0, 0, other);
  snprintf(body, sizeof(body), "{\"target_case_id\": \"%s\"}", other);
  case_call(w.ia_handler.token, id, "connect", body, &r);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);
  /* an ordinary case is not converted */
  case_call(
      w.ia_handler.token, other, "convert",
      "{\"claim_number\": \"X\", \"case_handler_id\": \"00000000-0000-4000-8000-000000000000\"}",
      &r);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);
}

static void test_connect(void **state) {
  (void)state;
  char id[37], target[37], body[256], path[200], task_id[37];
  struct tl_response r;
  open_one(id);
  tl_world_case(&w, 0, 0, target);
  /* content: a chat message and the first-aid task (with the office's contact) */
  snprintf(path, sizeof(path), "/v1/cases/%s/chat/messages", id);
  tl_cases("POST", path, w.p_worker.token, "{\"text\": \"On site, tarp on the roof\"}", NULL, &r);
  tl_expect(&r, 201);
  tl_response_free(&r);
  char *t = tl_sql("SELECT id::text FROM cases.tasks WHERE case_id = $1", 1, (const char *[]){id});
  snprintf(task_id, sizeof(task_id), "%s", t);
  free(t);

  /* refusals: itself, an unknown case, another temporary case, a closed case */
  snprintf(body, sizeof(body), "{\"target_case_id\": \"%s\"}", id);
  case_call(w.ia_handler.token, id, "connect", body, &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_response_free(&r);
  case_call(w.ia_handler.token, id, "connect",
            "{\"target_case_id\": \"00000000-0000-4000-8000-000000000000\"}", &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "target_case_id", "not_found");
  tl_response_free(&r);
  char temp2[37], closed[37];
  open_one(temp2);
  snprintf(body, sizeof(body), "{\"target_case_id\": \"%s\"}", temp2);
  case_call(w.ia_handler.token, id, "connect", body, &r);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);
  tl_world_case(&w, 0, 0, closed);
  case_call(w.ia_handler.token, closed, "close", NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  snprintf(body, sizeof(body), "{\"target_case_id\": \"%s\"}", closed);
  case_call(w.ia_handler.token, id, "connect", body, &r);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);

  /* a failure half-way (the target's history line refused) leaves both as they were */
  tl_sql_run(
      "CREATE FUNCTION cases.refuse_connect() RETURNS trigger LANGUAGE plpgsql AS $f$"
      " BEGIN IF NEW.action = 'temporary_case.connected_into' THEN"
      " RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $f$",
      0);
  tl_sql_run(
      "CREATE TRIGGER refuse_connect BEFORE INSERT ON cases.case_history"
      " FOR EACH ROW EXECUTE FUNCTION cases.refuse_connect()",
      0);
  snprintf(body, sizeof(body), "{\"target_case_id\": \"%s\"}", target);
  case_call(w.ia_handler.token, id, "connect", body, &r);
  assert_true(r.status >= 500);
  tl_response_free(&r);
  tl_sql_run("DROP TRIGGER refuse_connect ON cases.case_history", 0);
  tl_sql_run("DROP FUNCTION cases.refuse_connect()", 0);
  assert_int_equal(
      tl_sql_long("SELECT count(*) FROM cases.tasks WHERE case_id = $1", 1, (const char *[]){id}),
      1);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.chat_messages WHERE case_id = $1", 1,
                               (const char *[]){id}),
                   1);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.cases WHERE id = $1 AND"
                               " temporary_status = 'open' AND status = 'open'",
                               1, (const char *[]){id}),
                   1);

  /* connected: everything moves, the temporary case is closed, both histories point across */
  case_call(w.ia_handler.token, id, "connect", body, &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "status", "closed");
  tl_assert_str(json_object_get(r.json, "temporary"), "status", "connected");
  tl_assert_str(json_object_get(r.json, "temporary"), "connected_to", target);
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/cases/%s", target);
  tl_cases("GET", path, w.p_worker.token, NULL, NULL, &r); /* P holds the moved task: sees it */
  tl_expect(&r, 200);
  assert_non_null(tl_item(json_object_get(r.json, "tasks"), task_id));
  /* the temporary case's contact joined the target's, once */
  assert_non_null(strstr(r.body, "Ola Nordmann"));
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/cases/%s/chat/messages", target);
  tl_cases("GET", path, w.ia_handler.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_non_null(strstr(r.body, "tarp on the roof"));
  tl_response_free(&r);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.case_history WHERE case_id = $1 AND"
                               " action = 'temporary_case.connected_into' AND after->>"
                               "'temporary_case_id' = $2",
                               2, (const char *[]){target, id}),
                   1);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.outbox WHERE aggregate_id = $1 AND"
                               " type = 'temporary_case.connected'",
                               1, (const char *[]){id}),
                   1);
  /* twice, or converting a connected one: 409 */
  snprintf(body, sizeof(body), "{\"target_case_id\": \"%s\"}", target);
  case_call(w.ia_handler.token, id, "connect", body, &r);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);
  snprintf(body, sizeof(body), "{\"claim_number\": \"Z-%s\", \"case_handler_id\": \"%s\"}", w.sfx,
           w.ia_handler.id);
  case_call(w.ia_handler.token, id, "convert", body, &r);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);
}

int main(void) {
  tl_world_create(&w);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_when_an_office_may),
      cmocka_unit_test(test_what_a_partner_gives),
      cmocka_unit_test(test_convert),
      cmocka_unit_test(test_connect),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  tl_world_free(&w);
  return failed;
}
