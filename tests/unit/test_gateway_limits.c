/* The gateway's rate-limit buckets (GCRA): counting, refill, refusals that cost nothing, a full
 * table; the pieces of the shared (Redis) buckets that need no Redis: the verdict from the
 * script's answer, reading that answer, backoff, quiet logging, and a Redis that is not there
 * (every request still judged, by the local table, and reconnects spaced out). */
#include "../../gateway/rate_limit.c"
#include "../../gateway/rate_limit_redis.c"
#include "../../gateway/http_limits.c"

#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#define S 1000000000LL

static void take(struct gw_rate_table *t, const char *key, long per_minute, long burst, int64_t now,
                 struct gw_rate_verdict *v) {
  gw_rate_take(t, key, strlen(key), per_minute, burst, now, v);
}

static void test_bucket(void **state) {
  (void)state;
  struct gw_rate_table *t = NULL;
  struct gw_rate_verdict v;
  int64_t now = 1000 * S;
  assert_int_equal(gw_rate_table_new(4096, &t), CS_OK);
  /* 60 a minute, 5 back to back: 5 taken, counting down, then refused for a second */
  for (long i = 0; i < 5; i++) {
    take(t, "u:alice", 60, 5, now, &v);
    assert_true(v.allowed);
    assert_int_equal(v.remaining, 4 - i);
    assert_int_equal(v.reset_s, i + 1);
  }
  take(t, "u:alice", 60, 5, now, &v);
  assert_false(v.allowed);
  assert_int_equal(v.remaining, 0);
  assert_int_equal(v.retry_after_s, 1);
  /* refusals cost nothing: still one second away */
  take(t, "u:alice", 60, 5, now + S / 2, &v);
  assert_false(v.allowed);
  assert_int_equal(v.retry_after_s, 1);
  /* another caller is untouched */
  take(t, "u:bob", 60, 5, now, &v);
  assert_true(v.allowed);
  assert_int_equal(v.remaining, 4);
  /* one request's worth refilled each second, a full bucket after five */
  take(t, "u:alice", 60, 5, now + S, &v);
  assert_true(v.allowed);
  assert_int_equal(v.remaining, 0);
  take(t, "u:alice", 60, 5, now + S, &v);
  assert_false(v.allowed);
  take(t, "u:alice", 60, 5, now + 7 * S, &v);
  assert_true(v.allowed);
  assert_int_equal(v.remaining, 4);
  gw_rate_table_free(t);
}

static void test_slow_rate(void **state) {
  (void)state;
  struct gw_rate_table *t = NULL;
  struct gw_rate_verdict v;
  int64_t now = 50 * S;
  assert_int_equal(gw_rate_table_new(64, &t), CS_OK);
  /* 2 a minute, both at once: the next one in 30 s */
  take(t, "a", 2, 2, now, &v);
  take(t, "a", 2, 2, now, &v);
  assert_true(v.allowed);
  assert_int_equal(v.remaining, 0);
  assert_int_equal(v.reset_s, 60);
  take(t, "a", 2, 2, now, &v);
  assert_false(v.allowed);
  assert_int_equal(v.retry_after_s, 30);
  take(t, "a", 2, 2, now + 29 * S, &v);
  assert_false(v.allowed);
  assert_int_equal(v.retry_after_s, 1);
  take(t, "a", 2, 2, now + 30 * S, &v);
  assert_true(v.allowed);
  gw_rate_table_free(t);
}

static void test_table_full(void **state) {
  (void)state;
  struct gw_rate_table *t = NULL;
  struct gw_rate_verdict v;
  char key[32];
  int64_t now = 10 * S;
  /* a tiny table (64 stripes x 8 slots) and many more callers: it never grows, every caller
   * is answered, and a caller seen just now keeps its count */
  assert_int_equal(gw_rate_table_new(1, &t), CS_OK);
  for (int i = 0; i < 20000; i++) {
    snprintf(key, sizeof(key), "u:%d", i);
    take(t, key, 60, 1, now, &v);
    assert_true(v.allowed);
    take(t, key, 60, 1, now, &v);
    assert_false(v.allowed);
  }
  gw_rate_table_free(t);
  gw_rate_table_free(NULL);
}

/* The verdict of the Redis script's answer (µs) is the local table's (ns) for the same bucket:
 * both stores give the same headers. */
static void test_verdict_same_in_both_units(void **state) {
  (void)state;
  struct gw_rate_table *t = NULL;
  struct gw_rate_verdict local, shared;
  int64_t now = 100 * S, tat = now; /* the TAT as the script would keep it, in µs from now */
  const long per_minute = 10, burst = 4;
  const int64_t interval_us = 60 * US_PER_S / per_minute, capacity_us = interval_us * burst;
  assert_int_equal(gw_rate_table_new(64, &t), CS_OK);
  for (int i = 0; i < 7; i++) {
    int64_t at = now + i * (S / 2); /* two requests a second: the bucket runs dry */
    take(t, "u:same", per_minute, burst, at, &local);
    int64_t at_us = at / 1000, base = tat > at_us * 1000 ? tat / 1000 : at_us;
    int allowed = base + interval_us - at_us <= capacity_us;
    if (allowed) tat = (base + interval_us) * 1000;
    gw_rate_verdict_set(&shared, allowed, (allowed ? base + interval_us : base) - at_us,
                        interval_us, capacity_us, US_PER_S);
    assert_int_equal(shared.allowed, local.allowed);
    assert_int_equal(shared.remaining, local.remaining);
    assert_int_equal(shared.reset_s, local.reset_s);
    assert_int_equal(shared.retry_after_s, local.retry_after_s);
  }
  assert_false(local.allowed); /* the sequence did reach a refusal */
  assert_int_equal(local.retry_after_s, 3);
  gw_rate_table_free(t);
}

static void test_verdict_edges(void **state) {
  (void)state;
  struct gw_rate_verdict v;
  /* a full bucket's first request: 4 left, full again in one interval (6 s) */
  gw_rate_verdict_set(&v, 1, 6 * US_PER_S, 6 * US_PER_S, 30 * US_PER_S, US_PER_S);
  assert_int_equal(v.remaining, 4);
  assert_int_equal(v.reset_s, 6);
  assert_int_equal(v.retry_after_s, 0);
  /* refused a hair before the next one fits: never Retry-After 0 */
  gw_rate_verdict_set(&v, 0, 24 * US_PER_S + 1, 6 * US_PER_S, 30 * US_PER_S, US_PER_S);
  assert_false(v.allowed);
  assert_int_equal(v.remaining, 0);
  assert_int_equal(v.retry_after_s, 1);
  assert_int_equal(v.reset_s, 25);
  /* an answer from a clock that went back (ahead < 0) is read as a full bucket */
  gw_rate_verdict_set(&v, 1, -5, 6 * US_PER_S, 30 * US_PER_S, US_PER_S);
  assert_int_equal(v.remaining, 5);
  assert_int_equal(v.reset_s, 0);
}

static void test_script_answer(void **state) {
  (void)state;
  redisReply one = {.type = REDIS_REPLY_INTEGER, .integer = 1};
  redisReply zero = {.type = REDIS_REPLY_INTEGER, .integer = 0};
  redisReply ahead = {.type = REDIS_REPLY_INTEGER, .integer = 1500000};
  redisReply negative = {.type = REDIS_REPLY_INTEGER, .integer = -1};
  redisReply text = {.type = REDIS_REPLY_STRING, .str = "1", .len = 1};
  redisReply *taken[] = {&one, &ahead}, *refused[] = {&zero, &ahead}, *odd[] = {&text, &ahead},
             *back[] = {&one, &negative}, *two[] = {&ahead, &ahead};
  redisReply answer = {.type = REDIS_REPLY_ARRAY, .elements = 2, .element = taken};
  int allowed = -1;
  long long us = -1;
  assert_int_equal(parse_answer(&answer, &allowed, &us), 0);
  assert_int_equal(allowed, 1);
  assert_int_equal(us, 1500000);
  answer.element = refused;
  assert_int_equal(parse_answer(&answer, &allowed, &us), 0);
  assert_int_equal(allowed, 0);
  /* anything else is a failure, never a verdict */
  answer.element = odd;
  assert_int_equal(parse_answer(&answer, &allowed, &us), -1);
  answer.element = back;
  assert_int_equal(parse_answer(&answer, &allowed, &us), -1);
  answer.element = two;
  assert_int_equal(parse_answer(&answer, &allowed, &us), -1);
  answer.element = taken;
  answer.elements = 1;
  assert_int_equal(parse_answer(&answer, &allowed, &us), -1);
  redisReply error = {.type = REDIS_REPLY_ERROR, .str = "NOPERM", .len = 6};
  assert_int_equal(parse_answer(&error, &allowed, &us), -1);
  assert_int_equal(parse_answer(NULL, &allowed, &us), -1);
}

static void test_backoff_and_quiet_log(void **state) {
  (void)state;
  long wait = 0, expected[] = {250, 500, 1000, 2000, 4000, 8000, 8000};
  for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
    wait = next_backoff_ms(wait);
    assert_int_equal(wait, expected[i]);
  }
  atomic_llong logged;
  atomic_init(&logged, 1000 - LOG_EVERY_MS);
  assert_true(log_due(&logged, 1000));
  assert_false(log_due(&logged, 1001));
  assert_false(log_due(&logged, 1000 + LOG_EVERY_MS - 1));
  assert_true(log_due(&logged, 1000 + LOG_EVERY_MS));
}

/* A port where nothing listens (bound, then closed). */
static int dead_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t n = sizeof(a);
  assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &n), 0);
  close(fd);
  return ntohs(a.sin_port);
}

static void test_redis_not_there(void **state) {
  (void)state;
  struct gw_rate_redis *r = NULL;
  struct gw_rate_verdict v = {.allowed = 7};
  const struct gw_rate_redis_settings where = {"127.0.0.1", dead_port(), "claimsuite", "pw", 50, 4};
  assert_int_equal(gw_rate_redis_new(&where, &r), CS_OK);
  assert_int_equal(gw_rate_redis_take(r, "u:x", 3, 60, 5, &v), CS_ERR_UNAVAILABLE);
  assert_int_equal(v.allowed, 7); /* no verdict: the caller judges */
  assert_int_equal(gw_rate_redis_errors(r), 1);
  /* backing off: the next requests do not try again, on any connection of the pool */
  for (int i = 0; i < 50; i++)
    assert_int_equal(gw_rate_redis_take(r, "u:x", 3, 60, 5, &v), CS_ERR_UNAVAILABLE);
  assert_int_equal(gw_rate_redis_errors(r), 1);
  /* after the first backoff (250 ms), one request tries again, then 500 ms */
  usleep(300 * 1000);
  assert_int_equal(gw_rate_redis_take(r, "u:x", 3, 60, 5, &v), CS_ERR_UNAVAILABLE);
  assert_int_equal(gw_rate_redis_take(r, "u:x", 3, 60, 5, &v), CS_ERR_UNAVAILABLE);
  assert_int_equal(gw_rate_redis_errors(r), 2);
  usleep(300 * 1000);
  assert_int_equal(gw_rate_redis_take(r, "u:x", 3, 60, 5, &v), CS_ERR_UNAVAILABLE);
  assert_int_equal(gw_rate_redis_errors(r), 2);
  gw_rate_redis_free(r);
  gw_rate_redis_free(NULL);
}

/* Every connection busy: a request waits the timeout at most, then is judged locally (not a
 * Redis error). */
static void test_pool_busy(void **state) {
  (void)state;
  struct gw_rate_redis *r = NULL;
  struct gw_rate_verdict v;
  const struct gw_rate_redis_settings where = {"127.0.0.1", dead_port(), NULL, NULL, 100, 1};
  assert_int_equal(gw_rate_redis_new(&where, &r), CS_OK);
  struct conn *held;
  int probe;
  assert_int_equal(take_conn(r, &held, &probe), CS_OK);
  assert_false(probe);
  long long t0 = deadline_now_ms();
  assert_int_equal(gw_rate_redis_take(r, "u:y", 3, 60, 5, &v), CS_ERR_UNAVAILABLE);
  long long waited = deadline_now_ms() - t0;
  assert_true(waited >= 90 && waited < 1000);
  assert_int_equal(gw_rate_redis_errors(r), 0);
  give_back(r, held, probe, 1);
  gw_rate_redis_free(r);
}

/* The gateway's limits with Redis configured but gone: every request is still judged, by the
 * replica's own buckets, and the metrics say so. */
static void test_limits_fail_open_to_local(void **state) {
  (void)state;
  struct gw_config cfg = {.rate_limit_user = 60,
                          .rate_limit_client = 0,
                          .rate_limit_address = 60,
                          .rate_limit_burst = 2,
                          .redis_host = "127.0.0.1",
                          .redis_port = dead_port(),
                          .redis_user = "claimsuite",
                          .redis_password = "pw",
                          .rate_limit_redis_timeout_ms = 50,
                          .rate_limit_redis_connections = 2};
  struct gw_limits *l = NULL;
  assert_int_equal(gw_limits_new(&cfg, &l), CS_OK);
  json_t *claims = json_pack("{s:s, s:s}", "sub", "alice", "kind", "user");
  int refused[3];
  for (int i = 0; i < 3; i++) {
    struct _u_request req;
    struct _u_response resp;
    ulfius_init_request(&req);
    ulfius_init_response(&resp);
    refused[i] = gw_limits_check(l, &req, claims, &resp);
    assert_string_equal(u_map_get(resp.map_header, "RateLimit-Policy"), "\"user\";q=60;w=60");
    if (refused[i]) assert_non_null(u_map_get(resp.map_header, "Retry-After"));
    ulfius_clean_response(&resp);
    ulfius_clean_request(&req);
  }
  assert_int_equal(refused[0], 0);
  assert_int_equal(refused[1], 0);
  assert_int_equal(refused[2], 1);
  /* a client address as a key: text, the same for the same address */
  char key[64];
  struct _u_request req;
  ulfius_init_request(&req);
  struct sockaddr_in *in = calloc(1, sizeof(*in));
  in->sin_family = AF_INET;
  in->sin_addr.s_addr = htonl(0xC0000207); /* 192.0.2.7 */
  req.client_address = (struct sockaddr *)in;
  assert_int_equal(address_key(&req, key, sizeof(key)), strlen("192.0.2.7"));
  assert_string_equal(key, "192.0.2.7");
  ulfius_clean_request(&req);

  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  gw_limits_metrics(l, f);
  fclose(f);
  assert_non_null(strstr(text, "gateway_rate_limited_total{limit=\"user\"} 1\n"));
  assert_non_null(strstr(text, "gateway_rate_limit_local_total 3\n"));
  assert_non_null(strstr(text, "gateway_rate_limit_store_errors_total 1\n"));
  assert_non_null(strstr(text, "# TYPE gateway_rate_limit_store_errors_total counter"));
  free(text);
  json_decref(claims);
  gw_limits_free(l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bucket),
      cmocka_unit_test(test_slow_rate),
      cmocka_unit_test(test_table_full),
      cmocka_unit_test(test_verdict_same_in_both_units),
      cmocka_unit_test(test_verdict_edges),
      cmocka_unit_test(test_script_answer),
      cmocka_unit_test(test_backoff_and_quiet_log),
      cmocka_unit_test(test_redis_not_there),
      cmocka_unit_test(test_pool_busy),
      cmocka_unit_test(test_limits_fail_open_to_local),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
