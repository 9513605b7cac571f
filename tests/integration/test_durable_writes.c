/* On the durable stack (PostgreSQL as a deployment runs it): PostgreSQL stopped as by a crash
 * in the middle of a stream of writes loses none that was acknowledged. Each write is an
 * emitted batch of probe_a (a row and its outbox event in one transaction); after the restart
 * every batch answered 201 is in the outbox. */
#include <pthread.h>
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

#define MAX_WRITES 20000
#define CRASH_AFTER_MS 400
#define STREAM_MS 2500

static const char *const JSON_HEADERS[] = {"Content-Type: application/json", NULL};

static void *crash_soon(void *arg) {
  (void)arg;
  usleep(CRASH_AFTER_MS * 1000);
  if (tl_stack("pg-crash", "") != 0) fprintf(stderr, "pg-crash failed\n");
  return NULL;
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int outbox_answers(void *arg) {
  (void)arg;
  tl_sql_close(); /* the old connection died with the server */
  char *one = tl_sql("SELECT 1", 0, NULL);
  int ok = one != NULL;
  free(one);
  return ok;
}

static void test_a_crash_loses_no_acknowledged_write(void **state) {
  (void)state;
  assert_string_equal(tl_env("PG_DURABLE"), "on");
  char run[64], url[512], body[256];
  snprintf(run, sizeof(run), "durable-%ld-%d", (long)time(NULL), (int)getpid());
  snprintf(url, sizeof(url), "%s/events", tl_env("PROBE_A_URL"));
  static char acked[MAX_WRITES];
  long writes = 0, acknowledged = 0, refused = 0;
  pthread_t crasher;
  assert_int_equal(pthread_create(&crasher, NULL, crash_soon, NULL), 0);
  for (long long end = now_ms() + STREAM_MS; now_ms() < end && writes < MAX_WRITES; writes++) {
    struct tl_response r;
    snprintf(body, sizeof(body), "{\"count\":1,\"type\":\"probe.durable\",\"batch\":\"%s-%ld\"}",
             run, writes);
    acked[writes] = tl_http("POST", url, JSON_HEADERS, body, strlen(body), 2000, &r) == 0 &&
                    r.status == 201 && json_is_true(json_object_get(r.json, "committed"));
    if (acked[writes]) {
      acknowledged++;
    } else {
      refused++;
      /* an outage is answered, as 503 with Retry-After, never 500 */
      if (r.status != 0 && r.status != 503) fail_msg("write %ld answered %ld", writes, r.status);
    }
    tl_response_free(&r);
  }
  pthread_join(crasher, NULL);
  assert_int_equal(tl_stack("pg-start", ""), 0);
  assert_true(tl_wait(outbox_answers, NULL, 10000));

  long lost = 0;
  char pattern[80];
  snprintf(pattern, sizeof(pattern), "%s-%%", run);
  const char *p[] = {pattern};
  char *found = tl_sql(
      "SELECT string_agg(data->>'batch', ',') FROM probe_a.outbox WHERE data->>'batch' LIKE $1", 1,
      p);
  for (long i = 0; i < writes; i++) {
    char name[96];
    snprintf(name, sizeof(name), "%s-%ld", run, i);
    size_t n = strlen(name);
    int present = 0;
    for (const char *s = found; s != NULL && (s = strstr(s, name)) != NULL; s += n)
      if (s[n] == ',' || s[n] == '\0') present = 1;
    if (acked[i] && !present) lost++;
  }
  free(found);
  print_message("%ld writes, %ld acknowledged, %ld refused during the outage, %ld lost\n", writes,
                acknowledged, refused, lost);
  assert_true(acknowledged > 0);
  assert_true(refused > 0); /* the crash did happen in the middle of the stream */
  assert_int_equal(lost, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_crash_loses_no_acknowledged_write),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  tl_sql_close();
  return rc;
}
