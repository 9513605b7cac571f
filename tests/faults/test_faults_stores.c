/* PostgreSQL and Redis taken away in the middle of FAULTS_WRITES concurrent keyed case creates
 * through a gateway (the clients retrying with the same Idempotency-Key), each for
 * FAULTS_CUT_SECONDS.
 *   PostgreSQL stopped as by a crash (immediate): every acknowledged write survives; while it is
 *   down every answer is 503 with Retry-After (never another 5xx, never a request hanging past
 *   the client's timeout); the first success comes within 5 s of its return.
 *   Redis stopped: writes go on; no event is lost (the customer service holds a copy of every
 *   case) and every consumer of the stack has caught up with every producer within 10 s of its
 *   return. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "faults.h"

#define FIRST_SUCCESS_MS 5000 /* after PostgreSQL is back */
#define CAUGHT_UP_MS 10000    /* after Redis is back */

static int setup(void **state) {
  (void)state;
  fw_setup(NULL);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  fw_teardown();
  return 0;
}

static void outage_of(const char *stop, const char *start) {
  if (tl_stack(stop, "") != 0) fprintf(stderr, "%s failed\n", stop);
  usleep((useconds_t)(faults_cut_seconds() * 1000000L));
  if (tl_stack(start, "") != 0) fprintf(stderr, "%s failed\n", start);
}

static void postgres_outage(void *unused) {
  (void)unused;
  outage_of("pg-crash", "pg-start");
}

static void redis_outage(void *unused) {
  (void)unused;
  outage_of("redis-stop", "redis-start");
}

static int database_answers(void *unused) {
  (void)unused;
  tl_sql_close(); /* the connection died with the server */
  char *one = tl_sql("SELECT 1", 0, NULL);
  free(one);
  return one != NULL;
}

static void test_postgres_crash(void **state) {
  (void)state;
  struct fl_load l;
  struct fl_rows rows;
  assert_string_equal(tl_env("PG_DURABLE"), "on");
  fw_load(&l, "postgres crash", "/v1/cases", fw_authz_handler(), fw_case_body, postgres_outage,
          NULL);
  l.give_up_ms = 60000 + faults_cut_seconds() * 1000;
  fl_run(&l);
  assert_true(tl_wait(database_answers, NULL, 10000));
  long twice = fw_cases_checked(&l, &rows, NULL);
  fl_print("postgres crash", &l, &rows, twice);
  fw_assert_nothing_lost(&l, &rows, twice);
  assert_true(l.answers_5xx > 0); /* the outage did meet the writes */
  assert_int_equal(l.answers_not_503, 0);
  assert_int_equal(l.without_retry_after, 0);
  assert_int_equal(l.connection_errors, 0);
  if (l.first_ack_after_fault_ms < 0 || l.first_ack_after_fault_ms > FIRST_SUCCESS_MS)
    fail_msg("first success %lld ms after PostgreSQL was back", l.first_ack_after_fault_ms);
  fl_free(&l);
}

static void test_redis_down(void **state) {
  (void)state;
  struct fl_load l;
  struct fl_rows rows;
  long long copies_at;
  fw_load(&l, "redis down", "/v1/cases", fw_authz_handler(), fw_case_body, redis_outage, NULL);
  fl_run(&l);
  long twice = fw_cases_checked(&l, &rows, &copies_at);
  if (!tl_wait(faults_consumers_caught_up, NULL, 20000)) fail_msg("the consumers did not catch up");
  long long caught_up = tl_now_ms() - l.fault_ended_ms;
  long long copies = copies_at - l.fault_ended_ms;
  fl_print("redis down", &l, &rows, twice);
  print_message(
      "redis down: every case copied by the customer service %lld ms and every consumer caught up "
      "%lld ms after Redis was back\n",
      copies, caught_up);
  fw_assert_nothing_lost(&l, &rows, twice);
  assert_true(l.acked_during_fault > 0); /* writes went on without Redis */
  if (caught_up > CAUGHT_UP_MS) fail_msg("caught up %lld ms after Redis was back", caught_up);
  fl_free(&l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_redis_down),
      cmocka_unit_test(test_postgres_crash),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
