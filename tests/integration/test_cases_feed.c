/* GET /v1/events, the pull feed of the insurer's systems (services/cases/feed): the portal's case
 * events in order after a cursor, filtered by type prefix, waiting for a first one (long
 * polling), refused to partners and to other portals, 410 for a cursor retention passed. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "testlib.h"
#include "tl_world.h"

#define PROBLEM(slug) "urn:claimsuite:problem:" slug

static struct tl_world w;

/* GET /v1/events?query as token (direct); 200 expected. r holds the page. */
static void page(const char *token, const char *query, struct tl_response *r) {
  char path[512];
  snprintf(path, sizeof(path), "/v1/events?%s", query);
  tl_cases("GET", path, token, NULL, NULL, r);
  tl_expect(r, 200);
}

/* The seq of the event of type about case_id in r's page, 0 when there is none. */
static long long seq_of(const struct tl_response *r, const char *type, const char *case_id) {
  json_t *items = json_object_get(r->json, "items"), *e;
  size_t i;
  json_array_foreach(items, i, e) {
    if (!strcmp(tl_str(e, "type"), type) && !strcmp(tl_str(e, "case_id"), case_id))
      return json_integer_value(json_object_get(e, "seq"));
  }
  return 0;
}

static int all_numbered(void *arg) {
  (void)arg;
  return tl_sql_long("SELECT count(*) FROM cases.outbox WHERE seq IS NULL", 0, NULL) == 0;
}

/* The feed's head once the relay numbered every event committed so far (it does so a moment
 * after the commit): the next_after of reading everything (pages of 500). */
static long long head(const char *token) {
  long long after = 0;
  assert_true(tl_wait(all_numbered, NULL, 10000));
  for (;;) {
    char q[64];
    struct tl_response r;
    snprintf(q, sizeof(q), "after=%lld&limit=500", after);
    page(token, q, &r);
    long long next = json_integer_value(json_object_get(r.json, "next_after"));
    size_t n = json_array_size(json_object_get(r.json, "items"));
    tl_response_free(&r);
    if (n == 0) return next;
    after = next;
  }
}

static void test_events_in_order_after_a_cursor(void **state) {
  (void)state;
  long long start = head(w.ia_handler.token);
  char a[37], b[37];
  tl_world_case(&w, 59.33, 18.06, a);
  tl_world_case(&w, 59.33, 18.06, b);
  char q[96];
  struct tl_response r;
  assert_true(tl_wait(all_numbered, NULL, 10000));
  snprintf(q, sizeof(q), "after=%lld&types=case.", start);
  page(w.ia_handler.token, q, &r);
  long long sa = seq_of(&r, "case.created", a), sb = seq_of(&r, "case.created", b);
  assert_true(sa > start);
  assert_true(sb > sa);
  /* every item: a case event of portal A, seq increasing, the case whole in data */
  json_t *items = json_object_get(r.json, "items"), *e;
  size_t i;
  long long last = start;
  json_array_foreach(items, i, e) {
    long long seq = json_integer_value(json_object_get(e, "seq"));
    assert_true(seq > last);
    last = seq;
    assert_memory_equal(tl_str(e, "type"), "case.", 5);
    assert_string_equal(tl_str(json_object_get(json_object_get(e, "data"), "case"), "portal_id"),
                        w.portal_a);
  }
  assert_int_equal(json_integer_value(json_object_get(r.json, "next_after")), last);
  tl_response_free(&r);

  /* the next page starts after it: nothing of these two again */
  snprintf(q, sizeof(q), "after=%lld", sb);
  page(w.client_a_token, q, &r); /* the portal's API client reads the same feed */
  assert_int_equal(seq_of(&r, "case.created", a), 0);
  assert_int_equal(seq_of(&r, "case.created", b), 0);
  tl_response_free(&r);

  /* a type that is not asked for is not there */
  snprintf(q, sizeof(q), "after=%lld&types=task.,compensation.", start);
  page(w.ia_handler.token, q, &r);
  assert_int_equal(seq_of(&r, "case.created", a), 0);
  tl_response_free(&r);
}

static void test_only_the_callers_portal(void **state) {
  (void)state;
  long long start = head(w.ib_admin.token);
  char a[37];
  tl_world_case(&w, 59.33, 18.06, a); /* portal A's */
  assert_true(tl_wait(all_numbered, NULL, 10000));
  char q[64];
  struct tl_response r;
  snprintf(q, sizeof(q), "after=%lld", start);
  page(w.ib_admin.token, q, &r);
  assert_int_equal(seq_of(&r, "case.created", a), 0);
  json_t *e;
  size_t i;
  json_array_foreach(json_object_get(r.json, "items"), i, e) {
    assert_string_equal(tl_str(json_object_get(json_object_get(e, "data"), "case"), "portal_id"),
                        w.portal_b);
  }
  tl_response_free(&r);
}

static void test_refusals(void **state) {
  (void)state;
  struct tl_response r;
  /* a partner: the events carry more than a partner sees */
  tl_cases("GET", "/v1/events", w.p_worker.token, NULL, NULL, &r);
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  tl_response_free(&r);
  tl_cases("GET", "/v1/events", NULL, NULL, NULL, &r);
  assert_int_equal(r.status, 401);
  tl_response_free(&r);
  /* every bad parameter named */
  tl_cases("GET", "/v1/events?after=-1&limit=501&wait=31&types=Case&colour=red", w.ia_handler.token,
           NULL, NULL, &r);
  tl_assert_problem(&r, 400, PROBLEM("invalid-parameter"));
  const char *fields[] = {"after", "limit", "wait", "types", "colour"};
  for (size_t k = 0; k < 5; k++) {
    int found = 0;
    json_t *e;
    size_t i;
    json_array_foreach(json_object_get(r.json, "errors"), i, e) {
      found = found || !strcmp(tl_str(e, "field"), fields[k]);
    }
    if (!found) fail_msg("no error for %s: %s", fields[k], r.body);
  }
  tl_response_free(&r);
}

static void *create_later(void *arg) {
  usleep(700 * 1000);
  tl_world_case(&w, 59.33, 18.06, arg);
  return NULL;
}

static void test_long_polling(void **state) {
  (void)state;
  long long start = head(w.ia_handler.token);
  char q[96];
  struct tl_response r;
  /* nothing new: the answer comes empty when the wait is over */
  snprintf(q, sizeof(q), "after=%lld&wait=2&types=case.created", start + 1000000);
  long long t0 = tl_now_ms();
  page(w.ia_handler.token, q, &r);
  long long waited = tl_now_ms() - t0;
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
  assert_true(waited >= 1500 && waited < 6000);
  tl_response_free(&r);
  /* a case made while the request waits: it answers with the event at once */
  char id[37] = "";
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, create_later, id), 0);
  snprintf(q, sizeof(q), "after=%lld&wait=20&types=case.created", start);
  t0 = tl_now_ms();
  page(w.ia_handler.token, q, &r);
  long long answered = tl_now_ms() - t0;
  pthread_join(t, NULL);
  printf("long poll answered %lld ms after it was asked (the case made after 700 ms)\n", answered);
  assert_true(answered < 10000);
  assert_true(seq_of(&r, "case.created", id) > start);
  tl_response_free(&r);
}

static void test_through_the_gateway_and_retention(void **state) {
  (void)state;
  char a[37], q[96], url[512], auth[2048];
  tl_world_case(&w, 59.33, 18.06, a);
  long long now = head(w.ia_handler.token);
  snprintf(url, sizeof(url), "%s/v1/events?after=%lld", tl_env("GATEWAY_URL"), now - 1);
  snprintf(auth, sizeof(auth), "Authorization: Bearer %s", w.ia_handler.token);
  const char *h[] = {auth, NULL};
  struct tl_response r;
  assert_int_equal(tl_http("GET", url, h, NULL, 0, 0, &r), 0);
  tl_expect(&r, 200);
  assert_int_equal(json_integer_value(json_object_get(r.json, "next_after")), now);
  tl_response_free(&r);
  /* retention passed the cursor: 410, whatever else the page would hold */
  char *kept = tl_sql("SELECT purged_through::text FROM cases.outbox_retention", 0, NULL);
  char through[32];
  snprintf(through, sizeof(through), "%lld", now - 1);
  tl_sql_run("UPDATE cases.outbox_retention SET purged_through = $1::bigint", 1, through);
  snprintf(q, sizeof(q), "/v1/events?after=%lld", now - 2);
  tl_cases("GET", q, w.ia_handler.token, NULL, NULL, &r);
  tl_sql_run("UPDATE cases.outbox_retention SET purged_through = $1::bigint", 1, kept);
  free(kept);
  tl_assert_problem(&r, 410, PROBLEM("gone"));
  tl_response_free(&r);
}

/* 1 when the list answered for query names case_id. */
static int listed(const char *query, const char *case_id) {
  json_t *c = tl_cases_listed(w.ia_handler.token, query, case_id);
  int found = c != NULL;
  json_decref(c);
  return found;
}

/* The case list's updated_since: what changed since an instant, the pull feed's companion. */
static void test_list_updated_since(void **state) {
  (void)state;
  char id[37], query[160];
  tl_world_case(&w, 59.33, 18.06, id);
  char *at = tl_sql(
      "SELECT to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
      " FROM cases.cases WHERE id = $1::uuid",
      1, (const char *[]){id});
  snprintf(query, sizeof(query), "sort=updated&updated_since=%s", at);
  assert_true(listed(query, id));
  assert_false(listed("sort=updated&updated_since=2999-01-01T00:00:00Z", id));
  assert_true(listed("updated_since=2000-01-01T00:00:00%2B01:00", id));
  free(at);
  struct tl_response r;
  tl_cases("GET", "/v1/cases?updated_since=yesterday", w.ia_handler.token, NULL, NULL, &r);
  tl_assert_problem(&r, 400, PROBLEM("invalid-parameter"));
  tl_response_free(&r);
}

static int setup(void **state) {
  (void)state;
  tl_world_create(&w);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  tl_world_free(&w);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_events_in_order_after_a_cursor),
      cmocka_unit_test(test_only_the_callers_portal),
      cmocka_unit_test(test_refusals),
      cmocka_unit_test(test_long_polling),
      cmocka_unit_test(test_through_the_gateway_and_retention),
      cmocka_unit_test(test_list_updated_since),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
