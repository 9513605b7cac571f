/* The event bus end to end: probe_a emits (outbox + relay), probe_b consumes (Redis pub/sub +
 * catch-up from probe_a's feed). Every check reads what probe_b really applied (GET /applied),
 * with times_applied counted by the database, so a lost or a doubled event shows. */
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

#include "http.h"
#include "ids.h"
#include "testlib.h"

static const char *const JSON_HEADERS[] = {"Content-Type: application/json", NULL};

/* A label no earlier run of this stack used. */
static void label(char *buf, size_t len, const char *what) {
  snprintf(buf, len, "%s-%ld-%d", what, (long)time(NULL), (int)getpid());
}

/* POST <probe>/events and checks the answer. */
static void emit(const char *probe_url, const char *batch, int count, int rollback) {
  char url[512], body[512];
  struct tl_response r;
  snprintf(url, sizeof(url), "%s/events", probe_url);
  snprintf(body, sizeof(body),
           "{\"count\":%d,\"type\":\"probe.tested\",\"rollback\":%s,\"batch\":\"%s\"}", count,
           rollback ? "true" : "false", batch);
  assert_int_equal(tl_http("POST", url, JSON_HEADERS, body, strlen(body), 0, &r), 0);
  assert_int_equal(r.status, 201);
  assert_non_null(r.json);
  assert_true(json_is_boolean(json_object_get(r.json, "committed")));
  assert_int_equal(json_is_true(json_object_get(r.json, "committed")), !rollback);
  assert_int_equal(json_integer_value(json_object_get(r.json, "count")), count);
  tl_response_free(&r);
}

/* GET probe_b /applied?batch=: a new reference to the body. */
static json_t *applied(const char *batch) {
  char url[512];
  struct tl_response r;
  snprintf(url, sizeof(url), "%s/applied?batch=%s", tl_env("PROBE_B_URL"), batch);
  if (tl_http("GET", url, NULL, NULL, 0, 5000, &r) != 0 || r.status != 200 || r.json == NULL) {
    tl_response_free(&r);
    return NULL;
  }
  json_t *j = json_incref(r.json);
  tl_response_free(&r);
  return j;
}

static long applied_count(const char *batch) {
  json_t *j = applied(batch);
  long n = j != NULL ? (long)json_integer_value(json_object_get(j, "count")) : -1;
  json_decref(j);
  return n;
}

struct expect {
  const char *batch;
  long count;
};

static int reached(void *arg) {
  const struct expect *e = arg;
  return applied_count(e->batch) >= e->count;
}

static void wait_applied(const char *batch, long count, long timeout_ms) {
  struct expect e = {batch, count};
  if (!tl_wait(reached, &e, timeout_ms)) {
    fail_msg("batch %s: %ld of %ld events applied after %ld ms", batch, applied_count(batch),
             count, timeout_ms);
  }
}

/* Every n of 1..count applied once, from probe_a, with consecutive seqs in n order. */
static void assert_exactly_once(const char *batch, long count) {
  json_t *j = applied(batch);
  assert_non_null(j);
  json_t *items = json_object_get(j, "items");
  assert_int_equal(json_integer_value(json_object_get(j, "count")), count);
  assert_int_equal(json_array_size(items), count);
  long long first = json_integer_value(json_object_get(json_array_get(items, 0), "seq"));
  assert_true(first >= 1);
  for (size_t i = 0; i < json_array_size(items); i++) {
    json_t *it = json_array_get(items, i);
    assert_string_equal(json_string_value(json_object_get(it, "source")), "probe_a");
    if (json_integer_value(json_object_get(it, "times_applied")) != 1 ||
        json_integer_value(json_object_get(it, "n")) != (json_int_t)i + 1 ||
        json_integer_value(json_object_get(it, "seq")) != first + (json_int_t)i) {
      char *dump = json_dumps(it, JSON_COMPACT);
      fail_msg("batch %s item %zu: %s", batch, i, dump);
    }
  }
  json_decref(j);
}

/* GET probe_a /internal/events?query: the response (free it). */
static void feed(const char *query, struct tl_response *r) {
  char url[512];
  snprintf(url, sizeof(url), "/internal/events?%s", query);
  tl_service_call(tl_env("PROBE_A_URL"), "probe_a", "GET", url, NULL, r);
}

struct batch_count {
  const char *batch;
  long long seen, found;
};

/* One page of the feed: seqs follow on from the last page's, next_after is the last seq. */
static int count_page(const json_t *items, long long next_after, void *arg) {
  struct batch_count *c = arg;
  assert_true(json_is_array(items));
  for (size_t i = 0; i < json_array_size(items); i++) {
    json_t *ev = json_array_get(items, i);
    assert_int_equal(json_integer_value(json_object_get(ev, "seq")), c->seen + 1);
    c->seen++;
    const char *b = json_string_value(json_object_get(json_object_get(ev, "data"), "batch"));
    if (b != NULL && strcmp(b, c->batch) == 0) c->found++;
  }
  assert_int_equal(next_after, c->seen);
  return 0;
}

/* Reads probe_a's whole feed: checks seqs are 1, 2, 3, ... and counts events of batch. */
static long feed_count_batch(const char *batch) {
  struct batch_count c = {batch, 0, 0};
  assert_int_equal(tl_feed(tl_env("PROBE_A_URL"), "probe_a", count_page, &c), 0);
  return (long)c.found;
}

static int in_feed(void *arg) {
  const struct expect *e = arg;
  return feed_count_batch(e->batch) >= e->count;
}

static void test_events_arrive_once_in_order(void **state) {
  (void)state;
  char batch[64];
  label(batch, sizeof(batch), "happy");
  emit(tl_env("PROBE_A_URL"), batch, 20, 0);
  wait_applied(batch, 20, 10000);
  assert_exactly_once(batch, 20);
}

static void test_rolled_back_events_never_exist(void **state) {
  (void)state;
  char rolled[64], after[64];
  label(rolled, sizeof(rolled), "rolledback");
  label(after, sizeof(after), "after-rollback");
  emit(tl_env("PROBE_A_URL"), rolled, 5, 1);
  emit(tl_env("PROBE_A_URL"), after, 3, 0);
  /* The later committed batch has arrived: the consumer is past the rolled back one. */
  wait_applied(after, 3, 10000);
  assert_exactly_once(after, 3);
  assert_int_equal(applied_count(rolled), 0);
  assert_int_equal(feed_count_batch(rolled), 0);
  assert_int_equal(feed_count_batch(after), 3);
}

static void test_feed_serves_envelopes(void **state) {
  (void)state;
  char batch[64];
  struct tl_response r;
  label(batch, sizeof(batch), "feed");
  emit(tl_env("PROBE_A_URL"), batch, 5, 0);

  feed("after=0&limit=5", &r);
  assert_int_equal(r.status, 200);
  json_t *items = json_object_get(r.json, "items");
  assert_int_equal(json_array_size(items), 5);
  for (size_t i = 0; i < 5; i++) {
    json_t *ev = json_array_get(items, i);
    assert_int_equal(json_object_size(ev), 8);
    assert_true(ids_is_uuid(json_string_value(json_object_get(ev, "id"))));
    assert_string_equal(json_string_value(json_object_get(ev, "source")), "probe_a");
    assert_int_equal(json_integer_value(json_object_get(ev, "seq")), (json_int_t)i + 1);
    assert_true(json_is_string(json_object_get(ev, "type")));
    assert_true(json_is_null(json_object_get(ev, "portal_id")));
    assert_true(json_string_length(json_object_get(ev, "aggregate_id")) > 0);
    const char *at = json_string_value(json_object_get(ev, "occurred_at"));
    assert_non_null(at);
    assert_true(ids_is_timestamp(at));
    assert_int_equal(at[strlen(at) - 1], 'Z');
    assert_true(json_is_object(json_object_get(ev, "data")));
  }
  assert_int_equal(json_integer_value(json_object_get(r.json, "next_after")), 5);
  tl_response_free(&r);

  /* The events of this batch, read back by seq once the relay numbered them (the feed holds
   * committed events that have a seq: it lags the commit by one relay cycle). */
  struct expect e = {batch, 5};
  assert_true(tl_wait(in_feed, &e, 5000));
  feed("after=0&limit=1000", &r);
  assert_int_equal(r.status, 200);
  items = json_object_get(r.json, "items");
  long seen = 0;
  for (size_t i = 0; i < json_array_size(items); i++) {
    json_t *ev = json_array_get(items, i);
    const char *b = json_string_value(json_object_get(json_object_get(ev, "data"), "batch"));
    if (b == NULL || strcmp(b, batch) != 0) continue; /* another test's (a note has no batch) */
    json_t *data = json_object_get(ev, "data");
    seen++;
    assert_int_equal(json_integer_value(json_object_get(data, "n")), seen);
    assert_string_equal(json_string_value(json_object_get(ev, "type")), "probe.tested");
  }
  assert_int_equal(seen, 5);
  tl_response_free(&r);

  /* Past the end: nothing, and next_after stays. */
  feed("after=100000000&limit=10", &r);
  assert_int_equal(r.status, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
  assert_int_equal(json_integer_value(json_object_get(r.json, "next_after")), 100000000);
  tl_response_free(&r);

  const char *bad[] = {"after=abc", "after=-1", "after=1x", "limit=0", "limit=x",
                       "limit=1001", "after=0&limit=-5"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    feed(bad[i], &r);
    if (r.status != 400) fail_msg("%s answered %ld", bad[i], r.status);
    char *ct = tl_header(&r, "Content-Type");
    assert_non_null(ct);
    assert_non_null(strstr(ct, "application/problem+json"));
    free(ct);
    assert_int_equal(json_integer_value(json_object_get(r.json, "status")), 400);
    assert_true(json_is_string(json_object_get(r.json, "type")));
    assert_true(json_is_string(json_object_get(r.json, "title")));
    tl_response_free(&r);
  }
}

/* PUBLISHes text on probe_a's channel as someone holding Redis's password could; auth: as the
 * services' user (else with no credentials). The exit status of redis-cli, and 0 only when
 * Redis took the message. */
static int publish_as(const char *text, int auth) {
  char path[] = "/tmp/test_bus_envelope_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  int rc = tl_sh(
      "REDISCLI_AUTH=%s%s%s redis-cli --user claimsuite -p %s -x "
      "PUBLISH claimsuite.events.probe_a < %s 2>&1 | grep -qx '[0-9][0-9]*'",
      auth ? "$(cat '" : "", auth ? tl_env("REDIS_PASSWORD_FILE") : "", auth ? "')" : "",
      tl_env("REDIS_PORT"), path);
  unlink(path);
  return rc;
}

static void publish_raw(const char *text) { assert_int_equal(publish_as(text, 1), 0); }

/* The feed is for services only: nobody else, and no service token for another service. */
static void test_the_feed_answers_services_only(void **state) {
  (void)state;
  char url[512];
  struct tl_response r;
  snprintf(url, sizeof(url), "%s/internal/events?after=0&limit=5", tl_env("PROBE_A_URL"));
  const char *user[] = {"Authorization: Bearer eyJhbGciOiJFUzI1NiJ9.e30.c2ln", NULL};
  const char *other[] = {tl_service_authorization("probe_b"), NULL};
  const char *const *tries[] = {NULL, user, other};
  for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
    assert_int_equal(tl_http("GET", url, tries[i], NULL, 0, 5000, &r), 0);
    if (r.status != 401) fail_msg("try %zu answered %ld: %s", i, r.status, r.body);
    assert_true(json_is_string(json_object_get(r.json, "detail")));
    assert_null(json_object_get(r.json, "items"));
    tl_response_free(&r);
  }
  feed("after=0&limit=5", &r); /* with a token for probe_a */
  assert_int_equal(r.status, 200);
  tl_response_free(&r);
  /* and Redis takes nothing from someone without the password */
  assert_int_not_equal(publish_as("x", 0), 0);
}

static void test_replayed_and_forged_events_change_nothing(void **state) {
  (void)state;
  char batch[64], later[64], forged_batch[64];
  struct tl_response r;
  label(batch, sizeof(batch), "replayed");
  label(later, sizeof(later), "after-replay");
  label(forged_batch, sizeof(forged_batch), "forged");
  emit(tl_env("PROBE_A_URL"), batch, 3, 0);
  wait_applied(batch, 3, 10000);

  /* The second event of the batch, as the feed serves it, delivered again. */
  json_t *got = applied(batch);
  assert_non_null(got);
  json_t *second = json_array_get(json_object_get(got, "items"), 1);
  json_int_t seq = json_integer_value(json_object_get(second, "seq"));
  json_decref(got);
  char query[64];
  snprintf(query, sizeof(query), "after=%lld&limit=1", (long long)seq - 1);
  feed(query, &r);
  assert_int_equal(r.status, 200);
  json_t *ev = json_array_get(json_object_get(r.json, "items"), 0);
  assert_int_equal(json_integer_value(json_object_get(ev, "seq")), seq);
  char *text = json_dumps(ev, JSON_COMPACT);
  char *signed_text = tl_signed_message(text);
  publish_raw(signed_text); /* signed as the relay did: a duplicate */
  publish_raw(text);        /* unsigned: not heard at all */
  free(signed_text);
  free(text);
  /* Forged ones, unsigned or signed with another key: the next seq the producer will use (it
   * would have been applied, and the genuine event with that seq skipped), one far ahead, one
   * that is not an envelope, and one that is not JSON. */
  json_int_t head =
      (json_int_t)tl_sql_long("SELECT coalesce(max(seq), 0) FROM probe_a.outbox", 0, NULL);
  json_object_set_new(ev, "seq", json_integer(head + 1));
  json_object_set_new(json_object_get(ev, "data"), "batch", json_string(forged_batch));
  text = json_dumps(ev, JSON_COMPACT);
  publish_raw(text);
  char forged[4096];
  snprintf(forged, sizeof(forged), "%s %s", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", text);
  publish_raw(forged);
  free(text);
  json_object_set_new(ev, "seq", json_integer(seq + 1000000));
  text = json_dumps(ev, JSON_COMPACT);
  publish_raw(text);
  free(text);
  publish_raw("{\"seq\":\"x\"}");
  publish_raw("not json");
  tl_response_free(&r);

  /* Once a later batch is through (its first event has the forged seq), the replayed batch is
   * still applied once, the later one whole, and nothing forged. */
  emit(tl_env("PROBE_A_URL"), later, 2, 0);
  wait_applied(later, 2, 10000);
  assert_exactly_once(later, 2);
  assert_exactly_once(batch, 3);
  assert_int_equal(applied_count(forged_batch), 0);
}

static int redis_stopped;

static int restart_redis(void **state) {
  (void)state;
  if (redis_stopped && tl_stack("redis-start", "") == 0) redis_stopped = 0;
  return 0;
}

static void test_events_wait_out_a_redis_outage(void **state) {
  (void)state;
  char batch[64];
  label(batch, sizeof(batch), "redis-down");
  assert_int_equal(tl_stack("redis-stop", ""), 0);
  redis_stopped = 1;
  emit(tl_env("PROBE_A_URL"), batch, 10, 0);
  /* Committed and numbered (in the feed, one relay cycle later); with no Redis nobody is told,
   * so the consumer reads the feed every second meanwhile. */
  struct expect numbered = {batch, 10};
  assert_true(tl_wait(in_feed, &numbered, 5000));
  wait_applied(batch, 10, 5000);
  assert_exactly_once(batch, 10);
  assert_int_equal(tl_stack("redis-start", ""), 0);
  redis_stopped = 0;
  /* and once Redis is back, pub/sub again: nothing applied twice */
  char after[64];
  label(after, sizeof(after), "redis-back");
  emit(tl_env("PROBE_A_URL"), after, 3, 0);
  wait_applied(after, 3, 20000);
  assert_exactly_once(after, 3);
  assert_exactly_once(batch, 10);
}

static int probe_b_dead;

static int restart_probe_b(void **state) {
  (void)state;
  if (probe_b_dead && tl_stack("restart", "probe_b") == 0) probe_b_dead = 0;
  return 0;
}

static void set_apply_delay(long ms) {
  char url[512], body[64];
  struct tl_response r;
  snprintf(url, sizeof(url), "%s/apply-delay", tl_env("PROBE_B_URL"));
  snprintf(body, sizeof(body), "{\"ms\":%ld}", ms);
  assert_int_equal(tl_http("PUT", url, JSON_HEADERS, body, strlen(body), 0, &r), 0);
  assert_int_equal(r.status, 200);
  assert_int_equal(json_integer_value(json_object_get(r.json, "ms")), ms);
  tl_response_free(&r);
}

/* PUT probe_b /apply-fail: the apply of event n of batch fails until n is 0. */
static void set_apply_fail(const char *batch, int n) {
  char url[512], body[256];
  struct tl_response r;
  snprintf(url, sizeof(url), "%s/apply-fail", tl_env("PROBE_B_URL"));
  snprintf(body, sizeof(body), "{\"batch\":\"%s\",\"n\":%d}", batch, n);
  assert_int_equal(tl_http("PUT", url, JSON_HEADERS, body, strlen(body), 0, &r), 0);
  assert_int_equal(r.status, 200);
  tl_response_free(&r);
}

static void clear_apply_fail(void) { set_apply_fail("", 0); }

/* 50 events published together reach the consumer together and share its transactions; the
 * 30th failing to apply stops the consumer there, yet the 29 before it are applied, and
 * everything is once the 30th applies again. */
static void test_a_failed_apply_keeps_what_came_before(void **state) {
  (void)state;
  char batch[64];
  label(batch, sizeof(batch), "fail-30");
  set_apply_fail(batch, 30);
  emit(tl_env("PROBE_A_URL"), batch, 50, 0);
  wait_applied(batch, 29, 20000);
  /* nothing after it: events apply in order */
  json_t *j = applied(batch);
  assert_non_null(j);
  json_t *items = json_object_get(j, "items");
  assert_int_equal(json_array_size(items), 29);
  assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 28), "n")), 29);
  json_decref(j);
  clear_apply_fail();
  wait_applied(batch, 50, 20000);
  assert_exactly_once(batch, 50);
}

static int clear_apply_fail_teardown(void **state) {
  (void)state;
  clear_apply_fail();
  return 0;
}

static void test_consumer_killed_mid_stream(void **state) {
  (void)state;
  char first[64], second[64];
  label(first, sizeof(first), "killed-200");
  label(second, sizeof(second), "killed-50");
  set_apply_delay(30);
  emit(tl_env("PROBE_A_URL"), first, 200, 0);
  wait_applied(first, 20, 20000);
  long before_kill = applied_count(first);
  assert_int_equal(tl_stack("kill", "probe_b KILL"), 0);
  probe_b_dead = 1;
  /* Killed part-way (200 applies take 6 s at this pace), and really gone. */
  assert_true(before_kill >= 20 && before_kill < 200);
  assert_int_equal(applied_count(first), -1);
  emit(tl_env("PROBE_A_URL"), second, 50, 0);
  assert_int_equal(tl_stack("restart", "probe_b"), 0);
  probe_b_dead = 0;
  wait_applied(first, 200, 60000);
  wait_applied(second, 50, 30000);
  assert_exactly_once(first, 200);
  assert_exactly_once(second, 50);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_events_arrive_once_in_order),
      cmocka_unit_test(test_rolled_back_events_never_exist),
      cmocka_unit_test(test_feed_serves_envelopes),
      cmocka_unit_test(test_the_feed_answers_services_only),
      cmocka_unit_test(test_replayed_and_forged_events_change_nothing),
      cmocka_unit_test_teardown(test_a_failed_apply_keeps_what_came_before,
                                clear_apply_fail_teardown),
      cmocka_unit_test_teardown(test_events_wait_out_a_redis_outage, restart_redis),
      cmocka_unit_test_teardown(test_consumer_killed_mid_stream, restart_probe_b),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
