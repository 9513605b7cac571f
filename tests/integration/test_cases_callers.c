/* Who may call the cases service, re-checked with the policy service on every request: an API
 * client deactivated (SQL, or DELETE /v1/api-clients/{id}) loses access at once, and so does a
 * client token naming another company or portal than the client's; and "today" of reminders
 * follows the portal's time zone (policy.portals.timezone), not a constant.
 *
 * Fixtures: the world of tl_world.h (client_a of portal A for insurer IA), a second client of
 * portal A created here, and cases created through the API. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "http.h"
#include "ids.h"
#include "tl_world.h"

static struct tl_world w;

/* ---- helpers ------------------------------------------------------------------------------ */

/* A client token for sub naming portal and company. New string. */
static char *client_token(const char *sub, const char *portal, const char *company) {
  json_t *extra = json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind", "client", "portal_id", portal,
                            "company_id", company, "company_kind", "insurer", "client_id",
                            "callers-test");
  char *token = tl_token(sub, 3600, extra);
  json_decref(extra);
  return token;
}

/* POST /v1/cases with token and a unique claim number; returns the status. */
static long create_case(const char *token, struct tl_response *r) {
  static int counter;
  char body[512];
  snprintf(body, sizeof(body),
           "{\"claim_number\": \"K-%s-%d\", \"damage_type\": \"water\", \"damage_date\": "
           "\"2026-10-30\", \"address\": {\"street\": \"Sveavägen 1\", \"city\": \"Stockholm\"}}",
           w.sfx, ++counter);
  return tl_cases("POST", "/v1/cases", token, body, NULL, r);
}

/* token may create and list cases. */
static void expect_allowed(const char *token) {
  struct tl_response r;
  create_case(token, &r);
  tl_expect(&r, 201);
  assert_string_equal(tl_str(r.json, "portal_id"), w.portal_a);
  tl_response_free(&r);
  tl_cases("GET", "/v1/cases", token, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_true(json_is_array(json_object_get(r.json, "items")));
  tl_response_free(&r);
}

/* token is refused on reads and writes with 401 and detail, and creates nothing. */
static void expect_refused(const char *token, const char *detail) {
  struct tl_response r;
  char *before = tl_sql("SELECT count(*) FROM cases.cases WHERE portal_id = $1", 1,
                        (const char *[]){w.portal_a});
  tl_cases("GET", "/v1/cases", token, NULL, NULL, &r);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:invalid-token");
  assert_string_equal(tl_str(r.json, "detail"), detail);
  char *challenge = tl_header(&r, "WWW-Authenticate");
  assert_non_null(challenge);
  free(challenge);
  tl_response_free(&r);
  create_case(token, &r);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:invalid-token");
  assert_string_equal(tl_str(r.json, "detail"), detail);
  tl_response_free(&r);
  char *after = tl_sql("SELECT count(*) FROM cases.cases WHERE portal_id = $1", 1,
                       (const char *[]){w.portal_a});
  assert_string_equal(after, before);
  free(before);
  free(after);
}

static const char gone[] = "the API client is no longer active in this portal";

static int setup(void **state) {
  (void)state;
  tl_world_create(&w);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  /* the world is this executable's own; put its portal back all the same */
  tl_sql_run("UPDATE policy.portals SET timezone = 'Europe/Stockholm' WHERE id = $1", 1,
             w.portal_a);
  tl_world_free(&w);
  return 0;
}

/* ---- API clients -------------------------------------------------------------------------- */

static void test_client_deactivated_and_back(void **state) {
  (void)state;
  expect_allowed(w.client_a_token);

  tl_sql_run("UPDATE policy.api_clients SET active = false WHERE id = $1", 1, w.client_a_id);
  expect_refused(w.client_a_token, gone);

  tl_sql_run("UPDATE policy.api_clients SET active = true WHERE id = $1", 1, w.client_a_id);
  expect_allowed(w.client_a_token);
}

static void test_client_deleted_through_policy(void **state) {
  (void)state;
  char id[37], name[64], path[128];
  struct tl_response r;
  ids_uuid_v4(id);
  snprintf(name, sizeof(name), "callers-%s", w.sfx);
  tl_sql_run("INSERT INTO policy.api_clients (id, portal_id, company_id, name, client_id, "
             "secret_hash) VALUES ($1, $2, $3, 'second system', $4, 'unused')",
             4, id, w.portal_a, w.insurer_a, name);
  char *token = client_token(id, w.portal_a, w.insurer_a);
  expect_allowed(token);

  /* the portal's admin deletes it (a deactivation) */
  snprintf(path, sizeof(path), "/v1/api-clients/%s", id);
  tl_call(tl_env("POLICY_URL"), "DELETE", path, w.ia_admin.token, NULL, NULL, &r);
  tl_expect(&r, 204);
  tl_response_free(&r);
  expect_refused(token, gone);
  free(token);
}

static void test_client_token_of_another_company_portal_or_nobody(void **state) {
  (void)state;
  char ghost[37];
  /* the client's id with a company_id that is not the client's (another real insurer) */
  char *token = client_token(w.client_a_id, w.portal_a, w.insurer_b);
  expect_refused(token, gone);
  free(token);
  /* ... or with another portal than the client's */
  token = client_token(w.client_a_id, w.portal_b, w.insurer_a);
  expect_refused(token, gone);
  free(token);
  /* an id that names no client, or a user */
  ids_uuid_v4(ghost);
  token = client_token(ghost, w.portal_a, w.insurer_a);
  expect_refused(token, gone);
  free(token);
  token = client_token(w.ia_admin.id, w.portal_a, w.insurer_a);
  expect_refused(token, gone);
  free(token);
  /* not even an id */
  token = client_token("core-system", w.portal_a, w.insurer_a);
  expect_refused(token, "the token does not name an API client");
  free(token);
  /* the genuine token still works */
  expect_allowed(w.client_a_token);
}

/* ---- the portal's time zone --------------------------------------------------------------- */

/* The count of the dashboard row named row; fails when the row is absent. */
static long long row_count(const struct tl_response *r, const char *row) {
  long long n = tl_dashboard_count(r, row);
  if (n < 0) fail_msg("no row %s in %s", row, r->body);
  return n;
}

/* 1 when GET /v1/cases?query as token lists case_id. */
static int listed(const char *token, const char *query, const char *case_id) {
  json_t *it = tl_cases_listed(token, query, case_id);
  int found = it != NULL;
  json_decref(it);
  return found;
}

static void set_timezone(const char *tz) {
  tl_sql_run("UPDATE policy.portals SET timezone = $2 WHERE id = $1", 2, w.portal_a, tz);
}

static void test_reminders_in_the_portals_time_zone(void **state) {
  (void)state;
  char id[37], path[128], body[96], if_match[64];
  struct tl_response r;
  const char *me = w.ia_handler.token;

  /* today in Kiritimati (UTC+14): tomorrow in UTC and Stockholm from 10:00 UTC on */
  char *today = tl_sql("SELECT ((now() AT TIME ZONE 'Pacific/Kiritimati')::date)::text", 0, NULL);
  tl_world_case(&w, 0, 0, id);
  snprintf(path, sizeof(path), "/v1/cases/%s", id);
  tl_cases("GET", path, me, NULL, NULL, &r);
  tl_expect(&r, 200);
  char *etag = tl_header(&r, "ETag");
  assert_non_null(etag);
  tl_response_free(&r);
  snprintf(body, sizeof(body), "{\"reminder_date\": \"%s\"}", today);
  snprintf(if_match, sizeof(if_match), "If-Match: %s", etag);
  tl_cases("PATCH", path, me, body, if_match, &r);
  tl_expect(&r, 200);
  assert_string_equal(tl_str(r.json, "reminder_date"), today);
  tl_response_free(&r);

  set_timezone("Pacific/Kiritimati");
  tl_cases("GET", "/v1/dashboard", me, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(row_count(&r, "reminders_today"), 1);
  assert_int_equal(row_count(&r, "reminders_tomorrow"), 0);
  tl_response_free(&r);
  assert_true(listed(me, "case_handler=me&reminder=today", id));
  assert_false(listed(me, "case_handler=me&reminder=tomorrow", id));

  /* Pago Pago (UTC-11) is always at least a day behind Kiritimati: not today there */
  set_timezone("Pacific/Pago_Pago");
  tl_cases("GET", "/v1/dashboard", me, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(row_count(&r, "reminders_today"), 0);
  assert_int_equal(row_count(&r, "reminders_tomorrow") + row_count(&r, "reminders_later"), 1);
  tl_response_free(&r);
  assert_false(listed(me, "case_handler=me&reminder=today", id));

  set_timezone("Europe/Stockholm");
  free(etag);
  free(today);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_client_deactivated_and_back),
      cmocka_unit_test(test_client_deleted_through_policy),
      cmocka_unit_test(test_client_token_of_another_company_portal_or_nobody),
      cmocka_unit_test(test_reminders_in_the_portals_time_zone),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
