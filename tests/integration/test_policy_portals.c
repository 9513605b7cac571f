/* Portals through the API: the platform operator's credential and token (kind "operator", no
 * portal), POST /v1/portals creating the insurer, the portal, their link and the first admin in
 * one transaction, GET /v1/portals and /v1/portals/{id}, and the walls between portals: the new
 * portal's admin works in it and sees nothing of the Demo portal, the Demo admin nothing of the
 * new one, and the operator's token reaches nothing inside a portal.
 *
 * The Demo portal is loaded (scripts/demo-data.sh); names, emails and organisation numbers of
 * the portals made here are unique to the run. The operator's credential is the stack's
 * (tests/support/stack.sh: OPERATOR_CLIENT_ID, OPERATOR_SECRET). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <orcania.h>

#include "ids.h"
#include "testlib.h"

#define FORM_CT "Content-Type: application/x-www-form-urlencoded"
#define DEMO_PORTAL "00000000-0000-4000-8000-de0000000201"
#define DEMO_INSURER "00000000-0000-4000-8000-de0000000101"
#define DEMO_ADMIN "00000000-0000-4000-8000-de0000000501"

static struct {
  char sfx[13];
  char *operator_token, *demo_admin, *demo_client;
  /* the portal test_create_and_walls makes, for the tests after it */
  char portal[37], insurer[37], admin[37], admin_email[128];
  char *admin_token;
} fx;

/* ---- helpers ------------------------------------------------------------------------------ */

static const char *policy(void) { return tl_env("POLICY_URL"); }

/* A request to the policy service with token (may be NULL). */
static long call(const char *method, const char *path, const char *token, const char *body,
                 const char *h1, struct tl_response *r) {
  return tl_call(policy(), method, path, token, body, h1, r);
}

/* The access token of a 200 token answer (a new string); fails the test otherwise. */
static char *token_of(struct tl_response *r) {
  tl_expect(r, 200);
  const char *t = tl_str(r->json, "access_token");
  assert_non_null(t);
  char *copy = strdup(t);
  tl_response_free(r);
  return copy;
}

/* POST /v1/auth/token with the client_credentials grant at base. */
static long client_token(const char *base, const char *id, const char *secret,
                         struct tl_response *r) {
  char url[512];
  const char *h[] = {FORM_CT, NULL};
  const char *body =
      tl_form("grant_type", "client_credentials", "client_id", id, "client_secret", secret, NULL);
  snprintf(url, sizeof(url), "%s/v1/auth/token", base);
  assert_int_equal(tl_http("POST", url, h, body, strlen(body), 0, r), 0);
  return r->status;
}

static char *login(const char *email, const char *password) {
  struct tl_response r;
  tl_login(policy(), email, password, NULL, &r);
  return token_of(&r);
}

/* The payload of a compact JWT: a new reference. */
static json_t *jwt_payload(const char *token) {
  const char *dot1 = strchr(token, '.'), *dot2 = dot1 != NULL ? strchr(dot1 + 1, '.') : NULL;
  size_t len = 0;
  assert_non_null(dot2);
  const unsigned char *b64 = (const unsigned char *)dot1 + 1;
  size_t n = (size_t)(dot2 - dot1 - 1);
  assert_true(o_base64url_decode(b64, n, NULL, &len));
  unsigned char *raw = malloc(len + 1);
  assert_true(o_base64url_decode(b64, n, raw, &len));
  json_t *claims = json_loadb((const char *)raw, len, 0, NULL);
  free(raw);
  assert_non_null(claims);
  return claims;
}

static long portals_named(const char *name) {
  const char *p[] = {name};
  return tl_sql_long("SELECT count(*) FROM policy.portals WHERE name = $1", 1, p);
}

/* A create body: the portal label (made unique), the admin's email and password (NULL: none),
 * the insurer's organisation number. New string. */
static char *portal_body(const char *label, const char *email, const char *password,
                         const char *org_number) {
  char name[96], insurer[96];
  snprintf(name, sizeof(name), "%s %s", label, fx.sfx);
  snprintf(insurer, sizeof(insurer), "%s Forsikring ASA %s", label, fx.sfx);
  json_t *admin = json_pack("{s:s, s:s}", "email", email, "name", "Ola Nordmann");
  if (password != NULL) json_object_set_new(admin, "password", json_string(password));
  json_t *b = json_pack(
      "{s:s, s:s, s:s, s:{s:s, s:s}, s:[i,i,i,i], s:[s], s:I, s:{s:s, s:s}, s:o}", "name", name,
      "timezone", "Europe/Oslo", "currency", "NOK", "office_hours", "start", "07:30", "end",
      "15:30", "office_days", 1, 2, 3, 4, "public_holidays", "2026-05-17", "default_budget_limit",
      (json_int_t)2500000, "insurer", "name", insurer, "org_number", org_number, "admin", admin);
  char *s = json_dumps(b, JSON_COMPACT);
  json_decref(b);
  return s;
}

/* The ids of every page of GET /v1/portals?limit=2 as the operator, comma-joined into buf. */
static const char *all_portal_ids(char *buf, size_t len) {
  char path[600] = "/v1/portals?limit=2";
  size_t used = 0;
  buf[0] = '\0';
  for (int page = 0; page < 500; page++) {
    struct tl_response r;
    size_t i;
    json_t *it;
    call("GET", path, fx.operator_token, NULL, NULL, &r);
    tl_expect(&r, 200);
    json_t *items = json_object_get(r.json, "items");
    assert_true(json_array_size(items) <= 2);
    json_array_foreach(items, i, it) {
      used += (size_t)snprintf(buf + used, len - used, "%s,", tl_str(it, "id"));
      assert_true(used < len);
    }
    const char *next = tl_str(r.json, "next_cursor");
    if (next == NULL) {
      tl_response_free(&r);
      return buf;
    }
    char *cursor = tl_urlencode(next);
    snprintf(path, sizeof(path), "/v1/portals?limit=2&cursor=%s", cursor);
    free(cursor);
    tl_response_free(&r);
  }
  fail_msg("GET /v1/portals does not end");
  return buf;
}

/* GET path as token answers 404 (not visible). */
static void assert_invisible(const char *path, const char *token) {
  struct tl_response r;
  call("GET", path, token, NULL, NULL, &r);
  tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
  tl_response_free(&r);
}

/* GET path (a list) as token answers 200 without id. */
static void assert_not_listed(const char *path, const char *token, const char *id) {
  struct tl_response r;
  call("GET", path, token, NULL, NULL, &r);
  tl_expect(&r, 200);
  if (tl_item(json_object_get(r.json, "items"), id) != NULL)
    fail_msg("GET %s lists %s of another portal", path, id);
  tl_response_free(&r);
}

/* ---- setup -------------------------------------------------------------------------------- */

static int setup(void **state) {
  (void)state;
  struct tl_response r;
  char uuid[37];
  ids_uuid_v4(uuid);
  memcpy(fx.sfx, uuid, 8);
  fx.sfx[8] = '\0';
  assert_int_equal(tl_sh("bash '%s/scripts/demo-data.sh' '%s' '%s' >/dev/null",
                         tl_env("SOURCE_DIR"), tl_env("PG_PORT"), tl_env("BIN_DIR")),
                   0);
  client_token(policy(), tl_env("OPERATOR_CLIENT_ID"), tl_env("OPERATOR_SECRET"), &r);
  fx.operator_token = token_of(&r);
  fx.demo_admin = login("admin@demo.test", "demo");
  /* an API client of the Demo portal */
  char body[128];
  snprintf(body, sizeof(body), "{\"name\": \"portals test %s\"}", fx.sfx);
  call("POST", "/v1/api-clients", fx.demo_admin, body, NULL, &r);
  tl_expect(&r, 201);
  char *id = strdup(tl_str(r.json, "client_id")), *secret = strdup(tl_str(r.json, "client_secret"));
  tl_response_free(&r);
  client_token(policy(), id, secret, &r);
  fx.demo_client = token_of(&r);
  free(id);
  free(secret);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  free(fx.operator_token);
  free(fx.demo_admin);
  free(fx.demo_client);
  free(fx.admin_token);
  tl_sql_close();
  return 0;
}

/* ---- the operator's credential ------------------------------------------------------------ */

static void test_operator_token(void **state) {
  (void)state;
  struct tl_response r;
  json_t *claims = jwt_payload(fx.operator_token);
  tl_assert_str(claims, "kind", "operator");
  tl_assert_str(claims, "client_id", tl_env("OPERATOR_CLIENT_ID"));
  assert_true(ids_is_uuid(tl_str(claims, "sub")));
  assert_null(json_object_get(claims, "portal_id"));
  assert_null(json_object_get(claims, "company_id"));
  assert_null(json_object_get(claims, "authority_level"));
  json_decref(claims);
  /* stored hashed, the configured one the only active operator */
  const char *p[] = {tl_env("OPERATOR_CLIENT_ID")};
  assert_int_equal(
      tl_sql_long("SELECT count(*) FROM policy.platform_operators"
                  " WHERE client_id = $1 AND active AND secret_hash LIKE '$argon2id$%'",
                  1, p),
      1);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM policy.platform_operators"
                               " WHERE active AND client_id <> $1",
                               1, p),
                   0);

  /* through the gateway too */
  client_token(tl_env("GATEWAY_URL"), tl_env("OPERATOR_CLIENT_ID"), tl_env("OPERATOR_SECRET"), &r);
  tl_expect(&r, 200);
  tl_response_free(&r);

  /* a wrong secret is a wrong client secret like any other */
  client_token(policy(), tl_env("OPERATOR_CLIENT_ID"), "not-the-operator-secret", &r);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:invalid-client");
  tl_assert_str(r.json, "error", "invalid_client");
  tl_response_free(&r);
  /* and the operator is no user: the password grant does not know it */
  tl_login(policy(), tl_env("OPERATOR_CLIENT_ID"), tl_env("OPERATOR_SECRET"), NULL, &r);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:invalid-credentials");
  tl_response_free(&r);
}

/* Every portal resource refuses the operator's token as one that names no user or API client of
 * a portal: the org resources and /v1/me 401, the authority resources 403, the cases 401. */
static void test_operator_reaches_nothing_inside_a_portal(void **state) {
  (void)state;
  static const struct {
    const char *path;
    long status;
    const char *type;
  } refused[] = {
      {"/v1/users", 401, "urn:claimsuite:problem:invalid-token"},
      {"/v1/users/" DEMO_ADMIN, 401, "urn:claimsuite:problem:invalid-token"},
      {"/v1/companies", 401, "urn:claimsuite:problem:invalid-token"},
      {"/v1/companies/" DEMO_INSURER, 401, "urn:claimsuite:problem:invalid-token"},
      {"/v1/offices", 401, "urn:claimsuite:problem:invalid-token"},
      {"/v1/api-clients", 401, "urn:claimsuite:problem:invalid-token"},
      {"/v1/me", 401, "urn:claimsuite:problem:invalid-token"},
      {"/v1/portal/settings", 403, "urn:claimsuite:problem:forbidden"},
      {"/v1/roles/project_manager", 403, "urn:claimsuite:problem:forbidden"},
      {"/v1/authorize/log", 403, "urn:claimsuite:problem:forbidden"},
  };
  struct tl_response r;
  for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
    call("GET", refused[i].path, fx.operator_token, NULL, NULL, &r);
    if (r.status != refused[i].status)
      fail_msg("GET %s as the operator: %ld %s", refused[i].path, r.status, r.body);
    tl_assert_problem(&r, refused[i].status, refused[i].type);
    tl_response_free(&r);
  }
  /* no write either */
  call("POST", "/v1/companies", fx.operator_token, "{\"kind\": \"partner\", \"name\": \"X\"}", NULL,
       &r);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:invalid-token");
  tl_response_free(&r);
  call("PATCH", "/v1/portal/settings", fx.operator_token, "{\"name\": \"X\"}", "If-Match: \"1\"",
       &r);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  tl_response_free(&r);
  /* the cases service takes users and API clients only */
  tl_call(tl_env("CASES_URL"), "GET", "/v1/cases", fx.operator_token, NULL, NULL, &r);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:invalid-token");
  tl_response_free(&r);
  tl_call(tl_env("GATEWAY_URL"), "GET", "/v1/dashboard", fx.operator_token, NULL, NULL, &r);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:invalid-token");
  tl_response_free(&r);
}

/* ---- who may create ----------------------------------------------------------------------- */

static void test_create_is_the_operators(void **state) {
  (void)state;
  struct tl_response r;
  char email[128];
  snprintf(email, sizeof(email), "nobody+%s@portals.test", fx.sfx);
  char *body = portal_body("Refused", email, NULL, "999999-0001");
  char name[96];
  snprintf(name, sizeof(name), "Refused %s", fx.sfx);

  call("POST", "/v1/portals", NULL, body, NULL, &r);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:unauthenticated");
  tl_response_free(&r);
  /* a portal's admin and an API client: 403, also for the lists and reads */
  const char *tokens[] = {fx.demo_admin, fx.demo_client};
  for (size_t i = 0; i < 2; i++) {
    call("POST", "/v1/portals", tokens[i], body, NULL, &r);
    tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
    tl_response_free(&r);
    call("POST", "/v1/portals", tokens[i], "{}", NULL, &r); /* before the body is judged */
    tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
    tl_response_free(&r);
    call("GET", "/v1/portals", tokens[i], NULL, NULL, &r);
    tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
    tl_response_free(&r);
    call("GET", "/v1/portals/" DEMO_PORTAL, tokens[i], NULL, NULL, &r);
    tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
    tl_response_free(&r);
  }
  call("GET", "/v1/portals", NULL, NULL, NULL, &r);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:unauthenticated");
  tl_response_free(&r);
  assert_int_equal(portals_named(name), 0);
  free(body);
}

/* ---- a second portal, and the walls between portals ---------------------------------------- */

static void test_create_and_walls(void **state) {
  (void)state;
  struct tl_response r;
  char path[256], org[32], name[96];
  snprintf(fx.admin_email, sizeof(fx.admin_email), "admin+%s@nordic.test", fx.sfx);
  snprintf(org, sizeof(org), "9%s", fx.sfx); /* unique to the run */
  snprintf(name, sizeof(name), "Nordic %s", fx.sfx);
  char *body = portal_body("Nordic", fx.admin_email, NULL, org);

  /* through the gateway, as an operator's tool would */
  tl_call(tl_env("GATEWAY_URL"), "POST", "/v1/portals", fx.operator_token, body, NULL, &r);
  tl_expect(&r, 201);
  snprintf(fx.portal, sizeof(fx.portal), "%s", tl_str(r.json, "id"));
  assert_true(ids_is_uuid(fx.portal));
  snprintf(path, sizeof(path), "/v1/portals/%s", fx.portal);
  tl_assert_header(&r, "Location", path);
  tl_assert_header(&r, "ETag", "\"1\"");
  tl_assert_header(&r, "Cache-Control", "no-store");
  tl_assert_str(r.json, "name", name);
  tl_assert_str(r.json, "timezone", "Europe/Oslo");
  tl_assert_str(r.json, "currency", "NOK");
  tl_assert_str(json_object_get(r.json, "office_hours"), "start", "07:30");
  tl_assert_str(json_object_get(r.json, "office_hours"), "end", "15:30");
  assert_string_equal(tl_joined(json_object_get(r.json, "public_holidays")), "2026-05-17");
  assert_int_equal(json_array_size(json_object_get(r.json, "office_days")), 4);
  assert_int_equal(json_integer_value(json_object_get(r.json, "default_budget_limit")), 2500000);
  assert_true(json_is_false(json_object_get(r.json, "enhanced_temporary_cases")));
  tl_assert_str(r.json, "temporary_cases_report", "weekly"); /* not given: the default */
  json_t *insurer = json_object_get(r.json, "insurer"), *admin = json_object_get(r.json, "admin");
  snprintf(fx.insurer, sizeof(fx.insurer), "%s", tl_str(insurer, "id"));
  snprintf(fx.admin, sizeof(fx.admin), "%s", tl_str(admin, "id"));
  assert_true(ids_is_uuid(fx.insurer) && ids_is_uuid(fx.admin));
  tl_assert_str(insurer, "org_number", org);
  tl_assert_str(admin, "email", fx.admin_email);
  /* no password given: one made, shown once */
  const char *initial = tl_str(r.json, "initial_password");
  assert_non_null(initial);
  assert_int_equal(strlen(initial), 24);
  char *password = strdup(initial);
  tl_response_free(&r);
  free(body);

  /* one transaction made the insurer, the portal, the link and the admin of level 6 */
  const char *p[] = {fx.portal, fx.insurer, fx.admin};
  assert_int_equal(tl_sql_long("SELECT count(*) FROM policy.portals p"
                               " JOIN policy.companies c ON c.id = p.insurer_company_id"
                               " JOIN policy.company_portals cp ON cp.portal_id = p.id"
                               "  AND cp.company_id = c.id"
                               " JOIN policy.users u ON u.company_id = c.id"
                               " WHERE p.id = $1 AND c.id = $2 AND c.kind = 'insurer'"
                               " AND u.id = $3 AND u.authority_level = 6 AND u.active"
                               " AND u.password_hash LIKE '$argon2id$%'"
                               " AND p.timezone = 'Europe/Oslo' AND p.office_days = '{1,2,3,4}'"
                               " AND p.temporary_cases_report = 'weekly'",
                               3, p),
                   1);

  /* the operator reads it, and finds it in the list with the Demo portal */
  call("GET", path, fx.operator_token, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_assert_header(&r, "ETag", "\"1\"");
  tl_assert_str(r.json, "id", fx.portal);
  tl_assert_str(json_object_get(r.json, "insurer"), "id", fx.insurer);
  assert_null(json_object_get(r.json, "initial_password"));
  tl_response_free(&r);
  char ids[16384];
  all_portal_ids(ids, sizeof(ids));
  assert_non_null(strstr(ids, fx.portal));
  assert_non_null(strstr(ids, DEMO_PORTAL));
  assert_invisible("/v1/portals/00000000-0000-4000-8000-000000000000", fx.operator_token);
  assert_invisible("/v1/portals/not-a-portal", fx.operator_token);

  /* its admin logs in and works in it */
  fx.admin_token = login(fx.admin_email, password);
  json_t *claims = jwt_payload(fx.admin_token);
  tl_assert_str(claims, "portal_id", fx.portal);
  tl_assert_str(claims, "kind", "user");
  json_decref(claims);
  call("GET", "/v1/portal/settings", fx.admin_token, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "portal_id", fx.portal);
  tl_assert_str(r.json, "currency", "NOK");
  tl_assert_str(r.json, "temporary_cases_report", "weekly");
  tl_response_free(&r);
  char company_body[160], company[37], user_body[400], user[37];
  snprintf(company_body, sizeof(company_body),
           "{\"kind\": \"partner\", \"name\": \"Rørlegger Nord %s\"}", fx.sfx);
  call("POST", "/v1/companies", fx.admin_token, company_body, NULL, &r);
  tl_expect(&r, 201);
  snprintf(company, sizeof(company), "%s", tl_str(r.json, "id"));
  tl_response_free(&r);
  snprintf(user_body, sizeof(user_body),
           "{\"email\": \"handler+%s@nordic.test\", \"name\": \"Kari Nordmann\","
           " \"password\": \"nordic-password\", \"authority_level\": 3}",
           fx.sfx);
  call("POST", "/v1/users", fx.admin_token, user_body, NULL, &r);
  tl_expect(&r, 201);
  snprintf(user, sizeof(user), "%s", tl_str(r.json, "id"));
  tl_assert_str(r.json, "company_id", fx.insurer);
  tl_response_free(&r);
  call("GET", "/v1/companies", fx.admin_token, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_non_null(tl_item(json_object_get(r.json, "items"), company));
  assert_non_null(tl_item(json_object_get(r.json, "items"), fx.insurer));
  tl_response_free(&r);

  /* the Demo admin sees nothing of the new portal ... */
  const char *demo = fx.demo_admin;
  assert_not_listed("/v1/companies?limit=200", demo, company);
  assert_not_listed("/v1/companies?limit=200", demo, fx.insurer);
  assert_not_listed("/v1/users?limit=200", demo, fx.admin);
  assert_not_listed("/v1/users?limit=200", demo, user);
  snprintf(path, sizeof(path), "/v1/companies/%s", company);
  assert_invisible(path, demo);
  snprintf(path, sizeof(path), "/v1/companies/%s", fx.insurer);
  assert_invisible(path, demo);
  snprintf(path, sizeof(path), "/v1/users/%s", fx.admin);
  assert_invisible(path, demo);
  snprintf(path, sizeof(path), "/v1/users/%s", user);
  assert_invisible(path, demo);
  /* ... and the new admin nothing of the Demo portal */
  const char *nordic = fx.admin_token;
  assert_not_listed("/v1/companies?limit=200", nordic, DEMO_INSURER);
  assert_not_listed("/v1/users?limit=200", nordic, DEMO_ADMIN);
  assert_invisible("/v1/companies/" DEMO_INSURER, nordic);
  assert_invisible("/v1/users/" DEMO_ADMIN, nordic);
  call("GET", "/v1/portal/settings", fx.demo_admin, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "portal_id", DEMO_PORTAL);
  tl_response_free(&r);
  /* a portal's admin is no operator */
  call("POST", "/v1/portals", nordic, "{}", NULL, &r);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  tl_response_free(&r);
  free(password);
}

/* ---- bodies ------------------------------------------------------------------------------- */

static void test_bad_bodies_422(void **state) {
  (void)state;
  struct tl_response r;
  long before = tl_sql_long("SELECT count(*) FROM policy.portals", 0, NULL);

  call("POST", "/v1/portals", fx.operator_token, "{}", NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_code(&r, "name", "required");
  tl_assert_field_code(&r, "insurer", "required");
  tl_assert_field_code(&r, "admin", "required");
  assert_int_equal(json_array_size(json_object_get(r.json, "errors")), 3);
  tl_response_free(&r);

  /* every error of one body at once */
  call("POST", "/v1/portals", fx.operator_token,
       "{\"name\": \"\", \"timezone\": \"Mars/Olympus_Mons\", \"currency\": \"nok\","
       " \"office_hours\": {\"start\": \"9\", \"end\": \"08:00\"}, \"office_days\": [0, 3],"
       " \"public_holidays\": [\"2026-13-01\"], \"default_budget_limit\": -1,"
       " \"enhanced_temporary_cases\": \"yes\", \"temporary_cases_report\": \"fortnightly\","
       " \"colour\": \"red\","
       " \"insurer\": {\"name\": \"\", \"vat\": 1},"
       " \"admin\": {\"email\": \"no-at-sign\", \"name\": 7, \"password\": \"short\"}}",
       NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_code(&r, "name", "required");
  tl_assert_field_code(&r, "currency", "format");
  tl_assert_field_code(&r, "office_hours/start", "format");
  tl_assert_field_code(&r, "office_days/0", "out_of_range");
  tl_assert_field_code(&r, "public_holidays/0", "format");
  tl_assert_field_code(&r, "default_budget_limit", "out_of_range");
  tl_assert_field_code(&r, "enhanced_temporary_cases", "wrong_type");
  tl_assert_field_code(&r, "temporary_cases_report", "not_allowed");
  tl_assert_field_error(&r, "temporary_cases_report", "weekly or monthly");
  tl_assert_field_code(&r, "colour", "unknown_field");
  tl_assert_field_code(&r, "insurer/name", "required");
  tl_assert_field_code(&r, "insurer/org_number", "required");
  tl_assert_field_code(&r, "insurer/vat", "unknown_field");
  tl_assert_field_code(&r, "admin/email", "format");
  tl_assert_field_code(&r, "admin/name", "wrong_type");
  tl_assert_field_code(&r, "admin/password", "format");
  tl_assert_field_code(&r, "timezone", "not_found"); /* PostgreSQL's to know */
  tl_response_free(&r);

  /* a sound body but for a few members */
  char email[128];
  snprintf(email, sizeof(email), "tz+%s@portals.test", fx.sfx);
  char *body = portal_body("Timezone", email, NULL, "999999-0002");
  json_t *b = json_loads(body, 0, NULL);
  json_object_set_new(b, "timezone", json_string("Europe/Atlantis"));
  json_object_set_new(b, "insurer", json_string("Atlantis Insurance"));
  json_object_set_new(b, "office_hours", json_pack("{s:s, s:s}", "start", "16:00", "end", "08:00"));
  char *text = json_dumps(b, JSON_COMPACT);
  call("POST", "/v1/portals", fx.operator_token, text, NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_code(&r, "timezone", "not_found");
  tl_assert_field_code(&r, "insurer", "wrong_type");
  tl_assert_field_code(&r, "office_hours", "invalid");
  tl_response_free(&r);
  free(text);
  json_decref(b);
  free(body);

  /* not JSON, not an object */
  call("POST", "/v1/portals", fx.operator_token, "{\"name\": ", NULL, &r);
  tl_assert_problem(&r, 400, "urn:claimsuite:problem:malformed-json");
  tl_response_free(&r);
  call("POST", "/v1/portals", fx.operator_token, "[]", NULL, &r);
  tl_assert_problem(&r, 400, "urn:claimsuite:problem:malformed-json");
  tl_response_free(&r);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM policy.portals", 0, NULL), before);
}

static void test_body_too_large_413(void **state) {
  (void)state;
  struct tl_response r;
  size_t big = 1024u * 1024 + 1; /* one byte above HTTP_MAX_BODY_BYTES' default */
  char *huge = malloc(big + 1);
  memset(huge, ' ', big);
  huge[0] = '{';
  huge[big - 1] = '}';
  huge[big] = '\0';
  call("POST", "/v1/portals", fx.operator_token, huge, NULL, &r);
  tl_assert_problem(&r, 413, "urn:claimsuite:problem:body-too-large");
  tl_response_free(&r);
  free(huge);
}

/* ---- conflicts ---------------------------------------------------------------------------- */

static void test_conflicts_409(void **state) {
  (void)state;
  struct tl_response r;
  char org[32], email[128];
  long before = tl_sql_long("SELECT count(*) FROM policy.portals", 0, NULL);
  long companies = tl_sql_long("SELECT count(*) FROM policy.companies", 0, NULL);

  /* the admin's email is a user's already (any case) */
  snprintf(org, sizeof(org), "8%s", fx.sfx);
  char *body = portal_body("Clash", "ADMIN@demo.test", "a-good-password", org);
  call("POST", "/v1/portals", fx.operator_token, body, NULL, &r);
  tl_assert_problem(&r, 409, "urn:claimsuite:problem:conflict");
  tl_assert_field_code(&r, "admin/email", "not_unique");
  assert_null(tl_error_for(json_object_get(r.json, "errors"), "insurer/org_number", NULL));
  tl_response_free(&r);
  free(body);

  /* the insurer's organisation number is the Demo insurer's */
  snprintf(email, sizeof(email), "clash+%s@portals.test", fx.sfx);
  body = portal_body("Clash", email, "a-good-password", "556900-0101");
  call("POST", "/v1/portals", fx.operator_token, body, NULL, &r);
  tl_assert_problem(&r, 409, "urn:claimsuite:problem:conflict");
  tl_assert_field_code(&r, "insurer/org_number", "not_unique");
  tl_response_free(&r);
  free(body);

  /* both, and the admin of the portal made above */
  body = portal_body("Clash", fx.admin_email, "a-good-password", "556900-0101");
  call("POST", "/v1/portals", fx.operator_token, body, NULL, &r);
  tl_assert_problem(&r, 409, "urn:claimsuite:problem:conflict");
  tl_assert_field_code(&r, "admin/email", "not_unique");
  tl_assert_field_code(&r, "insurer/org_number", "not_unique");
  tl_response_free(&r);
  free(body);

  /* nothing of them was kept */
  assert_int_equal(tl_sql_long("SELECT count(*) FROM policy.portals", 0, NULL), before);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM policy.companies", 0, NULL), companies);
}

/* ---- Idempotency-Key ---------------------------------------------------------------------- */

static void test_idempotent_create(void **state) {
  (void)state;
  struct tl_response first, again;
  char org[32], email[128], key[80], name[96];
  snprintf(org, sizeof(org), "7%s", fx.sfx);
  snprintf(email, sizeof(email), "idem+%s@portals.test", fx.sfx);
  snprintf(key, sizeof(key), "Idempotency-Key: portal-%s", fx.sfx);
  snprintf(name, sizeof(name), "Idem %s", fx.sfx);
  /* a portal made with a monthly temporary-cases report */
  char *plain = portal_body("Idem", email, NULL, org);
  json_t *monthly = json_loads(plain, 0, NULL);
  json_object_set_new(monthly, "temporary_cases_report", json_string("monthly"));
  char *body = json_dumps(monthly, JSON_COMPACT);
  json_decref(monthly);
  free(plain);

  call("POST", "/v1/portals", fx.operator_token, body, key, &first);
  tl_expect(&first, 201);
  assert_non_null(tl_str(first.json, "initial_password"));
  tl_assert_str(first.json, "temporary_cases_report", "monthly");
  assert_int_equal(tl_sql_long("SELECT count(*) FROM policy.portals WHERE name = $1"
                               " AND temporary_cases_report = 'monthly'",
                               1, (const char *[]){name}),
                   1);
  call("POST", "/v1/portals", fx.operator_token, body, key, &again);
  tl_expect(&again, 201);
  /* the same answer, but the initial password is never shown twice */
  json_t *expected = json_deep_copy(first.json);
  json_object_del(expected, "initial_password");
  assert_true(json_equal(expected, again.json));
  json_decref(expected);
  char *loc1 = tl_header(&first, "Location"), *loc2 = tl_header(&again, "Location");
  assert_non_null(loc1);
  assert_non_null(loc2);
  assert_string_equal(loc1, loc2);
  free(loc1);
  free(loc2);
  assert_int_equal(portals_named(name), 1);
  tl_response_free(&first);
  tl_response_free(&again);

  /* the same key with another body */
  json_t *b = json_loads(body, 0, NULL);
  json_object_set_new(b, "currency", json_string("DKK"));
  char *other = json_dumps(b, JSON_COMPACT);
  call("POST", "/v1/portals", fx.operator_token, other, key, &again);
  tl_assert_problem(&again, 422, "urn:claimsuite:problem:idempotency-key-reused");
  tl_response_free(&again);
  assert_int_equal(portals_named(name), 1);
  free(other);
  json_decref(b);
  free(body);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_operator_token),
      cmocka_unit_test(test_operator_reaches_nothing_inside_a_portal),
      cmocka_unit_test(test_create_is_the_operators),
      cmocka_unit_test(test_create_and_walls),
      cmocka_unit_test(test_bad_bodies_422),
      cmocka_unit_test(test_body_too_large_413),
      cmocka_unit_test(test_conflicts_409),
      cmocka_unit_test(test_idempotent_create),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
