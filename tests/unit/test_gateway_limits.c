/* The gateway's rate-limit buckets (GCRA): counting, refill, refusals that cost nothing, a full
 * table. */
#include "../../gateway/rate_limit.c"

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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bucket),
      cmocka_unit_test(test_slow_rate),
      cmocka_unit_test(test_table_full),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
