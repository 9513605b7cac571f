/* Retention (common/bus_retention.c) on probe_b, whose feed no other test reads from the
 * start: stored Idempotency-Key answers go after IDEMPOTENCY_RETENTION_SECONDS, published events
 * after OUTBOX_RETENTION_SECONDS, but never the newest one, from which the relay numbers on; the
 * feed says how far it was purged. The stack purges every second (RETENTION_CHECK_SECONDS); rows
 * are made old by moving their times back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "testlib.h"

static const char *const JSON_HEADERS[] = {"Content-Type: application/json", NULL};

static long count_of(const char *sql) { return tl_sql_long(sql, 0, NULL); }

static int old_key_gone(void *arg) {
  (void)arg;
  return count_of("SELECT count(*) FROM probe_b.idempotency_keys WHERE key = 'retention-old'") == 0;
}

static void test_stored_answers_go_after_their_window(void **state) {
  (void)state;
  tl_sql_run("DELETE FROM probe_b.idempotency_keys WHERE key LIKE 'retention-%'", 0);
  tl_sql_run(
      "INSERT INTO probe_b.idempotency_keys (scope, key, method, path, request_hash, status, "
      "body, created_at) VALUES "
      "('tests', 'retention-old', 'POST', '/x', 'h', 201, '{}', now() - interval '25 hours'),"
      "('tests', 'retention-new', 'POST', '/x', 'h', 201, '{}', now() - interval '23 hours')",
      0);
  assert_true(tl_wait(old_key_gone, NULL, 10000));
  assert_int_equal(
      count_of("SELECT count(*) FROM probe_b.idempotency_keys WHERE key = 'retention-new'"), 1);
}

static long long head(void) {
  return tl_sql_long("SELECT coalesce(max(seq), 0) FROM probe_b.outbox", 0, NULL);
}

/* probe_b emits count events (numbered and published once head moves past before). */
static void emit(int count) {
  char url[512], body[160];
  struct tl_response r;
  snprintf(url, sizeof(url), "%s/events", tl_env("PROBE_B_URL"));
  snprintf(body, sizeof(body), "{\"count\":%d,\"type\":\"probe.retained\",\"batch\":\"retention\"}",
           count);
  assert_int_equal(tl_http("POST", url, JSON_HEADERS, body, strlen(body), 0, &r), 0);
  assert_int_equal(r.status, 201);
  tl_response_free(&r);
}

static int published_through(void *arg) {
  long long want = *(long long *)arg;
  return tl_sql_long(
             "SELECT count(*) FROM probe_b.outbox WHERE seq IS NULL OR "
             "seq > (SELECT through FROM probe_b.outbox_published)",
             0, NULL) == 0 &&
         head() >= want;
}

static int purged(void *arg) {
  long long want = *(long long *)arg;
  return tl_sql_long("SELECT purged_through FROM probe_b.outbox_retention", 0, NULL) >= want;
}

static void test_published_events_go_after_the_catch_up_window(void **state) {
  (void)state;
  long long before = head();
  emit(5);
  long long want = before + 5;
  assert_true(tl_wait(published_through, &want, 10000));
  long long top = head();
  /* everything published is old now; the newest row must stay */
  tl_sql_run(
      "UPDATE probe_b.outbox SET occurred_at = now() - interval '8 days' "
      "WHERE seq <= (SELECT through FROM probe_b.outbox_published)",
      0);
  long long through = top - 1;
  assert_true(tl_wait(purged, &through, 10000));
  assert_int_equal(count_of("SELECT count(*) FROM probe_b.outbox"), 1);
  assert_int_equal(head(), top);

  /* the feed tells a reader from the start how far it was purged and serves what is left */
  struct tl_response r;
  tl_service_call(tl_env("PROBE_B_URL"), "probe_b", "GET", "/internal/events?after=0&limit=10",
                  NULL, &r);
  assert_int_equal(r.status, 200);
  assert_int_equal(json_integer_value(json_object_get(r.json, "purged_through")), top - 1);
  json_t *items = json_object_get(r.json, "items");
  assert_int_equal(json_array_size(items), 1);
  assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "seq")), top);
  tl_response_free(&r);

  /* the relay numbers on from the newest: no seq is given twice; the old one goes once it is
   * no longer the newest, the recent one stays */
  emit(1);
  long long next = top + 1;
  assert_true(tl_wait(published_through, &next, 10000));
  assert_int_equal(head(), top + 1);
  assert_true(tl_wait(purged, &top, 10000));
  assert_int_equal(count_of("SELECT count(*) FROM probe_b.outbox"), 1);
  assert_int_equal(head(), top + 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stored_answers_go_after_their_window),
      cmocka_unit_test(test_published_events_go_after_the_catch_up_window),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  tl_sql_close();
  return rc;
}
