/* The organisation resources of the policy service: /v1/users, /v1/offices, /v1/companies and
 * /v1/api-clients, their scoping (BOLA), validation, conflicts, preconditions, idempotent
 * creates, filters (updated_since among them) and events.
 *
 * Fixtures are inserted as the database superuser with names unique to this run, in two portals:
 *   portal A: insurer A (admin alice), partner P (admin pam, ECH user eric in office po1, plain
 *             user pia; offices po1, po2), partner Q serving A only (admin quinn, user quentin in
 *             office qo1);
 *   portal B: insurer B (admin bob); partner P serves B too.
 * Tokens come from POST /v1/auth/token (password grant). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "http.h"
#include "ids.h"
#include "password.h"
#include "status.h"
#include "testlib.h"

struct person {
  char id[37];
  char email[128];
  char token[4096];
};

static struct {
  char sfx[13];
  char insurer_a[37], insurer_b[37], partner_p[37], partner_q[37], portal_a[37], portal_b[37];
  char po1[37], po2[37], qo1[37];
  struct person alice, bob, pam, eric, pia, quinn, quentin;
  char *hash; /* one password hash for every fixture user */
} fx;

static const char *PASSWORD = "org-test-password";

/* ---- helpers ------------------------------------------------------------------------------ */

/* A request to the policy service as who (NULL: no token), h1 an extra header (may be NULL). */
static long call(const char *method, const char *path, const struct person *who, const char *body,
                 const char *h1, struct tl_response *r) {
  return tl_call(tl_env("POLICY_URL"), method, path, who != NULL ? who->token : NULL, body, h1, r);
}

/* The ids of r's items against the wanted ones (NULL-terminated), both sorted. */
static void assert_list(const char *path, const struct person *who, ...) {
  struct tl_response r;
  char got[2048], want[2048];
  const char *ids[16];
  size_t n = 0, i;
  json_t *it;
  va_list ap;
  va_start(ap, who);
  for (const char *s = va_arg(ap, const char *); s != NULL; s = va_arg(ap, const char *)) {
    assert_true(n < 16);
    ids[n++] = s;
  }
  va_end(ap);
  tl_sort_join(ids, n, want, sizeof(want));
  call("GET", path, who, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_true(json_object_get(r.json, "next_cursor") != NULL);
  json_t *items = json_object_get(r.json, "items");
  assert_true(json_is_array(items));
  const char **got_ids = calloc(json_array_size(items) + 1, sizeof(*got_ids));
  json_array_foreach(items, i, it) got_ids[i] = tl_str(it, "id");
  tl_sort_join(got_ids, json_array_size(items), got, sizeof(got));
  free(got_ids);
  if (strcmp(got, want) != 0) fail_msg("GET %s: ids\n  %s\nexpected\n  %s", path, got, want);
  tl_response_free(&r);
}

/* 1 when the list answer holds id. */
static int list_has(const struct tl_response *r, const char *id) {
  return tl_item(json_object_get(r->json, "items"), id) != NULL;
}

/* ---- fixtures ----------------------------------------------------------------------------- */

static void add_company(char *id, const char *kind, const char *label) {
  char name[96];
  ids_uuid_v4(id);
  snprintf(name, sizeof(name), "%s %s", label, fx.sfx);
  tl_sql_run("INSERT INTO policy.companies (id, kind, name) VALUES ($1, $2, $3)", 3, id, kind,
             name);
}

static void add_portal(char *id, const char *insurer, const char *label) {
  char name[96];
  ids_uuid_v4(id);
  snprintf(name, sizeof(name), "%s %s", label, fx.sfx);
  tl_sql_run("INSERT INTO policy.portals (id, insurer_company_id, name) VALUES ($1, $2, $3)", 3,
             id, insurer, name);
}

static void serve(const char *company, const char *portal) {
  tl_sql_run("INSERT INTO policy.company_portals (company_id, portal_id) VALUES ($1, $2)", 2,
             company, portal);
}

static void add_office(char *id, const char *company, const char *name) {
  ids_uuid_v4(id);
  tl_sql_run("INSERT INTO policy.offices (id, company_id, name) VALUES ($1, $2, $3)", 3, id,
             company, name);
}

static void add_user(struct person *u, const char *label, const char *company, const char *level,
                     const char *ech, const char *office) {
  char name[96];
  ids_uuid_v4(u->id);
  snprintf(u->email, sizeof(u->email), "%s+%s@org.test", label, fx.sfx);
  snprintf(name, sizeof(name), "%s Orgsson", label);
  tl_sql_run("INSERT INTO policy.users (id, company_id, email, name, password_hash,"
             " authority_level, external_case_handler) VALUES ($1, $2, $3, $4, $5, $6, $7)",
             7, u->id, company, u->email, name, fx.hash, level, ech);
  if (office != NULL)
    tl_sql_run("INSERT INTO policy.user_offices (user_id, office_id) VALUES ($1, $2)", 2, u->id,
               office);
}

static void login(struct person *u, const char *portal) {
  struct tl_response r;
  tl_login(tl_env("POLICY_URL"), u->email, PASSWORD, portal, &r);
  tl_expect(&r, 200);
  snprintf(u->token, sizeof(u->token), "%s", tl_str(r.json, "access_token"));
  tl_response_free(&r);
}

static int setup(void **state) {
  (void)state;
  char rnd[37];
  ids_uuid_v4(rnd);
  snprintf(fx.sfx, sizeof(fx.sfx), "%.8s", rnd);
  if (password_hash(PASSWORD, &fx.hash) != CS_OK) return -1;
  add_company(fx.insurer_a, "insurer", "Org insurer A");
  add_company(fx.insurer_b, "insurer", "Org insurer B");
  add_company(fx.partner_p, "partner", "Org partner P");
  add_company(fx.partner_q, "partner", "Org partner Q");
  add_portal(fx.portal_a, fx.insurer_a, "Org portal A");
  add_portal(fx.portal_b, fx.insurer_b, "Org portal B");
  serve(fx.insurer_a, fx.portal_a);
  serve(fx.insurer_b, fx.portal_b);
  serve(fx.partner_p, fx.portal_a);
  serve(fx.partner_p, fx.portal_b);
  serve(fx.partner_q, fx.portal_a);
  add_office(fx.po1, fx.partner_p, "P north");
  add_office(fx.po2, fx.partner_p, "P south");
  add_office(fx.qo1, fx.partner_q, "Q only");
  add_user(&fx.alice, "alice", fx.insurer_a, "6", "false", NULL);
  add_user(&fx.bob, "bob", fx.insurer_b, "6", "false", NULL);
  add_user(&fx.pam, "pam", fx.partner_p, "6", "false", NULL);
  add_user(&fx.eric, "eric", fx.partner_p, "3", "true", fx.po1);
  add_user(&fx.pia, "pia", fx.partner_p, "2", "false", fx.po2);
  add_user(&fx.quinn, "quinn", fx.partner_q, "6", "false", NULL);
  add_user(&fx.quentin, "quentin", fx.partner_q, "2", "false", fx.qo1);
  tl_sql_run("DELETE FROM policy.auth_failures WHERE key LIKE 'ip:%'", 0);
  login(&fx.alice, fx.portal_a);
  login(&fx.bob, fx.portal_b);
  login(&fx.pam, fx.portal_a);
  login(&fx.quinn, fx.portal_a);
  login(&fx.pia, fx.portal_a);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  tl_sql_close();
  free(fx.hash);
  return 0;
}

/* ---- users -------------------------------------------------------------------------------- */

static void test_users_create_get_patch(void **state) {
  (void)state;
  struct tl_response r, r2;
  char body[1024], path[128], key[96];
  char email[128];
  snprintf(email, sizeof(email), "new.user+%s@org.test", fx.sfx);
  snprintf(body, sizeof(body),
           "{\"email\":\"%s\",\"name\":\"Nina New\",\"mobile\":\"+46701234567\","
           "\"password\":\"long enough\",\"authority_level\":2,\"offices\":[\"%s\"]}",
           email, fx.po1);
  snprintf(key, sizeof(key), "Idempotency-Key: user-%s", fx.sfx);
  call("POST", "/v1/users", &fx.pam, body, key, &r);
  tl_expect(&r, 201);
  assert_null(strstr(r.body, "password"));
  tl_assert_str(r.json, "email", email);
  tl_assert_str(r.json, "name", "Nina New");
  tl_assert_str(r.json, "mobile", "+46701234567");
  tl_assert_str(r.json, "company_id", fx.partner_p);
  assert_int_equal(json_integer_value(json_object_get(r.json, "authority_level")), 2);
  assert_true(json_is_true(json_object_get(r.json, "active")));
  assert_true(json_is_false(json_object_get(r.json, "external_case_handler")));
  assert_true(json_is_null(json_object_get(r.json, "budget_limit")));
  assert_int_equal(json_array_size(json_object_get(r.json, "offices")), 1);
  assert_string_equal(json_string_value(json_array_get(json_object_get(r.json, "offices"), 0)), fx.po1);
  assert_true(ids_is_uuid(tl_str(r.json, "id")));
  assert_true(ids_is_timestamp(tl_str(r.json, "created_at")));
  tl_assert_header(&r, "ETag", "\"1\"");
  char id[37];
  snprintf(id, sizeof(id), "%s", tl_str(r.json, "id"));
  snprintf(path, sizeof(path), "/v1/users/%s", id);
  tl_assert_header(&r, "Location", path);

  /* the same key and body: the same answer, replayed */
  call("POST", "/v1/users", &fx.pam, body, key, &r2);
  tl_expect(&r2, 201);
  tl_assert_header(&r2, "Idempotent-Replayed", "true");
  assert_true(json_equal(r.json, r2.json));
  tl_response_free(&r2);
  /* the same key, another body: 422 */
  call("POST", "/v1/users", &fx.pam, "{\"email\":\"x@y.z\",\"name\":\"X\",\"authority_level\":1}",
       key, &r2);
  tl_assert_problem(&r2, 422, "urn:claimsuite:problem:idempotency-key-reused");
  tl_response_free(&r2);
  tl_response_free(&r);

  /* the new user can log in with the password given */
  tl_login(tl_env("POLICY_URL"), email, "long enough", fx.portal_a, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);

  call("GET", path, &fx.pam, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_assert_header(&r, "ETag", "\"1\"");
  tl_assert_str(r.json, "id", id);
  assert_null(strstr(r.body, "password"));
  tl_response_free(&r);

  /* PATCH: If-Match required, stale refused, current accepted */
  call("PATCH", path, &fx.pam, "{\"name\":\"Nina Renamed\"}", NULL, &r);
  tl_assert_problem(&r, 428, "urn:claimsuite:problem:precondition-required");
  tl_response_free(&r);
  call("PATCH", path, &fx.pam, "{\"name\":\"Nina Renamed\",\"offices\":[]}", "If-Match: \"1\"", &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "name", "Nina Renamed");
  assert_int_equal(json_array_size(json_object_get(r.json, "offices")), 0);
  assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 2);
  tl_assert_header(&r, "ETag", "\"2\"");
  tl_response_free(&r);
  call("PATCH", path, &fx.pam, "{\"name\":\"Stale\"}", "If-Match: \"1\"", &r);
  tl_assert_problem(&r, 412, "urn:claimsuite:problem:precondition-failed");
  tl_response_free(&r);

  /* org roles: granted by the admin of the user's own company only */
  call("PUT", "/v1/users/00000000-0000-4000-8000-000000000000/org-roles", &fx.pam,
       "{\"roles\":[\"attestant\"]}", NULL, &r);
  tl_assert_problem(&r, 404, NULL);
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/users/%s/org-roles", id);
  call("PUT", path, &fx.pam, "{\"roles\":[\"attestant\",\"agent_handler\",\"attestant\"]}", NULL,
       &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "org_roles")), 2);
  assert_string_equal(json_string_value(json_array_get(json_object_get(r.json, "org_roles"), 0)),
                      "agent_handler");
  tl_response_free(&r);
  call("PUT", path, &fx.pam, "{\"roles\":[\"boss\"]}", NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_code(&r, "roles/0", "not_allowed");
  tl_response_free(&r);
  call("PUT", path, &fx.alice, "{\"roles\":[]}", NULL, &r);
  tl_assert_problem(&r, 403, NULL);
  tl_response_free(&r);
}

static void test_users_validation_and_conflicts(void **state) {
  (void)state;
  struct tl_response r;
  char body[1024];
  call("POST", "/v1/users", &fx.pam,
       "{\"email\":\"not-an-email\",\"name\":\"\",\"password\":\"short\","
       "\"authority_level\":9,\"colour\":\"blue\"}", NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_error(&r, "colour", NULL);
  tl_response_free(&r);
  call("POST", "/v1/users", &fx.pam,
       "{\"email\":\"not-an-email\",\"name\":\"\",\"password\":\"short\",\"authority_level\":9}",
       NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_error(&r, "email", NULL);
  tl_assert_field_error(&r, "name", NULL);
  tl_assert_field_error(&r, "password", NULL);
  tl_assert_field_error(&r, "authority_level", NULL);
  tl_response_free(&r);
  call("POST", "/v1/users", &fx.pam, "{\"name\": 5}", NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_error(&r, "email", NULL);
  tl_assert_field_error(&r, "name", NULL);
  tl_response_free(&r);
  /* a type error and rule errors of one body: one 422 with all of them, each with its code */
  call("POST", "/v1/users", &fx.pam,
       "{\"email\":\"no-at\",\"name\":5,\"password\":\"short\",\"authority_level\":1,"
       "\"offices\":[\"not-an-id\",7],\"active\":null}", NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_code(&r, "name", "wrong_type");
  tl_assert_field_code(&r, "email", "format");
  tl_assert_field_code(&r, "password", "format");
  tl_assert_field_code(&r, "offices/0", "format");
  tl_assert_field_code(&r, "offices/1", "wrong_type");
  tl_assert_field_code(&r, "active", "required");
  tl_response_free(&r);
  call("POST", "/v1/offices", &fx.pam,
       "{\"name\":\"\",\"latitude\":\"north\",\"longitude\":200,\"country\":\"se\","
       "\"temporary_cases\":\"sometimes\",\"categories\":[\"Fire\",1,\"\"]}", NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_code(&r, "name", "required");
  tl_assert_field_code(&r, "latitude", "wrong_type");
  tl_assert_field_code(&r, "longitude", "out_of_range");
  tl_assert_field_code(&r, "country", "format");
  tl_assert_field_code(&r, "temporary_cases", "not_allowed");
  tl_assert_field_code(&r, "categories/1", "wrong_type");
  tl_assert_field_code(&r, "categories/2", "required");
  tl_response_free(&r);
  call("POST", "/v1/users", &fx.pam, "{not json", NULL, &r);
  tl_assert_problem(&r, 400, NULL);
  tl_response_free(&r);

  /* an office of another company */
  snprintf(body, sizeof(body),
           "{\"email\":\"off+%s@org.test\",\"name\":\"Off\",\"authority_level\":1,"
           "\"offices\":[\"%s\"]}", fx.sfx, fx.qo1);
  call("POST", "/v1/users", &fx.pam, body, NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_error(&r, "offices", NULL);
  tl_response_free(&r);

  /* a duplicate email, whatever the case */
  snprintf(body, sizeof(body), "{\"email\":\"ERIC+%s@org.test\",\"name\":\"Dup\",\"authority_level\":1}",
           fx.sfx);
  call("POST", "/v1/users", &fx.pam, body, NULL, &r);
  tl_assert_problem(&r, 409, "urn:claimsuite:problem:conflict");
  tl_assert_field_error(&r, "email", NULL);
  tl_response_free(&r);

  /* a non-admin may not create */
  snprintf(body, sizeof(body), "{\"email\":\"pia2+%s@org.test\",\"name\":\"P\",\"authority_level\":1}",
           fx.sfx);
  call("POST", "/v1/users", &fx.pia, body, NULL, &r);
  tl_assert_problem(&r, 403, NULL);
  tl_response_free(&r);
}

static void test_users_scoping(void **state) {
  (void)state;
  struct tl_response r;
  char path[128];

  /* a partner admin sees only its own company's users */
  snprintf(path, sizeof(path), "/v1/users/%s", fx.quentin.id);
  call("GET", path, &fx.pam, NULL, NULL, &r);
  tl_assert_problem(&r, 404, NULL);
  tl_response_free(&r);
  call("PATCH", path, &fx.pam, "{\"name\":\"x\"}", "If-Match: \"1\"", &r);
  tl_assert_problem(&r, 404, NULL);
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/users/%s", fx.alice.id);
  call("GET", path, &fx.pam, NULL, NULL, &r);
  tl_assert_problem(&r, 404, NULL);
  tl_response_free(&r);
  call("GET", "/v1/users?limit=200", &fx.pam, NULL, NULL, &r);
  tl_expect(&r, 200);
  size_t i;
  json_t *it;
  json_array_foreach(json_object_get(r.json, "items"), i, it)
    tl_assert_str(it, "company_id", fx.partner_p);
  assert_true(list_has(&r, fx.eric.id));
  assert_false(list_has(&r, fx.quentin.id));
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/users?company=%s", fx.partner_q);
  assert_list(path, &fx.pam, NULL);

  /* the insurer of portal B sees P (serving B) but nothing of Q (A only) nor insurer A */
  snprintf(path, sizeof(path), "/v1/users/%s", fx.quentin.id);
  call("GET", path, &fx.bob, NULL, NULL, &r);
  tl_assert_problem(&r, 404, NULL);
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/users/%s", fx.alice.id);
  call("GET", path, &fx.bob, NULL, NULL, &r);
  tl_assert_problem(&r, 404, NULL);
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/offices/%s", fx.qo1);
  call("GET", path, &fx.bob, NULL, NULL, &r);
  tl_assert_problem(&r, 404, NULL);
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/companies/%s", fx.partner_q);
  call("GET", path, &fx.bob, NULL, NULL, &r);
  tl_assert_problem(&r, 404, NULL);
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/users/%s", fx.eric.id);
  call("GET", path, &fx.bob, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/users?company=%s", fx.partner_q);
  assert_list(path, &fx.bob, NULL);
  snprintf(path, sizeof(path), "/v1/offices?company=%s", fx.partner_q);
  assert_list(path, &fx.bob, NULL);
  snprintf(path, sizeof(path), "/v1/users?company=%s", fx.insurer_a);
  assert_list(path, &fx.bob, NULL);
  /* the whole lists, page by page: none of Q's or insurer A's */
  char next[600] = "/v1/users?limit=2";
  int pages = 0;
  while (next[0]) {
    call("GET", next, &fx.bob, NULL, NULL, &r);
    tl_expect(&r, 200);
    assert_true(json_array_size(json_object_get(r.json, "items")) <= 2);
    assert_false(list_has(&r, fx.quentin.id));
    assert_false(list_has(&r, fx.quinn.id));
    assert_false(list_has(&r, fx.alice.id));
    const char *c = tl_str(r.json, "next_cursor");
    if (c != NULL) snprintf(next, sizeof(next), "/v1/users?limit=2&cursor=%s", c);
    else next[0] = '\0';
    tl_response_free(&r);
    assert_true(++pages < 1000);
  }
  assert_true(pages >= 2);
  call("GET", "/v1/offices?limit=200", &fx.bob, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_false(list_has(&r, fx.qo1));
  assert_true(list_has(&r, fx.po1));
  tl_response_free(&r);

  /* bad query parameters */
  call("GET", "/v1/users?company=nope&external_case_handler=maybe", &fx.alice, NULL, NULL, &r);
  tl_assert_problem(&r, 400, "urn:claimsuite:problem:invalid-parameter");
  tl_assert_field_error(&r, "company", NULL);
  tl_assert_field_error(&r, "external_case_handler", NULL);
  tl_response_free(&r);
  call("GET", "/v1/users?cursor=garbage", &fx.alice, NULL, NULL, &r);
  tl_assert_problem(&r, 400, "urn:claimsuite:problem:invalid-parameter");
  tl_response_free(&r);
  call("GET", "/v1/users/not-a-uuid", &fx.alice, NULL, NULL, &r);
  tl_assert_problem(&r, 404, NULL);
  tl_response_free(&r);
  call("GET", "/v1/users", NULL, NULL, NULL, &r);
  tl_assert_problem(&r, 401, NULL);
  tl_response_free(&r);
}

static void test_users_insurer_only_fields(void **state) {
  (void)state;
  struct tl_response r;
  char path[128], body[256];
  snprintf(path, sizeof(path), "/v1/users/%s", fx.pia.id);
  call("PATCH", path, &fx.pam, "{\"external_case_handler\":true}", "If-Match: \"1\"", &r);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  assert_non_null(strstr(tl_str(r.json, "detail"), "external_case_handler"));
  tl_assert_field_error(&r, "external_case_handler", NULL);
  tl_response_free(&r);
  call("PATCH", path, &fx.pam, "{\"budget_limit\":1000}", "If-Match: \"1\"", &r);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  assert_non_null(strstr(tl_str(r.json, "detail"), "budget_limit"));
  tl_response_free(&r);
  snprintf(body, sizeof(body),
           "{\"email\":\"ech+%s@org.test\",\"name\":\"E\",\"authority_level\":1,"
           "\"external_case_handler\":true}", fx.sfx);
  call("POST", "/v1/users", &fx.pam, body, NULL, &r);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  tl_response_free(&r);
  /* a non-admin partner user may not change anyone */
  call("PATCH", path, &fx.pia, "{\"name\":\"Me\"}", "If-Match: \"1\"", &r);
  tl_assert_problem(&r, 403, NULL);
  tl_response_free(&r);
  /* the insurer admin may */
  call("PATCH", path, &fx.alice, "{\"external_case_handler\":true,\"budget_limit\":25000}",
       "If-Match: \"1\"", &r);
  tl_expect(&r, 200);
  assert_true(json_is_true(json_object_get(r.json, "external_case_handler")));
  assert_int_equal(json_integer_value(json_object_get(r.json, "budget_limit")), 25000);
  tl_response_free(&r);
  /* and the filters now show pia as an external case handler, and po2 as an office with one */
  char want[200];
  snprintf(want, sizeof(want), "/v1/users?external_case_handler=true&company=%s", fx.partner_p);
  assert_list(want, &fx.alice, fx.eric.id, fx.pia.id, NULL);
  snprintf(want, sizeof(want), "/v1/offices?has_role=external_case_handler&company=%s", fx.partner_p);
  assert_list(want, &fx.alice, fx.po1, fx.po2, NULL);
  call("PATCH", path, &fx.alice, "{\"external_case_handler\":false,\"budget_limit\":null}",
       "If-Match: \"2\"", &r);
  tl_expect(&r, 200);
  assert_true(json_is_null(json_object_get(r.json, "budget_limit")));
  tl_response_free(&r);
}

static void test_filters(void **state) {
  (void)state;
  char path[200];
  snprintf(path, sizeof(path), "/v1/offices?has_role=external_case_handler&company=%s", fx.partner_p);
  assert_list(path, &fx.alice, fx.po1, NULL);
  assert_list(path, &fx.pam, fx.po1, NULL);
  snprintf(path, sizeof(path), "/v1/users?external_case_handler=true&company=%s", fx.partner_p);
  assert_list(path, &fx.alice, fx.eric.id, NULL);
  snprintf(path, sizeof(path), "/v1/users?office=%s", fx.po1);
  assert_list(path, &fx.pam, fx.eric.id, NULL);
  snprintf(path, sizeof(path), "/v1/users?office=%s", fx.qo1);
  assert_list(path, &fx.alice, fx.quentin.id, NULL);
  assert_list(path, &fx.pam, NULL);
  snprintf(path, sizeof(path), "/v1/users?company=%s", fx.partner_q);
  assert_list(path, &fx.alice, fx.quinn.id, fx.quentin.id, NULL);
  snprintf(path, sizeof(path), "/v1/users?company=%s&q=QUENT", fx.partner_q);
  assert_list(path, &fx.alice, fx.quentin.id, NULL);
  snprintf(path, sizeof(path), "/v1/offices?company=%s&temporary_cases=never", fx.partner_q);
  assert_list(path, &fx.alice, fx.qo1, NULL);
  snprintf(path, sizeof(path), "/v1/offices?company=%s&temporary_cases=always", fx.partner_q);
  assert_list(path, &fx.alice, NULL);
  snprintf(path, sizeof(path), "/v1/companies?kind=insurer");
  assert_list(path, &fx.bob, fx.insurer_b, NULL);
  assert_list("/v1/companies", &fx.pam, fx.partner_p, NULL);
}

/* ---- offices ------------------------------------------------------------------------------ */

static void test_offices(void **state) {
  (void)state;
  struct tl_response r, r2;
  char path[200], key[96], body[512];

  snprintf(key, sizeof(key), "Idempotency-Key: office-%s", fx.sfx);
  /* whether an office opens temporary cases is the insurer's to say, not its company's */
  call("POST", "/v1/offices", &fx.pam, "{\"name\":\"P west\",\"temporary_cases\":\"always\"}", NULL,
       &r);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  tl_assert_field_code(&r, "temporary_cases", "not_allowed");
  tl_response_free(&r);
  const char *create =
      "{\"name\":\"P east\",\"street\":\"Storgatan 1\",\"postal_code\":\"97231\","
      "\"city\":\"Luleå\",\"latitude\":65.58,\"longitude\":22.15}";
  call("POST", "/v1/offices", &fx.pam, create, key, &r);
  tl_expect(&r, 201);
  tl_assert_str(r.json, "name", "P east");
  tl_assert_str(r.json, "city", "Luleå");
  tl_assert_str(r.json, "country", "SE");
  tl_assert_str(r.json, "company_id", fx.partner_p);
  tl_assert_str(r.json, "temporary_cases", "never");
  assert_true(json_number_value(json_object_get(r.json, "latitude")) > 65.57);
  assert_null(json_object_get(r.json, "categories")); /* partners never see categories */
  tl_assert_header(&r, "ETag", "\"1\"");
  call("POST", "/v1/offices", &fx.pam, create, key, &r2);
  tl_expect(&r2, 201);
  assert_true(json_equal(r.json, r2.json));
  tl_response_free(&r2);
  snprintf(path, sizeof(path), "/v1/offices/%s", tl_str(r.json, "id"));
  tl_response_free(&r);

  /* the insurer sees and sets categories; a partner may not */
  call("PATCH", path, &fx.pam, "{\"categories\":[\"Water\"]}", "If-Match: \"1\"", &r);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  tl_response_free(&r);
  call("PATCH", path, &fx.alice, "{\"categories\":[\"Water\",\"Fire\"],\"city\":\"Boden\"}",
       "If-Match: \"1\"", &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "city", "Boden");
  assert_int_equal(json_array_size(json_object_get(r.json, "categories")), 2);
  tl_assert_str(json_array_get(json_object_get(r.json, "categories"), 0), "name", "Fire");
  const char *water_id = tl_str(json_array_get(json_object_get(r.json, "categories"), 1), "id");
  assert_true(ids_is_uuid(water_id));
  char water[37];
  snprintf(water, sizeof(water), "%s", water_id);
  tl_assert_header(&r, "ETag", "\"2\"");
  char office_id[37];
  snprintf(office_id, sizeof(office_id), "%s", tl_str(r.json, "id"));
  tl_response_free(&r);
  call("GET", path, &fx.pam, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_null(json_object_get(r.json, "categories"));
  tl_response_free(&r);
  snprintf(body, sizeof(body), "/v1/offices?category=%s", water);
  assert_list(body, &fx.alice, office_id, NULL);
  assert_list("/v1/offices?category=Fire", &fx.alice, office_id, NULL);
  /* portal B's insurer does not see portal A's categories */
  call("GET", path, &fx.bob, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "categories")), 0);
  tl_response_free(&r);
  assert_list("/v1/offices?category=Fire", &fx.bob, NULL);
  call("GET", "/v1/offices?category=Fire", &fx.pam, NULL, NULL, &r);
  tl_assert_problem(&r, 400, NULL);
  tl_response_free(&r);

  /* stale If-Match; validation */
  call("PATCH", path, &fx.pam, "{\"name\":\"Late\"}", "If-Match: \"1\"", &r);
  tl_assert_problem(&r, 412, "urn:claimsuite:problem:precondition-failed");
  tl_response_free(&r);
  call("PATCH", path, &fx.pam, "{\"latitude\":91,\"longitude\":-181,\"temporary_cases\":\"sometimes\"}",
       "If-Match: \"2\"", &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_error(&r, "latitude", NULL);
  tl_assert_field_error(&r, "longitude", NULL);
  tl_assert_field_error(&r, "temporary_cases", NULL);
  tl_response_free(&r);
  call("POST", "/v1/offices", &fx.pam, "{\"city\":\"Nowhere\"}", NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_error(&r, "name", NULL);
  tl_response_free(&r);
  /* another company's office: partner Q's admin cannot see P's */
  call("PATCH", path, &fx.quinn, "{\"name\":\"Mine\"}", "If-Match: \"2\"", &r);
  tl_assert_problem(&r, 404, NULL);
  tl_response_free(&r);
  snprintf(body, sizeof(body), "{\"name\":\"Sneaky\",\"company_id\":\"%s\"}", fx.partner_q);
  call("POST", "/v1/offices", &fx.pam, body, NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_error(&r, "company_id", NULL);
  tl_response_free(&r);
}

/* ---- companies ---------------------------------------------------------------------------- */

static void test_companies(void **state) {
  (void)state;
  struct tl_response r, r2;
  char path[200], key[96], body[256];
  snprintf(key, sizeof(key), "Idempotency-Key: company-%s", fx.sfx);
  snprintf(body, sizeof(body), "{\"kind\":\"agent\",\"name\":\"Agent %s\",\"org_number\":\"556000-1111\"}",
           fx.sfx);
  call("POST", "/v1/companies", &fx.alice, body, key, &r);
  tl_expect(&r, 201);
  tl_assert_str(r.json, "kind", "agent");
  tl_assert_str(r.json, "org_number", "556000-1111");
  tl_assert_header(&r, "ETag", "\"1\"");
  call("POST", "/v1/companies", &fx.alice, body, key, &r2);
  tl_expect(&r2, 201);
  assert_true(json_equal(r.json, r2.json));
  tl_response_free(&r2);
  char id[37];
  snprintf(id, sizeof(id), "%s", tl_str(r.json, "id"));
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/companies/%s", id);
  call("GET", path, &fx.alice, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "id", id);
  tl_response_free(&r);
  call("GET", path, &fx.bob, NULL, NULL, &r);
  tl_assert_problem(&r, 404, NULL);
  tl_response_free(&r);
  call("GET", path, &fx.pam, NULL, NULL, &r);
  tl_assert_problem(&r, 404, NULL);
  tl_response_free(&r);
  assert_list("/v1/companies?kind=agent", &fx.alice, id, NULL);

  call("PATCH", path, &fx.alice, "{\"name\":\"Agent renamed\"}", "If-Match: \"1\"", &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "name", "Agent renamed");
  tl_response_free(&r);
  call("PATCH", path, &fx.alice, "{\"name\":\"Again\"}", "If-Match: \"1\"", &r);
  tl_assert_problem(&r, 412, NULL);
  tl_response_free(&r);

  call("POST", "/v1/companies", &fx.alice, "{\"kind\":\"insurer\",\"name\":\"\"}", NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_error(&r, "kind", NULL);
  tl_assert_field_error(&r, "name", NULL);
  tl_response_free(&r);
  call("POST", "/v1/companies", &fx.pam, "{\"kind\":\"partner\",\"name\":\"Mine\"}", NULL, &r);
  tl_assert_problem(&r, 403, NULL);
  tl_response_free(&r);
  /* a partner admin changes its own company, not another, and not its organisation number
   * (insurers link partners by it) */
  snprintf(path, sizeof(path), "/v1/companies/%s", fx.partner_p);
  call("PATCH", path, &fx.pam, "{\"name\":\"Partner P renamed\"}", "If-Match: \"1\"", &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "name", "Partner P renamed");
  tl_response_free(&r);
  call("PATCH", path, &fx.pam, "{\"org_number\":\"556677-8899\"}", "If-Match: \"2\"", &r);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/companies/%s", fx.partner_q);
  call("PATCH", path, &fx.pam, "{\"org_number\":\"1\"}", "If-Match: \"1\"", &r);
  tl_assert_problem(&r, 404, NULL);
  tl_response_free(&r);
}

/* ---- API clients -------------------------------------------------------------------------- */

static void test_api_clients(void **state) {
  (void)state;
  struct tl_response r;
  char path[200], key[96], form[600], url[300];
  snprintf(key, sizeof(key), "Idempotency-Key: client-%s", fx.sfx);
  call("POST", "/v1/api-clients", &fx.alice, "{\"name\":\"Core system\"}", key, &r);
  tl_expect(&r, 201);
  tl_assert_str(r.json, "name", "Core system");
  tl_assert_str(r.json, "portal_id", fx.portal_a);
  assert_null(json_object_get(r.json, "secret_hash"));
  const char *secret = tl_str(r.json, "client_secret");
  assert_non_null(secret);
  assert_true(strlen(secret) >= 40);
  char id[37], client_id[64], client_secret[128];
  snprintf(id, sizeof(id), "%s", tl_str(r.json, "id"));
  snprintf(client_id, sizeof(client_id), "%s", tl_str(r.json, "client_id"));
  snprintf(client_secret, sizeof(client_secret), "%s", secret);
  tl_response_free(&r);
  /* a replay does not show the secret again */
  call("POST", "/v1/api-clients", &fx.alice, "{\"name\":\"Core system\"}", key, &r);
  tl_expect(&r, 201);
  tl_assert_str(r.json, "id", id);
  assert_null(json_object_get(r.json, "client_secret"));
  tl_response_free(&r);

  snprintf(url, sizeof(url), "%s/v1/auth/token", tl_env("POLICY_URL"));
  snprintf(form, sizeof(form), "grant_type=client_credentials&client_id=%s&client_secret=%s",
           client_id, client_secret);
  const char *h[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
  assert_int_equal(tl_http("POST", url, h, form, strlen(form), 0, &r), 0);
  tl_expect(&r, 200);
  struct person client;
  snprintf(client.token, sizeof(client.token), "%s", tl_str(r.json, "access_token"));
  tl_response_free(&r);

  /* the client reads with the insurer admin's rights, writes nothing */
  call("GET", "/v1/api-clients", &client, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_true(list_has(&r, id));
  assert_null(strstr(r.body, "secret"));
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/users/%s", fx.quentin.id);
  call("GET", path, &client, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  call("POST", "/v1/companies", &client, "{\"kind\":\"partner\",\"name\":\"Bot\"}", NULL, &r);
  tl_assert_problem(&r, 403, NULL);
  tl_response_free(&r);

  call("GET", "/v1/api-clients", &fx.pam, NULL, NULL, &r);
  tl_assert_problem(&r, 403, NULL);
  tl_response_free(&r);
  call("GET", "/v1/api-clients", &fx.bob, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_false(list_has(&r, id));
  tl_response_free(&r);
  call("POST", "/v1/api-clients", &fx.alice, "{\"name\":7}", NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_error(&r, "name", NULL);
  tl_response_free(&r);

  snprintf(path, sizeof(path), "/v1/api-clients/%s", id);
  call("DELETE", path, &fx.bob, NULL, NULL, &r);
  tl_assert_problem(&r, 404, NULL);
  tl_response_free(&r);
  call("DELETE", path, &fx.alice, NULL, NULL, &r);
  tl_expect(&r, 204);
  tl_response_free(&r);
  assert_int_equal(tl_http("POST", url, h, form, strlen(form), 0, &r), 0);
  tl_expect(&r, 401);
  tl_response_free(&r);
}

/* ---- events ------------------------------------------------------------------------------- */

struct wanted {
  const char *type, *aggregate_id;
};

static int event_page(const json_t *items, long long next_after, void *arg) {
  const struct wanted *w = arg;
  size_t i;
  const json_t *ev;
  int found = 0;
  (void)next_after;
  json_array_foreach(items, i, ev) {
    if (strcmp(tl_str(ev, "type"), w->type) == 0 &&
        strcmp(tl_str(ev, "aggregate_id"), w->aggregate_id) == 0) {
      json_t *data = json_object_get(ev, "data");
      found = json_object_get(data, "password_hash") == NULL &&
              json_object_get(data, "password") == NULL && tl_str(data, "id") != NULL;
    }
  }
  return found;
}

static int event_seen(void *arg) {
  return tl_feed(tl_env("POLICY_URL"), "policy", event_page, arg) > 0;
}

static void test_events(void **state) {
  (void)state;
  struct tl_response r;
  char body[256];
  snprintf(body, sizeof(body), "{\"email\":\"ev+%s@org.test\",\"name\":\"Eve\",\"authority_level\":1,"
           "\"password\":\"secret-pass\"}", fx.sfx);
  call("POST", "/v1/users", &fx.alice, body, NULL, &r);
  tl_expect(&r, 201);
  char id[37];
  snprintf(id, sizeof(id), "%s", tl_str(r.json, "id"));
  tl_response_free(&r);
  struct wanted w = {"user.created", id};
  assert_true(tl_wait(event_seen, &w, 10000));
  char path[128];
  snprintf(path, sizeof(path), "/v1/users/%s", id);
  call("PATCH", path, &fx.alice, "{\"active\":false}", "If-Match: \"1\"", &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  w.type = "user.updated";
  assert_true(tl_wait(event_seen, &w, 10000));
  w.type = "office.updated";
  w.aggregate_id = fx.po2; /* no write on po2 yet: never seen */
  assert_false(event_seen(&w));
  call("GET", "/v1/offices?company=nope", &fx.alice, NULL, NULL, &r);
  tl_assert_problem(&r, 400, NULL);
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/offices/%s", fx.po2);
  call("PATCH", path, &fx.alice, "{\"temporary_cases\":\"always\"}", "If-Match: \"1\"", &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  assert_true(tl_wait(event_seen, &w, 10000));
}

/* ---- linking a partner to a portal and stale tokens --------------------------------------- */

static void test_company_link(void **state) {
  (void)state;
  struct tl_response r, r2;
  char lco[37], cco[37], lo1[37], org[40], cust_org[40], body[128], key[96], path[200];
  struct person lars, luke;
  /* partner L serves portal B only; a customer company has an org number too */
  add_company(lco, "partner", "Org partner L");
  add_company(cco, "customer", "Org customer C");
  snprintf(org, sizeof(org), "LNK-%s", fx.sfx);
  snprintf(cust_org, sizeof(cust_org), "CUS-%s", fx.sfx);
  tl_sql_run("UPDATE policy.companies SET org_number = $2 WHERE id = $1", 2, lco, org);
  tl_sql_run("UPDATE policy.companies SET org_number = $2 WHERE id = $1", 2, cco, cust_org);
  serve(lco, fx.portal_b);
  add_office(lo1, lco, "L office");
  add_user(&lars, "lars", lco, "6", "false", NULL);
  add_user(&luke, "luke", lco, "3", "false", lo1);

  /* before: invisible to insurer A, no login to portal A */
  snprintf(path, sizeof(path), "/v1/companies/%s", lco);
  call("GET", path, &fx.alice, NULL, NULL, &r);
  tl_assert_problem(&r, 404, NULL);
  tl_response_free(&r);
  assert_int_equal(tl_login(tl_env("POLICY_URL"), luke.email, PASSWORD, fx.portal_a, &r), 400);
  tl_response_free(&r);

  /* only the insurer's admin links */
  snprintf(body, sizeof(body), "{\"org_number\":\"%s\"}", org);
  call("POST", "/v1/companies/links", &fx.pam, body, NULL, &r);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  tl_response_free(&r);
  call("POST", "/v1/companies/links", &fx.pia, body, NULL, &r);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  tl_response_free(&r);
  /* unknown number, a customer's number, no number */
  call("POST", "/v1/companies/links", &fx.alice, "{\"org_number\":\"no-such-number\"}", NULL,
       &r);
  tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
  tl_assert_str(r.json, "detail", "no partner company with this organisation number");
  tl_response_free(&r);
  snprintf(body, sizeof(body), "{\"org_number\":\"%s\"}", cust_org);
  call("POST", "/v1/companies/links", &fx.alice, body, NULL, &r);
  tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
  tl_response_free(&r);
  call("POST", "/v1/companies/links", &fx.alice, "{}", NULL, &r);
  assert_true(r.status == 400 || r.status == 422);
  tl_assert_field_error(&r, "org_number", NULL);
  tl_response_free(&r);
  call("POST", "/v1/companies/links", &fx.alice, "{\"org_number\":\"\"}", NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_error(&r, "org_number", NULL);
  tl_response_free(&r);

  /* the link: 201 with the company, replayed with the same key, then 200 */
  snprintf(body, sizeof(body), "{\"org_number\":\"%s\"}", org);
  snprintf(key, sizeof(key), "Idempotency-Key: link-%s", fx.sfx);
  call("POST", "/v1/companies/links", &fx.alice, body, key, &r);
  tl_expect(&r, 201);
  tl_assert_str(r.json, "id", lco);
  tl_assert_str(r.json, "kind", "partner");
  tl_assert_str(r.json, "org_number", org);
  tl_assert_header(&r, "Location", path);
  call("POST", "/v1/companies/links", &fx.alice, body, key, &r2);
  tl_expect(&r2, 201);
  tl_assert_header(&r2, "Idempotent-Replayed", "true");
  assert_true(json_equal(r.json, r2.json));
  tl_response_free(&r2);
  tl_response_free(&r);
  call("POST", "/v1/companies/links", &fx.alice, body, NULL, &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "id", lco);
  tl_response_free(&r);
  /* insurer B: already linked */
  call("POST", "/v1/companies/links", &fx.bob, body, NULL, &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "id", lco);
  tl_response_free(&r);
  struct wanted w = {"company.updated", lco};
  assert_true(tl_wait(event_seen, &w, 10000));

  /* after: the insurer sees the company, its offices and users */
  call("GET", path, &fx.alice, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "id", lco);
  tl_response_free(&r);
  call("GET", "/v1/companies?kind=partner&limit=100", &fx.alice, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_true(list_has(&r, lco));
  assert_true(list_has(&r, fx.partner_p));
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/offices?company=%s", lco);
  assert_list(path, &fx.alice, lo1, NULL);
  snprintf(path, sizeof(path), "/v1/users?company=%s", lco);
  assert_list(path, &fx.alice, lars.id, luke.id, NULL);
  /* other partners still do not see it */
  snprintf(path, sizeof(path), "/v1/companies/%s", lco);
  call("GET", path, &fx.pam, NULL, NULL, &r);
  tl_assert_problem(&r, 404, NULL);
  tl_response_free(&r);

  /* the partner's users log in to portal A and work there */
  login(&luke, fx.portal_a);
  call("GET", "/v1/me", &luke, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_assert_str(json_object_get(r.json, "portal"), "id", fx.portal_a);
  tl_response_free(&r);
  call("GET", "/v1/offices", &luke, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_true(list_has(&r, lo1));
  assert_false(list_has(&r, fx.po1));
  tl_response_free(&r);
}

/* Admin rights come from the user's current row, not the token: a demoted admin gets 403, a
 * deactivated user or a company no longer serving the portal 401, with the same token. */
static void test_stale_token(void **state) {
  (void)state;
  struct tl_response r;
  char body[256], rco[37];
  struct person dora, rita;
  add_user(&dora, "dora", fx.insurer_a, "6", "false", NULL);
  login(&dora, fx.portal_a);
  snprintf(body, sizeof(body), "{\"email\":\"stale1+%s@org.test\",\"name\":\"Stale One\","
           "\"authority_level\":1}", fx.sfx);
  call("POST", "/v1/users", &dora, body, NULL, &r);
  tl_expect(&r, 201);
  tl_response_free(&r);

  tl_sql_run("UPDATE policy.users SET authority_level = 3 WHERE id = $1", 1, dora.id);
  snprintf(body, sizeof(body), "{\"email\":\"stale2+%s@org.test\",\"name\":\"Stale Two\","
           "\"authority_level\":1}", fx.sfx);
  call("POST", "/v1/users", &dora, body, NULL, &r);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  tl_response_free(&r);
  call("GET", "/v1/users?limit=100", &dora, NULL, NULL, &r); /* reading still allowed */
  tl_expect(&r, 200);
  tl_response_free(&r);

  tl_sql_run("UPDATE policy.users SET authority_level = 6, active = false WHERE id = $1", 1,
             dora.id);
  call("POST", "/v1/users", &dora, body, NULL, &r);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:invalid-token");
  tl_response_free(&r);
  call("GET", "/v1/users", &dora, NULL, NULL, &r);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:invalid-token");
  tl_response_free(&r);

  /* a partner dropped from the portal */
  add_company(rco, "partner", "Org partner R");
  serve(rco, fx.portal_a);
  add_user(&rita, "rita", rco, "6", "false", NULL);
  login(&rita, fx.portal_a);
  call("GET", "/v1/offices", &rita, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  tl_sql_run("DELETE FROM policy.company_portals WHERE company_id = $1 AND portal_id = $2", 2, rco,
             fx.portal_a);
  call("GET", "/v1/offices", &rita, NULL, NULL, &r);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:invalid-token");
  tl_response_free(&r);
}

/* ---- updated_since ----------------------------------------------------------------------- */

/* PATCH path as who with the If-Match of its current version; expects 200. */
static void patch_current(const char *path, const struct person *who, const char *body) {
  struct tl_response r;
  char if_match[64];
  call("GET", path, who, NULL, NULL, &r);
  tl_expect(&r, 200);
  snprintf(if_match, sizeof(if_match), "If-Match: \"%lld\"",
           (long long)json_integer_value(json_object_get(r.json, "version")));
  tl_response_free(&r);
  call("PATCH", path, who, body, if_match, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
}

/* GET path as who (200 expected): 1 when the page holds id. */
static int listed(const char *path, const struct person *who, const char *id) {
  struct tl_response r;
  call("GET", path, who, NULL, NULL, &r);
  tl_expect(&r, 200);
  int has = list_has(&r, id);
  tl_response_free(&r);
  return has;
}

/* GET path as who: 400 invalid-parameter naming updated_since. */
static void assert_bad_since(const char *path, const struct person *who) {
  struct tl_response r;
  call("GET", path, who, NULL, NULL, &r);
  tl_assert_problem(&r, 400, "urn:claimsuite:problem:invalid-parameter");
  tl_assert_field_error(&r, "updated_since", NULL);
  tl_response_free(&r);
}

/* Every organisation list takes updated_since: the rows changed at or after the instant, within
 * the caller's scope, with the other filters, in pages of the usual order and cursors. */
static void test_updated_since(void **state) {
  (void)state;
  struct tl_response r;
  char path[400], key[96], old_client[37], gone_client[37], b_client[37];
  /* 2021-06-01T10:00:00Z, written with an offset */
  const char *since = "updated_since=2021-06-01T12:00:00%2B02:00";
  const char *any = "updated_since=2000-01-01T00:00:00Z";
  const char *ours = "ARRAY[$1, $2, $3, $4]::uuid[]";

  /* the fixtures last changed in 2020; po2 exactly at the instant (at or after: listed) */
  snprintf(path, sizeof(path),
           "UPDATE policy.users SET updated_at = '2020-01-01T00:00:00Z'"
           " WHERE company_id = ANY (%s)",
           ours);
  tl_sql_run(path, 4, fx.insurer_a, fx.insurer_b, fx.partner_p, fx.partner_q);
  snprintf(path, sizeof(path),
           "UPDATE policy.offices SET updated_at = '2020-01-01T00:00:00Z'"
           " WHERE company_id = ANY (%s)",
           ours);
  tl_sql_run(path, 4, fx.insurer_a, fx.insurer_b, fx.partner_p, fx.partner_q);
  snprintf(path, sizeof(path),
           "UPDATE policy.companies SET updated_at = '2020-01-01T00:00:00Z'"
           " WHERE id = ANY (%s)",
           ours);
  tl_sql_run(path, 4, fx.insurer_a, fx.insurer_b, fx.partner_p, fx.partner_q);
  tl_sql_run("UPDATE policy.offices SET updated_at = '2021-06-01T10:00:00Z' WHERE id = $1", 1,
             fx.po2);

  /* changes through the API: two users, an office and a company of partner Q (portal A only) */
  snprintf(path, sizeof(path), "/v1/users/%s", fx.quentin.id);
  patch_current(path, &fx.alice, "{\"name\":\"Quentin Synced\"}");
  snprintf(path, sizeof(path), "/v1/users/%s", fx.quinn.id);
  patch_current(path, &fx.alice, "{\"name\":\"Quinn Synced\"}");
  snprintf(path, sizeof(path), "/v1/offices/%s", fx.qo1);
  patch_current(path, &fx.alice, "{\"city\":\"Uppsala\"}");
  snprintf(path, sizeof(path), "/v1/companies/%s", fx.partner_q);
  patch_current(path, &fx.alice, "{\"name\":\"Org partner Q synced\"}");

  /* users: changed listed, unchanged not, other filters and paging combine */
  snprintf(path, sizeof(path), "/v1/users?limit=200&%s", since);
  assert_true(listed(path, &fx.alice, fx.quentin.id));
  assert_true(listed(path, &fx.alice, fx.quinn.id));
  assert_false(listed(path, &fx.alice, fx.pia.id));
  assert_false(listed(path, &fx.alice, fx.alice.id));
  snprintf(path, sizeof(path), "/v1/users?company=%s&%s", fx.partner_q, since);
  assert_list(path, &fx.alice, fx.quentin.id, fx.quinn.id, NULL);
  snprintf(path, sizeof(path), "/v1/users?company=%s&q=QUENT&%s", fx.partner_q, since);
  assert_list(path, &fx.alice, fx.quentin.id, NULL);
  snprintf(path, sizeof(path), "/v1/users?company=%s&%s", fx.partner_p, since);
  assert_list(path, &fx.alice, NULL);
  char next[700], seen[2][37];
  snprintf(next, sizeof(next), "/v1/users?company=%s&limit=1&%s", fx.partner_q, since);
  for (int page = 0; page < 2; page++) {
    call("GET", next, &fx.alice, NULL, NULL, &r);
    tl_expect(&r, 200);
    json_t *items = json_object_get(r.json, "items");
    assert_int_equal(json_array_size(items), 1);
    snprintf(seen[page], sizeof(seen[page]), "%s", tl_str(json_array_get(items, 0), "id"));
    const char *c = json_string_value(json_object_get(r.json, "next_cursor"));
    if (page == 0) {
      assert_non_null(c);
      snprintf(next, sizeof(next), "/v1/users?company=%s&limit=1&%s&cursor=%s", fx.partner_q, since,
               c);
    } else {
      assert_null(c);
    }
    tl_response_free(&r);
  }
  assert_string_not_equal(seen[0], seen[1]);
  /* another portal (bob: portal B) and another company (pam: partner P) never see Q's users */
  snprintf(path, sizeof(path), "/v1/users?limit=200&%s", any);
  assert_true(listed(path, &fx.bob, fx.pam.id));
  assert_false(listed(path, &fx.bob, fx.quentin.id));
  assert_false(listed(path, &fx.bob, fx.alice.id));
  assert_false(listed(path, &fx.pam, fx.quentin.id));

  /* offices */
  snprintf(path, sizeof(path), "/v1/offices?limit=200&%s", since);
  assert_true(listed(path, &fx.alice, fx.qo1));
  assert_true(listed(path, &fx.alice, fx.po2));
  assert_false(listed(path, &fx.alice, fx.po1));
  snprintf(path, sizeof(path), "/v1/offices?company=%s&%s", fx.partner_p, since);
  assert_list(path, &fx.alice, fx.po2, NULL);
  snprintf(path, sizeof(path), "/v1/offices?limit=200&%s", any);
  assert_false(listed(path, &fx.bob, fx.qo1));
  assert_true(listed(path, &fx.bob, fx.po1));

  /* companies */
  snprintf(path, sizeof(path), "/v1/companies?limit=200&%s", since);
  assert_true(listed(path, &fx.alice, fx.partner_q));
  assert_false(listed(path, &fx.alice, fx.partner_p));
  snprintf(path, sizeof(path), "/v1/companies?kind=insurer&%s", since);
  assert_list(path, &fx.alice, NULL);
  snprintf(path, sizeof(path), "/v1/companies?limit=200&%s", any);
  assert_false(listed(path, &fx.bob, fx.partner_q));
  assert_false(listed(path, &fx.bob, fx.insurer_a));
  assert_true(listed(path, &fx.bob, fx.partner_p));
  /* a partner linked into portal A is new to its readers: listed though its row is old */
  char mco[37], org[40];
  add_company(mco, "partner", "Org partner M");
  snprintf(org, sizeof(org), "MOV-%s", fx.sfx);
  tl_sql_run(
      "UPDATE policy.companies SET org_number = $2, updated_at = '2020-01-01T00:00:00Z'"
      " WHERE id = $1",
      2, mco, org);
  serve(mco, fx.portal_b);
  snprintf(path, sizeof(path), "/v1/companies?limit=200&%s", since);
  assert_false(listed(path, &fx.bob, mco));
  snprintf(key, sizeof(key), "{\"org_number\":\"%s\"}", org);
  call("POST", "/v1/companies/links", &fx.alice, key, NULL, &r);
  tl_expect(&r, 201);
  tl_response_free(&r);
  assert_true(listed(path, &fx.alice, mco));

  /* API clients: one unchanged since 2020, one deactivated now, one of portal B */
  const char *names[] = {"Old sync", "Gone sync"};
  char *ids[] = {old_client, gone_client};
  for (int i = 0; i < 2; i++) {
    snprintf(key, sizeof(key), "Idempotency-Key: since-%d-%s", i, fx.sfx);
    snprintf(path, sizeof(path), "{\"name\":\"%s\"}", names[i]);
    call("POST", "/v1/api-clients", &fx.alice, path, key, &r);
    tl_expect(&r, 201);
    snprintf(ids[i], 37, "%s", tl_str(r.json, "id"));
    tl_response_free(&r);
  }
  call("POST", "/v1/api-clients", &fx.bob, "{\"name\":\"B sync\"}", NULL, &r);
  tl_expect(&r, 201);
  snprintf(b_client, sizeof(b_client), "%s", tl_str(r.json, "id"));
  tl_response_free(&r);
  tl_sql_run(
      "UPDATE policy.api_clients SET created_at = '2019-01-01T00:00:00Z', updated_at = "
      "'2020-01-01T00:00:00Z'"
      " WHERE id = ANY (ARRAY[$1, $2]::uuid[])",
      2, old_client, gone_client);
  snprintf(path, sizeof(path), "/v1/api-clients/%s", gone_client);
  call("DELETE", path, &fx.alice, NULL, NULL, &r);
  tl_expect(&r, 204);
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/api-clients?limit=200&%s", since);
  call("GET", path, &fx.alice, NULL, NULL, &r);
  tl_expect(&r, 200);
  const json_t *gone = tl_item(json_object_get(r.json, "items"), gone_client);
  assert_non_null(gone);
  assert_true(json_is_false(json_object_get(gone, "active")));
  assert_true(strcmp(tl_str(gone, "updated_at"), "2021") > 0);
  assert_false(list_has(&r, old_client));
  assert_false(list_has(&r, b_client));
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/api-clients?limit=200&%s", any);
  assert_true(listed(path, &fx.alice, old_client));
  assert_true(listed(path, &fx.bob, b_client));
  assert_false(listed(path, &fx.bob, gone_client));

  /* values that are not RFC 3339 timestamps PostgreSQL reads: 400 naming the parameter, on
   * every list, alone or with another bad parameter */
  static const char *const bad[] = {"yesterday",
                                    "2026-12-01",
                                    "2026-12-01%2008:00:00Z",
                                    "2026-13-01T08:00:00Z",
                                    "2026-12-01T08:00:00",
                                    "2026-12-01T08:00:00%2B99:00",
                                    "0000-01-01T00:00:00Z",
                                    "2026-12-01T08:00:00.0000000000000000000001Z",
                                    ""};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    snprintf(path, sizeof(path), "/v1/users?updated_since=%s", bad[i]);
    assert_bad_since(path, &fx.alice);
  }
  assert_bad_since("/v1/offices?updated_since=yesterday", &fx.bob);
  assert_bad_since("/v1/companies?updated_since=2026-02-30T00:00:00Z", &fx.pam);
  assert_bad_since("/v1/api-clients?updated_since=now", &fx.alice);
  call("GET", "/v1/users?updated_since=soon&company=nope", &fx.alice, NULL, NULL, &r);
  tl_assert_problem(&r, 400, "urn:claimsuite:problem:invalid-parameter");
  tl_assert_field_error(&r, "updated_since", NULL);
  tl_assert_field_error(&r, "company", NULL);
  tl_response_free(&r);
  call("GET", "/v1/users?updated_since=2021-01-01T00:00:00Z", NULL, NULL, NULL, &r);
  tl_assert_problem(&r, 401, NULL);
  tl_response_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_users_create_get_patch),
      cmocka_unit_test(test_users_validation_and_conflicts),
      cmocka_unit_test(test_users_scoping),
      cmocka_unit_test(test_filters),
      cmocka_unit_test(test_users_insurer_only_fields),
      cmocka_unit_test(test_offices),
      cmocka_unit_test(test_companies),
      cmocka_unit_test(test_api_clients),
      cmocka_unit_test(test_events),
      cmocka_unit_test(test_company_link),
      cmocka_unit_test(test_stale_token),
      cmocka_unit_test(test_updated_since),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
