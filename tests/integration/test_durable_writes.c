/* On the durable stack (PostgreSQL as a deployment runs it): PostgreSQL stopped as by a crash
 * in the middle of a stream of writes loses none that was acknowledged. Each write is an
 * emitted batch of probe_a (a row and its outbox event in one transaction); after the restart
 * every batch answered 201 is in the outbox. And while it is down, everyone is told 503 with
 * Retry-After, never 500; once it is back, the first request succeeds soon after. */
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
  for (long long end = tl_now_ms() + STREAM_MS; tl_now_ms() < end && writes < MAX_WRITES;
       writes++) {
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

static const char *const FORM[] = {"Content-Type: application/x-www-form-urlencoded", NULL};

/* POST base/v1/auth/token as the platform operator; the status, the token into r. */
static long operator_login(const char *base, struct tl_response *r) {
  char url[512];
  const char *body =
      tl_form("grant_type", "client_credentials", "client_id", tl_env("OPERATOR_CLIENT_ID"),
              "client_secret", tl_env("OPERATOR_SECRET"), NULL);
  snprintf(url, sizeof(url), "%s/v1/auth/token", base);
  assert_int_equal(tl_http("POST", url, FORM, body, strlen(body), 5000, r), 0);
  return r->status;
}

/* Fails unless r is a 503 problem with Retry-After. */
static void expect_outage(struct tl_response *r, const char *what) {
  if (r->status != 503) fail_msg("%s answered %ld during the outage: %s", what, r->status, r->body);
  tl_assert_problem(r, 503, NULL);
  char *retry = tl_header(r, "Retry-After");
  if (retry == NULL) fail_msg("%s: 503 without Retry-After", what);
  free(retry);
  tl_response_free(r);
}

/* GET /v1/portals through the gateway as the operator answers 200. */
static int portals_answer(void *arg) {
  const char *authz = arg;
  char url[512];
  struct tl_response r;
  const char *h[] = {authz, NULL};
  snprintf(url, sizeof(url), "%s/v1/portals", tl_env("GATEWAY_URL"));
  int ok = tl_http("GET", url, h, NULL, 0, 2000, &r) == 0 && r.status == 200;
  tl_response_free(&r);
  return ok;
}

static void test_an_outage_is_503_and_recovery_is_quick(void **state) {
  (void)state;
  struct tl_response r;
  char authz[2048], url[512];
  assert_int_equal(operator_login(tl_env("POLICY_URL"), &r), 200);
  snprintf(authz, sizeof(authz), "Authorization: Bearer %s", tl_str(r.json, "access_token"));
  tl_response_free(&r);
  assert_true(tl_wait(portals_answer, authz, 5000));

  assert_int_equal(tl_stack("pg-crash", ""), 0);
  const char *h[] = {authz, NULL};
  const char *bases[] = {tl_env("POLICY_URL"), tl_env("GATEWAY_URL")};
  for (size_t i = 0; i < 2; i++) {
    snprintf(url, sizeof(url), "%s/v1/portals", bases[i]);
    assert_int_equal(tl_http("GET", url, h, NULL, 0, 5000, &r), 0);
    expect_outage(&r, "GET /v1/portals");
    operator_login(bases[i], &r);
    expect_outage(&r, "POST /v1/auth/token");
  }
  snprintf(url, sizeof(url), "%s/events", tl_env("PROBE_A_URL"));
  const char *body = "{\"count\":1,\"type\":\"probe.outage\",\"batch\":\"outage\"}";
  assert_int_equal(tl_http("POST", url, JSON_HEADERS, body, strlen(body), 5000, &r), 0);
  expect_outage(&r, "POST /events");

  assert_int_equal(tl_stack("pg-start", ""), 0);
  long long back = tl_now_ms();
  assert_true(tl_wait(portals_answer, authz, 5000));
  print_message("first success %lld ms after PostgreSQL was back\n", tl_now_ms() - back);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_crash_loses_no_acknowledged_write),
      cmocka_unit_test(test_an_outage_is_503_and_recovery_is_quick),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  tl_sql_close();
  return rc;
}
