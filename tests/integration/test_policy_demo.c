/* The demo data loader (scripts/demo-data.sh → `policy demo-data`): loads the Demo portal as
 * designed, a second load changes nothing, the admin's password is argon2id "demo", and the
 * demo admin can get a token once the token endpoint exists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "password.h"
#include "testlib.h"

#define DEMO_USERS 9

static int load_demo(void) {
  return tl_sh("bash '%s/scripts/demo-data.sh' '%s' '%s'", tl_env("SOURCE_DIR"), tl_env("PG_PORT"),
               tl_env("BIN_DIR"));
}

/* The single value of a query with no parameters, as a long. */
static long query_long(const char *sql) { return tl_sql_long(sql, 0, NULL); }

static void assert_demo_rows(void) {
  assert_int_equal(query_long("SELECT count(*) FROM policy.portals WHERE name = 'Demo'"), 1);
  assert_int_equal(
      query_long("SELECT count(*) FROM policy.portals p JOIN policy.companies c"
                 " ON c.id = p.insurer_company_id WHERE p.name = 'Demo'"
                 " AND c.name = 'Demo Försäkring AB' AND c.kind = 'insurer'"
                 " AND p.timezone = 'Europe/Stockholm' AND p.office_hours_start = '08:00'"
                 " AND p.office_hours_end = '16:00' AND p.office_days = '{1,2,3,4,5}'"
                 " AND NOT p.enhanced_temporary_cases AND p.temporary_cases_report = 'weekly'"
                 " AND p.default_budget_limit = 5000000"
                 " AND p.currency = 'SEK' AND '2026-12-24'::date = ANY (p.public_holidays)"
                 " AND '2027-06-25'::date = ANY (p.public_holidays)"),
      1);
  assert_int_equal(query_long("SELECT count(*) FROM policy.users WHERE email LIKE '%@demo.test'"),
                   DEMO_USERS);
  assert_int_equal(query_long("SELECT count(*) FROM policy.users WHERE email LIKE '%@demo.test'"
                              " AND external_case_handler"),
                   1);
  assert_int_equal(query_long("SELECT count(*) FROM policy.users u"
                              " JOIN policy.user_offices uo ON uo.user_id = u.id"
                              " JOIN policy.offices o ON o.id = uo.office_id"
                              " WHERE u.email = 'ech@demo.test' AND u.external_case_handler"
                              " AND u.budget_limit = 2500000 AND o.city = 'Stockholm'"),
                   1);
  assert_int_equal(query_long("SELECT count(*) FROM policy.users WHERE email IN"
                              " ('admin@demo.test', 'partner-admin@demo.test')"
                              " AND authority_level = 6 AND budget_limit IS NULL"),
                   2);
  assert_int_equal(query_long("SELECT count(*) FROM policy.offices o"
                              " JOIN policy.companies c ON c.id = o.company_id"
                              " WHERE c.name = 'Bygg & Sanering Nord AB' AND c.kind = 'partner'"
                              " AND o.latitude IS NOT NULL AND o.longitude IS NOT NULL"),
                   2);
  assert_int_equal(query_long("SELECT count(DISTINCT o.city) FROM policy.offices o"
                              " JOIN policy.companies c ON c.id = o.company_id"
                              " WHERE c.name = 'Bygg & Sanering Nord AB'"),
                   2);
  assert_int_equal(query_long("SELECT count(*) FROM policy.offices o"
                              " JOIN policy.companies c ON c.id = o.company_id"
                              " WHERE c.name = 'Bygg & Sanering Nord AB'"
                              " AND o.temporary_cases = 'outside_office_hours'"),
                   1);
  assert_int_equal(query_long("SELECT count(*) FROM policy.role_definitions r"
                              " JOIN policy.portals p ON p.id = r.portal_id WHERE p.name = 'Demo'"),
                   3);
  assert_int_equal(query_long("SELECT count(*) FROM policy.role_definitions r"
                              " JOIN policy.portals p ON p.id = r.portal_id WHERE p.name = 'Demo'"
                              " AND r.role = 'external_case_handler'"
                              " AND r.rights @> '{approve_budget,chat_notifications}'"),
                   1);
  /* insurer, partner, agent and customer each serve the Demo portal */
  assert_int_equal(query_long("SELECT count(*) FROM policy.company_portals cp"
                              " JOIN policy.portals p ON p.id = cp.portal_id WHERE p.name = 'Demo'"),
                   4);
  assert_int_equal(query_long("SELECT count(*) FROM policy.office_categories oc"
                              " JOIN policy.portals p ON p.id = oc.portal_id WHERE p.name = 'Demo'"
                              " AND oc.name IN ('Vattenskada', 'Brand')"),
                   2);
  assert_int_equal(query_long("SELECT count(*) FROM policy.office_category_links l"
                              " JOIN policy.office_categories oc ON oc.id = l.category_id"
                              " JOIN policy.portals p ON p.id = oc.portal_id WHERE p.name = 'Demo'"),
                   3);
  assert_int_equal(query_long("SELECT count(*) FROM policy.user_offices uo"
                              " JOIN policy.users u ON u.id = uo.user_id"
                              " WHERE u.email LIKE '%@demo.test'"),
                   4);
  assert_int_equal(query_long("SELECT count(*) FROM policy.user_org_roles r"
                              " JOIN policy.users u ON u.id = r.user_id WHERE"
                              " (u.email, r.role) IN (('agent@demo.test', 'agent_handler'),"
                              " ('attestant@demo.test', 'attestant'),"
                              " ('customer-attestant@demo.test', 'customer_attestant'))"),
                   3);
  /* the demo cases: three, one with a task awaiting its user, one with the external case
   * handler role awaiting its user (rows for the partner's dashboard) */
  assert_int_equal(query_long("SELECT count(*) FROM cases.cases WHERE claim_number LIKE 'DEMO-%'"),
                   3);
  assert_int_equal(query_long("SELECT count(*) FROM cases.tasks t JOIN cases.cases c"
                              " ON c.id = t.case_id WHERE c.claim_number LIKE 'DEMO-%'"),
                   3);
  assert_int_equal(query_long("SELECT count(*) FROM cases.cases WHERE claim_number = 'DEMO-1002'"
                              " AND ech_office_id IS NOT NULL AND ech_user_id IS NULL"),
                   1);
}

static char *admin_hash(void) {
  char *hash = tl_sql("SELECT password_hash FROM policy.users WHERE email = 'admin@demo.test'", 0,
                      NULL);
  assert_non_null(hash);
  return hash;
}

static void test_demo_load_twice(void **state) {
  (void)state;
  assert_int_equal(load_demo(), 0);
  assert_demo_rows();
  char *first = admin_hash();
  assert_true(strncmp(first, "$argon2id$", 10) == 0);
  assert_true(password_verify(first, "demo"));
  assert_false(password_verify(first, "Demo"));

  /* a second load inserts nothing and leaves the password alone */
  assert_int_equal(load_demo(), 0);
  assert_demo_rows();
  char *second = admin_hash();
  assert_string_equal(first, second);

  free(first);
  free(second);
}

static void test_demo_without_database_fails(void **state) {
  (void)state;
  /* port 1: nothing listens; the script says so and exits non-zero */
  assert_int_not_equal(tl_sh("bash '%s/scripts/demo-data.sh' 1 '%s' >/dev/null 2>&1",
                             tl_env("SOURCE_DIR"), tl_env("BIN_DIR")),
                       0);
}

static void test_demo_admin_gets_token(void **state) {
  (void)state;
  struct tl_response r;
  assert_int_equal(load_demo(), 0);
  /* the token endpoint may not be there yet */
  if (tl_login(tl_env("POLICY_URL"), "admin@demo.test", "demo", NULL, &r) == 404) {
    tl_response_free(&r);
    skip();
  }
  assert_int_equal(r.status, 200);
  assert_non_null(r.json);
  assert_non_null(json_string_value(json_object_get(r.json, "access_token")));
  assert_string_equal(json_string_value(json_object_get(r.json, "token_type")), "Bearer");
  assert_true(json_integer_value(json_object_get(r.json, "expires_in")) > 0);
  tl_response_free(&r);
}

static int teardown(void **state) {
  (void)state;
  tl_sql_close();
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_demo_load_twice),
      cmocka_unit_test(test_demo_without_database_fails),
      cmocka_unit_test(test_demo_admin_gets_token),
  };
  return cmocka_run_group_tests(tests, NULL, teardown);
}
