/* A service cut off for FAULTS_CUT_SECONDS, two ways: the customer service frozen (SIGSTOP: cut
 * off from everyone at once; see test_frozen_customer below), and the cases service cut off
 * from the gateway's network, as follows.
 *
 * A proxy between
 * a gateway of the suite's own and the service stops moving bytes (connections are accepted and
 * then nothing: no answer, no refusal) in the middle of FAULTS_WRITES concurrent keyed case
 * creates with client retries. While it lasts the gateway stays up, answers every request to the
 * cut service within its upstream timeout with a 502/503/504 problem, and still serves the other
 * services' routes; after it, the first write succeeds within 10 s; requests held by the cut and
 * delivered late do not double a write (every acknowledged one exists once, its key replays the
 * same answer). */
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "faults.h"

#define UPSTREAM_TIMEOUT_MS 2000
#define ANSWER_SLACK_MS 1500 /* what the gateway may take beyond its upstream timeout */
#define RECOVERY_MS 10000

static struct fp *proxy;
static struct fl_load l; /* the running test's load, freed by teardown when an assertion failed */

static int setup(void **state) {
  (void)state;
  static char upstream[96], timeout[64];
  proxy = fp_start(faults_port_of(tl_env("CASES_URL")));
  assert_non_null(proxy);
  snprintf(upstream, sizeof(upstream), "UPSTREAM_CASES=http://127.0.0.1:%d", fp_port(proxy));
  snprintf(timeout, sizeof(timeout), "UPSTREAM_TIMEOUT_MS=%d", UPSTREAM_TIMEOUT_MS);
  const char *env[] = {upstream, timeout, "UPSTREAM_CONNECT_TIMEOUT_MS=1000", NULL};
  fw_setup(env);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  fl_free(&l);
  fw_teardown();
  fp_stop(proxy);
  return 0;
}

/* What callers saw while the cut lasted: of the cut service's route, of another service's. */
struct seen {
  const char *path;
  long probes, answered, bad, slow; /* answered: as expected; slow: beyond the bound */
  long long slowest_ms;
};
static struct seen cut_route = {.path = "/v1/cases?limit=1"}, other_route = {.path = "/v1/me"};
static atomic_int cut_lasts;
static atomic_llong cut_ended_ms; /* 0 while it lasts */
static pthread_t probers[2];

/* GET path through the suite's gateway as the case handler: its status; *ms how long it took,
 * *problem whether the answer was problem+json. */
static long probe(const char *path, long long *ms, int *problem) {
  char url[256];
  struct tl_response r;
  const char *h[] = {fw_authz_handler(), NULL};
  snprintf(url, sizeof(url), "%s%s", fw_gateway()->url, path);
  long long start = tl_now_ms();
  long status = tl_http("GET", url, h, NULL, 0, 30000, &r) == 0 ? r.status : 0;
  *ms = tl_now_ms() - start;
  char *type = tl_header(&r, "Content-Type");
  *problem = type != NULL && strstr(type, "application/problem+json") != NULL;
  free(type);
  tl_response_free(&r);
  return status;
}

/* Probes s->path every 100 ms while the cut lasts: the cut route must answer 502/503/504
 * problem+json, the other 200 (answered is the count of those), both within the gateway's
 * upstream timeout. */
static void *prober(void *arg) {
  struct seen *s = arg;
  while (atomic_load(&cut_lasts)) {
    long long ms;
    int problem;
    long status = probe(s->path, &ms, &problem);
    s->probes++;
    if (ms > s->slowest_ms) s->slowest_ms = ms;
    if (ms > UPSTREAM_TIMEOUT_MS + ANSWER_SLACK_MS) s->slow++;
    /* an answer after the cut ended may be anything: a request held by the cut went on late */
    long long ended = atomic_load(&cut_ended_ms);
    if (ended != 0 && tl_now_ms() > ended) break;
    int expected = s == &other_route ? status == 200
                                     : (status == 502 || status == 503 || status == 504) && problem;
    if (expected)
      s->answered++;
    else if (s->bad++ == 0)
      fprintf(stderr, "%s during the cut: %ld\n", s->path, status);
    usleep(100000);
  }
  return NULL;
}

/* The fault: the cut, both routes probed all along (the probers are joined by the test). */
static void cut(void *unused) {
  (void)unused;
  fp_cut(proxy, 1);
  atomic_store(&cut_lasts, 1);
  assert_int_equal(pthread_create(&probers[0], NULL, prober, &cut_route), 0);
  assert_int_equal(pthread_create(&probers[1], NULL, prober, &other_route), 0);
  usleep((useconds_t)(faults_cut_seconds() * 1000000L));
  atomic_store(&cut_lasts, 0);
  atomic_store(&cut_ended_ms, tl_now_ms());
  fp_cut(proxy, 0);
}

static void print_seen(const struct seen *s) {
  print_message(
      "cut cases for %ld s, GET %s: %ld probes, %ld answered as expected, %ld otherwise, %ld "
      "slower than %d ms (slowest %lld ms)\n",
      faults_cut_seconds(), s->path, s->probes, s->answered, s->bad, s->slow,
      UPSTREAM_TIMEOUT_MS + ANSWER_SLACK_MS, s->slowest_ms);
}

static void test_cut_off_cases(void **state) {
  (void)state;
  struct fl_rows rows;
  fw_load(&l, "cut cases", "/v1/cases", fw_authz_handler(), fw_case_body, cut, NULL);
  l.give_up_ms = 60000 + faults_cut_seconds() * 1000;
  fl_run(&l);
  pthread_join(probers[0], NULL);
  pthread_join(probers[1], NULL);
  long twice = fw_cases_checked(&l, &rows, NULL);
  fl_print("cut cases", &l, &rows, twice);
  print_seen(&cut_route);
  print_seen(&other_route);
  fw_assert_nothing_lost(&l, &rows, twice);
  assert_true(cut_route.answered > 0); /* the cut did cut */
  assert_int_equal(cut_route.bad, 0);
  assert_int_equal(other_route.bad, 0);
  assert_int_equal(l.connection_errors, 0); /* the gateway never went away */
  assert_int_equal(l.answers_500, 0);
  if (l.first_ack_after_fault_ms < 0 || l.first_ack_after_fault_ms > RECOVERY_MS)
    fail_msg("first success %lld ms after the cut ended", l.first_ack_after_fault_ms);
  /* no crash: the gateway and the service are the processes that were there before the cut */
  char health[256];
  assert_int_equal(kill(fw_gateway()->pid, 0), 0);
  assert_int_equal(waitpid(fw_gateway()->pid, NULL, WNOHANG), 0);
  snprintf(health, sizeof(health), "%s/healthz", tl_env("CASES_URL"));
  assert_true(tl_wait_200(health, 2000));
  /* every caller answered within the gateway's upstream timeout, of either route, the writers
   * too (their slowest request) */
  assert_int_equal(cut_route.slow, 0);
  assert_int_equal(other_route.slow, 0);
  if (l.slowest_ms > UPSTREAM_TIMEOUT_MS + ANSWER_SLACK_MS)
    fail_msg("a write waited %lld ms for its answer", l.slowest_ms);
  fl_free(&l);
}

/* ---- a service frozen ----------------------------------------------------------------------
 * The customer service stopped with SIGSTOP for FAULTS_CUT_SECONDS: cut off from everyone at
 * once (its callers, PostgreSQL, Redis, the feeds it follows), its sockets open and silent. The
 * cases service, which publishes to it and follows its feed, goes on taking writes as if nothing
 * happened; once it goes on, the customer service is ready, has a copy of every case written
 * meanwhile and every consumer has caught up, all within 10 s. */

static long long frozen_checks, frozen_answers;

static void freeze_customer(void *unused) {
  (void)unused;
  char url[256];
  snprintf(url, sizeof(url), "%s/healthz", tl_env("CUSTOMER_URL"));
  assert_int_equal(faults_signal("customer", SIGSTOP), 0);
  for (long long end = tl_now_ms() + faults_cut_seconds() * 1000; tl_now_ms() < end;) {
    struct tl_response r;
    frozen_checks++;
    frozen_answers += tl_http("GET", url, NULL, NULL, 0, 500, &r) == 0; /* must stay silent */
    tl_response_free(&r);
    usleep(200000);
  }
  assert_int_equal(faults_signal("customer", SIGCONT), 0);
}

static void test_frozen_customer(void **state) {
  (void)state;
  struct fl_rows rows;
  long long copies_at;
  char ready[256];
  fw_load(&l, "frozen customer", "/v1/cases", fw_authz_handler(), fw_case_body, freeze_customer,
          NULL);
  fl_run(&l);
  snprintf(ready, sizeof(ready), "%s/readyz", tl_env("CUSTOMER_URL"));
  assert_true(tl_wait_200(ready, RECOVERY_MS));
  long long ready_ms = tl_now_ms() - l.fault_ended_ms;
  long twice = fw_cases_checked(&l, &rows, &copies_at);
  if (!tl_wait(faults_consumers_caught_up, NULL, 20000)) fail_msg("the consumers did not catch up");
  long long caught_up = tl_now_ms() - l.fault_ended_ms;
  fl_print("frozen customer", &l, &rows, twice);
  print_message(
      "frozen customer for %ld s: %lld health checks, %lld answered while frozen; ready %lld ms, "
      "every case copied %lld ms, every consumer caught up %lld ms after it went on\n",
      faults_cut_seconds(), frozen_checks, frozen_answers, ready_ms, copies_at - l.fault_ended_ms,
      caught_up);
  fw_assert_nothing_lost(&l, &rows, twice);
  assert_int_equal(frozen_answers, 0);   /* it was cut off */
  assert_true(l.acked_during_fault > 0); /* the writes went on */
  assert_int_equal(l.retries, 0);        /* and nobody waiting on the frozen service noticed */
  if (l.slowest_ms > UPSTREAM_TIMEOUT_MS + ANSWER_SLACK_MS)
    fail_msg("a write waited %lld ms for its answer", l.slowest_ms);
  if (caught_up > RECOVERY_MS) fail_msg("caught up %lld ms after it went on", caught_up);
  fl_free(&l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_frozen_customer),
      cmocka_unit_test(test_cut_off_cases),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
