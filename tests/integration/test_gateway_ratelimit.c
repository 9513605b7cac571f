/* Rate limits at the gateway (gateway/http_limits.h), end to end: gateways started here with
 * small limits in front of a recording upstream of the test (tl_upstream.h), tokens minted with
 * the stack's signing key (verified against the stack's policy JWKS).
 *   gw_limited  60 a minute for users, 120 for API clients, 60 per address on public paths,
 *               3 back to back (one refill a second for users: recovery is quick to see);
 *   gw_open     every limit 0 (off). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "testlib.h"
#include "tl_gateway.h"
#include "tl_upstream.h"

#define PROBLEM(slug) "urn:claimsuite:problem:" slug

static struct tl_upstream *up;
static struct tl_gateway gw_limited, gw_open;
static char *alice, *bob, *client, *client_as_alice;

/* Starts the gateway in front of up with the extra settings (NULL-terminated). */
static void gateway_start(struct tl_gateway *g, const char *name, const char *const *extra) {
  char upstream_env[64];
  snprintf(upstream_env, sizeof(upstream_env), "UPSTREAM_POLICY=http://127.0.0.1:%d",
           tl_upstream_port(up));
  const char *env[24] = {upstream_env, "GATEWAY_ROUTES=/v1/echo=policy;/v1/auth=policy"};
  size_t n = 2;
  for (size_t i = 0; extra[i] != NULL && n < 23; i++) env[n++] = extra[i];
  env[n] = NULL;
  tl_gateway_start(g, name, env);
}

static long get(const struct tl_gateway *g, const char *path, const char *token,
                struct tl_response *r) {
  return tl_call(g->url, "GET", path, token, NULL, NULL, r);
}

/* The integer after key= in a RateLimit value ("user";r=2;t=1), -1 when absent. */
static long param(const char *value, const char *key) {
  char k[16];
  snprintf(k, sizeof(k), ";%s=", key);
  const char *p = value != NULL ? strstr(value, k) : NULL;
  return p != NULL ? strtol(p + strlen(k), NULL, 10) : -1;
}

/* Expects a 200 from the upstream with the policy and remaining requests said. */
static void expect_taken(const struct tl_gateway *g, const char *path, const char *token,
                         const char *policy, long remaining) {
  struct tl_response r;
  get(g, path, token, &r);
  tl_expect(&r, 200);
  assert_string_equal(tl_str(r.json, "upstream"), "alpha");
  tl_assert_header(&r, "RateLimit-Policy", policy);
  char *state = tl_header(&r, "RateLimit");
  assert_non_null(state);
  assert_int_equal(param(state, "r"), remaining);
  assert_true(param(state, "t") >= 1 && param(state, "t") <= 60);
  free(state);
  tl_response_free(&r);
}

/* Expects the 429 problem with Retry-After and RateLimit r=0. */
static void expect_refused(const struct tl_gateway *g, const char *path, const char *token,
                           const char *policy) {
  struct tl_response r;
  get(g, path, token, &r);
  tl_assert_problem(&r, 429, PROBLEM("rate-limited"));
  char *retry = tl_header(&r, "Retry-After"), *state = tl_header(&r, "RateLimit");
  assert_non_null(retry);
  assert_non_null(state);
  long seconds = strtol(retry, NULL, 10);
  assert_true(seconds >= 1 && seconds <= 2);
  assert_int_equal(param(state, "r"), 0);
  assert_int_equal(param(state, "t"), seconds);
  tl_assert_header(&r, "RateLimit-Policy", policy);
  assert_non_null(strstr(tl_str(r.json, "detail"), "requests a minute"));
  free(retry);
  free(state);
  tl_response_free(&r);
}

static void test_user_over_the_limit(void **state) {
  (void)state;
  int before = tl_upstream_count(up, "/v1/echo/alice");
  expect_taken(&gw_limited, "/v1/echo/alice", alice, "\"user\";q=60;w=60", 2);
  expect_taken(&gw_limited, "/v1/echo/alice", alice, "\"user\";q=60;w=60", 1);
  expect_taken(&gw_limited, "/v1/echo/alice", alice, "\"user\";q=60;w=60", 0);
  expect_refused(&gw_limited, "/v1/echo/alice", alice, "\"user\";q=60;w=60");
  /* the refused request never reached the upstream */
  assert_int_equal(tl_upstream_count(up, "/v1/echo/alice"), before + 3);

  /* another user, and an API client whose subject is alice's too: buckets of their own */
  expect_taken(&gw_limited, "/v1/echo/bob", bob, "\"user\";q=60;w=60", 2);
  expect_taken(&gw_limited, "/v1/echo/c", client_as_alice, "\"client\";q=120;w=60", 2);

  /* one request's worth comes back each second (60 a minute) */
  sleep(1);
  usleep(100 * 1000);
  expect_taken(&gw_limited, "/v1/echo/alice", alice, "\"user\";q=60;w=60", 0);
  expect_refused(&gw_limited, "/v1/echo/alice", alice, "\"user\";q=60;w=60");
  /* a quiet caller is whole again after the window */
  sleep(3);
  usleep(200 * 1000);
  expect_taken(&gw_limited, "/v1/echo/alice", alice, "\"user\";q=60;w=60", 2);
}

static void test_client_limit(void **state) {
  (void)state;
  /* 120 a minute, 3 back to back: refused on the 4th, free again half a second later */
  expect_taken(&gw_limited, "/v1/echo/k", client, "\"client\";q=120;w=60", 2);
  expect_taken(&gw_limited, "/v1/echo/k", client, "\"client\";q=120;w=60", 1);
  expect_taken(&gw_limited, "/v1/echo/k", client, "\"client\";q=120;w=60", 0);
  expect_refused(&gw_limited, "/v1/echo/k", client, "\"client\";q=120;w=60");
  usleep(600 * 1000);
  expect_taken(&gw_limited, "/v1/echo/k", client, "\"client\";q=120;w=60", 0);
}

static void test_public_path_per_address(void **state) {
  (void)state;
  /* /v1/auth is public: no token, so the client's address is what is counted */
  expect_taken(&gw_limited, "/v1/auth/token", NULL, "\"address\";q=60;w=60", 2);
  expect_taken(&gw_limited, "/v1/auth/token", NULL, "\"address\";q=60;w=60", 1);
  expect_taken(&gw_limited, "/v1/auth/token", NULL, "\"address\";q=60;w=60", 0);
  expect_refused(&gw_limited, "/v1/auth/token", NULL, "\"address\";q=60;w=60");
  /* a user with a token from the same address is not in that bucket */
  char *carol = tl_token("rl-carol", 60, NULL);
  expect_taken(&gw_limited, "/v1/echo/carol", carol, "\"user\";q=60;w=60", 2);
  free(carol);
}

static void test_refusals_before_the_limit(void **state) {
  (void)state;
  struct tl_response r;
  /* no token on a protected path: 401 as before, not counted against anyone */
  get(&gw_limited, "/v1/echo/x", NULL, &r);
  tl_assert_problem(&r, 401, PROBLEM("unauthenticated"));
  char *h = tl_header(&r, "RateLimit");
  assert_null(h);
  tl_response_free(&r);
  /* the gateway's own health answers are never limited (load balancers poll them) */
  for (int i = 0; i < 10; i++) {
    get(&gw_limited, "/healthz", NULL, &r);
    tl_expect(&r, 200);
    h = tl_header(&r, "RateLimit");
    assert_null(h);
    tl_response_free(&r);
  }
}

static void test_metrics_count_refusals(void **state) {
  (void)state;
  struct tl_response r;
  char url[128];
  snprintf(url, sizeof(url), "%s/metrics", gw_limited.admin_url);
  assert_int_equal(tl_http("GET", url, NULL, NULL, 0, 0, &r), 0);
  tl_expect(&r, 200);
  /* user: alice twice; client: once; address: once (whatever order the tests ran in, these ran
   * before: cmocka runs them in the order of the table) */
  assert_non_null(strstr(r.body, "gateway_rate_limited_total{limit=\"user\"} 2\n"));
  assert_non_null(strstr(r.body, "gateway_rate_limited_total{limit=\"client\"} 1\n"));
  assert_non_null(strstr(r.body, "gateway_rate_limited_total{limit=\"address\"} 1\n"));
  assert_non_null(strstr(r.body, "# TYPE gateway_rate_limited_total counter"));
  tl_response_free(&r);
}

static void test_limits_off(void **state) {
  (void)state;
  struct tl_response r;
  for (int i = 0; i < 10; i++) {
    get(&gw_open, "/v1/echo/alice", alice, &r);
    tl_expect(&r, 200);
    char *h = tl_header(&r, "RateLimit"), *p = tl_header(&r, "RateLimit-Policy");
    assert_null(h);
    assert_null(p);
    tl_response_free(&r);
  }
}

static int setup(void **state) {
  (void)state;
  if (tl_upstream_start("alpha", &up) != 0) return -1;
  alice = tl_token("rl-alice", 600, NULL);
  bob = tl_token("rl-bob", 600, NULL);
  json_t *as_client = json_pack("{s:s}", "kind", "client");
  client = tl_token("rl-client", 600, as_client);
  client_as_alice = tl_token("rl-alice", 600, as_client);
  json_decref(as_client);
  const char *limited[] = {"RATE_LIMIT_PER_MINUTE=60", "RATE_LIMIT_CLIENT_PER_MINUTE=120",
                           "RATE_LIMIT_ADDRESS_PER_MINUTE=60", "RATE_LIMIT_BURST=3", NULL};
  gateway_start(&gw_limited, "test-gateway-ratelimit", limited);
  const char *open[] = {"RATE_LIMIT_PER_MINUTE=0", "RATE_LIMIT_CLIENT_PER_MINUTE=0",
                        "RATE_LIMIT_ADDRESS_PER_MINUTE=0", NULL};
  gateway_start(&gw_open, "test-gateway-ratelimit-off", open);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  tl_gateway_stop(&gw_limited);
  tl_gateway_stop(&gw_open);
  tl_upstream_stop(up);
  free(alice), free(bob), free(client), free(client_as_alice);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_user_over_the_limit),
      cmocka_unit_test(test_client_limit),
      cmocka_unit_test(test_public_path_per_address),
      cmocka_unit_test(test_refusals_before_the_limit),
      cmocka_unit_test(test_metrics_count_refusals),
      cmocka_unit_test(test_limits_off),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
