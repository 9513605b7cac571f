/* Cross-origin front ends through the gateway (gateway/cors.h), end to end: a gateway started
 * here in front of the stack's services, allowing the usual local dev servers for everyone
 * (CORS_ALLOWED_ORIGINS) and one front end per portal (CORS_PORTAL_ORIGINS). What a browser
 * does is scripted: the preflight, then the request with Origin; the test asserts what the
 * browser would check (Access-Control-Allow-Origin and friends). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "password.h"
#include "status.h"
#include "testlib.h"
#include "tl_gateway.h"
#include "tl_upstream.h"
#include "tl_world.h"

#define PROBLEM(slug) "urn:claimsuite:problem:" slug
#define PASSWORD "Cors-test-pw-1"
#define DEV_ORIGIN "http://localhost:5173"
#define FRONT_A "https://front-a.example"
#define FRONT_B "https://front-b.example"

static struct tl_world w;
static struct tl_gateway gw;
static char case_id[37];

static void gateway_start(void) {
  char portals[256];
  snprintf(portals, sizeof(portals), "CORS_PORTAL_ORIGINS=%s=" FRONT_A ";%s=" FRONT_B, w.portal_a,
           w.portal_b);
  const char *const *up = tl_gateway_stack_upstreams();
  const char *env[] = {up[0],
                       up[1],
                       up[2],
                       up[3],
                       "CORS_ALLOWED_ORIGINS=http://localhost:3000," DEV_ORIGIN,
                       portals,
                       "CORS_MAX_AGE_SECONDS=900",
                       NULL};
  tl_gateway_start(&gw, "test-gateway-cors", env);
}

/* method path through the gateway with Origin origin and up to two more header lines. */
static long call(const char *method, const char *path, const char *origin, const char *h1,
                 const char *h2, const char *body, struct tl_response *r) {
  char url[512], o[300];
  const char *headers[4] = {NULL, NULL, NULL, NULL};
  size_t n = 0;
  snprintf(url, sizeof(url), "%s%s", gw.url, path);
  if (origin != NULL) {
    snprintf(o, sizeof(o), "Origin: %s", origin);
    headers[n++] = o;
  }
  if (h1 != NULL) headers[n++] = h1;
  if (h2 != NULL) headers[n++] = h2;
  assert_int_equal(tl_http(method, url, headers, body, body ? strlen(body) : 0, 0, r), 0);
  return r->status;
}

/* The browser's preflight for method path with the request headers it will send. */
static long preflight(const char *path, const char *origin, const char *method,
                      const char *request_headers, struct tl_response *r) {
  char m[64], h[256];
  snprintf(m, sizeof(m), "Access-Control-Request-Method: %s", method);
  snprintf(h, sizeof(h), "Access-Control-Request-Headers: %s", request_headers);
  return call("OPTIONS", path, origin, m, request_headers ? h : NULL, NULL, r);
}

static int header_has(const struct tl_response *r, const char *name, const char *needle) {
  char *v = tl_header(r, name);
  int has = v != NULL && strstr(v, needle) != NULL;
  free(v);
  return has;
}

static void assert_no_header(const struct tl_response *r, const char *name) {
  char *v = tl_header(r, name);
  if (v != NULL) fail_msg("unexpected %s: %s", name, v);
}

/* What a browser checks on an answer it lets the page read. */
static void assert_readable_by(const struct tl_response *r, const char *origin) {
  tl_assert_header(r, "Access-Control-Allow-Origin", origin);
  assert_true(header_has(r, "Vary", "Origin"));
  assert_true(header_has(r, "Access-Control-Expose-Headers", "ETag"));
  assert_true(header_has(r, "Access-Control-Expose-Headers", "X-Request-Id"));
  assert_true(header_has(r, "Access-Control-Expose-Headers", "RateLimit"));
  assert_no_header(r, "Access-Control-Allow-Credentials"); /* bearer tokens need none */
}

static void assert_not_readable(const struct tl_response *r) {
  assert_no_header(r, "Access-Control-Allow-Origin");
  assert_no_header(r, "Access-Control-Expose-Headers");
  assert_true(header_has(r, "Vary", "Origin"));
}

/* A front end on the dev server logs in and reads a case, as a browser would. */
static void test_front_end_logs_in_and_reads_a_case(void **state) {
  (void)state;
  struct tl_response r;
  /* the login form: a JSON-less, safelisted request, but a front end may still preflight it */
  preflight("/v1/auth/token", DEV_ORIGIN, "POST", "content-type", &r);
  assert_int_equal(r.status, 204);
  tl_assert_header(&r, "Access-Control-Allow-Origin", DEV_ORIGIN);
  tl_assert_header(&r, "Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE");
  assert_true(header_has(&r, "Access-Control-Allow-Headers", "Content-Type"));
  tl_assert_header(&r, "Access-Control-Max-Age", "900");
  assert_no_header(&r, "Access-Control-Allow-Credentials");
  assert_true(header_has(&r, "Vary", "Origin"));
  assert_int_equal(r.body_len, 0);
  tl_response_free(&r);

  const char *form =
      tl_form("grant_type", "password", "username", w.ia_handler.email, "password", PASSWORD, NULL);
  call("POST", "/v1/auth/token", DEV_ORIGIN, "Content-Type: application/x-www-form-urlencoded",
       NULL, form, &r);
  tl_expect(&r, 200);
  assert_readable_by(&r, DEV_ORIGIN);
  char bearer[2048];
  snprintf(bearer, sizeof(bearer), "Authorization: Bearer %s", tl_str(r.json, "access_token"));
  tl_response_free(&r);

  /* the read: preflighted (Authorization is not safelisted), no token on the preflight */
  char path[128];
  snprintf(path, sizeof(path), "/v1/cases/%s", case_id);
  preflight(path, DEV_ORIGIN, "GET", "authorization, if-none-match, x-request-id, traceparent", &r);
  assert_int_equal(r.status, 204);
  tl_assert_header(&r, "Access-Control-Allow-Origin", DEV_ORIGIN);
  assert_true(header_has(&r, "Access-Control-Allow-Headers", "Authorization"));
  tl_response_free(&r);
  call("GET", path, DEV_ORIGIN, bearer, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "id", case_id);
  assert_readable_by(&r, DEV_ORIGIN);
  tl_response_free(&r);

  /* a refusal is readable too, so the front end can show it */
  call("GET", path, DEV_ORIGIN, "Authorization: Bearer not.a.token", NULL, NULL, &r);
  tl_assert_problem(&r, 401, PROBLEM("invalid-token"));
  assert_readable_by(&r, DEV_ORIGIN);
  tl_response_free(&r);
}

/* A portal's own front end reads that portal's answers, and no other portal's. */
static void test_portal_front_end(void **state) {
  (void)state;
  struct tl_response r;
  char path[128], bearer_a[2048], bearer_b[2048];
  snprintf(path, sizeof(path), "/v1/cases/%s", case_id);
  snprintf(bearer_a, sizeof(bearer_a), "Authorization: Bearer %s", w.ia_handler.token);
  snprintf(bearer_b, sizeof(bearer_b), "Authorization: Bearer %s", w.ib_admin.token);

  /* preflights carry no token: every configured origin is answered */
  preflight(path, FRONT_A, "GET", "authorization", &r);
  assert_int_equal(r.status, 204);
  tl_assert_header(&r, "Access-Control-Allow-Origin", FRONT_A);
  tl_response_free(&r);
  preflight(path, FRONT_B, "DELETE", NULL, &r);
  assert_int_equal(r.status, 204);
  tl_response_free(&r);

  call("GET", path, FRONT_A, bearer_a, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_readable_by(&r, FRONT_A);
  tl_response_free(&r);
  /* portal A's answer is not for portal B's front end */
  call("GET", path, FRONT_B, bearer_a, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_not_readable(&r);
  tl_response_free(&r);
  /* nor is a portal B caller's answer for portal A's front end */
  call("GET", "/v1/me", FRONT_A, bearer_b, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_not_readable(&r);
  tl_response_free(&r);
  call("GET", "/v1/me", FRONT_B, bearer_b, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_readable_by(&r, FRONT_B);
  tl_response_free(&r);
}

static void test_other_origins_refused(void **state) {
  (void)state;
  struct tl_response r;
  char path[128], bearer[2048];
  snprintf(path, sizeof(path), "/v1/cases/%s", case_id);
  snprintf(bearer, sizeof(bearer), "Authorization: Bearer %s", w.ia_handler.token);

  static const char *const strangers[] = {"https://evil.example", "http://localhost:5174",
                                          "https://front-a.example.evil.example", "null"};
  for (size_t i = 0; i < sizeof(strangers) / sizeof(strangers[0]); i++) {
    preflight(path, strangers[i], "GET", "authorization", &r);
    tl_assert_problem(&r, 403, PROBLEM("forbidden"));
    assert_not_readable(&r);
    assert_no_header(&r, "Access-Control-Allow-Methods");
    tl_response_free(&r);
    /* the request itself is answered (CORS is the browser's to enforce), unreadable to it */
    call("GET", path, strangers[i], bearer, NULL, NULL, &r);
    tl_expect(&r, 200);
    assert_not_readable(&r);
    tl_response_free(&r);
  }
  /* a method or a header the API does not take from other origins */
  preflight(path, DEV_ORIGIN, "TRACE", NULL, &r);
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  assert_non_null(strstr(tl_str(r.json, "detail"), "TRACE"));
  assert_no_header(&r, "Access-Control-Allow-Origin");
  tl_response_free(&r);
  preflight(path, DEV_ORIGIN, "PATCH", "if-match, x-api-secret", &r);
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  assert_non_null(strstr(tl_str(r.json, "detail"), "x-api-secret"));
  tl_response_free(&r);

  /* an OPTIONS that is no preflight goes the usual way: a token is needed */
  call("OPTIONS", path, DEV_ORIGIN, NULL, NULL, NULL, &r);
  tl_assert_problem(&r, 401, PROBLEM("unauthenticated"));
  tl_response_free(&r);
  /* no Origin at all: nothing about CORS but Vary */
  call("GET", path, NULL, bearer, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_not_readable(&r);
  tl_response_free(&r);
}

/* The stack's own gateway runs without CORS settings: no preflight is answered there. */
static void test_cors_off_by_default(void **state) {
  (void)state;
  struct tl_response r;
  char url[512];
  const char *h[] = {"Origin: " DEV_ORIGIN, "Access-Control-Request-Method: GET", NULL};
  snprintf(url, sizeof(url), "%s/v1/cases/%s", tl_env("GATEWAY_URL"), case_id);
  assert_int_equal(tl_http("OPTIONS", url, h, NULL, 0, 0, &r), 0);
  if (r.status == 204) { /* the stack allows it after all (scripts may set it): then say so */
    tl_assert_header(&r, "Access-Control-Allow-Origin", DEV_ORIGIN);
  } else {
    tl_assert_problem(&r, 401, PROBLEM("unauthenticated"));
    assert_no_header(&r, "Access-Control-Allow-Origin");
  }
  tl_response_free(&r);
}

static int setup(void **state) {
  (void)state;
  char *hash = NULL;
  tl_world_create(&w);
  if (password_hash(PASSWORD, &hash) != CS_OK) return -1;
  tl_sql_run("UPDATE policy.users SET password_hash = $1 WHERE id = $2", 2, hash, w.ia_handler.id);
  free(hash);
  tl_world_case(&w, 0, 0, case_id);
  gateway_start();
  return 0;
}

static int teardown(void **state) {
  (void)state;
  tl_gateway_stop(&gw);
  tl_world_free(&w);
  tl_sql_close();
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_front_end_logs_in_and_reads_a_case),
      cmocka_unit_test(test_portal_front_end),
      cmocka_unit_test(test_other_origins_refused),
      cmocka_unit_test(test_cors_off_by_default),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
