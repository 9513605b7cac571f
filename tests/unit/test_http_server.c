/* The HTTP server core on a real socket (127.0.0.1, a port the kernel picks): request ids, the
 * 413 path, tokens with and without a memo, the health answers from callbacks, the metrics and
 * draining. No other process is needed. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <curl/curl.h>

#include "http.h"
#include "http_server.h"
#include "token_memo.h"
#include "ids.h"
#include "jwt.h"
#include "log.h"
#include "metrics.h"
#include "status.h"
#include "testlib.h"

#define LIMIT 1024

static struct http_server *srv;
static struct jwks_cache *keys;
static json_t *signing_key;
static char base[64];
static int ready_now;
static int memo_hits, memo_puts;

/* --- the process side: a few endpoints and the callbacks ---------------------------------- */

static void echo(struct http_exchange *x, void *arg) {
  (void)arg;
  http_json(x->resp, 200, json_pack("{s:s, s:I}", "request_id", x->request_id, "received",
                                    (json_int_t)x->req->binary_body_length));
}

static void guarded(struct http_exchange *x, void *arg) {
  json_t *claims = NULL;
  int want_claims = arg != NULL;
  if (http_server_authenticate(x, want_claims ? &claims : NULL) != CS_OK) return;
  http_json(x->resp, 200, json_pack("{s:s?}", "sub",
                                    json_string_value(json_object_get(claims, "sub"))));
  json_decref(claims);
}

static void slow(struct http_exchange *x, void *arg) {
  (void)arg;
  usleep(400000);
  http_json(x->resp, 200, json_pack("{s:b}", "slept", 1));
}

static void healthz(struct http_exchange *x, void *arg) {
  (void)arg;
  http_server_answer_healthz(x);
}

static void fallback(struct http_exchange *x, void *arg) {
  (void)arg;
  http_problem(x->resp, PROBLEM_NOT_FOUND, "no such resource");
}

static void health(void *arg, json_t *body) {
  (void)arg;
  json_object_set_new(body, "service", json_string("core-test"));
}

static int ready(void *arg, json_t *body, const char **detail) {
  (void)arg;
  json_object_set_new(body, "checks", json_pack("{s:s}", "thing", ready_now ? "ok" : "down"));
  if (ready_now) return 1;
  *detail = "a dependency is unreachable";
  return 0;
}

static char *metrics_text(void *arg) {
  (void)arg;
  return strdup("# TYPE core_test_extra gauge\ncore_test_extra 7\n");
}

/* The per-thread memo (token_memo.h), counted. */
static int memo_hit(const char *token, json_t **claims) {
  int hit = token_memo_hit(token, claims);
  if (hit) __atomic_add_fetch(&memo_hits, 1, __ATOMIC_SEQ_CST);
  return hit;
}

static void memo_put(const char *token, json_t *claims) {
  token_memo_put(token, claims);
  __atomic_add_fetch(&memo_puts, 1, __ATOMIC_SEQ_CST);
}

static const struct http_token_memo memo = {memo_hit, memo_put};

static int setup(void **state) {
  (void)state;
  char err[200];
  log_init("core-test", "error");
  curl_global_init(CURL_GLOBAL_DEFAULT);
  assert_int_equal(jwt_generate_es256("core-test-key", &signing_key), CS_OK);
  json_t *pub = NULL;
  assert_int_equal(jwt_public_jwk(signing_key, &pub), CS_OK);
  json_t *doc = json_pack("{s:[o]}", "keys", pub);
  char *text = json_dumps(doc, JSON_COMPACT);
  assert_int_equal(jwks_cache_new_static(text, &keys), CS_OK);
  free(text);
  json_decref(doc);

  const struct http_server_settings s = {.name = "core-test", .bind_address = "127.0.0.1",
                                         .port = 0, .threads = 2, .timeout_s = 10,
                                         .max_connections = 64, .max_body_bytes = LIMIT};
  assert_int_equal(http_server_new(&s, &srv, err, sizeof(err)), CS_OK);
  assert_int_equal(http_server_endpoint(srv, "POST", "/echo", echo, NULL, HTTP_ENDPOINT_CHECK_BODY), CS_OK);
  assert_int_equal(http_server_endpoint(srv, "GET", "/echo", echo, NULL, HTTP_ENDPOINT_CHECK_BODY), CS_OK);
  assert_int_equal(http_server_endpoint(srv, "POST", "/unchecked", echo, NULL, 0), CS_OK);
  assert_int_equal(http_server_endpoint(srv, "GET", "/claims", guarded, (void *)1, 0), CS_OK);
  assert_int_equal(http_server_endpoint(srv, "GET", "/memo", guarded, NULL, 0), CS_OK);
  assert_int_equal(http_server_endpoint(srv, "GET", "/slow", slow, NULL, 0), CS_OK);
  assert_int_equal(http_server_endpoint(srv, "GET", "/healthz", healthz, NULL, 0), CS_OK);
  assert_int_equal(http_server_default_endpoint(srv, "*", "(unmatched)", fallback, NULL, HTTP_ENDPOINT_CHECK_BODY), CS_OK);
  const struct http_probes p = {health, ready, metrics_text, NULL};
  http_server_probes(srv, &p);
  http_server_auth(srv, keys, &memo);
  assert_int_equal(http_server_start(srv), CS_OK);
  assert_true(http_server_port(srv) > 0);
  snprintf(base, sizeof(base), "http://127.0.0.1:%d", http_server_port(srv));
  return 0;
}

static int teardown(void **state) {
  (void)state;
  http_server_free(srv);
  jwks_cache_free(keys);
  json_decref(signing_key);
  curl_global_cleanup();
  log_close();
  return 0;
}

static const char *at(const char *path) {
  static char url[256];
  snprintf(url, sizeof(url), "%s%s", base, path);
  return url;
}

/* --- tests ---------------------------------------------------------------------------------- */

static void test_settings_are_checked(void **state) {
  (void)state;
  struct http_server *s = NULL;
  char err[200] = "";
  struct http_server_settings bad = {.name = "x", .bind_address = "not-an-ip", .port = 1,
                                     .threads = 1, .timeout_s = 1, .max_connections = 1,
                                     .max_body_bytes = 1};
  assert_int_equal(http_server_new(&bad, &s, err, sizeof(err)), CS_ERR_INVALID);
  assert_null(s);
  assert_non_null(strstr(err, "BIND_ADDRESS"));
  bad.bind_address = "::";
  assert_int_equal(http_server_new(&bad, &s, err, sizeof(err)), CS_OK); /* IPv6 is accepted */
  http_server_free(s);
  http_server_free(NULL);
}

static void test_request_id_kept_or_made(void **state) {
  (void)state;
  struct tl_response r;
  assert_int_equal(tl_http("GET", at("/echo"), NULL, NULL, 0, 0, &r), 0);
  assert_int_equal(r.status, 200);
  char *rid = tl_header(&r, "X-Request-Id");
  assert_true(rid != NULL && ids_is_uuid(rid));
  /* the handler saw the same id */
  assert_string_equal(json_string_value(json_object_get(r.json, "request_id")), rid);
  free(rid);
  tl_response_free(&r);

  const char *kept[] = {"X-Request-Id: Trace-9.a_b-c", NULL};
  assert_int_equal(tl_http("GET", at("/echo"), kept, NULL, 0, 0, &r), 0);
  tl_assert_header(&r, "X-Request-Id", "Trace-9.a_b-c");
  tl_response_free(&r);

  const char *bad[] = {"X-Request-Id: has space", NULL};
  assert_int_equal(tl_http("GET", at("/nowhere"), bad, NULL, 0, 0, &r), 0);
  tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found"); /* the default endpoint */
  rid = tl_header(&r, "X-Request-Id");
  assert_true(rid != NULL && ids_is_uuid(rid));
  free(rid);
  tl_response_free(&r);
}

static void test_body_limit_is_413(void **state) {
  (void)state;
  char body[LIMIT + 1];
  memset(body, 'b', sizeof(body));
  struct tl_response r;
  const char *h[] = {"Content-Type: text/plain", "X-Request-Id: big-1", NULL};
  assert_int_equal(tl_http("POST", at("/echo"), h, body, LIMIT + 1, 0, &r), 0);
  tl_assert_problem(&r, 413, "urn:claimsuite:problem:body-too-large");
  tl_assert_header(&r, "X-Request-Id", "big-1");
  tl_response_free(&r);

  /* chunked: no Content-Length announces it, the truncated body shows it */
  const char *hc[] = {"Content-Type: text/plain", "Transfer-Encoding: chunked", NULL};
  assert_int_equal(tl_http("POST", at("/echo"), hc, body, LIMIT + 1, 0, &r), 0);
  tl_assert_problem(&r, 413, "urn:claimsuite:problem:body-too-large");
  tl_response_free(&r);

  /* also on the default endpoint */
  assert_int_equal(tl_http("POST", at("/nowhere"), h, body, LIMIT + 1, 0, &r), 0);
  tl_assert_problem(&r, 413, "urn:claimsuite:problem:body-too-large");
  tl_response_free(&r);

  /* exactly the limit passes */
  assert_int_equal(tl_http("POST", at("/echo"), h, body, LIMIT, 0, &r), 0);
  assert_int_equal(r.status, 200);
  assert_int_equal(json_integer_value(json_object_get(r.json, "received")), LIMIT);
  tl_response_free(&r);

  /* without the flag the handler decides (here: it sees the truncated limit + 1 bytes) */
  assert_int_equal(tl_http("POST", at("/unchecked"), h, body, LIMIT + 1, 0, &r), 0);
  assert_int_equal(r.status, 200);
  assert_int_equal(json_integer_value(json_object_get(r.json, "received")), LIMIT + 1);
  tl_response_free(&r);
}

static char *token_for(const char *sub, long ttl_s) {
  json_t *claims = json_pack("{s:s, s:s, s:I, s:I}", "iss", JWT_ISSUER, "sub", sub, "iat",
                             (json_int_t)time(NULL), "exp", (json_int_t)time(NULL) + ttl_s);
  char *token = NULL;
  assert_int_equal(jwt_sign(signing_key, claims, &token), CS_OK);
  json_decref(claims);
  size_t len = strlen(token) + 32;
  char *header = malloc(len);
  snprintf(header, len, "Authorization: Bearer %s", token);
  free(token);
  return header;
}

static void test_tokens(void **state) {
  (void)state;
  struct tl_response r;
  assert_int_equal(tl_http("GET", at("/claims"), NULL, NULL, 0, 0, &r), 0);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:unauthenticated");
  tl_assert_header(&r, "WWW-Authenticate", "Bearer");
  tl_response_free(&r);

  char *expired = token_for("someone", -120);
  const char *he[] = {expired, NULL};
  assert_int_equal(tl_http("GET", at("/claims"), he, NULL, 0, 0, &r), 0);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:invalid-token");
  assert_string_equal(json_string_value(json_object_get(r.json, "detail")), "token expired");
  tl_assert_header(&r, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
  tl_response_free(&r);
  free(expired);

  char *good = token_for("alice", 300);
  const char *hg[] = {good, NULL};
  /* the first verification on a thread is remembered with its claims; the same token again on
   * that thread is a hit that gives the same claims, with and without a caller wanting them
   * (2 worker threads: at most 2 verifications for 6 requests) */
  for (int i = 0; i < 6; i++) {
    assert_int_equal(tl_http("GET", at(i % 2 ? "/memo" : "/claims"), hg, NULL, 0, 0, &r), 0);
    assert_int_equal(r.status, 200);
    if (i % 2 == 0) assert_string_equal(json_string_value(json_object_get(r.json, "sub")), "alice");
    tl_response_free(&r);
  }
  assert_true(memo_puts >= 1 && memo_puts <= 2);
  assert_int_equal(memo_hits + memo_puts, 6);
  free(good);
}

static void test_unreachable_keys_are_503(void **state) {
  (void)state;
  struct jwks_cache *away = NULL;
  assert_int_equal(jwks_cache_new("http://127.0.0.1:1/v1/auth/jwks", 60, &away), CS_OK);
  char *good = token_for("bob", 300);
  const char *h[] = {good, NULL};
  struct tl_response r;
  /* a server of its own: the key set is given before start */
  struct http_server *s = NULL;
  char err[200], url[128];
  const struct http_server_settings set = {.name = "core-test-503", .bind_address = "127.0.0.1",
                                           .threads = 1, .timeout_s = 5, .max_connections = 8,
                                           .max_body_bytes = LIMIT, .auth_realm = "claimsuite"};
  assert_int_equal(http_server_new(&set, &s, err, sizeof(err)), CS_OK);
  assert_int_equal(http_server_endpoint(s, "GET", "/claims", guarded, (void *)1, 0), CS_OK);
  http_server_auth(s, away, NULL);
  assert_int_equal(http_server_start(s), CS_OK);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/claims", http_server_port(s));
  assert_int_equal(tl_http("GET", url, h, NULL, 0, 0, &r), 0);
  tl_assert_problem(&r, 503, "urn:claimsuite:problem:unavailable");
  tl_assert_header(&r, "Retry-After", "1");
  tl_response_free(&r);
  assert_int_equal(tl_http("GET", url, NULL, NULL, 0, 0, &r), 0);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:unauthenticated");
  tl_assert_header(&r, "WWW-Authenticate", "Bearer realm=\"claimsuite\"");
  tl_response_free(&r);
  http_server_free(s);
  jwks_cache_free(away);
  free(good);
}

static void test_health_ready_metrics(void **state) {
  (void)state;
  struct tl_response r;
  assert_int_equal(tl_http("GET", at("/healthz"), NULL, NULL, 0, 0, &r), 0);
  assert_int_equal(r.status, 200);
  assert_string_equal(json_string_value(json_object_get(r.json, "status")), "ok");
  assert_string_equal(json_string_value(json_object_get(r.json, "service")), "core-test");
  tl_response_free(&r);

  /* readiness and metrics through a handler that calls the core's answers */
  struct http_exchange x = {NULL, NULL, srv, "t", -1};
  struct _u_response resp;
  ulfius_init_response(&resp);
  x.resp = &resp;
  ready_now = 0;
  http_server_answer_readyz(&x);
  assert_int_equal(resp.status, 503);
  json_t *body = json_loadb(resp.binary_body, resp.binary_body_length, 0, NULL);
  assert_string_equal(json_string_value(json_object_get(body, "detail")), "a dependency is unreachable");
  assert_string_equal(json_string_value(json_object_get(json_object_get(body, "checks"), "thing")), "down");
  assert_string_equal(json_string_value(json_object_get(body, "type")), "urn:claimsuite:problem:not-ready");
  json_decref(body);
  ulfius_clean_response(&resp);

  ulfius_init_response(&resp);
  ready_now = 1;
  http_server_answer_readyz(&x);
  assert_int_equal(resp.status, 200);
  body = json_loadb(resp.binary_body, resp.binary_body_length, 0, NULL);
  assert_string_equal(json_string_value(json_object_get(body, "status")), "ready");
  assert_string_equal(json_string_value(json_object_get(json_object_get(body, "checks"), "thing")), "ok");
  json_decref(body);
  ulfius_clean_response(&resp);

  ulfius_init_response(&resp);
  http_server_answer_metrics(&x);
  assert_int_equal(resp.status, 200);
  char *text = strndup(resp.binary_body, resp.binary_body_length);
  assert_non_null(strstr(text, "http_requests_total{service=\"core-test\",route=\"GET /healthz\",status=\"2xx\"} 1"));
  assert_non_null(strstr(text, "route=\"* (unmatched)\""));
  assert_non_null(strstr(text, "core_test_extra 7"));
  free(text);
  ulfius_clean_response(&resp);
}

static void *call_slow(void *arg) {
  struct tl_response *r = arg;
  tl_http("GET", at("/slow"), NULL, NULL, 0, 5000, r);
  return NULL;
}

/* Last: stops the server. A request in progress when the stop begins is still answered. */
static void test_stop_drains_requests_in_progress(void **state) {
  (void)state;
  struct tl_response r;
  memset(&r, 0, sizeof(r));
  pthread_t t;
  pthread_create(&t, NULL, call_slow, &r);
  for (int i = 0; i < 200 && http_server_in_flight(srv) == 0; i++) usleep(5000);
  assert_int_equal(http_server_in_flight(srv), 1);
  http_server_stop(srv);
  pthread_join(t, NULL);
  assert_int_equal(r.status, 200);
  assert_true(json_is_true(json_object_get(r.json, "slept")));
  tl_response_free(&r);
  assert_int_equal(http_server_in_flight(srv), 0);
  assert_int_not_equal(tl_http("GET", at("/echo"), NULL, NULL, 0, 1000, &r), 0); /* gone */
  tl_response_free(&r);
  http_server_stop(srv); /* twice is fine */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_settings_are_checked),
      cmocka_unit_test(test_request_id_kept_or_made),
      cmocka_unit_test(test_body_limit_is_413),
      cmocka_unit_test(test_tokens),
      cmocka_unit_test(test_unreachable_keys_are_503),
      cmocka_unit_test(test_health_ready_metrics),
      cmocka_unit_test(test_stop_drains_requests_in_progress),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
