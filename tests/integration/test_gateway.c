/* The gateway, end to end.
 *
 * Two kinds of gateway are exercised:
 *  - the stack's gateway (GATEWAY_URL) in front of the real services: public JWKS, every prefix
 *    reaches a service, /internal is never routed, the 32 MiB limit, /healthz lists the four;
 *  - gateways started here, in front of tiny recording upstreams of the test (tl_upstream.h),
 *    so the test sees exactly what an upstream received and what the client got back:
 *      gw_custom   GATEWAY_ROUTES pointing prefixes at upstreams alpha and beta, a refused port
 *                  (customer), a 500 ms upstream timeout and a 1024-byte body limit;
 *      gw_default  the built-in routing table, each upstream a recording server of its own name;
 *      gw_single   one worker thread (so one upstream connection, and the test knows which one a
 *                  request takes) in front of gamma under /v1/g, answers capped at 4096 bytes:
 *                  the keep-alive races and the ways an answer can be framed.
 * Tokens are verified against the stack's policy JWKS in all of them. */
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <netinet/in.h>
#include <orcania.h>
#include <rhonabwy.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "http.h"
#include "ids.h"
#include "testlib.h"
#include "tl_upstream.h"

#define MAX_BODY_CUSTOM 1024

/* The built-in table as the issue states it: every prefix and where it must land. */
static const struct {
  const char *prefix;
  const char *upstream;
} default_table[] = {
    {"/v1/auth", "policy"},
    {"/v1/companies", "policy"},
    {"/v1/offices", "policy"},
    {"/v1/users", "policy"},
    {"/v1/roles", "policy"},
    {"/v1/portal", "policy"},
    {"/v1/me", "policy"},
    {"/v1/api-clients", "policy"},
    {"/v1/authorize", "policy"},
    {"/v1/cases", "cases"},
    {"/v1/temporary-cases", "cases"},
    {"/v1/dashboard", "cases"},
    {"/v1/reports", "cases"},
    {"/v1/events", "customer"},
    {"/v1/customer", "customer"},
    {"/v1/customer-portal", "customer"},
    {"/v1/notifications", "customer"},
    {"/v1/webhooks", "customer"},
    {"/v1/orders", "orders"},
    {"/v1/approvals", "orders"},
    {"/v1/portals", "policy"},
    {"/c", "customer"},
};
#define NDEFAULT (sizeof(default_table) / sizeof(default_table[0]))

static const char *const upstream_names[4] = {"policy", "cases", "customer", "orders"};

struct gateway {
  pid_t pid;
  int port;
  char url[64];
  char log[512];
  int admin_port; /* 0: none */
  char admin_url[64];
};

static struct tl_upstream *alpha, *beta; /* behind gw_custom */
static struct tl_upstream *named[4];     /* behind gw_default, one per upstream name */
static struct tl_upstream *gamma_up;     /* behind gw_single */
static struct gateway gw_custom, gw_default, gw_single;
static int refused_port;
static char bearer[2048]; /* "Authorization: Bearer <valid token>" */

/* ------------------------------------------------------------------------------------------ */
/* helpers                                                                                     */

static char urlbuf[4096];
static const char *at(const struct gateway *g, const char *path) {
  snprintf(urlbuf, sizeof(urlbuf), "%s%s", g->url, path);
  return urlbuf;
}
static const char *stack(const char *path) {
  snprintf(urlbuf, sizeof(urlbuf), "%s%s", tl_env("GATEWAY_URL"), path);
  return urlbuf;
}

/* The raw response header lines named name (case-insensitive). */
static int count_header_lines(const char *headers, const char *name, const char *value_prefix) {
  int n = 0;
  size_t len = strlen(name);
  for (const char *p = headers; p != NULL && *p;) {
    if (!strncasecmp(p, name, len) && p[len] == ':') {
      const char *v = p + len + 1;
      while (*v == ' ') v++;
      if (value_prefix == NULL || !strncmp(v, value_prefix, strlen(value_prefix))) n++;
    }
    p = strchr(p, '\n');
    if (p != NULL) p++;
  }
  return n;
}

/* Sends bytes as they are (no client-side path clean-up) and reads the answer until the server
 * closes. *status is the status code; the whole response is returned (new string). */
/* A connection to port on the loopback whose reads time out after timeout_s. */
static int raw_connect(int port, long timeout_s) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  struct timeval tv = {timeout_s, 0};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  return fd;
}

/* Sends len bytes on a new connection to port (*sent: what send answered) and reads until the
 * peer closes (*closed 1) or a read waits timeout_s: what came, NUL-terminated (free()). */
static char *raw_exchange(int port, const char *request, size_t len, long timeout_s, ssize_t *sent,
                          int *closed) {
  char *resp = calloc(1, 1);
  size_t got = 0;
  int fd = raw_connect(port, timeout_s);
  *closed = 0;
  *sent = send(fd, request, len, MSG_NOSIGNAL);
  for (;;) {
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n == 0) *closed = 1;
    if (n <= 0) break;
    resp = realloc(resp, got + (size_t)n + 1);
    memcpy(resp + got, buf, (size_t)n);
    got += (size_t)n;
    resp[got] = '\0';
  }
  close(fd);
  return resp;
}

static char *raw_http(int port, const char *request, long *status) {
  int closed;
  ssize_t sent;
  char *resp = raw_exchange(port, request, strlen(request), 10, &sent, &closed);
  assert_int_equal(sent, (ssize_t)strlen(request));
  assert_true(resp[0] != '\0');
  *status = strncmp(resp, "HTTP/1.1 ", 9) == 0 ? strtol(resp + 9, NULL, 10) : -1;
  return resp;
}

static int port_of(const char *url) {
  const char *colon = strrchr(url, ':');
  return colon ? atoi(colon + 1) : -1;
}

/* Starts the gateway binary with exactly env (plus PATH-free defaults) on a free port. */
static void gateway_start(struct gateway *g, const char *name, const char *const *extra_env) {
  const char *env[32];
  char port_env[32], jwks_env[600], openapi_env[600];
  size_t n = 0;
  g->port = tl_free_port();
  assert_true(g->port > 0);
  snprintf(g->url, sizeof(g->url), "http://127.0.0.1:%d", g->port);
  snprintf(g->log, sizeof(g->log), "%s/logs/%s.log", tl_env("STACK_DIR"), name);
  snprintf(port_env, sizeof(port_env), "PORT=%d", g->port);
  snprintf(jwks_env, sizeof(jwks_env), "JWKS_URL=%s/v1/auth/jwks", tl_env("POLICY_URL"));
  snprintf(openapi_env, sizeof(openapi_env), "OPENAPI_DIR=%s", tl_env("SOURCE_DIR"));
  char admin_env[32];
  g->admin_port = tl_free_port();
  snprintf(g->admin_url, sizeof(g->admin_url), "http://127.0.0.1:%d", g->admin_port);
  snprintf(admin_env, sizeof(admin_env), "ADMIN_PORT=%d", g->admin_port);
  const char *defaults[] = {port_env,
                            jwks_env,
                            openapi_env,
                            admin_env,
                            "BIND_ADDRESS=127.0.0.1",
                            "LOG_LEVEL=debug",
                            "UPSTREAM_HEALTH_INTERVAL_MS=200"};
  /* extra_env wins over a default of the same name */
  for (size_t d = 0; d < sizeof(defaults) / sizeof(defaults[0]); d++) {
    size_t name_len = (size_t)(strchr(defaults[d], '=') - defaults[d]) + 1;
    int overridden = 0;
    for (size_t i = 0; extra_env[i] != NULL; i++) {
      if (!strncmp(extra_env[i], defaults[d], name_len)) overridden = 1;
    }
    if (!overridden) env[n++] = defaults[d];
  }
  for (size_t i = 0; extra_env[i] != NULL && n < 31; i++) env[n++] = extra_env[i];
  env[n] = NULL;
  char bin[600];
  snprintf(bin, sizeof(bin), "%s/gateway/gateway", tl_env("BIN_DIR"));
  g->pid = tl_process_start(bin, env, g->log);
  assert_true(g->pid > 0);
  char ready[128];
  snprintf(ready, sizeof(ready), "%s/readyz", g->url);
  if (!tl_wait_200(ready, 15000)) {
    tl_sh("tail -20 '%s' >&2", g->log);
    fail_msg("gateway %s did not become ready", name);
  }
}

static char *b64url(const void *data, size_t len) {
  struct _o_datum d = {0, NULL};
  assert_true(o_base64url_encode_alloc(data, len, &d));
  char *s = strndup((const char *)d.data, d.size);
  o_free(d.data);
  return s;
}

/* The kid of the stack's signing key, read from a token it signed. */
static char *stack_kid(void) {
  char *token = tl_token("kid-reader", 60, NULL);
  const char *dot = strchr(token, '.');
  unsigned char header[1024];
  size_t hlen = sizeof(header);
  assert_true(
      o_base64url_decode((const unsigned char *)token, (size_t)(dot - token), header, &hlen));
  json_t *h = json_loadb((const char *)header, hlen, 0, NULL);
  char *kid = strdup(json_string_value(json_object_get(h, "kid")));
  json_decref(h);
  free(token);
  return kid;
}

static json_t *valid_claims(const char *sub) {
  json_int_t now = (json_int_t)time(NULL);
  return json_pack("{s:s, s:s, s:I, s:I}", "iss", "claimsuite", "sub", sub, "iat", now, "exp",
                   now + 300);
}

/* A token of the right shape and kid, signed by a key that is not the stack's. */
static char *token_wrong_key(void) {
  char *kid = stack_kid(), *out;
  jwk_t *priv = NULL, *pub = NULL;
  jwt_t *jwt = NULL;
  json_t *claims = valid_claims("forger");
  assert_int_equal(r_jwk_init(&priv), RHN_OK);
  assert_int_equal(r_jwk_init(&pub), RHN_OK);
  assert_int_equal(r_jwk_generate_key_pair(priv, pub, R_KEY_TYPE_EC, 256, kid), RHN_OK);
  assert_int_equal(r_jwt_init(&jwt), RHN_OK);
  assert_int_equal(r_jwt_set_sign_alg(jwt, R_JWA_ALG_ES256), RHN_OK);
  assert_int_equal(r_jwt_set_header_str_value(jwt, "kid", kid), RHN_OK);
  assert_int_equal(r_jwt_set_header_str_value(jwt, "typ", "JWT"), RHN_OK);
  assert_int_equal(r_jwt_set_full_claims_json_t(jwt, claims), RHN_OK);
  char *t = r_jwt_serialize_signed(jwt, priv, 0);
  assert_non_null(t);
  out = strdup(t);
  r_free(t);
  r_jwt_free(jwt);
  r_jwk_free(priv);
  r_jwk_free(pub);
  json_decref(claims);
  free(kid);
  return out;
}

/* header.payload. with {"alg":"none"}. */
static char *token_alg_none(void) {
  char *kid = stack_kid();
  json_t *h = json_pack("{s:s, s:s, s:s}", "alg", "none", "typ", "JWT", "kid", kid);
  json_t *claims = valid_claims("nobody");
  char *hs = json_dumps(h, JSON_COMPACT), *ps = json_dumps(claims, JSON_COMPACT);
  char *h64 = b64url(hs, strlen(hs)), *p64 = b64url(ps, strlen(ps));
  size_t n = strlen(h64) + strlen(p64) + 3;
  char *token = malloc(n);
  snprintf(token, n, "%s.%s.", h64, p64);
  free(hs), free(ps), free(h64), free(p64), free(kid);
  json_decref(h);
  json_decref(claims);
  return token;
}

/* HS256 with the stack's public key (PEM) as the HMAC secret: the classic key-confusion. */
static char *token_hs256_public_key(void) {
  char *kid = stack_kid();
  struct tl_response r;
  char u[600];
  snprintf(u, sizeof(u), "%s/v1/auth/jwks", tl_env("POLICY_URL"));
  assert_int_equal(tl_http("GET", u, NULL, NULL, 0, 0, &r), 0);
  assert_int_equal(r.status, 200);
  json_t *key = json_array_get(json_object_get(r.json, "keys"), 0);
  assert_non_null(key);
  jwk_t *jwk = NULL;
  assert_int_equal(r_jwk_init(&jwk), RHN_OK);
  assert_int_equal(r_jwk_import_from_json_t(jwk, key), RHN_OK);
  unsigned char pem[4096];
  size_t pem_len = sizeof(pem);
  assert_int_equal(r_jwk_export_to_pem_der(jwk, R_FORMAT_PEM, pem, &pem_len, 0), RHN_OK);
  r_jwk_free(jwk);
  tl_response_free(&r);

  json_t *h = json_pack("{s:s, s:s, s:s}", "alg", "HS256", "typ", "JWT", "kid", kid);
  json_t *claims = valid_claims("confused");
  char *hs = json_dumps(h, JSON_COMPACT), *ps = json_dumps(claims, JSON_COMPACT);
  char *h64 = b64url(hs, strlen(hs)), *p64 = b64url(ps, strlen(ps));
  size_t n = strlen(h64) + strlen(p64) + 2;
  char *signing_input = malloc(n);
  snprintf(signing_input, n, "%s.%s", h64, p64);
  unsigned char mac[32];
  assert_int_equal(
      gnutls_hmac_fast(GNUTLS_MAC_SHA256, pem, pem_len, signing_input, strlen(signing_input), mac),
      0);
  char *s64 = b64url(mac, sizeof(mac));
  n = strlen(signing_input) + strlen(s64) + 2;
  char *token = malloc(n);
  snprintf(token, n, "%s.%s", signing_input, s64);
  free(hs), free(ps), free(h64), free(p64), free(s64), free(signing_input), free(kid);
  json_decref(h);
  json_decref(claims);
  return token;
}

/* ------------------------------------------------------------------------------------------ */
/* fixture                                                                                     */

static int setup(void **state) {
  (void)state;
  char *token = tl_token("gateway-tester", 600, NULL);
  snprintf(bearer, sizeof(bearer), "Authorization: Bearer %s", token);
  free(token);

  if (tl_upstream_start("alpha", &alpha) != 0 || tl_upstream_start("beta", &beta) != 0) return -1;
  for (int i = 0; i < 4; i++) {
    if (tl_upstream_start(upstream_names[i], &named[i]) != 0) return -1;
  }
  refused_port = tl_free_port();

  char up_policy[64], up_cases[64], up_customer[64], up_orders[64];
  snprintf(up_policy, sizeof(up_policy), "UPSTREAM_POLICY=http://127.0.0.1:%d",
           tl_upstream_port(alpha));
  snprintf(up_cases, sizeof(up_cases), "UPSTREAM_CASES=http://127.0.0.1:%d",
           tl_upstream_port(beta));
  snprintf(up_customer, sizeof(up_customer), "UPSTREAM_CUSTOMER=http://127.0.0.1:%d", refused_port);
  snprintf(up_orders, sizeof(up_orders), "UPSTREAM_ORDERS=http://127.0.0.1:%d/",
           tl_upstream_port(alpha));
  const char *custom_env[] = {
      up_policy,
      up_cases,
      up_customer,
      up_orders,
      "GATEWAY_ROUTES=/v1/echo=policy; /v1/echo/deep=cases; /v1/refused=customer;"
      "/v1/auth=policy; /v1/customer-portal=orders",
      "UPSTREAM_TIMEOUT_MS=500",
      "HTTP_MAX_BODY_BYTES=1024",
      "HTTP_THREADS=4",
      NULL};
  gateway_start(&gw_custom, "test-gateway-custom", custom_env);

  char d[4][64];
  static const char *const var[4] = {"UPSTREAM_POLICY", "UPSTREAM_CASES", "UPSTREAM_CUSTOMER",
                                     "UPSTREAM_ORDERS"};
  for (int i = 0; i < 4; i++) {
    snprintf(d[i], sizeof(d[i]), "%s=http://127.0.0.1:%d", var[i], tl_upstream_port(named[i]));
  }
  const char *default_env[] = {d[0], d[1], d[2], d[3], NULL};
  gateway_start(&gw_default, "test-gateway-default", default_env);

  if (tl_upstream_start("gamma", &gamma_up) != 0) return -1;
  char up_gamma[64];
  snprintf(up_gamma, sizeof(up_gamma), "UPSTREAM_POLICY=http://127.0.0.1:%d",
           tl_upstream_port(gamma_up));
  const char *single_env[] = {up_gamma,
                              "GATEWAY_ROUTES=/v1/g=policy",
                              "HTTP_THREADS=1",
                              "UPSTREAM_MAX_RESPONSE_BYTES=4096",
                              "UPSTREAM_TIMEOUT_MS=3000",
                              NULL};
  gateway_start(&gw_single, "test-gateway-single", single_env);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  if (gw_custom.pid > 0) tl_process_stop(gw_custom.pid, 5000);
  if (gw_default.pid > 0) tl_process_stop(gw_default.pid, 5000);
  if (gw_single.pid > 0) tl_process_stop(gw_single.pid, 5000);
  tl_upstream_stop(gamma_up);
  tl_upstream_stop(alpha);
  tl_upstream_stop(beta);
  for (int i = 0; i < 4; i++) tl_upstream_stop(named[i]);
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* the stack's gateway in front of the real services                                          */

static void test_stack_jwks_is_public(void **state) {
  (void)state;
  struct tl_response r;
  assert_int_equal(tl_http("GET", stack("/v1/auth/jwks"), NULL, NULL, 0, 0, &r), 0);
  assert_int_equal(r.status, 200);
  json_t *keys = json_object_get(r.json, "keys");
  assert_true(json_is_array(keys));
  assert_true(json_array_size(keys) >= 1);
  assert_non_null(json_string_value(json_object_get(json_array_get(keys, 0), "kid")));
  char *rid = tl_header(&r, "X-Request-Id");
  assert_true(rid != NULL && ids_is_uuid(rid));
  free(rid);
  tl_response_free(&r);
}

/* Every prefix of the table gets to a service: whatever the service answers, it is not the
 * gateway's own "no route", nor a failure to reach it. (Which service exactly is proven on
 * gw_default below.) */
static void test_stack_every_prefix_reaches_a_service(void **state) {
  (void)state;
  for (size_t i = 0; i < NDEFAULT; i++) {
    struct tl_response r;
    char path[256], rid[64];
    snprintf(path, sizeof(path), "%s/gateway-route-probe", default_table[i].prefix);
    snprintf(rid, sizeof(rid), "X-Request-Id: route-probe-%zu", i);
    const char *h[] = {bearer, rid, NULL};
    assert_int_equal(tl_http("GET", stack(path), h, NULL, 0, 0, &r), 0);
    if (r.status == 502 || r.status == 503 || r.status == 504 || r.status == 0) {
      fail_msg("%s: %ld %s", path, r.status, r.body);
    }
    if (r.status == 404) {
      const char *detail = json_string_value(json_object_get(r.json, "detail"));
      if (detail != NULL && !strcmp(detail, "no route for this path")) {
        fail_msg("%s is not routed by the stack gateway", path);
      }
    }
    tl_assert_header(&r, "X-Request-Id", rid + strlen("X-Request-Id: "));
    tl_response_free(&r);
  }
}

static void test_stack_internal_and_unknown_are_404(void **state) {
  (void)state;
  struct tl_response r;
  const char *h[] = {bearer, NULL};
  assert_int_equal(tl_http("GET", stack("/internal/events?after=0&limit=10"), h, NULL, 0, 0, &r),
                   0);
  tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
  tl_response_free(&r);
  assert_int_equal(tl_http("POST", stack("/internal/authorize"), h, "{}", 2, 0, &r), 0);
  tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
  tl_response_free(&r);
  assert_int_equal(tl_http("GET", stack("/v1/nope"), h, NULL, 0, 0, &r), 0);
  tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
  assert_string_equal(json_string_value(json_object_get(r.json, "detail")),
                      "no route for this path");
  tl_response_free(&r);

  /* spellings a client library would clean up are sent raw */
  static const char *const tricks[] = {
      "//internal/events",
      "/v1/../internal/events",
      "/v1/cases/../../internal/events",
      "/%69nternal/events",
      "/v1/%2e%2e/internal/events",
      "/v1/cases/%2E%2E/%2e%2e/internal/events",
      "/./internal/events",
      "/INTERNAL/events",
      "/%2finternal/events",
      "/v1/cases/..%2f..%2finternal/events",
  };
  int port = port_of(tl_env("GATEWAY_URL"));
  for (size_t i = 0; i < sizeof(tricks) / sizeof(tricks[0]); i++) {
    char req[4096];
    long status;
    snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n%s\r\nConnection: close\r\n\r\n",
             tricks[i], bearer);
    char *resp = raw_http(port, req, &status);
    if (status != 404 && status != 400) fail_msg("%s answered %ld", tricks[i], status);
    if (strstr(resp, "application/problem+json") == NULL ||
        strcasestr(resp, "X-Request-Id:") == NULL) {
      fail_msg("%s: not a problem with a request id:\n%s", tricks[i], resp);
    }
    free(resp);
  }
}

/* url on the stack gateway's operator port */
static const char *stack_admin(const char *path) {
  static char url[512];
  snprintf(url, sizeof(url), "%s%s", tl_env("GATEWAY_ADMIN_URL"), path);
  return url;
}

static int stack_upstreams_up(void *arg) {
  struct tl_response *r = arg;
  tl_response_free(r);
  if (tl_http("GET", stack_admin("/healthz"), NULL, NULL, 0, 2000, r) != 0 || r->status != 200)
    return 0;
  json_t *ups = json_object_get(r->json, "upstreams");
  for (int i = 0; i < 4; i++) {
    json_t *u = json_object_get(ups, upstream_names[i]);
    if (!json_is_object(u) || strcmp(json_string_value(json_object_get(u, "status")), "up") != 0) {
      return 0;
    }
  }
  return 1;
}

static void test_stack_healthz_lists_the_four_upstreams(void **state) {
  (void)state;
  struct tl_response r;
  memset(&r, 0, sizeof(r));
  if (!tl_wait(stack_upstreams_up, &r, 10000)) fail_msg("upstreams not all up: %s", r.body);
  assert_string_equal(json_string_value(json_object_get(r.json, "status")), "ok");
  static const char *const url_var[4] = {"POLICY_URL", "CASES_URL", "CUSTOMER_URL", "ORDERS_URL"};
  json_t *ups = json_object_get(r.json, "upstreams");
  assert_int_equal(json_object_size(ups), 4);
  for (int i = 0; i < 4; i++) {
    json_t *u = json_object_get(ups, upstream_names[i]);
    assert_string_equal(json_string_value(json_object_get(u, "url")), tl_env(url_var[i]));
    assert_true(json_is_integer(json_object_get(u, "latency_ms")));
  }
  tl_response_free(&r);

  assert_int_equal(tl_http("GET", stack_admin("/readyz"), NULL, NULL, 0, 0, &r), 0);
  assert_int_equal(r.status, 200);
  assert_int_equal(json_object_size(json_object_get(r.json, "upstreams")), 4);
  tl_response_free(&r);
  assert_int_equal(tl_http("GET", stack_admin("/metrics"), NULL, NULL, 0, 0, &r), 0);
  assert_int_equal(r.status, 200);
  assert_non_null(strstr(r.body, "gateway_upstream_up{upstream=\"policy\"} 1"));
  assert_non_null(strstr(r.body, "gateway_upstream_up{upstream=\"orders\"} 1"));
  assert_non_null(strstr(r.body, "http_requests_total{service=\"gateway\""));
  tl_response_free(&r);

  /* strangers on the public port learn up or not, nothing about what is behind */
  assert_int_equal(tl_http("GET", stack("/healthz"), NULL, NULL, 0, 0, &r), 0);
  assert_int_equal(r.status, 200);
  assert_int_equal(json_object_size(r.json), 1);
  assert_string_equal(json_string_value(json_object_get(r.json, "status")), "ok");
  tl_response_free(&r);
  assert_int_equal(tl_http("GET", stack("/readyz"), NULL, NULL, 0, 0, &r), 0);
  assert_int_equal(r.status, 200);
  assert_int_equal(json_object_size(r.json), 1);
  assert_null(strstr(r.body, "127.0.0.1"));
  tl_response_free(&r);
  assert_int_equal(tl_http("GET", stack("/metrics"), NULL, NULL, 0, 0, &r), 0);
  tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
  assert_null(strstr(r.body, "http_requests_total"));
  tl_response_free(&r);
}

/* Slow clients trickling their headers (slowloris): one address holds at most
 * HTTP_MAX_CONNECTIONS_PER_ADDRESS (64) of the gateway's connections, so 5 000 of them from one
 * address leave the gateway answering everybody else at once. */
static void test_slow_clients_of_one_address_starve_nobody(void **state) {
  (void)state;
  enum { SLOW = 5000 };
  static int fds[SLOW];
  struct rlimit rl;
  assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
  if (rl.rlim_cur < SLOW + 256) {
    rl.rlim_cur = rl.rlim_max < SLOW + 256 ? rl.rlim_max : SLOW + 256;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  struct sockaddr_in gw = {.sin_family = AF_INET,
                           .sin_port = htons((uint16_t)port_of(tl_env("GATEWAY_URL")))};
  struct sockaddr_in slow = {.sin_family = AF_INET};
  inet_pton(AF_INET, "127.0.0.1", &gw.sin_addr);
  inet_pton(AF_INET, "127.0.0.2", &slow.sin_addr); /* another address on the loopback */
  static const char head[] = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ";
  int opened = 0;
  for (int i = 0; i < SLOW; i++) {
    fds[i] = socket(AF_INET, SOCK_STREAM, 0);
    if (fds[i] < 0) break;
    if (bind(fds[i], (struct sockaddr *)&slow, sizeof(slow)) != 0 ||
        connect(fds[i], (struct sockaddr *)&gw, sizeof(gw)) != 0) {
      close(fds[i]);
      fds[i] = -1;
      continue;
    }
    (void)send(fds[i], head, sizeof(head) - 1, MSG_NOSIGNAL);
    opened++;
  }
  usleep(500 * 1000);
  int held = 0;
  for (int i = 0; i < SLOW; i++) {
    char c;
    if (fds[i] < 0) continue;
    ssize_t n = recv(fds[i], &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) held++; /* still open, waiting */
  }
  struct timespec t0, t1;
  struct tl_response r;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  assert_int_equal(tl_http("GET", stack("/healthz"), NULL, NULL, 0, 5000, &r), 0);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  assert_int_equal(r.status, 200);
  tl_response_free(&r);
  for (int i = 0; i < SLOW; i++)
    if (fds[i] >= 0) close(fds[i]);
  print_message(
      "%d slow connections tried from one address, %d held by the gateway; another "
      "client answered in %ld ms\n",
      opened, held, ms);
  assert_true(held <= 64);
  assert_true(ms < 1000);
}

/* Sends len bytes to the stack's gateway and reads until it closes (5 s at most): the status of
 * the first answer, how many answers came (status lines at the start of a line), whether the
 * gateway closed, and whether the answer was problem+json. */
struct edge_answer {
  long status;
  int answers, closed, problem;
};

static struct edge_answer edge_send(const char *req, size_t len) {
  struct edge_answer a = {-1, 0, 0, 0};
  ssize_t sent; /* a refusal may come before all is sent */
  char *resp = raw_exchange(port_of(tl_env("GATEWAY_URL")), req, len, 5, &sent, &a.closed);
  for (const char *p = resp; (p = strstr(p, "HTTP/1.1 ")) != NULL; p++)
    if (p == resp || p[-1] == '\n') a.answers++;
  if (!strncmp(resp, "HTTP/1.1 ", 9)) a.status = strtol(resp + 9, NULL, 10);
  a.problem = strstr(resp, "Content-Type: application/problem+json") != NULL;
  free(resp);
  return a;
}

/* RFC 9112 section 6.3 at the edge: whatever a lenient parser could read two ways is refused
 * with one problem+json answer and the connection closed; nothing is read as a second request
 * and libmicrohttpd's own pages never show. */
static void test_the_edge_speaks_strict_http(void **state) {
  (void)state;
  static const struct {
    const char *req;
    size_t len;
    long status;
  } cases[] = {
#define C(lit, st) {lit, sizeof(lit) - 1, st}
      C("POST /v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 30\r\n"
        "\r\nabcdeGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        400),
      C("POST /v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
        "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400),
      C("POST /v1/auth/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n"
        "0\r\n\r\n",
        501),
      C("POST /v1/auth/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nxxxx", 501),
      C("POST /v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", 400),
      C("POST /v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400),
      C("POST /v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nabcde", 400),
      C("GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", 400),
      C("GET /healthz HTTP/1.1\nHost: x\n\n", 400),
      C("GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x00"
        "b\r\n\r\n",
        400),
      C("GET /healthz HTTP/1.1\r\n\r\n", 400),
      C("POST /v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n", 413),
#undef C
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct edge_answer a = edge_send(cases[i].req, cases[i].len);
    if (a.status != cases[i].status || a.answers != 1 || !a.closed || !a.problem)
      fail_msg("case %zu: status %ld (expected %ld), %d answer(s), %s, %s", i, a.status,
               cases[i].status, a.answers, a.closed ? "closed" : "left open",
               a.problem ? "problem+json" : "not problem+json");
  }
  /* too long a target and too large a head: refused as problems too */
  char *big = malloc(80000);
  assert_non_null(big);
  int n = snprintf(big, 80000, "GET /%070000d HTTP/1.1\r\nHost: x\r\n\r\n", 0);
  struct edge_answer a = edge_send(big, (size_t)n);
  assert_int_equal(a.status, 414);
  assert_true(a.problem);
  n = snprintf(big, 80000, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: %070000d\r\n\r\n", 0);
  a = edge_send(big, (size_t)n);
  assert_int_equal(a.status, 431);
  assert_true(a.problem);
  free(big);
  /* and a well-formed request on the same port is answered as ever, kept alive */
  static const char ok[] = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  a = edge_send(ok, sizeof(ok) - 1);
  assert_int_equal(a.status, 200);
  assert_int_equal(a.answers, 1);
}

/* A request head that trickles in past HTTP_HEAD_TIMEOUT_SECONDS is refused with 408 (the
 * stack's gateway: 2 s). */
static void test_a_head_must_arrive_in_time(void **state) {
  (void)state;
  int fd = raw_connect(port_of(tl_env("GATEWAY_URL")), 10);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  static const char *const parts[] = {"GET /healthz HTTP/1.1\r\n",
                                      "Host: x\r\n",
                                      "X-A: 1\r\n",
                                      "X-B: 2\r\n",
                                      "X-C: 3\r\n",
                                      "X-D: 4\r\n"};
  char resp[4096] = "";
  ssize_t got = 0;
  for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]) && got <= 0; i++) {
    (void)send(fd, parts[i], strlen(parts[i]), MSG_NOSIGNAL);
    usleep(700 * 1000); /* each line well within the idle timeout, the head never complete */
    got = recv(fd, resp, sizeof(resp) - 1, MSG_DONTWAIT);
  }
  if (got <= 0) got = recv(fd, resp, sizeof(resp) - 1, 0);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  close(fd);
  assert_true(got > 0);
  resp[got] = '\0';
  long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  print_message("a trickling head was refused after %ld ms\n", ms);
  assert_int_equal(strtol(resp + 9, NULL, 10), 408);
  assert_non_null(strstr(resp, "application/problem+json"));
  assert_true(ms < 4000);
}

static void test_stack_body_limit_32_mib(void **state) {
  (void)state;
  size_t len = 32u * 1024 * 1024 + 1;
  char *body = malloc(len);
  assert_non_null(body);
  memset(body, 'x', len);
  struct tl_response r;
  const char *h[] = {bearer, "Content-Type: application/octet-stream", NULL};
  assert_int_equal(tl_http("POST", stack("/v1/cases/gateway-too-big"), h, body, len, 60000, &r), 0);
  tl_assert_problem(&r, 413, "urn:claimsuite:problem:body-too-large");
  tl_response_free(&r);
  free(body);
}

/* ------------------------------------------------------------------------------------------ */
/* routing                                                                                     */

static void test_default_table_routes_each_prefix_to_its_service(void **state) {
  (void)state;
  for (size_t i = 0; i < NDEFAULT; i++) {
    for (int exact = 0; exact < 2; exact++) {
      struct tl_response r;
      char path[256];
      if (exact)
        snprintf(path, sizeof(path), "%s", default_table[i].prefix);
      else
        snprintf(path, sizeof(path), "%s/x-%zu/y?q=%zu&r=a%%20b", default_table[i].prefix, i, i);
      const char *h[] = {bearer, NULL};
      assert_int_equal(tl_http("GET", at(&gw_default, path), h, NULL, 0, 0, &r), 0);
      if (r.status != 200) fail_msg("%s: %ld %s", path, r.status, r.body);
      const char *got = json_string_value(json_object_get(r.json, "upstream"));
      if (got == NULL || strcmp(got, default_table[i].upstream) != 0) {
        fail_msg("%s went to %s, expected %s", path, got ? got : "?", default_table[i].upstream);
      }
      assert_string_equal(json_string_value(json_object_get(r.json, "target")), path);
      tl_assert_header(&r, "X-Upstream", default_table[i].upstream);
      tl_response_free(&r);
    }
  }
  /* whole segments only, and nothing else is routed */
  static const char *const unrouted[] = {"/v1/casesx", "/v1/mex/1", "/v1/nope", "/v1",
                                         "/",          "/v2/cases", "/V1/CASES"};
  for (size_t i = 0; i < sizeof(unrouted) / sizeof(unrouted[0]); i++) {
    struct tl_response r;
    const char *h[] = {bearer, NULL};
    assert_int_equal(tl_http("GET", at(&gw_default, unrouted[i]), h, NULL, 0, 0, &r), 0);
    tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
    tl_response_free(&r);
  }
}

static void test_longest_prefix_wins(void **state) {
  (void)state;
  struct tl_response r;
  const char *h[] = {bearer, NULL};
  assert_int_equal(tl_http("GET", at(&gw_custom, "/v1/echo/deep/1"), h, NULL, 0, 0, &r), 0);
  assert_int_equal(r.status, 200);
  assert_string_equal(json_string_value(json_object_get(r.json, "upstream")), "beta");
  tl_response_free(&r);
  assert_int_equal(tl_http("GET", at(&gw_custom, "/v1/echo/deeper"), h, NULL, 0, 0, &r), 0);
  assert_int_equal(r.status, 200);
  assert_string_equal(json_string_value(json_object_get(r.json, "upstream")), "alpha");
  tl_response_free(&r);
  assert_int_equal(tl_http("GET", at(&gw_custom, "/v1/echoes"), h, NULL, 0, 0, &r), 0);
  tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
  tl_response_free(&r);
}

/* ------------------------------------------------------------------------------------------ */
/* forwarding                                                                                  */

static void test_forwards_method_target_headers_and_binary_body(void **state) {
  (void)state;
  unsigned char body[300];
  for (size_t i = 0; i < sizeof(body); i++) body[i] = (unsigned char)(i * 7);
  body[0] = 0;
  body[150] = 0;
  const char *h[] = {bearer,
                     "Content-Type: application/octet-stream",
                     "X-Request-Id: fwd-1.test_A",
                     "X-Custom: a \"quoted\", list;x=1",
                     "Idempotency-Key: key-123",
                     "If-Match: \"7\"",
                     "X-Forwarded-For: 203.0.113.9",
                     "Accept: application/json",
                     NULL};
  struct tl_response r;
  const char *target = "/v1/echo/items/x?a=1&b=%20x&c=%2F";
  assert_int_equal(
      tl_http("POST", at(&gw_custom, target), h, (const char *)body, sizeof(body), 0, &r), 0);
  assert_int_equal(r.status, 200);
  tl_assert_header(&r, "X-Request-Id", "fwd-1.test_A");
  tl_assert_header(&r, "X-Upstream", "alpha");
  tl_assert_header(&r, "X-Custom-Reply", "yes, \"kept\"");
  assert_int_equal(count_header_lines(r.headers, "X-Request-Id", NULL), 1);
  assert_int_equal(json_integer_value(json_object_get(r.json, "body_len")), sizeof(body));
  tl_response_free(&r);

  struct tl_seen s;
  assert_int_equal(tl_upstream_find(alpha, "/v1/echo/items/x", &s), 0);
  assert_string_equal(s.method, "POST");
  assert_string_equal(s.target, target);
  assert_int_equal(s.body_len, sizeof(body));
  assert_memory_equal(s.body, body, sizeof(body));
  char *v;
  assert_string_equal((v = tl_seen_header(&s, "X-Request-Id")), "fwd-1.test_A"), free(v);
  assert_string_equal((v = tl_seen_header(&s, "Authorization")),
                      bearer + strlen("Authorization: ")),
      free(v);
  assert_string_equal((v = tl_seen_header(&s, "Content-Type")), "application/octet-stream"),
      free(v);
  assert_string_equal((v = tl_seen_header(&s, "X-Custom")), "a \"quoted\", list;x=1"), free(v);
  assert_string_equal((v = tl_seen_header(&s, "Idempotency-Key")), "key-123"), free(v);
  assert_string_equal((v = tl_seen_header(&s, "If-Match")), "\"7\""), free(v);
  assert_string_equal((v = tl_seen_header(&s, "Accept")), "application/json"), free(v);
  assert_string_equal((v = tl_seen_header(&s, "Content-Length")), "300"), free(v);
  assert_string_equal((v = tl_seen_header(&s, "X-Forwarded-For")), "203.0.113.9, 127.0.0.1"),
      free(v);
  assert_string_equal((v = tl_seen_header(&s, "X-Forwarded-Proto")), "http"), free(v);
  char expect_host[64];
  snprintf(expect_host, sizeof(expect_host), "127.0.0.1:%d", tl_upstream_port(alpha));
  assert_string_equal((v = tl_seen_header(&s, "Host")), expect_host), free(v);
  assert_int_equal(tl_seen_header_count(&s, "Host"), 1);
  assert_int_equal(tl_seen_header_count(&s, "Content-Length"), 1);
  assert_int_equal(tl_seen_header_count(&s, "X-Request-Id"), 1);
  assert_int_equal(tl_seen_header_count(&s, "Expect"), 0);
  assert_int_equal(tl_seen_header_count(&s, "Transfer-Encoding"), 0);
  assert_int_equal(tl_seen_header_count(&s, "Connection"), 0);
  assert_int_equal(tl_seen_header_count(&s, "Keep-Alive"), 0);
  tl_seen_free(&s);
}

static void test_hop_by_hop_headers_stay_at_the_gateway(void **state) {
  (void)state;
  long status;
  char req[4096];
  snprintf(req, sizeof(req),
           "GET /v1/echo/hop HTTP/1.1\r\nHost: gw.example\r\n%s\r\n"
           "Connection: close, X-Drop-Me\r\nX-Drop-Me: secret\r\nKeep-Alive: timeout=5\r\n"
           "TE: trailers\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\nX-Keep: 1\r\n\r\n",
           bearer);
  char *resp = raw_http(gw_custom.port, req, &status);
  assert_int_equal(status, 200);
  free(resp);
  struct tl_seen s;
  assert_int_equal(tl_upstream_find(alpha, "/v1/echo/hop", &s), 0);
  assert_int_equal(tl_seen_header_count(&s, "X-Drop-Me"), 0);
  assert_int_equal(tl_seen_header_count(&s, "Keep-Alive"), 0);
  assert_int_equal(tl_seen_header_count(&s, "TE"), 0);
  assert_int_equal(tl_seen_header_count(&s, "Proxy-Authorization"), 0);
  assert_int_equal(tl_seen_header_count(&s, "Connection"), 0);
  assert_int_equal(tl_seen_header_count(&s, "X-Keep"), 1);
  char *v = tl_seen_header(&s, "X-Forwarded-Host");
  assert_string_equal(v, "gw.example");
  free(v);
  tl_seen_free(&s);
}

static void test_chunked_body_goes_upstream_with_its_length(void **state) {
  (void)state;
  char body[700];
  for (size_t i = 0; i < sizeof(body); i++) body[i] = (char)('a' + i % 26);
  struct tl_response r;
  const char *h[] = {bearer, "Transfer-Encoding: chunked", "Content-Type: text/plain", NULL};
  assert_int_equal(
      tl_http("PATCH", at(&gw_custom, "/v1/echo/chunked"), h, body, sizeof(body), 0, &r), 0);
  assert_int_equal(r.status, 200);
  assert_int_equal(json_integer_value(json_object_get(r.json, "body_len")), sizeof(body));
  tl_response_free(&r);
  struct tl_seen s;
  assert_int_equal(tl_upstream_find(alpha, "/v1/echo/chunked", &s), 0);
  assert_string_equal(s.method, "PATCH");
  assert_int_equal(s.body_len, sizeof(body));
  assert_memory_equal(s.body, body, sizeof(body));
  assert_int_equal(tl_seen_header_count(&s, "Transfer-Encoding"), 0);
  char *v = tl_seen_header(&s, "Content-Length");
  assert_string_equal(v, "700");
  free(v);
  tl_seen_free(&s);
}

static void test_methods_without_body_send_none(void **state) {
  (void)state;
  static const char *const methods[] = {"GET", "DELETE", "OPTIONS", "HEAD"};
  for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
    struct tl_response r;
    char path[64];
    snprintf(path, sizeof(path), "/v1/echo/nobody-%s", methods[i]);
    const char *h[] = {bearer, "Accept:", NULL}; /* "Accept:" removes curl's default */
    assert_int_equal(tl_http(methods[i], at(&gw_custom, path), h, NULL, 0, 0, &r), 0);
    assert_int_equal(r.status, 200);
    if (!strcmp(methods[i], "HEAD")) assert_int_equal(r.body_len, 0);
    tl_response_free(&r);
    struct tl_seen s;
    assert_int_equal(tl_upstream_find(alpha, path, &s), 0);
    assert_string_equal(s.method, methods[i]);
    assert_int_equal(s.body_len, 0);
    assert_int_equal(tl_seen_header_count(&s, "Content-Length"), 0);
    assert_int_equal(tl_seen_header_count(&s, "Content-Type"), 0);
    assert_int_equal(tl_seen_header_count(&s, "Accept"), 0);
    assert_int_equal(tl_seen_header_count(&s, "Transfer-Encoding"), 0);
    tl_seen_free(&s);
  }
  /* PUT, PATCH, POST with an empty body: Content-Length 0, no invented Content-Type */
  static const char *const with_body[] = {"PUT", "PATCH", "POST"};
  for (size_t i = 0; i < sizeof(with_body) / sizeof(with_body[0]); i++) {
    struct tl_response r;
    char path[64];
    snprintf(path, sizeof(path), "/v1/echo/empty-%s", with_body[i]);
    const char *h[] = {bearer, "Content-Type:", NULL};
    assert_int_equal(tl_http(with_body[i], at(&gw_custom, path), h, "", 0, 0, &r), 0);
    assert_int_equal(r.status, 200);
    tl_response_free(&r);
    struct tl_seen s;
    assert_int_equal(tl_upstream_find(alpha, path, &s), 0);
    assert_string_equal(s.method, with_body[i]);
    char *v = tl_seen_header(&s, "Content-Length");
    assert_string_equal(v, "0");
    free(v);
    assert_int_equal(tl_seen_header_count(&s, "Content-Type"), 0);
    assert_int_equal(tl_seen_header_count(&s, "Expect"), 0);
    tl_seen_free(&s);
  }
}

static void test_statuses_bodies_and_headers_come_back_intact(void **state) {
  (void)state;
  static const long statuses[] = {201, 202, 204, 400, 404, 418, 500, 503};
  const char *h[] = {bearer, NULL};
  for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
    struct tl_response r;
    char path[64];
    snprintf(path, sizeof(path), "/v1/echo/status/%ld", statuses[i]);
    assert_int_equal(tl_http("GET", at(&gw_custom, path), h, NULL, 0, 0, &r), 0);
    assert_int_equal(r.status, statuses[i]);
    tl_assert_header(&r, "X-Upstream", "alpha");
    if (statuses[i] == 204) {
      assert_int_equal(r.body_len, 0);
    } else {
      assert_string_equal(json_string_value(json_object_get(r.json, "target")), path);
      tl_assert_header(&r, "Content-Type", "application/json");
    }
    tl_response_free(&r);
  }

  struct tl_response r;
  assert_int_equal(tl_http("GET", at(&gw_custom, "/v1/echo/binary"), h, NULL, 0, 0, &r), 0);
  assert_int_equal(r.status, 200);
  assert_int_equal(r.body_len, 256);
  for (int i = 0; i < 256; i++) assert_int_equal((unsigned char)r.body[i], i);
  tl_assert_header(&r, "Content-Type", "application/octet-stream");
  tl_assert_header(&r, "Content-Length", "256");
  tl_response_free(&r);

  assert_int_equal(tl_http("GET", at(&gw_custom, "/v1/echo/cookies"), h, NULL, 0, 0, &r), 0);
  assert_int_equal(r.status, 200);
  assert_int_equal(count_header_lines(r.headers, "Set-Cookie", "a=1; Path=/"), 1);
  assert_int_equal(count_header_lines(r.headers, "Set-Cookie", "b=2; HttpOnly"), 1);
  assert_int_equal(count_header_lines(r.headers, "Date", NULL), 1);
  tl_response_free(&r);
}

static void test_upstream_connections_are_reused(void **state) {
  (void)state;
  const char *h[] = {bearer, NULL};
  struct tl_response r;
  /* warm every worker thread's connection first */
  for (int i = 0; i < 16; i++) {
    assert_int_equal(tl_http("GET", at(&gw_custom, "/v1/echo/warm"), h, NULL, 0, 0, &r), 0);
    tl_response_free(&r);
  }
  int before = tl_upstream_connections(alpha);
  for (int i = 0; i < 40; i++) {
    assert_int_equal(tl_http("GET", at(&gw_custom, "/v1/echo/reuse"), h, NULL, 0, 0, &r), 0);
    assert_int_equal(r.status, 200);
    tl_response_free(&r);
  }
  int opened = tl_upstream_connections(alpha) - before;
  if (opened > 4) fail_msg("40 requests opened %d new upstream connections", opened);
}

/* ------------------------------------------------------------------------------------------ */
/* keep-alive races and answer framing (gw_single: one thread, one connection to gamma)        */

/* A request through gw_single; asserts the status, returns the response in *r. */
static void single(const char *method, const char *path, const char *body, long status,
                   struct tl_response *r) {
  const char *h[] = {bearer, "Content-Type: text/plain", NULL};
  assert_int_equal(tl_http(method, at(&gw_single, path), h, body, body ? strlen(body) : 0, 0, r),
                   0);
  if (r->status != status)
    fail_msg("%s %s: %ld, expected %ld: %s", method, path, r->status, status, r->body);
}

/* Which upstream connection carried the latest request whose target contains needle. */
static int gamma_connection(const char *needle) {
  struct tl_seen s;
  assert_int_equal(tl_upstream_find(gamma_up, needle, &s), 0);
  int id = s.connection_id;
  tl_seen_free(&s);
  return id;
}

static void test_upstream_closing_idle_connections_is_survived(void **state) {
  (void)state;
  struct tl_response r;
  single("GET", "/v1/g/idle-1/close-after/50", NULL, 200, &r);
  tl_response_free(&r);
  int first = gamma_connection("idle-1");
  usleep(300 * 1000); /* gamma has closed the idle connection by now */
  single("GET", "/v1/g/idle-2", NULL, 200, &r);
  assert_string_equal(json_string_value(json_object_get(r.json, "target")), "/v1/g/idle-2");
  tl_response_free(&r);
  assert_int_not_equal(gamma_connection("idle-2"), first);
  assert_int_equal(tl_upstream_count(gamma_up, "idle-2"), 1);

  /* a POST after the same: goes out once, on a new connection, and succeeds */
  single("POST", "/v1/g/idle-3/close-after/50", "one", 200, &r);
  tl_response_free(&r);
  usleep(300 * 1000);
  single("POST", "/v1/g/idle-4", "two", 200, &r);
  tl_response_free(&r);
  assert_int_equal(tl_upstream_count(gamma_up, "idle-4"), 1);
  struct tl_seen s;
  assert_int_equal(tl_upstream_find(gamma_up, "idle-4", &s), 0);
  assert_int_equal(s.body_len, 3);
  assert_string_equal(s.body, "two");
  assert_int_not_equal(s.connection_id, gamma_connection("idle-3"));
  tl_seen_free(&s);
}

static void test_lost_request_on_a_reused_connection_is_retried_only_if_idempotent(void **state) {
  (void)state;
  struct tl_response r;
  /* GET and PUT: gamma reads them on the reused connection and closes it; sent again on a new
   * one, they are answered */
  static const char *const idempotent[] = {"GET", "PUT", "DELETE"};
  for (size_t i = 0; i < sizeof(idempotent) / sizeof(idempotent[0]); i++) {
    char path[128], needle[64];
    snprintf(needle, sizeof(needle), "drop-reused/%s", idempotent[i]);
    snprintf(path, sizeof(path), "/v1/g/%s", needle);
    single("GET", "/v1/g/drop-warm", NULL, 200, &r); /* the connection has answered once */
    tl_response_free(&r);
    single(idempotent[i], path, !strcmp(idempotent[i], "PUT") ? "put" : NULL, 200, &r);
    assert_string_equal(json_string_value(json_object_get(r.json, "target")), path);
    tl_response_free(&r);
    assert_int_equal(tl_upstream_count(gamma_up, needle), 2);
  }

  /* POST and PATCH: never sent twice, the client learns the upstream was not reached */
  static const char *const unsafe[] = {"POST", "PATCH"};
  for (size_t i = 0; i < sizeof(unsafe) / sizeof(unsafe[0]); i++) {
    char path[128], needle[64];
    snprintf(needle, sizeof(needle), "drop-reused/%s", unsafe[i]);
    snprintf(path, sizeof(path), "/v1/g/%s", needle);
    single("GET", "/v1/g/drop-warm", NULL, 200, &r);
    tl_response_free(&r);
    single(unsafe[i], path, "create-once", 503, &r);
    tl_assert_problem(&r, 503, "urn:claimsuite:problem:upstream-unavailable");
    tl_assert_header(&r, "Retry-After", "1");
    tl_response_free(&r);
    assert_int_equal(tl_upstream_count(gamma_up, needle), 1);
  }
  /* and the next request goes through */
  single("POST", "/v1/g/drop-after", "x", 200, &r);
  tl_response_free(&r);
  assert_int_equal(tl_upstream_count(gamma_up, "drop-after"), 1);
}

static void test_chunked_answer_is_decoded(void **state) {
  (void)state;
  struct tl_response r;
  single("GET", "/v1/g/chunked-answer/x?q=1", NULL, 200, &r);
  assert_string_equal(json_string_value(json_object_get(r.json, "upstream")), "gamma");
  assert_string_equal(json_string_value(json_object_get(r.json, "target")),
                      "/v1/g/chunked-answer/x?q=1");
  tl_assert_header(&r, "Content-Type", "application/json");
  tl_assert_header(&r, "X-Upstream", "gamma");
  char expect_len[32];
  snprintf(expect_len, sizeof(expect_len), "%zu", r.body_len);
  tl_assert_header(&r, "Content-Length", expect_len);
  assert_null(strcasestr(r.headers, "Transfer-Encoding"));
  assert_null(strcasestr(r.headers, "X-Checksum"));
  assert_null(strcasestr(r.headers, "Trailer"));
  tl_response_free(&r);
  /* the connection stays open after a chunked answer */
  single("GET", "/v1/g/after-chunked", NULL, 200, &r);
  tl_response_free(&r);
  assert_int_equal(gamma_connection("after-chunked"), gamma_connection("chunked-answer/x"));

  /* byte for byte, in chunks of 1000, up to the cap */
  single("GET", "/v1/g/chunked-answer/big/4096", NULL, 200, &r);
  assert_int_equal(r.body_len, 4096);
  for (size_t i = 0; i < r.body_len; i++) assert_int_equal(r.body[i], 'z');
  tl_response_free(&r);
  single("GET", "/v1/g/chunked-answer/big/5000", NULL, 502, &r);
  tl_assert_problem(&r, 502, "urn:claimsuite:problem:upstream-bad-answer");
  assert_string_equal(json_string_value(json_object_get(r.json, "detail")),
                      "the upstream service's answer is too large");
  tl_response_free(&r);
}

static void test_http10_answer_ends_with_the_connection(void **state) {
  (void)state;
  struct tl_response r;
  single("GET", "/v1/g/http10-answer/x", NULL, 200, &r);
  assert_string_equal(json_string_value(json_object_get(r.json, "target")),
                      "/v1/g/http10-answer/x");
  tl_assert_header(&r, "X-Upstream", "gamma");
  tl_assert_header(&r, "Content-Type", "application/json");
  char expect_len[32];
  snprintf(expect_len, sizeof(expect_len), "%zu", r.body_len);
  tl_assert_header(&r, "Content-Length", expect_len);
  tl_response_free(&r);
  single("GET", "/v1/g/after-http10", NULL, 200, &r);
  tl_response_free(&r);
  assert_int_not_equal(gamma_connection("after-http10"), gamma_connection("http10-answer/x"));
  assert_int_equal(tl_upstream_count(gamma_up, "http10-answer"), 1);
}

static void test_malformed_and_oversized_answers_are_502(void **state) {
  (void)state;
  struct tl_response r;
  single("GET", "/v1/g/bad-length", NULL, 502, &r);
  tl_assert_problem(&r, 502, "urn:claimsuite:problem:upstream-bad-answer");
  tl_response_free(&r);
  single("GET", "/v1/g/big/4097", NULL, 502, &r);
  tl_assert_problem(&r, 502, "urn:claimsuite:problem:upstream-bad-answer");
  assert_string_equal(json_string_value(json_object_get(r.json, "detail")),
                      "the upstream service's answer is too large");
  tl_response_free(&r);
  single("GET", "/v1/g/big/4096", NULL, 200, &r);
  assert_int_equal(r.body_len, 4096);
  tl_assert_header(&r, "Content-Type", "text/plain");
  tl_response_free(&r);
  single("HEAD", "/v1/g/big/4097", NULL, 200, &r); /* no body comes with a HEAD */
  assert_int_equal(r.body_len, 0);
  tl_response_free(&r);
}

/* ------------------------------------------------------------------------------------------ */
/* failures                                                                                    */

static void test_refused_upstream_is_503_with_retry_after(void **state) {
  (void)state;
  struct tl_response r;
  const char *h[] = {bearer, "X-Request-Id: refused-1", NULL};
  assert_int_equal(tl_http("GET", at(&gw_custom, "/v1/refused/x"), h, NULL, 0, 0, &r), 0);
  tl_assert_problem(&r, 503, "urn:claimsuite:problem:upstream-unavailable");
  tl_assert_header(&r, "Retry-After", "1");
  tl_assert_header(&r, "X-Request-Id", "refused-1");
  tl_response_free(&r);
}

static void test_slow_upstream_is_504(void **state) {
  (void)state;
  struct tl_response r;
  struct timespec t0, t1;
  const char *h[] = {bearer, "X-Request-Id: slow-1", NULL};
  clock_gettime(CLOCK_MONOTONIC, &t0);
  assert_int_equal(tl_http("GET", at(&gw_custom, "/v1/echo/slow/3000"), h, NULL, 0, 0, &r), 0);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  tl_assert_problem(&r, 504, "urn:claimsuite:problem:upstream-timeout");
  tl_assert_header(&r, "X-Request-Id", "slow-1");
  double took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  assert_true(took >= 0.4 && took < 2.5);
  tl_response_free(&r);
  /* and the gateway goes on */
  assert_int_equal(tl_http("GET", at(&gw_custom, "/v1/echo/after-slow"), h, NULL, 0, 0, &r), 0);
  assert_int_equal(r.status, 200);
  tl_response_free(&r);
}

static void test_body_above_the_limit_is_413(void **state) {
  (void)state;
  char body[MAX_BODY_CUSTOM + 1];
  memset(body, 'b', sizeof(body));
  struct tl_response r;
  const char *h[] = {bearer, "Content-Type: text/plain", "X-Request-Id: big-1", NULL};
  assert_int_equal(
      tl_http("POST", at(&gw_custom, "/v1/echo/too-big"), h, body, sizeof(body), 0, &r), 0);
  tl_assert_problem(&r, 413, "urn:claimsuite:problem:body-too-large");
  tl_assert_header(&r, "X-Request-Id", "big-1");
  tl_response_free(&r);
  assert_int_equal(tl_upstream_count(alpha, "/v1/echo/too-big"), 0);

  /* chunked, so no Content-Length announces it */
  const char *hc[] = {bearer, "Transfer-Encoding: chunked", NULL};
  assert_int_equal(
      tl_http("PUT", at(&gw_custom, "/v1/echo/too-big-chunked"), hc, body, sizeof(body), 0, &r), 0);
  tl_assert_problem(&r, 413, "urn:claimsuite:problem:body-too-large");
  tl_response_free(&r);
  assert_int_equal(tl_upstream_count(alpha, "/v1/echo/too-big"), 0);

  /* exactly the limit passes, byte for byte */
  assert_int_equal(
      tl_http("POST", at(&gw_custom, "/v1/echo/just-fits"), h, body, MAX_BODY_CUSTOM, 0, &r), 0);
  assert_int_equal(r.status, 200);
  tl_response_free(&r);
  struct tl_seen s;
  assert_int_equal(tl_upstream_find(alpha, "/v1/echo/just-fits", &s), 0);
  assert_int_equal(s.body_len, MAX_BODY_CUSTOM);
  assert_memory_equal(s.body, body, MAX_BODY_CUSTOM);
  tl_seen_free(&s);
}

static void test_internal_and_dot_segments_never_reach_an_upstream(void **state) {
  (void)state;
  static const char *const tricks[] = {
      "/internal/events",
      "//internal/events",
      "/%69nternal/events",
      "/Internal/events",
      "/v1/echo/../../internal/events",
      "/v1/echo/%2e%2e/%2e%2e/internal/events",
      "/v1/echo/..%2F..%2Finternal/events",
      "/v1/echo/%252e%252e/x",
      "/v1/echo/./x",
      "/v1/echo/..;/x",
  };
  for (size_t i = 0; i < sizeof(tricks) / sizeof(tricks[0]); i++) {
    char req[4096];
    long status;
    snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n%s\r\nConnection: close\r\n\r\n",
             tricks[i], bearer);
    char *resp = raw_http(gw_custom.port, req, &status);
    if (status != 404 && status != 400) fail_msg("%s answered %ld:\n%s", tricks[i], status, resp);
    assert_non_null(strstr(resp, "application/problem+json"));
    free(resp);
  }
  assert_int_equal(tl_upstream_count(alpha, "internal"), 0);
  assert_int_equal(tl_upstream_count(alpha, ".."), 0);
  assert_int_equal(tl_upstream_count(alpha, "%2e"), 0);
}

/* ------------------------------------------------------------------------------------------ */
/* request ids                                                                                 */

static void test_request_id_generated_or_kept(void **state) {
  (void)state;
  struct tl_response r;
  struct tl_seen s;
  char *rid, *seen;

  const char *none[] = {bearer, NULL};
  assert_int_equal(tl_http("GET", at(&gw_custom, "/v1/echo/rid-none"), none, NULL, 0, 0, &r), 0);
  assert_int_equal(r.status, 200);
  rid = tl_header(&r, "X-Request-Id");
  assert_true(rid != NULL && ids_is_uuid(rid));
  assert_int_equal(tl_upstream_find(alpha, "/v1/echo/rid-none", &s), 0);
  seen = tl_seen_header(&s, "X-Request-Id");
  assert_string_equal(seen, rid);
  assert_string_equal(json_string_value(json_object_get(r.json, "request_id")), rid);
  free(seen), free(rid), tl_seen_free(&s), tl_response_free(&r);

  const char *kept[] = {bearer, "X-Request-Id: Trace-9.a_b-c", NULL};
  assert_int_equal(tl_http("GET", at(&gw_custom, "/v1/echo/rid-kept"), kept, NULL, 0, 0, &r), 0);
  tl_assert_header(&r, "X-Request-Id", "Trace-9.a_b-c");
  assert_int_equal(tl_upstream_find(alpha, "/v1/echo/rid-kept", &s), 0);
  assert_string_equal((seen = tl_seen_header(&s, "X-Request-Id")), "Trace-9.a_b-c");
  assert_int_equal(tl_seen_header_count(&s, "X-Request-Id"), 1);
  free(seen), tl_seen_free(&s), tl_response_free(&r);

  char longid[200] = "X-Request-Id: ";
  memset(longid + strlen(longid), 'a', 129);
  static const char *const bad_ids[] = {"X-Request-Id: has space", "X-Request-Id: <script>",
                                        "X-Request-Id: a/b", NULL};
  for (int i = 0; i < 4; i++) {
    const char *bad = i < 3 ? bad_ids[i] : longid;
    const char *h[] = {bearer, bad, NULL};
    assert_int_equal(tl_http("GET", at(&gw_custom, "/v1/echo/rid-bad"), h, NULL, 0, 0, &r), 0);
    rid = tl_header(&r, "X-Request-Id");
    assert_true(rid != NULL && ids_is_uuid(rid));
    assert_int_equal(tl_upstream_find(alpha, "/v1/echo/rid-bad", &s), 0);
    assert_string_equal((seen = tl_seen_header(&s, "X-Request-Id")), rid);
    free(seen), free(rid), tl_seen_free(&s), tl_response_free(&r);
  }

  /* errors made by the gateway itself carry it too */
  const char *h404[] = {"X-Request-Id: err-404", NULL};
  assert_int_equal(tl_http("GET", at(&gw_custom, "/v1/unknown"), h404, NULL, 0, 0, &r), 0);
  tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
  tl_assert_header(&r, "X-Request-Id", "err-404");
  tl_response_free(&r);
}

/* ------------------------------------------------------------------------------------------ */
/* tokens                                                                                      */

static void expect_401(const char *authorization, const char *path) {
  struct tl_response r;
  const char *h[] = {authorization, NULL};
  assert_int_equal(tl_http("GET", at(&gw_custom, path), authorization ? h : NULL, NULL, 0, 0, &r),
                   0);
  tl_assert_problem(&r, 401, NULL);
  char *www = tl_header(&r, "WWW-Authenticate");
  if (www == NULL || strncmp(www, "Bearer", 6) != 0)
    fail_msg("WWW-Authenticate: %s", www ? www : "(none)");
  free(www);
  tl_response_free(&r);
  assert_int_equal(tl_upstream_count(alpha, path), 0);
}

static void test_tokens_are_checked_at_the_edge(void **state) {
  (void)state;
  char h[4096];
  expect_401(NULL, "/v1/echo/jwt-missing");
  expect_401("Authorization: Basic dXNlcjpwYXNz", "/v1/echo/jwt-basic");
  expect_401("Authorization: Bearer not.a.token", "/v1/echo/jwt-garbage");

  char *t = tl_token("late", -300, NULL);
  snprintf(h, sizeof(h), "Authorization: Bearer %s", t);
  expect_401(h, "/v1/echo/jwt-expired");
  free(t);

  t = token_wrong_key();
  snprintf(h, sizeof(h), "Authorization: Bearer %s", t);
  expect_401(h, "/v1/echo/jwt-wrong-key");
  free(t);

  t = token_alg_none();
  snprintf(h, sizeof(h), "Authorization: Bearer %s", t);
  expect_401(h, "/v1/echo/jwt-none");
  free(t);

  t = token_hs256_public_key();
  snprintf(h, sizeof(h), "Authorization: Bearer %s", t);
  expect_401(h, "/v1/echo/jwt-hs256");
  free(t);

  /* a valid token passes, and is forwarded unchanged */
  struct tl_response r;
  const char *ok[] = {bearer, NULL};
  assert_int_equal(tl_http("GET", at(&gw_custom, "/v1/echo/jwt-valid"), ok, NULL, 0, 0, &r), 0);
  assert_int_equal(r.status, 200);
  tl_response_free(&r);
  struct tl_seen s;
  assert_int_equal(tl_upstream_find(alpha, "/v1/echo/jwt-valid", &s), 0);
  char *v = tl_seen_header(&s, "Authorization");
  assert_string_equal(v, bearer + strlen("Authorization: "));
  free(v);
  tl_seen_free(&s);
}

static void test_public_paths_need_no_token(void **state) {
  (void)state;
  static const char *const open_paths[] = {"/v1/auth/token", "/v1/auth/jwks",
                                           "/v1/customer-portal/login",
                                           "/v1/customer-portal/login/verify"};
  for (size_t i = 0; i < sizeof(open_paths) / sizeof(open_paths[0]); i++) {
    struct tl_response r;
    assert_int_equal(
        tl_http("POST", at(&gw_custom, open_paths[i]), NULL, "grant_type=password", 19, 0, &r), 0);
    if (r.status != 200) fail_msg("%s: %ld %s", open_paths[i], r.status, r.body);
    assert_string_equal(json_string_value(json_object_get(r.json, "target")), open_paths[i]);
    tl_response_free(&r);
  }
  /* the form body reaches the upstream as sent (not parsed by the gateway) */
  struct tl_seen s;
  assert_int_equal(tl_upstream_find(alpha, "/v1/auth/token", &s), 0);
  assert_string_equal(s.body, "grant_type=password");
  char *v = tl_seen_header(&s, "Content-Type");
  assert_string_equal(v, "application/x-www-form-urlencoded");
  free(v);
  tl_seen_free(&s);
  /* but a routed path outside them does */
  expect_401(NULL, "/v1/echo/x");
}

/* ------------------------------------------------------------------------------------------ */
/* the gateway's own endpoints                                                                 */

/* path on g's operator port */
static const char *admin_at(const struct gateway *g, const char *path) {
  static char url[512];
  snprintf(url, sizeof(url), "%s%s", g->admin_url, path);
  return url;
}

static int custom_health_settled(void *arg) {
  struct tl_response *r = arg;
  tl_response_free(r);
  if (tl_http("GET", admin_at(&gw_custom, "/healthz"), NULL, NULL, 0, 2000, r) != 0) return 0;
  json_t *ups = json_object_get(r->json, "upstreams");
  return r->status == 200 &&
         !strcmp(json_string_value(json_object_get(json_object_get(ups, "policy"), "status")),
                 "up") &&
         !strcmp(json_string_value(json_object_get(json_object_get(ups, "customer"), "status")),
                 "down");
}

static void test_own_health_ready_metrics_openapi(void **state) {
  (void)state;
  struct tl_response r;
  memset(&r, 0, sizeof(r));
  if (!tl_wait(custom_health_settled, &r, 5000)) fail_msg("healthz: %s", r.body);
  assert_string_equal(json_string_value(json_object_get(r.json, "status")), "ok");
  json_t *ups = json_object_get(r.json, "upstreams");
  assert_int_equal(json_object_size(ups), 4);
  char url[64];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d", tl_upstream_port(alpha));
  assert_string_equal(json_string_value(json_object_get(json_object_get(ups, "policy"), "url")),
                      url);
  assert_string_equal(json_string_value(json_object_get(json_object_get(ups, "orders"), "url")),
                      url);
  assert_string_equal(json_string_value(json_object_get(json_object_get(ups, "cases"), "status")),
                      "up");
  assert_string_equal(json_string_value(json_object_get(json_object_get(ups, "orders"), "status")),
                      "up");
  tl_assert_header(&r, "Content-Type", "application/json");
  tl_response_free(&r);

  assert_int_equal(tl_http("GET", admin_at(&gw_custom, "/readyz"), NULL, NULL, 0, 0, &r), 0);
  assert_int_equal(r.status, 200);
  tl_response_free(&r);
  assert_int_equal(tl_http("GET", admin_at(&gw_custom, "/v1/echo"), NULL, NULL, 0, 0, &r), 0);
  tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found"); /* nothing routed there */
  tl_response_free(&r);
  assert_int_equal(tl_http("POST", admin_at(&gw_custom, "/metrics"), NULL, "x", 1, 0, &r), 0);
  tl_assert_problem(&r, 405, "urn:claimsuite:problem:method-not-allowed");
  tl_response_free(&r);

  assert_int_equal(tl_http("GET", admin_at(&gw_custom, "/metrics"), NULL, NULL, 0, 0, &r), 0);
  assert_int_equal(r.status, 200);
  assert_non_null(strstr(r.body, "gateway_upstream_up{upstream=\"policy\"} 1"));
  assert_non_null(strstr(r.body, "gateway_upstream_up{upstream=\"customer\"} 0"));
  assert_non_null(strstr(
      r.body,
      "http_requests_total{service=\"gateway\",route=\"ANY /v1/echo -> policy\",status=\"2xx\"}"));
  assert_non_null(strstr(
      r.body, "gateway_upstream_failures_total{upstream=\"customer\",kind=\"unreachable\"}"));
  char *ct = tl_header(&r, "Content-Type");
  assert_non_null(ct);
  assert_non_null(strstr(ct, "text/plain"));
  free(ct);
  tl_response_free(&r);

  assert_int_equal(tl_http("GET", at(&gw_custom, "/openapi/gateway.yaml"), NULL, NULL, 0, 0, &r),
                   0);
  assert_int_equal(r.status, 200);
  assert_non_null(strstr(r.body, "openapi:"));
  assert_non_null(strstr(r.body, "/healthz"));
  tl_assert_header(&r, "Content-Type", "application/yaml");
  tl_response_free(&r);
  assert_int_equal(tl_http("GET", at(&gw_custom, "/openapi/policy.yaml"), NULL, NULL, 0, 0, &r), 0);
  assert_int_equal(r.status, 200);
  assert_non_null(strstr(r.body, "openapi:"));
  tl_response_free(&r);
  static const char *const missing[] = {"/openapi/nope.yaml", "/openapi/../gateway/openapi.yaml",
                                        "/openapi/", "/openapi/policy.json"};
  for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
    assert_int_equal(tl_http("GET", at(&gw_custom, missing[i]), NULL, NULL, 0, 0, &r), 0);
    if (r.status != 404 && r.status != 400) fail_msg("%s: %ld", missing[i], r.status);
    tl_assert_problem(&r, r.status, NULL);
    tl_response_free(&r);
  }

  assert_int_equal(tl_http("POST", at(&gw_custom, "/healthz"), NULL, "x", 1, 0, &r), 0);
  tl_assert_problem(&r, 405, "urn:claimsuite:problem:method-not-allowed");
  tl_response_free(&r);
}

/* ------------------------------------------------------------------------------------------ */
/* process                                                                                     */

/* The exit code of a gateway that must stop on its own within 5 s; fails (and stops it) if not. */
static int exit_code(pid_t pid, const char *what) {
  int st = 0, exited = 0;
  for (int k = 0; k < 100 && !(exited = tl_process_exited(pid, &st)); k++) usleep(50000);
  if (!exited || !WIFEXITED(st)) {
    tl_process_stop(pid, 1000);
    fail_msg("%s: the gateway did not exit", what);
  }
  return WEXITSTATUS(st);
}

static void test_bad_configuration_exits_2_naming_the_variable(void **state) {
  (void)state;
  static const struct {
    const char *env;
    const char *name;
  } bad[] = {
      {"PORT=eighty", "PORT"},
      {"HTTP_MAX_BODY_BYTES=-1", "HTTP_MAX_BODY_BYTES"},
      {"UPSTREAM_TIMEOUT_MS=10s", "UPSTREAM_TIMEOUT_MS"},
      {"GATEWAY_ROUTES=/v1/x=nowhere", "GATEWAY_ROUTES"},
      {"UPSTREAM_CASES=ftp://x", "UPSTREAM_CASES"},
      {"BIND_ADDRESS=not-an-ip", "BIND_ADDRESS"},
  };
  char bin[600], log[600];
  snprintf(bin, sizeof(bin), "%s/gateway/gateway", tl_env("BIN_DIR"));
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    snprintf(log, sizeof(log), "%s/logs/test-gateway-badconf-%zu.log", tl_env("STACK_DIR"), i);
    unlink(log);
    const char *env[] = {bad[i].env, NULL};
    assert_int_equal(exit_code(tl_process_start(bin, env, log), bad[i].env), 2);
    assert_int_equal(tl_sh("grep -q '%s' '%s'", bad[i].name, log), 0);
  }
}

/* The gateway's own client speaks plain HTTP: an https upstream is refused at start, by name. */
static void test_https_upstream_is_refused_at_start(void **state) {
  (void)state;
  char bin[600], log[600];
  snprintf(bin, sizeof(bin), "%s/gateway/gateway", tl_env("BIN_DIR"));
  snprintf(log, sizeof(log), "%s/logs/test-gateway-https.log", tl_env("STACK_DIR"));
  unlink(log);
  const char *env[] = {"UPSTREAM_ORDERS=https://orders:8443", NULL};
  assert_int_equal(exit_code(tl_process_start(bin, env, log), env[0]), 2);
  assert_int_equal(tl_sh("grep -q 'UPSTREAM_ORDERS cannot be https' '%s'", log), 0);
}

static void test_unreachable_key_set_is_503(void **state) {
  (void)state;
  struct gateway g;
  char jwks[80], up[80];
  snprintf(jwks, sizeof(jwks), "JWKS_URL=http://127.0.0.1:%d/v1/auth/jwks", refused_port);
  snprintf(up, sizeof(up), "UPSTREAM_CASES=http://127.0.0.1:%d", tl_upstream_port(alpha));
  const char *env[] = {jwks, up, NULL};
  gateway_start(&g, "test-gateway-nojwks", env);
  struct tl_response r;
  const char *h[] = {bearer, "X-Request-Id: nojwks-1", NULL};
  assert_int_equal(tl_http("GET", at(&g, "/v1/cases/nojwks"), h, NULL, 0, 0, &r), 0);
  tl_assert_problem(&r, 503, "urn:claimsuite:problem:unavailable");
  tl_assert_header(&r, "X-Request-Id", "nojwks-1");
  tl_response_free(&r);
  assert_int_equal(tl_upstream_count(alpha, "/v1/cases/nojwks"), 0);
  /* without a token it is still 401: nothing to verify */
  assert_int_equal(tl_http("GET", at(&g, "/v1/cases/nojwks"), NULL, NULL, 0, 0, &r), 0);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:unauthenticated");
  tl_response_free(&r);
  int st = tl_process_stop(g.pid, 5000);
  assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void test_sigterm_stops_cleanly(void **state) {
  (void)state;
  struct gateway g;
  const char *env[] = {NULL};
  gateway_start(&g, "test-gateway-sigterm", env);
  int st = tl_process_stop(g.pid, 5000);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 0);
  assert_int_equal(tl_sh("grep -q 'gateway stopped' '%s'", g.log), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stack_jwks_is_public),
      cmocka_unit_test(test_stack_every_prefix_reaches_a_service),
      cmocka_unit_test(test_stack_internal_and_unknown_are_404),
      cmocka_unit_test(test_stack_healthz_lists_the_four_upstreams),
      cmocka_unit_test(test_the_edge_speaks_strict_http),
      cmocka_unit_test(test_a_head_must_arrive_in_time),
      cmocka_unit_test(test_slow_clients_of_one_address_starve_nobody),
      cmocka_unit_test(test_stack_body_limit_32_mib),
      cmocka_unit_test(test_default_table_routes_each_prefix_to_its_service),
      cmocka_unit_test(test_longest_prefix_wins),
      cmocka_unit_test(test_forwards_method_target_headers_and_binary_body),
      cmocka_unit_test(test_hop_by_hop_headers_stay_at_the_gateway),
      cmocka_unit_test(test_chunked_body_goes_upstream_with_its_length),
      cmocka_unit_test(test_methods_without_body_send_none),
      cmocka_unit_test(test_statuses_bodies_and_headers_come_back_intact),
      cmocka_unit_test(test_upstream_connections_are_reused),
      cmocka_unit_test(test_upstream_closing_idle_connections_is_survived),
      cmocka_unit_test(test_lost_request_on_a_reused_connection_is_retried_only_if_idempotent),
      cmocka_unit_test(test_chunked_answer_is_decoded),
      cmocka_unit_test(test_http10_answer_ends_with_the_connection),
      cmocka_unit_test(test_malformed_and_oversized_answers_are_502),
      cmocka_unit_test(test_refused_upstream_is_503_with_retry_after),
      cmocka_unit_test(test_slow_upstream_is_504),
      cmocka_unit_test(test_body_above_the_limit_is_413),
      cmocka_unit_test(test_internal_and_dot_segments_never_reach_an_upstream),
      cmocka_unit_test(test_request_id_generated_or_kept),
      cmocka_unit_test(test_tokens_are_checked_at_the_edge),
      cmocka_unit_test(test_public_paths_need_no_token),
      cmocka_unit_test(test_own_health_ready_metrics_openapi),
      cmocka_unit_test(test_bad_configuration_exits_2_naming_the_variable),
      cmocka_unit_test(test_https_upstream_is_refused_at_start),
      cmocka_unit_test(test_unreachable_key_set_is_503),
      cmocka_unit_test(test_sigterm_stops_cleanly),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
