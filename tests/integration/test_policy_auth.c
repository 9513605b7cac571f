/* The policy service's token endpoint (POST /v1/auth/token: password and client_credentials
 * grants) and GET /v1/me, directly and through the gateway.
 *
 * Fixtures are inserted here as the database superuser into the policy schema, with ids and
 * emails unique to this run (reruns on one stack never collide): two insurers with a portal each
 * (A in SEK, B in NOK), a partner serving both with an office, users of each, an inactive user,
 * a user without a password, and an API client of portal A. Passwords and the client secret
 * hold characters that must be percent-encoded in a form, so the decoding is exercised on every
 * login. A second policy instance started here trusts the stack's address as its proxy, to show
 * X-Forwarded-For counting per client behind the gateway. The failures of the client address (key "ip:127.0.0.1", which every test of the suite
 * shares) are cleared before and after the group, so the per-address limit (20) is never reached
 * by accident. */
#include <ctype.h>
#include <pthread.h>
#include <unistd.h>
#include <orcania.h>
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
#include "password.h"
#include "status.h"
#include "testlib.h"
#include "tl_upstream.h" /* tl_free_port */

#define FORM_CT "Content-Type: application/x-www-form-urlencoded"

struct person {
  const char *label;
  char id[37];
  char email[128];
  char password[128];
};

static struct {
  char sfx[13];
  char insurer_a[37], insurer_b[37], partner[37], portal_a[37], portal_b[37], office[37];
  char portal_a_name[64], portal_b_name[64], insurer_a_name[64], partner_name[64];
  struct person alice;   /* insurer A admin (level 6) */
  struct person carol;   /* insurer A, target of wrong passwords */
  struct person ivan;    /* insurer A, inactive */
  struct person nopass;  /* insurer A, no password set */
  struct person bob;     /* insurer B */
  struct person paul;    /* partner (both portals), external case handler with a limit */
  struct person victim;  /* throttling target */
  struct person other;   /* same address as victim, other user */
  struct person guessed; /* target of many guesses at once */
  struct person bystander; /* behind an address others guess from */
  struct person dave;    /* deactivated after login */
  struct person lonely;  /* of a company that works in no portal yet */
  char loner_company[37];
  char client_pk[37], client_id[64], client_secret[128];
} fx;

/* ---- helpers ------------------------------------------------------------------------------ */

static void clear_ip_failures(void) {
  tl_sql_run("DELETE FROM policy.auth_failures WHERE key LIKE 'ip:%'", 0);
}

static long post_token(const char *base, const char *body, const char *ctype, const char *extra,
                       struct tl_response *r) {
  char url[300];
  snprintf(url, sizeof(url), "%s/v1/auth/token", base);
  const char *h[] = {ctype, extra, NULL};
  assert_int_equal(tl_http("POST", url, h, body, strlen(body), 0, r), 0);
  return r->status;
}

static long token_req(const char *base, const char *body, struct tl_response *r) {
  return post_token(base, body, FORM_CT, NULL, r);
}

static const char *policy(void) { return tl_env("POLICY_URL"); }
static const char *gateway(void) { return tl_env("GATEWAY_URL"); }

/* The JSON payload of a compact JWT (new reference). */
static json_t *jwt_part(const char *token, int part) {
  const char *p = token;
  for (int i = 0; i < part; i++) {
    p = strchr(p, '.');
    assert_non_null(p);
    p++;
  }
  size_t n = strcspn(p, ".");
  unsigned char out[4096];
  size_t out_len = 0;
  assert_true(n < sizeof(out));
  assert_true(o_base64url_decode((const unsigned char *)p, n, out, &out_len));
  json_t *j = json_loadb((const char *)out, out_len, 0, NULL);
  assert_non_null(j);
  return j;
}

/* Asserts a successful token answer and returns the token (new string). */
static char *assert_token_answer(struct tl_response *r) {
  if (r->status != 200) fail_msg("status %ld: %s", r->status, r->body);
  char *ct = tl_header(r, "Content-Type"), *cc = tl_header(r, "Cache-Control"),
       *pragma = tl_header(r, "Pragma");
  assert_string_equal(ct, "application/json");
  assert_string_equal(cc, "no-store");
  assert_string_equal(pragma, "no-cache");
  free(ct);
  free(cc);
  free(pragma);
  assert_int_equal(json_object_size(r->json), 3);
  tl_assert_str(r->json, "token_type", "Bearer");
  assert_int_equal(json_integer_value(json_object_get(r->json, "expires_in")), 3600);
  const char *t = json_string_value(json_object_get(r->json, "access_token"));
  assert_non_null(t);
  return strdup(t);
}

static char *login(const char *base, const struct person *p, const char *portal) {
  struct tl_response r;
  tl_login(base, p->email, p->password, portal, &r);
  char *t = assert_token_answer(&r);
  tl_response_free(&r);
  return t;
}

static long get_me(const char *base, const char *token, struct tl_response *r) {
  return tl_call(base, "GET", "/v1/me", token, NULL, NULL, r);
}

/* An OAuth2 error answer: problem+json with the status, type, and "error" code. */
static void assert_oauth_error(const struct tl_response *r, long status, const char *slug,
                               const char *error) {
  char type[128];
  snprintf(type, sizeof(type), "urn:claimsuite:problem:%s", slug);
  tl_assert_problem(r, status, type);
  tl_assert_str(r->json, "error", error);
  assert_non_null(json_string_value(json_object_get(r->json, "detail")));
  char *cc = tl_header(r, "Cache-Control");
  assert_string_equal(cc, "no-store");
  free(cc);
}

/* ---- fixtures ----------------------------------------------------------------------------- */

static void add_company(char *id, const char *kind, const char *name) {
  ids_uuid_v4(id);
  tl_sql_run("INSERT INTO policy.companies (id, kind, name) VALUES ($1, $2, $3)", 3, id, kind,
             name);
}

static void add_portal(char *id, const char *insurer, const char *name, const char *currency,
                       const char *tz) {
  ids_uuid_v4(id);
  tl_sql_run("INSERT INTO policy.portals (id, insurer_company_id, name, currency, timezone)"
             " VALUES ($1, $2, $3, $4, $5)", 5, id, insurer, name, currency, tz);
}

static void serve(const char *company, const char *portal) {
  tl_sql_run("INSERT INTO policy.company_portals (company_id, portal_id) VALUES ($1, $2)", 2,
             company, portal);
}

static void add_user(struct person *u, const char *label, const char *company, const char *level,
                     const char *active, int with_password) {
  char *hash = NULL, name[96];
  u->label = label;
  ids_uuid_v4(u->id);
  snprintf(u->email, sizeof(u->email), "%s+%s@Auth.Test", label, fx.sfx);
  snprintf(u->password, sizeof(u->password), "Pw ü&=+%%:/%s-%s", label, fx.sfx);
  snprintf(name, sizeof(name), "%s Testsson", label);
  if (with_password) assert_int_equal(password_hash(u->password, &hash), CS_OK);
  tl_sql_run("INSERT INTO policy.users (id, company_id, email, name, mobile, password_hash,"
             " authority_level, active) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
             8, u->id, company, u->email, name, "+46700000000", hash, level, active);
  free(hash);
}

static int setup(void **state) {
  (void)state;
  char rnd[37], *hash = NULL, name[96];
  ids_uuid_v4(rnd);
  snprintf(fx.sfx, sizeof(fx.sfx), "%.8s", rnd);
  snprintf(fx.insurer_a_name, sizeof(fx.insurer_a_name), "Insurer A %s", fx.sfx);
  snprintf(fx.partner_name, sizeof(fx.partner_name), "Partner %s", fx.sfx);
  snprintf(fx.portal_a_name, sizeof(fx.portal_a_name), "Portal A %s", fx.sfx);
  snprintf(fx.portal_b_name, sizeof(fx.portal_b_name), "Portal B %s", fx.sfx);
  snprintf(name, sizeof(name), "Insurer B %s", fx.sfx);
  add_company(fx.insurer_a, "insurer", fx.insurer_a_name);
  add_company(fx.insurer_b, "insurer", name);
  add_company(fx.partner, "partner", fx.partner_name);
  add_portal(fx.portal_a, fx.insurer_a, fx.portal_a_name, "SEK", "Europe/Stockholm");
  add_portal(fx.portal_b, fx.insurer_b, fx.portal_b_name, "NOK", "Europe/Oslo");
  serve(fx.insurer_a, fx.portal_a);
  serve(fx.insurer_b, fx.portal_b);
  serve(fx.partner, fx.portal_a);
  serve(fx.partner, fx.portal_b);
  ids_uuid_v4(fx.office);
  tl_sql_run("INSERT INTO policy.offices (id, company_id, name, city)"
             " VALUES ($1, $2, 'Nord Luleå', 'Luleå')", 2, fx.office, fx.partner);
  add_user(&fx.alice, "alice", fx.insurer_a, "6", "true", 1);
  add_user(&fx.carol, "carol", fx.insurer_a, "2", "true", 1);
  add_user(&fx.ivan, "ivan", fx.insurer_a, "2", "false", 1);
  add_user(&fx.nopass, "nopass", fx.insurer_a, "2", "true", 0);
  add_user(&fx.bob, "bob", fx.insurer_b, "4", "true", 1);
  add_user(&fx.paul, "paul", fx.partner, "3", "true", 1);
  add_user(&fx.victim, "victim", fx.insurer_a, "2", "true", 1);
  add_user(&fx.other, "other", fx.insurer_a, "2", "true", 1);
  add_user(&fx.guessed, "guessed", fx.insurer_a, "2", "true", 1);
  add_user(&fx.bystander, "bystander", fx.insurer_a, "2", "true", 1);
  add_user(&fx.dave, "dave", fx.insurer_a, "2", "true", 1);
  add_company(fx.loner_company, "customer", "Lonely customer");
  add_user(&fx.lonely, "lonely", fx.loner_company, "1", "true", 1);
  tl_sql_run("UPDATE policy.users SET external_case_handler = true, budget_limit = 50000"
             " WHERE id = $1", 1, fx.paul.id);
  tl_sql_run("INSERT INTO policy.user_offices (user_id, office_id) VALUES ($1, $2)", 2, fx.paul.id,
             fx.office);
  tl_sql_run("INSERT INTO policy.user_org_roles (user_id, role) VALUES ($1, 'attestant'),"
             " ($1, 'agent_handler')", 1, fx.paul.id);
  ids_uuid_v4(fx.client_pk);
  snprintf(fx.client_id, sizeof(fx.client_id), "core-system-%s", fx.sfx);
  snprintf(fx.client_secret, sizeof(fx.client_secret), "s3cr3t:+&%%/= ü %s", fx.sfx);
  assert_int_equal(password_hash(fx.client_secret, &hash), CS_OK);
  tl_sql_run("INSERT INTO policy.api_clients (id, portal_id, company_id, name, client_id,"
             " secret_hash) VALUES ($1, $2, $3, 'Core system', $4, $5)",
             5, fx.client_pk, fx.portal_a, fx.insurer_a, fx.client_id, hash);
  free(hash);
  clear_ip_failures();
  return 0;
}

static int teardown(void **state) {
  (void)state;
  clear_ip_failures();
  tl_sql_close();
  return 0;
}

/* ---- tests -------------------------------------------------------------------------------- */

/* Every claim of a user token for the portal. */
static void assert_user_claims(const char *token, const struct person *u, const char *company,
                               const char *company_kind, const char *portal, int level) {
  json_t *header = jwt_part(token, 0), *c = jwt_part(token, 1);
  json_t *key = json_load_file(tl_env("SIGNING_KEY_FILE"), 0, NULL);
  time_t now = time(NULL);

  tl_assert_str(header, "alg", "ES256");
  tl_assert_str(header, "kid", json_string_value(json_object_get(key, "kid")));
  tl_assert_str(c, "iss", "claimsuite");
  tl_assert_str(c, "sub", u->id);
  tl_assert_str(c, "kind", "user");
  tl_assert_str(c, "portal_id", portal);
  tl_assert_str(c, "company_id", company);
  tl_assert_str(c, "company_kind", company_kind);
  assert_int_equal(json_integer_value(json_object_get(c, "authority_level")), level);
  tl_assert_str(c, "email", u->email); /* as stored, not as typed */
  char name[96];
  snprintf(name, sizeof(name), "%s Testsson", u->label);
  tl_assert_str(c, "name", name);
  json_int_t iat = json_integer_value(json_object_get(c, "iat"));
  json_int_t exp = json_integer_value(json_object_get(c, "exp"));
  assert_true(iat >= now - 30 && iat <= now + 5);
  assert_int_equal(exp - iat, 3600);
  assert_true(ids_is_uuid(json_string_value(json_object_get(c, "jti"))));
  assert_null(json_object_get(c, "client_id"));
  assert_int_equal(json_object_size(c), 12);
  json_decref(key);
  json_decref(header);
  json_decref(c);
}

static void assert_company(const json_t *me, const char *id, const char *name, const char *kind) {
  json_t *c = json_object_get(me, "company");
  assert_int_equal(json_object_size(c), 3);
  tl_assert_str(c, "id", id);
  tl_assert_str(c, "name", name);
  tl_assert_str(c, "kind", kind);
}

static void assert_portal(const json_t *me, const char *id, const char *name, const char *currency,
                          const char *tz) {
  json_t *p = json_object_get(me, "portal");
  assert_int_equal(json_object_size(p), 4);
  tl_assert_str(p, "id", id);
  tl_assert_str(p, "name", name);
  tl_assert_str(p, "currency", currency);
  tl_assert_str(p, "timezone", tz);
}

static void test_password_grant_and_me(void **state) {
  (void)state;
  struct tl_response r;
  char upper[128];

  /* the username is matched case-insensitively */
  for (size_t i = 0; i <= strlen(fx.alice.email); i++)
    upper[i] = (char)toupper((unsigned char)fx.alice.email[i]);
  token_req(policy(), tl_form("grant_type", "password", "username", upper, "password",
                              fx.alice.password, NULL), &r);
  char *token = assert_token_answer(&r);
  tl_response_free(&r);
  assert_user_claims(token, &fx.alice, fx.insurer_a, "insurer", fx.portal_a, 6);

  assert_int_equal(get_me(policy(), token, &r), 200);
  char *ct = tl_header(&r, "Content-Type");
  assert_string_equal(ct, "application/json");
  free(ct);
  assert_null(strstr(r.body, "password"));
  tl_assert_str(r.json, "id", fx.alice.id);
  tl_assert_str(r.json, "kind", "user");
  tl_assert_str(r.json, "email", fx.alice.email);
  tl_assert_str(r.json, "name", "alice Testsson");
  tl_assert_str(r.json, "mobile", "+46700000000");
  assert_int_equal(json_integer_value(json_object_get(r.json, "authority_level")), 6);
  assert_true(json_is_false(json_object_get(r.json, "external_case_handler")));
  assert_true(json_is_null(json_object_get(r.json, "budget_limit")));
  assert_company(r.json, fx.insurer_a, fx.insurer_a_name, "insurer");
  assert_portal(r.json, fx.portal_a, fx.portal_a_name, "SEK", "Europe/Stockholm");
  assert_int_equal(json_array_size(json_object_get(r.json, "offices")), 0);
  assert_int_equal(json_array_size(json_object_get(r.json, "org_roles")), 0);
  assert_int_equal(json_object_size(r.json), 12);
  tl_response_free(&r);
  free(token);

  /* the same through the gateway: /v1/auth is public there, /v1/me needs the token */
  token = login(gateway(), &fx.bob, NULL);
  assert_user_claims(token, &fx.bob, fx.insurer_b, "insurer", fx.portal_b, 4);
  assert_int_equal(get_me(gateway(), token, &r), 200);
  tl_assert_str(r.json, "id", fx.bob.id);
  assert_portal(r.json, fx.portal_b, fx.portal_b_name, "NOK", "Europe/Oslo");
  assert_null(strstr(r.body, "password"));
  tl_response_free(&r);
  free(token);

  /* an insurer user asking for its own portal explicitly, or (any case of) its UUID */
  for (size_t i = 0; i <= strlen(fx.portal_a); i++) upper[i] = (char)toupper((unsigned char)fx.portal_a[i]);
  token = login(policy(), &fx.alice, upper);
  json_t *c = jwt_part(token, 1);
  tl_assert_str(c, "portal_id", fx.portal_a);
  json_decref(c);
  free(token);

  /* /v1/me without a token, through the gateway and directly */
  tl_call(gateway(), "GET", "/v1/me", NULL, NULL, NULL, &r);
  tl_assert_problem(&r, 401, NULL);
  tl_response_free(&r);
  tl_call(policy(), "GET", "/v1/me", NULL, NULL, NULL, &r);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:unauthenticated");
  tl_response_free(&r);
}

static void test_wrong_credentials_look_alike(void **state) {
  (void)state;
  struct tl_response wrong, unknown, inactive, nopass, wrong_gw;
  char ghost[128];
  snprintf(ghost, sizeof(ghost), "ghost+%s@auth.test", fx.sfx);

  token_req(policy(), tl_form("grant_type", "password", "username", fx.carol.email, "password",
                              "not-the-password", NULL), &wrong);
  token_req(policy(), tl_form("grant_type", "password", "username", ghost, "password",
                              "not-the-password", NULL), &unknown);
  token_req(policy(), tl_form("grant_type", "password", "username", fx.ivan.email, "password",
                              fx.ivan.password, NULL), &inactive); /* the right password */
  token_req(policy(), tl_form("grant_type", "password", "username", fx.nopass.email, "password",
                              fx.nopass.password, NULL), &nopass);
  token_req(gateway(), tl_form("grant_type", "password", "username", fx.carol.email, "password",
                               "not-the-password", NULL), &wrong_gw);
  assert_oauth_error(&wrong, 401, "invalid-credentials", "invalid_grant");
  tl_assert_str(wrong.json, "detail", "the username or password is incorrect");
  assert_null(tl_header(&wrong, "WWW-Authenticate"));
  /* byte for byte the same answer, whatever the reason */
  assert_string_equal(wrong.body, unknown.body);
  assert_string_equal(wrong.body, inactive.body);
  assert_string_equal(wrong.body, nopass.body);
  assert_string_equal(wrong.body, wrong_gw.body);
  assert_int_equal(unknown.status, 401);
  assert_int_equal(inactive.status, 401);
  assert_int_equal(nopass.status, 401);
  assert_int_equal(wrong_gw.status, 401);
  tl_response_free(&wrong);
  tl_response_free(&unknown);
  tl_response_free(&inactive);
  tl_response_free(&nopass);
  tl_response_free(&wrong_gw);

  /* carol's two failures are below the limit: her password still works, and clears them */
  char *token = login(policy(), &fx.carol, NULL);
  free(token);
  char key[160];
  snprintf(key, sizeof(key), "user:%s", fx.carol.email);
  for (char *p = key; *p; p++) *p = (char)tolower((unsigned char)*p);
  const char *params[] = {key};
  assert_int_equal(
      tl_sql_long("SELECT count(*) FROM policy.auth_failures WHERE key = $1", 1, params), 0);
}

static void test_partner_portal_choice(void **state) {
  (void)state;
  struct tl_response r;
  char other_portal[37];

  /* several portals and no choice: 400 once the password is right, 401 when it is wrong */
  token_req(policy(), tl_form("grant_type", "password", "username", fx.paul.email, "password",
                              fx.paul.password, NULL), &r);
  assert_oauth_error(&r, 400, "portal-required", "invalid_request");
  tl_assert_str(r.json, "detail", "portal is required: this account works in several portals");
  tl_assert_str(json_array_get(json_object_get(r.json, "errors"), 0), "field", "portal");
  tl_response_free(&r);
  token_req(policy(), tl_form("grant_type", "password", "username", fx.paul.email, "password",
                              "wrong", NULL), &r);
  assert_oauth_error(&r, 401, "invalid-credentials", "invalid_grant");
  tl_response_free(&r);

  /* a portal the company does not serve: 400 with the right password, 401 without */
  ids_uuid_v4(other_portal);
  token_req(policy(), tl_form("grant_type", "password", "username", fx.paul.email, "password",
                              fx.paul.password, "portal", other_portal, NULL), &r);
  assert_oauth_error(&r, 400, "portal-not-served", "invalid_request");
  tl_response_free(&r);
  token_req(policy(), tl_form("grant_type", "password", "username", fx.paul.email, "password",
                              "wrong", "portal", other_portal, NULL), &r);
  assert_oauth_error(&r, 401, "invalid-credentials", "invalid_grant");
  tl_response_free(&r);
  token_req(policy(), tl_form("grant_type", "password", "username", fx.paul.email, "password",
                              fx.paul.password, "portal", "not-a-uuid", NULL), &r);
  assert_oauth_error(&r, 400, "portal-not-served", "invalid_request");
  tl_response_free(&r);
  /* a company that works in no portal: said only once the password is right */
  token_req(policy(), tl_form("grant_type", "password", "username", fx.lonely.email, "password",
                              fx.lonely.password, NULL), &r);
  assert_oauth_error(&r, 400, "no-portal", "invalid_grant");
  tl_response_free(&r);
  token_req(policy(), tl_form("grant_type", "password", "username", fx.lonely.email, "password",
                              "wrong", NULL), &r);
  assert_oauth_error(&r, 401, "invalid-credentials", "invalid_grant");
  tl_response_free(&r);
  /* insurer A's user in insurer B's portal */
  token_req(policy(), tl_form("grant_type", "password", "username", fx.alice.email, "password",
                              fx.alice.password, "portal", fx.portal_b, NULL), &r);
  assert_oauth_error(&r, 400, "portal-not-served", "invalid_request");
  tl_response_free(&r);

  /* each served portal works, and /v1/me shows the portal of the token */
  const struct {
    const char *portal, *name, *currency, *tz, *base;
  } cases[] = {{fx.portal_a, fx.portal_a_name, "SEK", "Europe/Stockholm", policy()},
               {fx.portal_b, fx.portal_b_name, "NOK", "Europe/Oslo", gateway()}};
  for (size_t i = 0; i < 2; i++) {
    char *token = login(cases[i].base, &fx.paul, cases[i].portal);
    assert_user_claims(token, &fx.paul, fx.partner, "partner", cases[i].portal, 3);
    assert_int_equal(get_me(cases[i].base, token, &r), 200);
    tl_assert_str(r.json, "id", fx.paul.id);
    assert_company(r.json, fx.partner, fx.partner_name, "partner");
    assert_portal(r.json, cases[i].portal, cases[i].name, cases[i].currency, cases[i].tz);
    assert_true(json_is_true(json_object_get(r.json, "external_case_handler")));
    assert_int_equal(json_integer_value(json_object_get(r.json, "budget_limit")), 50000);
    json_t *offices = json_object_get(r.json, "offices");
    assert_int_equal(json_array_size(offices), 1);
    tl_assert_str(json_array_get(offices, 0), "id", fx.office);
    tl_assert_str(json_array_get(offices, 0), "name", "Nord Luleå");
    json_t *roles = json_object_get(r.json, "org_roles");
    assert_int_equal(json_array_size(roles), 2);
    assert_string_equal(json_string_value(json_array_get(roles, 0)), "agent_handler");
    assert_string_equal(json_string_value(json_array_get(roles, 1)), "attestant");
    assert_null(strstr(r.body, "password"));
    tl_response_free(&r);
    free(token);
  }
}

static void basic_header(char *out, size_t len, const char *id, const char *secret) {
  char *eid = tl_urlencode(id), *esecret = tl_urlencode(secret), joined[512];
  unsigned char b64[1024];
  size_t b64_len = 0;
  snprintf(joined, sizeof(joined), "%s:%s", eid, esecret);
  assert_true(o_base64_encode((const unsigned char *)joined, strlen(joined), b64, &b64_len));
  b64[b64_len] = '\0';
  snprintf(out, len, "Authorization: Basic %s", (const char *)b64);
  free(eid);
  free(esecret);
}

static void assert_client_token(const char *token) {
  json_t *c = jwt_part(token, 1);
  tl_assert_str(c, "iss", "claimsuite");
  tl_assert_str(c, "sub", fx.client_pk);
  tl_assert_str(c, "kind", "client");
  tl_assert_str(c, "client_id", fx.client_id);
  tl_assert_str(c, "portal_id", fx.portal_a);
  tl_assert_str(c, "company_id", fx.insurer_a);
  tl_assert_str(c, "company_kind", "insurer");
  assert_null(json_object_get(c, "authority_level"));
  assert_null(json_object_get(c, "email"));
  assert_true(ids_is_uuid(json_string_value(json_object_get(c, "jti"))));
  assert_int_equal(json_integer_value(json_object_get(c, "exp")) -
                       json_integer_value(json_object_get(c, "iat")), 3600);
  assert_int_equal(json_object_size(c), 10);
  json_decref(c);
}

static void test_client_credentials(void **state) {
  (void)state;
  struct tl_response r, r2;
  char basic[1200];

  /* form fields */
  token_req(policy(), tl_form("grant_type", "client_credentials", "client_id", fx.client_id,
                              "client_secret", fx.client_secret, NULL), &r);
  char *token = assert_token_answer(&r);
  tl_response_free(&r);
  assert_client_token(token);
  assert_int_equal(get_me(policy(), token, &r), 200);
  tl_assert_str(r.json, "id", fx.client_pk);
  tl_assert_str(r.json, "kind", "client");
  tl_assert_str(r.json, "client_id", fx.client_id);
  tl_assert_str(r.json, "name", "Core system");
  assert_company(r.json, fx.insurer_a, fx.insurer_a_name, "insurer");
  assert_portal(r.json, fx.portal_a, fx.portal_a_name, "SEK", "Europe/Stockholm");
  assert_int_equal(json_object_size(r.json), 6);
  assert_null(strstr(r.body, "secret"));
  tl_response_free(&r);
  free(token);

  /* HTTP Basic (RFC 6749 2.3.1), through the gateway, with and without client_id in the form */
  basic_header(basic, sizeof(basic), fx.client_id, fx.client_secret);
  post_token(gateway(), "grant_type=client_credentials", FORM_CT, basic, &r);
  token = assert_token_answer(&r);
  tl_response_free(&r);
  assert_client_token(token);
  assert_int_equal(get_me(gateway(), token, &r), 200);
  tl_assert_str(r.json, "client_id", fx.client_id);
  tl_response_free(&r);
  free(token);
  post_token(policy(), tl_form("grant_type", "client_credentials", "client_id", fx.client_id, NULL),
             FORM_CT, basic, &r);
  free(assert_token_answer(&r));
  tl_response_free(&r);

  /* a wrong secret: 401 invalid_client; WWW-Authenticate only when Basic was used */
  token_req(policy(), tl_form("grant_type", "client_credentials", "client_id", fx.client_id,
                              "client_secret", "wrong", NULL), &r);
  assert_oauth_error(&r, 401, "invalid-client", "invalid_client");
  assert_null(tl_header(&r, "WWW-Authenticate"));
  token_req(policy(), tl_form("grant_type", "client_credentials", "client_id", "no-such-client",
                              "client_secret", "wrong", NULL), &r2);
  assert_int_equal(r2.status, 401);
  assert_string_equal(r.body, r2.body);
  tl_response_free(&r);
  tl_response_free(&r2);
  basic_header(basic, sizeof(basic), fx.client_id, "wrong");
  post_token(policy(), "grant_type=client_credentials", FORM_CT, basic, &r);
  assert_oauth_error(&r, 401, "invalid-client", "invalid_client");
  char *www = tl_header(&r, "WWW-Authenticate");
  assert_non_null(www);
  assert_true(strncmp(www, "Basic", 5) == 0);
  free(www);
  tl_response_free(&r);

  /* two authentication methods at once, a malformed Basic header, a mismatching client_id */
  basic_header(basic, sizeof(basic), fx.client_id, fx.client_secret);
  post_token(policy(), tl_form("grant_type", "client_credentials", "client_secret",
                               fx.client_secret, NULL), FORM_CT, basic, &r);
  assert_oauth_error(&r, 400, "invalid-request", "invalid_request");
  tl_response_free(&r);
  post_token(policy(), "grant_type=client_credentials", FORM_CT, "Authorization: Basic !!!", &r);
  assert_oauth_error(&r, 400, "invalid-request", "invalid_request");
  tl_response_free(&r);
  post_token(policy(), "grant_type=client_credentials&client_id=someone-else", FORM_CT, basic, &r);
  assert_oauth_error(&r, 400, "invalid-request", "invalid_request");
  tl_response_free(&r);

  /* the client's failures are below its limit: it still gets tokens */
  token_req(policy(), tl_form("grant_type", "client_credentials", "client_id", fx.client_id,
                              "client_secret", fx.client_secret, NULL), &r);
  free(assert_token_answer(&r));
  tl_response_free(&r);
}

static const char *field_of_first_error(const json_t *problem) {
  return json_string_value(json_object_get(json_array_get(json_object_get(problem, "errors"), 0),
                                           "field"));
}

static void test_bad_requests(void **state) {
  (void)state;
  struct tl_response r;

  token_req(policy(), "grant_type=authorization_code&code=x", &r);
  assert_oauth_error(&r, 400, "unsupported-grant-type", "unsupported_grant_type");
  tl_response_free(&r);

  char json[300];
  snprintf(json, sizeof(json), "{\"grant_type\":\"password\",\"username\":\"%s\",\"password\":\"x\"}",
           fx.alice.email);
  post_token(policy(), json, "Content-Type: application/json", NULL, &r);
  assert_oauth_error(&r, 415, "unsupported-media-type", "invalid_request");
  tl_response_free(&r);
  post_token(gateway(), json, "Content-Type: application/json", NULL, &r);
  assert_oauth_error(&r, 415, "unsupported-media-type", "invalid_request");
  tl_response_free(&r);
  post_token(policy(), "grant_type=password", "Content-Type:", NULL, &r);
  assert_oauth_error(&r, 415, "unsupported-media-type", "invalid_request");
  tl_response_free(&r);
  /* parameters of the media type are fine */
  post_token(policy(), tl_form("grant_type", "password", "username", fx.alice.email, "password",
                               fx.alice.password, NULL),
             "Content-Type: Application/X-WWW-Form-Urlencoded; charset=UTF-8", NULL, &r);
  free(assert_token_answer(&r));
  tl_response_free(&r);

  token_req(policy(), "", &r);
  assert_oauth_error(&r, 400, "invalid-request", "invalid_request");
  assert_string_equal(field_of_first_error(r.json), "grant_type");
  tl_response_free(&r);
  token_req(policy(), tl_form("grant_type", "password", "username", fx.alice.email, NULL), &r);
  assert_oauth_error(&r, 400, "invalid-request", "invalid_request");
  assert_string_equal(field_of_first_error(r.json), "password");
  tl_response_free(&r);
  /* an empty value counts as omitted (RFC 6749 3.1) */
  token_req(policy(), "grant_type=password&username=&password=x", &r);
  assert_oauth_error(&r, 400, "invalid-request", "invalid_request");
  assert_string_equal(field_of_first_error(r.json), "username");
  tl_response_free(&r);
  token_req(policy(), "grant_type=client_credentials&client_id=x", &r);
  assert_oauth_error(&r, 400, "invalid-request", "invalid_request");
  assert_string_equal(field_of_first_error(r.json), "client_secret");
  tl_response_free(&r);
  token_req(policy(), "grant_type=password&grant_type=password&username=a&password=b", &r);
  assert_oauth_error(&r, 400, "invalid-request", "invalid_request");
  tl_assert_str(r.json, "detail", "the parameter grant_type is repeated");
  tl_response_free(&r);
  token_req(policy(), "grant_type=password&username=a%zz&password=b", &r);
  assert_oauth_error(&r, 400, "invalid-request", "invalid_request");
  tl_response_free(&r);
  token_req(policy(), "grant_type=password&username=a%00b&password=b", &r);
  assert_oauth_error(&r, 400, "invalid-request", "invalid_request");
  tl_response_free(&r);
  token_req(policy(), "grant_type=password&username=%C3%28&password=b", &r); /* not UTF-8 */
  assert_oauth_error(&r, 400, "invalid-request", "invalid_request");
  tl_response_free(&r);

  /* only POST */
  tl_call(policy(), "GET", "/v1/auth/token", NULL, NULL, NULL, &r);
  tl_assert_problem(&r, 405, "urn:claimsuite:problem:method-not-allowed");
  tl_response_free(&r);
}

static long retry_after(const struct tl_response *r) {
  char *v = tl_header(r, "Retry-After"), *end = NULL;
  assert_non_null(v);
  long s = strtol(v, &end, 10);
  assert_true(end != v && *end == '\0');
  free(v);
  return s;
}

static void test_throttling_per_user(void **state) {
  (void)state;
  struct tl_response r;
  char key[160];
  clear_ip_failures();
  /* the key of the victim from this address (the stack's policy trusts no proxy) */
  snprintf(key, sizeof(key), "from:127.0.0.1 user:%s", fx.victim.email);
  for (char *p = key; *p; p++) *p = (char)tolower((unsigned char)*p);
  const char *params[] = {key};

  for (int i = 0; i < 5; i++) {
    token_req(i % 2 ? gateway() : policy(),
              tl_form("grant_type", "password", "username", fx.victim.email, "password", "guess",
                      NULL), &r);
    assert_oauth_error(&r, 401, "invalid-credentials", "invalid_grant");
    tl_response_free(&r);
  }
  /* the 6th attempt is refused before the password is looked at, even the right one */
  token_req(policy(), tl_form("grant_type", "password", "username", fx.victim.email, "password",
                              fx.victim.password, NULL), &r);
  assert_oauth_error(&r, 429, "too-many-attempts", "temporarily_unavailable");
  long s = retry_after(&r);
  assert_true(s >= 1 && s <= 60);
  tl_response_free(&r);
  /* whatever the case of the username, and through the gateway */
  char upper[128];
  for (size_t i = 0; i <= strlen(fx.victim.email); i++)
    upper[i] = (char)toupper((unsigned char)fx.victim.email[i]);
  token_req(gateway(), tl_form("grant_type", "password", "username", upper, "password",
                               fx.victim.password, NULL), &r);
  assert_oauth_error(&r, 429, "too-many-attempts", "temporarily_unavailable");
  assert_true(retry_after(&r) >= 1);
  tl_response_free(&r);

  /* another user from the same address is not blocked by the victim's key */
  free(login(policy(), &fx.other, NULL));

  /* after the block, one more failure blocks again for twice as long */
  tl_sql_run("UPDATE policy.auth_failures SET blocked_until = now() - interval '1 second'"
             " WHERE key = $1", 1, key);
  token_req(policy(), tl_form("grant_type", "password", "username", fx.victim.email, "password",
                              "guess", NULL), &r);
  assert_oauth_error(&r, 401, "invalid-credentials", "invalid_grant");
  tl_response_free(&r);
  token_req(policy(), tl_form("grant_type", "password", "username", fx.victim.email, "password",
                              fx.victim.password, NULL), &r);
  assert_oauth_error(&r, 429, "too-many-attempts", "temporarily_unavailable");
  s = retry_after(&r);
  assert_true(s > 60 && s <= 120);
  tl_response_free(&r);

  /* once the block is over the right password works and clears the count */
  tl_sql_run("UPDATE policy.auth_failures SET blocked_until = now() - interval '1 second'"
             " WHERE key = $1", 1, key);
  free(login(policy(), &fx.victim, NULL));
  assert_int_equal(
      tl_sql_long("SELECT count(*) FROM policy.auth_failures WHERE key = $1", 1, params), 0);
  clear_ip_failures();
}

static void test_throttling_per_address(void **state) {
  (void)state;
  struct tl_response r;
  char ghost[128];
  clear_ip_failures();
  /* 20 failures from one address, each for another (unknown) username */
  for (int i = 0; i < 20; i++) {
    snprintf(ghost, sizeof(ghost), "ghost%d+%s@auth.test", i, fx.sfx);
    token_req(policy(), tl_form("grant_type", "password", "username", ghost, "password", "guess",
                                NULL), &r);
    assert_oauth_error(&r, 401, "invalid-credentials", "invalid_grant");
    tl_response_free(&r);
  }
  /* now the address is slowed down, for every user and every grant: a short wait */
  token_req(policy(), tl_form("grant_type", "password", "username", fx.alice.email, "password",
                              fx.alice.password, NULL), &r);
  assert_oauth_error(&r, 429, "too-many-attempts", "temporarily_unavailable");
  long s = retry_after(&r);
  assert_true(s >= 1 && s <= 8);
  tl_response_free(&r);
  token_req(policy(), tl_form("grant_type", "client_credentials", "client_id", fx.client_id,
                              "client_secret", fx.client_secret, NULL), &r);
  assert_oauth_error(&r, 429, "too-many-attempts", "temporarily_unavailable");
  tl_response_free(&r);
  clear_ip_failures();
  free(login(policy(), &fx.alice, NULL));
}

/* 25 failed logins of other (unknown) usernames from one address slow that address down, but a
 * user behind it who has not failed gets in with the right password within 10 s, waiting as
 * Retry-After says. */
static void test_an_address_is_slowed_not_locked_out(void **state) {
  (void)state;
  struct tl_response r;
  char ghost[128];
  clear_ip_failures();
  for (int i = 0; i < 25; i++) {
    snprintf(ghost, sizeof(ghost), "slowed%d+%s@auth.test", i, fx.sfx);
    token_req(policy(),
              tl_form("grant_type", "password", "username", ghost, "password", "guess", NULL), &r);
    if (r.status != 401 && r.status != 429) fail_msg("guess %d answered %ld", i, r.status);
    tl_response_free(&r);
  }
  long long start = tl_now_ms(), waited = -1;
  while (tl_now_ms() - start < 10000) {
    token_req(policy(),
              tl_form("grant_type", "password", "username", fx.bystander.email, "password",
                      fx.bystander.password, NULL),
              &r);
    if (r.status == 200) {
      waited = tl_now_ms() - start;
      tl_response_free(&r);
      break;
    }
    assert_oauth_error(&r, 429, "too-many-attempts", "temporarily_unavailable");
    long s = retry_after(&r);
    assert_true(s >= 1 && s <= 8);
    tl_response_free(&r);
    usleep((useconds_t)s * 1000000);
  }
  print_message("after 25 failures from its address, the bystander got in after %lld ms\n", waited);
  assert_true(waited >= 0);
  clear_ip_failures();
}

struct guesses {
  const char *body;
  int from, to;
  int answered[200]; /* status per guess, by its number */
};

static void *guess_some(void *arg) {
  struct guesses *g = arg;
  for (int i = g->from; i < g->to; i++) {
    struct tl_response r;
    g->answered[i] = (int)post_token(policy(), g->body, FORM_CT, NULL, &r);
    tl_response_free(&r);
  }
  return NULL;
}

/* 200 wrong guesses for one user at once: an attempt is counted before the password is
 * verified, so no more than the threshold (5) are ever verified; the rest are refused. */
static void test_parallel_guesses_verify_no_more_than_the_threshold(void **state) {
  (void)state;
  enum { THREADS = 20, GUESSES = 200 };
  pthread_t t[THREADS];
  clear_ip_failures();
  char *body = strdup(
      tl_form("grant_type", "password", "username", fx.guessed.email, "password", "guess", NULL));
  static struct guesses part[THREADS];
  for (int i = 0; i < THREADS; i++) {
    part[i].body = body;
    part[i].from = i * (GUESSES / THREADS);
    part[i].to = (i + 1) * (GUESSES / THREADS);
    assert_int_equal(pthread_create(&t[i], NULL, guess_some, &part[i]), 0);
  }
  int verified = 0, refused = 0;
  for (int i = 0; i < THREADS; i++) {
    pthread_join(t[i], NULL);
    for (int k = part[i].from; k < part[i].to; k++) {
      if (part[i].answered[k] == 401)
        verified++;
      else if (part[i].answered[k] == 429)
        refused++;
      else
        fail_msg("a guess answered %d", part[i].answered[k]);
    }
  }
  print_message("%d parallel wrong guesses: %d verified (401), %d refused (429)\n", GUESSES,
                verified, refused);
  assert_true(verified >= 1 && verified <= 5);
  assert_int_equal(verified + refused, GUESSES);
  free(body);
  clear_ip_failures();
}

static long count_key(const char *key) {
  const char *params[] = {key};
  return tl_sql_long("SELECT COALESCE(sum(failures), 0) FROM policy.auth_failures WHERE key = $1",
                     1, params);
}

/* The client address behind a proxy: X-Forwarded-For counts only when the peer is a trusted
 * proxy (AUTH_TRUSTED_PROXIES); then each client behind the gateway has its own count. */
static void test_client_address_behind_proxy(void **state) {
  (void)state;
  struct tl_response r;
  char ghost[128], pidfile[512], xff[96], proxied_url[64], health[128];
  const char *dir = tl_env("STACK_DIR");
  clear_ip_failures();

  /* the stack's policy trusts no proxy: a forged X-Forwarded-For changes nothing */
  token_req(policy(), tl_form("grant_type", "password", "username", fx.carol.email, "password",
                              "guess", NULL), &r);
  tl_response_free(&r);
  post_token(policy(), tl_form("grant_type", "password", "username", fx.carol.email, "password",
                               "guess", NULL), FORM_CT, "X-Forwarded-For: 203.0.113.10", &r);
  assert_oauth_error(&r, 401, "invalid-credentials", "invalid_grant");
  tl_response_free(&r);
  assert_int_equal(count_key("ip:127.0.0.1"), 2);
  assert_int_equal(count_key("ip:203.0.113.10"), 0);
  free(login(policy(), &fx.carol, NULL)); /* clears carol's count */
  clear_ip_failures();

  /* a second policy instance on the stack's database that trusts 127.0.0.1 as its proxy */
  int port = tl_free_port();
  assert_true(port > 0);
  snprintf(proxied_url, sizeof(proxied_url), "http://127.0.0.1:%d", port);
  snprintf(pidfile, sizeof(pidfile), "%s/policy-proxied.pid", dir);
  assert_int_equal(
      tl_sh("bash -c 'mapfile -t v < <(tail -n +2 \"$0/envs/policy.env\"); "
            "exec env \"${v[@]}\" PORT=%d AUTH_TRUSTED_PROXIES=\"10.0.0.0/8, 127.0.0.1\" "
            "\"$(head -1 \"$0/envs/policy.env\")\"' '%s' >>'%s/logs/policy-proxied.log' 2>&1 & "
            "echo $! > '%s'",
            port, dir, dir, pidfile),
      0);
  snprintf(health, sizeof(health), "%s/healthz", proxied_url);
  int up = tl_wait_200(health, 20000);
  if (up) {
    /* the last entry is the one the proxy added; earlier ones are the client's to forge */
    for (int i = 0; i < 20; i++) {
      snprintf(ghost, sizeof(ghost), "ghost-proxied%d+%s@auth.test", i, fx.sfx);
      post_token(proxied_url, tl_form("grant_type", "password", "username", ghost, "password",
                                      "guess", NULL),
                 FORM_CT, "X-Forwarded-For: 198.51.100.7, 203.0.113.9", &r);
      assert_oauth_error(&r, 401, "invalid-credentials", "invalid_grant");
      tl_response_free(&r);
    }
    assert_int_equal(count_key("ip:203.0.113.9"), 20);
    assert_int_equal(count_key("ip:198.51.100.7"), 0);
    assert_int_equal(count_key("ip:127.0.0.1"), 0);
    /* that client is blocked now, another behind the same proxy is not */
    snprintf(xff, sizeof(xff), "X-Forwarded-For: 203.0.113.9");
    post_token(proxied_url, tl_form("grant_type", "password", "username", fx.alice.email,
                                    "password", fx.alice.password, NULL), FORM_CT, xff, &r);
    assert_oauth_error(&r, 429, "too-many-attempts", "temporarily_unavailable");
    tl_response_free(&r);
    post_token(proxied_url, tl_form("grant_type", "password", "username", fx.alice.email,
                                    "password", fx.alice.password, NULL),
               FORM_CT, "X-Forwarded-For: 203.0.113.200", &r);
    free(assert_token_answer(&r));
    tl_response_free(&r);
  }
  tl_sh("kill $(cat '%s') 2>/dev/null; for i in $(seq 1 100); do kill -0 $(cat '%s') 2>/dev/null "
        "|| break; sleep 0.1; done; rm -f '%s'", pidfile, pidfile, pidfile);
  clear_ip_failures();
  if (!up) fail_msg("the second policy instance did not start (see %s/logs/policy-proxied.log)", dir);
}

static void test_me_rejects_expired_and_deactivated(void **state) {
  (void)state;
  struct tl_response r;

  /* an expired token with a real user's claims */
  json_t *extra = json_pack("{s:s, s:s}", "kind", "user", "portal_id", fx.portal_a);
  char *expired = tl_token(fx.dave.id, -120, extra);
  assert_int_equal(get_me(policy(), expired, &r), 401);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:invalid-token");
  tl_assert_str(r.json, "detail", "token expired");
  tl_response_free(&r);
  assert_int_equal(get_me(gateway(), expired, &r), 401);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:invalid-token");
  tl_response_free(&r);
  free(expired);
  /* a valid signature but not a principal: no kind, or a sub that is no id */
  char *odd = tl_token(fx.dave.id, 300, NULL);
  assert_int_equal(get_me(policy(), odd, &r), 401);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:invalid-token");
  tl_response_free(&r);
  free(odd);
  odd = tl_token("not-a-uuid", 300, extra);
  assert_int_equal(get_me(policy(), odd, &r), 401);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:invalid-token");
  tl_response_free(&r);
  free(odd);
  json_decref(extra);

  /* deactivated after the token was issued */
  char *token = login(policy(), &fx.dave, NULL);
  assert_int_equal(get_me(gateway(), token, &r), 200);
  tl_assert_str(r.json, "id", fx.dave.id);
  tl_response_free(&r);
  tl_sql_run("UPDATE policy.users SET active = false WHERE id = $1", 1, fx.dave.id);
  assert_int_equal(get_me(policy(), token, &r), 401);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:invalid-token");
  char *www = tl_header(&r, "WWW-Authenticate");
  assert_string_equal(www, "Bearer");
  free(www);
  tl_response_free(&r);
  assert_int_equal(get_me(gateway(), token, &r), 401);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:invalid-token");
  tl_response_free(&r);
  free(token);
  /* and cannot log in any more */
  token_req(policy(), tl_form("grant_type", "password", "username", fx.dave.email, "password",
                              fx.dave.password, NULL), &r);
  assert_oauth_error(&r, 401, "invalid-credentials", "invalid_grant");
  tl_response_free(&r);
}

/* TOKEN_TTL_SECONDS and AUTH_TRUSTED_PROXIES are checked at start: a bad value stops the service
 * with status 2 and a message naming the variable. */
static void test_bad_configuration_stops_start(void **state) {
  (void)state;
  const char *bad[][2] = {{"TOKEN_TTL_SECONDS", "abc"},
                          {"TOKEN_TTL_SECONDS", "59"},
                          {"TOKEN_TTL_SECONDS", "86401"},
                          {"AUTH_TRUSTED_PROXIES", "10.0.0.0/33"},
                          {"AUTH_TRUSTED_PROXIES", "gateway.local"}};
  char out[512];
  snprintf(out, sizeof(out), "%s/policy-auth-config.txt", tl_env("STACK_DIR"));
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    int code = tl_sh(
        "env -i PATH=/usr/bin:/bin SIGNING_KEY_FILE='%s' REDIS_PASSWORD_FILE='%s' "
        "SERVICE_SECRET_FILE='%s' PORT=1 %s='%s' '%s/services/policy/policy' >'%s' 2>&1",
        tl_env("SIGNING_KEY_FILE"), tl_env("REDIS_PASSWORD_FILE"), tl_env("SERVICE_SECRET_FILE"),
        bad[i][0], bad[i][1], tl_env("BIN_DIR"), out);
    assert_int_equal(code, 2);
    assert_int_equal(tl_sh("grep -q 'configuration error: %s' '%s'", bad[i][0], out), 0);
  }
  tl_sh("rm -f '%s'", out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_password_grant_and_me),
      cmocka_unit_test(test_wrong_credentials_look_alike),
      cmocka_unit_test(test_partner_portal_choice),
      cmocka_unit_test(test_client_credentials),
      cmocka_unit_test(test_bad_requests),
      cmocka_unit_test(test_throttling_per_user),
      cmocka_unit_test(test_throttling_per_address),
      cmocka_unit_test(test_an_address_is_slowed_not_locked_out),
      cmocka_unit_test(test_parallel_guesses_verify_no_more_than_the_threshold),
      cmocka_unit_test(test_client_address_behind_proxy),
      cmocka_unit_test(test_me_rejects_expired_and_deactivated),
      cmocka_unit_test(test_bad_configuration_stops_start),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
