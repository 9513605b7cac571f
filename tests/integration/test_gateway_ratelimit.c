/* Rate limits at the gateway (gateway/http_limits.h), end to end: gateways started here with
 * small limits in front of a recording upstream of the test (tl_upstream.h), tokens minted with
 * the stack's signing key (verified against the stack's policy JWKS).
 *   gw_limited  60 a minute for users, 120 for API clients, 60 per address on public paths,
 *               3 back to back (one refill a second for users: recovery is quick to see);
 *   gw_open     every limit 0 (off);
 *   gw_a, gw_b  two replicas sharing their buckets through a Redis of this test: users 10 a
 *               minute, 10 back to back;
 *   gw_dead     sharing through a Redis port where nothing listens: it must still answer, and
 *               limit on its own (users 6 a minute, 3 back to back).
 * The Redis is this test's own (not the stack's), started with the ACL a deployment gives the
 * gateway (scripts/lib.sh, docker-compose.yml), so it can be stopped and flushed here without
 * disturbing the other tests; an "admin" user of the test flushes its scripts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "testlib.h"
#include "tl_gateway.h"
#include "tl_upstream.h"

#define PROBLEM(slug) "urn:claimsuite:problem:" slug

static struct tl_upstream *up;
static struct tl_gateway gw_limited, gw_open, gw_a, gw_b, gw_dead;
static char *alice, *bob, *client, *client_as_alice;
static int redis_port;
static char redis_dir[512];

/* The ACL of a deployment's Redis for the services and the gateway: the event channels, and the
 * rate-limit keys through the script (rate_limit_redis.h says what it needs). */
#define REDIS_ACL_CLAIMSUITE                                                                 \
  "resetchannels &claimsuite.events.* resetkeys ~claimsuite:ratelimit:* -@all +@connection " \
  "+publish +subscribe +unsubscribe +evalsha +script|load +get +set +time"

/* Starts this test's Redis on redis_port (a free one the first time), password: the stack's. */
static int redis_start(void) {
  for (int attempt = 0; attempt < 3; attempt++) {
    if (redis_port == 0 || attempt > 0) redis_port = tl_free_port();
    int rc = tl_sh(
        "mkdir -p '%s' && (umask 077; printf 'user default off\\nuser claimsuite on "
        ">%%s " REDIS_ACL_CLAIMSUITE
        "\\nuser admin on >admin +@all ~*\\n' \"$(cat '%s')\" > '%s/users.acl') && "
        "redis-server --port %d --bind 127.0.0.1 --dir '%s' --daemonize yes --pidfile "
        "'%s/redis.pid' "
        "--aclfile '%s/users.acl' --logfile '%s/redis.log' --save '' --appendonly no >/dev/null && "
        "for i in $(seq 1 100); do REDISCLI_AUTH=admin redis-cli --user admin -p %d ping "
        "2>/dev/null "
        "| grep -q PONG && exit 0; sleep 0.05; done; exit 1",
        redis_dir, tl_env("REDIS_PASSWORD_FILE"), redis_dir, redis_port, redis_dir, redis_dir,
        redis_dir, redis_dir, redis_port);
    if (rc == 0) return 0;
  }
  return -1;
}

static void redis_stop(void) {
  tl_sh(
      "p=$(cat '%s/redis.pid' 2>/dev/null) && kill \"$p\" && "
      "for i in $(seq 1 100); do kill -0 \"$p\" 2>/dev/null || exit 0; sleep 0.05; done",
      redis_dir);
}

/* redis-cli as this test's admin: the exit status of "redis-cli ARGS | grep -qx EXPECT". */
static int redis_expect(const char *args, const char *expect) {
  return tl_sh("REDISCLI_AUTH=admin redis-cli --user admin -p %d %s | grep -qx '%s'", redis_port,
               args, expect);
}

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

/* One Prometheus sample of g's metrics, -1 when absent. */
static long metric(const struct tl_gateway *g, const char *sample) {
  struct tl_response r;
  char url[128];
  snprintf(url, sizeof(url), "%s/metrics", g->admin_url);
  assert_int_equal(tl_http("GET", url, NULL, NULL, 0, 0, &r), 0);
  tl_expect(&r, 200);
  char line[160];
  snprintf(line, sizeof(line), "\n%s ", sample);
  const char *p = strstr(r.body, line);
  long n = p != NULL ? strtol(p + strlen(line), NULL, 10) : -1;
  tl_response_free(&r);
  return n;
}

static void test_replicas_share_one_bucket(void **state) {
  (void)state;
  char *dave = tl_token("rl-shared-dave", 600, NULL), *erin = tl_token("rl-shared-erin", 600, NULL);
  const char *policy = "\"user\";q=10;w=60";
  int before = tl_upstream_count(up, "/v1/echo/dave");
  /* 10 a minute, 10 back to back, whichever replica is asked: one count down from 9 to 0 */
  for (long i = 0; i < 10; i++)
    expect_taken(i % 2 == 0 ? &gw_a : &gw_b, "/v1/echo/dave", dave, policy, 9 - i);
  /* the 11th is refused by either: one request's worth comes back every 6 s */
  for (int i = 0; i < 2; i++) {
    struct tl_response r;
    get(i == 0 ? &gw_a : &gw_b, "/v1/echo/dave", dave, &r);
    tl_assert_problem(&r, 429, PROBLEM("rate-limited"));
    char *retry = tl_header(&r, "Retry-After"), *st = tl_header(&r, "RateLimit");
    assert_non_null(retry);
    assert_non_null(st);
    long seconds = strtol(retry, NULL, 10);
    assert_true(seconds >= 5 && seconds <= 6);
    assert_int_equal(param(st, "r"), 0);
    assert_int_equal(param(st, "t"), seconds);
    tl_assert_header(&r, "RateLimit-Policy", policy);
    free(retry), free(st);
    tl_response_free(&r);
  }
  assert_int_equal(tl_upstream_count(up, "/v1/echo/dave"), before + 10);
  /* another user has a bucket of his own, on both */
  expect_taken(&gw_b, "/v1/echo/erin", erin, policy, 9);
  expect_taken(&gw_a, "/v1/echo/erin", erin, policy, 8);
  /* the buckets are Redis's, under the documented prefix, expiring when full again */
  assert_int_equal(redis_expect("exists claimsuite:ratelimit:u:rl-shared-dave", "1"), 0);
  assert_int_equal(
      tl_sh(
          "t=$(REDISCLI_AUTH=admin redis-cli --user admin -p %d pttl "
          "claimsuite:ratelimit:u:rl-shared-dave) && [ \"$t\" -gt 50000 ] && [ \"$t\" -le 60000 ]",
          redis_port),
      0);
  /* Redis forgot the script (a restart, a failover): loaded again, still one bucket */
  assert_int_equal(redis_expect("script flush", "OK"), 0);
  expect_taken(&gw_a, "/v1/echo/erin", erin, policy, 7);
  expect_taken(&gw_b, "/v1/echo/erin", erin, policy, 6);
  assert_int_equal(metric(&gw_a, "gateway_rate_limit_store_errors_total"), 0);
  assert_int_equal(metric(&gw_b, "gateway_rate_limit_store_errors_total"), 0);
  assert_int_equal(metric(&gw_a, "gateway_rate_limit_local_total"), 0);
  assert_int_equal(metric(&gw_a, "gateway_rate_limited_total{limit=\"user\"}"), 1);
  free(dave), free(erin);
}

static void test_redis_gone_limits_locally(void **state) {
  (void)state;
  char *frank = tl_token("rl-shared-frank", 600, NULL);
  const char *policy = "\"user\";q=6;w=60";
  /* a Redis port where nothing listens: answered at once, limited by the replica's own table
   * (6 a minute, 3 back to back: one comes back every 10 s) */
  long long start = tl_now_ms();
  expect_taken(&gw_dead, "/v1/echo/frank", frank, policy, 2);
  expect_taken(&gw_dead, "/v1/echo/frank", frank, policy, 1);
  expect_taken(&gw_dead, "/v1/echo/frank", frank, policy, 0);
  for (int i = 0; i < 27; i++) {
    struct tl_response r;
    get(&gw_dead, "/v1/echo/frank", frank, &r);
    tl_assert_problem(&r, 429, PROBLEM("rate-limited"));
    char *retry = tl_header(&r, "Retry-After"), *st = tl_header(&r, "RateLimit");
    assert_non_null(retry);
    assert_true(strtol(retry, NULL, 10) >= 1 && strtol(retry, NULL, 10) <= 10);
    assert_int_equal(param(st, "r"), 0);
    tl_assert_header(&r, "RateLimit-Policy", policy);
    free(retry), free(st);
    tl_response_free(&r);
  }
  assert_true(tl_now_ms() - start < 9000);
  assert_int_equal(metric(&gw_dead, "gateway_rate_limit_local_total"), 30);
  assert_int_equal(metric(&gw_dead, "gateway_rate_limited_total{limit=\"user\"}"), 27);
  /* reconnects back off (250 ms doubling: about 6 windows in 9 s), not one per request */
  long errors = metric(&gw_dead, "gateway_rate_limit_store_errors_total");
  assert_in_range(errors, 1, 8);
  /* and the outage is logged once, not per request */
  char log[512];
  snprintf(log, sizeof(log), "%s/logs/test-gateway-ratelimit-dead.log", tl_env("STACK_DIR"));
  assert_int_equal(tl_sh("[ \"$(grep -c 'rate limits: Redis' '%s')\" -eq 1 ]", log), 0);

  /* the shared Redis stops: both replicas still answer, each limiting on its own */
  char *gina = tl_token("rl-shared-gina", 600, NULL);
  const char *shared = "\"user\";q=10;w=60";
  expect_taken(&gw_a, "/v1/echo/gina", gina, shared, 9);
  redis_stop();
  expect_taken(&gw_a, "/v1/echo/gina", gina, shared, 9); /* a's own, fresh bucket */
  expect_taken(&gw_b, "/v1/echo/gina", gina, shared, 9); /* b's own */
  expect_taken(&gw_a, "/v1/echo/gina", gina, shared, 8);
  assert_true(metric(&gw_a, "gateway_rate_limit_store_errors_total") >= 1);
  assert_true(metric(&gw_a, "gateway_rate_limit_local_total") >= 2);
  /* back (empty: Redis keeps no buckets across a restart): after their backoff the replicas
   * share one bucket again */
  assert_int_equal(redis_start(), 0);
  sleep(2); /* each thread failed a few times at most: its backoff is 1 s or less */
  long errors_a = metric(&gw_a, "gateway_rate_limit_store_errors_total");
  expect_taken(&gw_a, "/v1/echo/gina", gina, shared, 9);
  expect_taken(&gw_b, "/v1/echo/gina", gina, shared, 8);
  expect_taken(&gw_a, "/v1/echo/gina", gina, shared, 7);
  assert_int_equal(redis_expect("exists claimsuite:ratelimit:u:rl-shared-gina", "1"), 0);
  /* the connections kept from before the restart were stale: replaced, no request lost to it */
  assert_int_equal(metric(&gw_a, "gateway_rate_limit_store_errors_total"), errors_a);
  /* and the operator reads that it is over */
  snprintf(log, sizeof(log), "%s/logs/test-gateway-ratelimit-a.log", tl_env("STACK_DIR"));
  assert_int_equal(tl_sh("grep -q 'rate limits: Redis .* answers again' '%s'", log), 0);
  free(frank), free(gina);
}

/* Shared limits without Redis's password, or with a port or timeout out of range: refused at start
 * (exit 2), naming the variable, instead of a gateway that quietly counts alone. */
static void test_redis_settings_checked_at_start(void **state) {
  (void)state;
  static const struct {
    const char *env[3];
    const char *says;
  } bad[] = {
      {{"REDIS_HOST=127.0.0.1", NULL}, "REDIS_PASSWORD (or REDIS_PASSWORD_FILE) is required"},
      {{"REDIS_HOST=127.0.0.1", "REDIS_PASSWORD=secret", "REDIS_PORT=0"},
       "REDIS_PORT must be an integer between 1 and 65535"},
      {{"REDIS_HOST=127.0.0.1", "REDIS_PASSWORD=secret", "RATE_LIMIT_REDIS_TIMEOUT_MS=0"},
       "RATE_LIMIT_REDIS_TIMEOUT_MS must be an integer between 1 and 10000"},
  };
  char bin[600], log[600];
  snprintf(bin, sizeof(bin), "%s/gateway/gateway", tl_env("BIN_DIR"));
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    snprintf(log, sizeof(log), "%s/logs/test-gateway-ratelimit-badconf-%zu.log",
             tl_env("STACK_DIR"), i);
    unlink(log);
    const char *env[4] = {bad[i].env[0], bad[i].env[1], bad[i].env[2], NULL};
    pid_t pid = tl_process_start(bin, env, log);
    int st = 0, exited = 0;
    for (int k = 0; k < 100 && !(exited = tl_process_exited(pid, &st)); k++) usleep(50000);
    if (!exited) tl_process_stop(pid, 1000);
    assert_true(exited && WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 2);
    assert_int_equal(tl_sh("grep -q '%s' '%s'", bad[i].says, log), 0);
  }
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

  snprintf(redis_dir, sizeof(redis_dir), "%s/ratelimit-redis", tl_env("STACK_DIR"));
  if (redis_start() != 0) return -1;
  char port_env[32], dead_env[32], password_env[600];
  snprintf(port_env, sizeof(port_env), "REDIS_PORT=%d", redis_port);
  snprintf(dead_env, sizeof(dead_env), "REDIS_PORT=%d", tl_free_port());
  snprintf(password_env, sizeof(password_env), "REDIS_PASSWORD_FILE=%s",
           tl_env("REDIS_PASSWORD_FILE"));
  const char *shared[] = {"RATE_LIMIT_PER_MINUTE=10",
                          "RATE_LIMIT_BURST=10",
                          "REDIS_HOST=127.0.0.1",
                          port_env,
                          password_env,
                          NULL};
  gateway_start(&gw_a, "test-gateway-ratelimit-a", shared);
  gateway_start(&gw_b, "test-gateway-ratelimit-b", shared);
  const char *dead[] = {"RATE_LIMIT_PER_MINUTE=6",
                        "RATE_LIMIT_BURST=3",
                        "REDIS_HOST=127.0.0.1",
                        dead_env,
                        password_env,
                        NULL};
  gateway_start(&gw_dead, "test-gateway-ratelimit-dead", dead);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  tl_gateway_stop(&gw_limited);
  tl_gateway_stop(&gw_open);
  tl_gateway_stop(&gw_a);
  tl_gateway_stop(&gw_b);
  tl_gateway_stop(&gw_dead);
  if (redis_dir[0] != '\0') redis_stop();
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
      cmocka_unit_test(test_replicas_share_one_bucket),
      cmocka_unit_test(test_redis_gone_limits_locally),
      cmocka_unit_test(test_redis_settings_checked_at_start),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
