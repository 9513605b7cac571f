/* The service skeleton over HTTP, on the probe service: health, readiness, metrics, request
 * ids, problem+json for every kind of bad request, authentication, idempotent creates,
 * If-Match, cursor paging, and the outbox event written with the create. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "http.h"
#include "ids.h"
#include "testlib.h"

static char url[256];

static const char *at(const char *path) {
  snprintf(url, sizeof(url), "%s%s", tl_env("PROBE_A_URL"), path);
  return url;
}

/* A user of its own per test, so tests do not see each other's notes. */
static char auth[1200];
static const char *as_user(const char *sub) {
  char *token = tl_token(sub, 300, NULL);
  snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
  free(token);
  return auth;
}

static void test_health_ready_metrics(void **state) {
  (void)state;
  struct tl_response r;
  assert_int_equal(tl_http("GET", at("/healthz"), NULL, NULL, 0, 0, &r), 0);
  assert_int_equal(r.status, 200);
  assert_string_equal(json_string_value(json_object_get(r.json, "status")), "ok");
  assert_string_equal(json_string_value(json_object_get(r.json, "service")), "probe_a");
  char *rid = tl_header(&r, "X-Request-Id");
  assert_true(rid != NULL && ids_is_uuid(rid));
  free(rid);
  tl_response_free(&r);

  const char *h[] = {"X-Request-Id: trace-abc.123", NULL};
  assert_int_equal(tl_http("GET", at("/healthz"), h, NULL, 0, 0, &r), 0);
  rid = tl_header(&r, "X-Request-Id");
  assert_string_equal(rid, "trace-abc.123");
  free(rid);
  tl_response_free(&r);

  const char *evil[] = {"X-Request-Id: has spaces and \"quotes\"", NULL};
  assert_int_equal(tl_http("GET", at("/healthz"), evil, NULL, 0, 0, &r), 0);
  rid = tl_header(&r, "X-Request-Id");
  assert_true(ids_is_uuid(rid)); /* replaced, not echoed */
  free(rid);
  tl_response_free(&r);

  assert_int_equal(tl_http("GET", at("/readyz"), NULL, NULL, 0, 0, &r), 0);
  assert_int_equal(r.status, 200);
  assert_string_equal(json_string_value(json_object_get(json_object_get(r.json, "checks"), "database")), "ok");
  assert_string_equal(json_string_value(json_object_get(json_object_get(r.json, "checks"), "redis")), "ok");
  tl_response_free(&r);

  assert_int_equal(tl_http("GET", at("/metrics"), NULL, NULL, 0, 0, &r), 0);
  assert_int_equal(r.status, 200);
  assert_non_null(strstr(r.body, "http_requests_total{service=\"probe_a\",route=\"GET /healthz\",status=\"2xx\"}"));
  assert_non_null(strstr(r.body, "http_request_duration_seconds_bucket{service=\"probe_a\",route=\"GET /healthz\",le=\"+Inf\"}"));
  assert_non_null(strstr(r.body, "db_pool_connections{service=\"probe_a\"} 4"));
  assert_non_null(strstr(r.body, "outbox_pending_events{service=\"probe_a\"}"));
  tl_response_free(&r);
}

/* The benchmark's ceiling route: one row by primary key, with a token; 404 and 422 named. */
static void test_ceiling_route(void **state) {
  (void)state;
  struct tl_response r;
  const char *h[] = {as_user("ceiling-reader"), NULL};
  for (int i = 0; i < 3; i++) { /* the second and third run the prepared statement */
    assert_int_equal(tl_http("GET", at("/probe/ceiling/42"), h, NULL, 0, 0, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_integer_value(json_object_get(r.json, "id")), 42);
    assert_string_equal(json_string_value(json_object_get(r.json, "payload")), "row 42");
    tl_response_free(&r);
  }
  assert_int_equal(tl_http("GET", at("/probe/ceiling/1001"), h, NULL, 0, 0, &r), 0);
  tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
  tl_response_free(&r);
  assert_int_equal(tl_http("GET", at("/probe/ceiling/x"), h, NULL, 0, 0, &r), 0);
  tl_assert_problem(&r, 400, "urn:claimsuite:problem:invalid-parameter");
  tl_response_free(&r);
  assert_int_equal(tl_http("GET", at("/probe/ceiling/42"), NULL, NULL, 0, 0, &r), 0);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:unauthenticated");
  tl_response_free(&r);
}

static void test_unknown_route_and_wrong_method(void **state) {
  (void)state;
  struct tl_response r;
  assert_int_equal(tl_http("GET", at("/no/such/thing"), NULL, NULL, 0, 0, &r), 0);
  tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
  tl_response_free(&r);

  assert_int_equal(tl_http("DELETE", at("/healthz"), NULL, NULL, 0, 0, &r), 0);
  tl_assert_problem(&r, 405, "urn:claimsuite:problem:method-not-allowed");
  char *allow = tl_header(&r, "Allow");
  assert_string_equal(allow, "GET");
  free(allow);
  tl_response_free(&r);

  assert_int_equal(tl_http("PUT", at("/notes/123e4567-e89b-42d3-a456-426614174000"), NULL, "{}", 2, 0, &r), 0);
  tl_assert_problem(&r, 405, NULL);
  allow = tl_header(&r, "Allow");
  assert_string_equal(allow, "GET, PATCH");
  free(allow);
  tl_response_free(&r);
}

static void test_authentication_required(void **state) {
  (void)state;
  struct tl_response r;
  assert_int_equal(tl_http("GET", at("/notes"), NULL, NULL, 0, 0, &r), 0);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:unauthenticated");
  char *www = tl_header(&r, "WWW-Authenticate");
  assert_string_equal(www, "Bearer");
  free(www);
  tl_response_free(&r);

  char *expired = tl_token("someone", -120, NULL);
  char h0[1200];
  snprintf(h0, sizeof(h0), "Authorization: Bearer %s", expired);
  const char *h[] = {h0, NULL};
  assert_int_equal(tl_http("GET", at("/notes"), h, NULL, 0, 0, &r), 0);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:invalid-token");
  free(expired);
  tl_response_free(&r);
}

static long post_note(const char *user_header, const char *key, const char *ctype,
                      const char *body, size_t len, struct tl_response *r) {
  char k[300];
  snprintf(k, sizeof(k), "Idempotency-Key: %s", key ? key : "");
  const char *h[] = {user_header, ctype, key ? k : NULL, NULL};
  assert_int_equal(tl_http("POST", at("/notes"), h, body, len, 0, r), 0);
  return r->status;
}

static const char *field_error(const json_t *problem, const char *field) {
  return tl_str(tl_error_for(json_object_get(problem, "errors"), field, NULL), "message");
}

static void test_bad_bodies(void **state) {
  (void)state;
  const char *u = as_user("bad-bodies");
  const char *json = "Content-Type: application/json";
  struct tl_response r;

  post_note(u, NULL, json, "{\"title\": ", 10, &r);
  tl_assert_problem(&r, 400, "urn:claimsuite:problem:malformed-json");
  tl_response_free(&r);

  post_note(u, NULL, json, "{\"title\":\"a\",\"title\":\"b\"}", 25, &r);
  tl_assert_problem(&r, 400, "urn:claimsuite:problem:malformed-json");
  tl_response_free(&r);

  post_note(u, NULL, "Content-Type: text/plain", "{\"title\":\"x\"}", 13, &r);
  tl_assert_problem(&r, 415, NULL);
  tl_response_free(&r);

  post_note(u, NULL, json, "{\"title\": 5, \"body\": []}", 24, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  assert_string_equal(field_error(r.json, "title"), "must be a string");
  assert_string_equal(field_error(r.json, "body"), "must be a string");
  tl_response_free(&r);

  post_note(u, NULL, json, "{\"colour\": \"red\"}", 17, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  assert_string_equal(field_error(r.json, "title"), "is required");
  assert_string_equal(field_error(r.json, "colour"), "is not a known field");
  tl_response_free(&r);

  /* one byte above the 32 MiB limit */
  size_t big = 32u * 1024 * 1024 + 1;
  char *huge = malloc(big);
  memset(huge, 'a', big);
  post_note(u, NULL, json, huge, big, &r);
  tl_assert_problem(&r, 413, "urn:claimsuite:problem:body-too-large");
  tl_response_free(&r);
  free(huge);

  /* nothing of the above was stored */
  const char *h[] = {u, NULL};
  assert_int_equal(tl_http("GET", at("/notes"), h, NULL, 0, 0, &r), 0);
  assert_int_equal(r.status, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
  tl_response_free(&r);
}

/* 1 when the feed of the probe has the event note.created of the note id (arg). */
static int note_event_in_feed(void *arg) {
  const char *id = arg;
  struct tl_response feed;
  int found = 0;
  for (long after = 0; !found;) {
    char path[96];
    snprintf(path, sizeof(path), "/internal/events?after=%ld&limit=1000", after);
    if (tl_service_call(tl_env("PROBE_A_URL"), "probe_a", "GET", path, NULL, &feed) != 200) {
      tl_response_free(&feed);
      return 0;
    }
    size_t i, n = json_array_size(json_object_get(feed.json, "items"));
    json_t *e;
    json_array_foreach(json_object_get(feed.json, "items"), i, e) {
      if (!strcmp(json_string_value(json_object_get(e, "aggregate_id")), id)) {
        assert_string_equal(json_string_value(json_object_get(e, "type")), "note.created");
        found = 1;
      }
    }
    after = (long)json_integer_value(json_object_get(feed.json, "next_after"));
    tl_response_free(&feed);
    if (n == 0) break;
  }
  return found;
}

static void test_idempotent_create(void **state) {
  (void)state;
  const char *json = "Content-Type: application/json";
  const char *body = "{\"title\":\"first\"}";
  struct tl_response a, b, c, d;
  char user[64];
  snprintf(user, sizeof(user), "idem-%d", rand());
  char ua[1200];
  snprintf(ua, sizeof(ua), "%s", as_user(user));

  assert_int_equal(post_note(ua, "key-1", json, body, strlen(body), &a), 201);
  char *loc = tl_header(&a, "Location");
  const char *id = json_string_value(json_object_get(a.json, "id"));
  assert_true(ids_is_uuid(id));
  assert_non_null(strstr(loc, id));

  assert_int_equal(post_note(ua, "key-1", json, body, strlen(body), &b), 201);
  assert_string_equal(b.body, a.body); /* the same resource, not a second one */
  char *replayed = tl_header(&b, "Idempotent-Replayed");
  assert_string_equal(replayed, "true");
  char *loc2 = tl_header(&b, "Location");
  assert_string_equal(loc2, loc);

  const char *other = "{\"title\":\"second\"}";
  post_note(ua, "key-1", json, other, strlen(other), &c);
  tl_assert_problem(&c, 422, "urn:claimsuite:problem:idempotency-key-reused");

  /* keys belong to their caller: another user's same key is a new create */
  assert_int_equal(post_note(as_user("someone-else"), "key-1", json, body, strlen(body), &d), 201);
  assert_string_not_equal(json_string_value(json_object_get(d.json, "id")), id);

  struct tl_response list;
  const char *h[] = {ua, NULL};
  assert_int_equal(tl_http("GET", at("/notes"), h, NULL, 0, 0, &list), 0);
  assert_int_equal(json_array_size(json_object_get(list.json, "items")), 1);

  /* the create wrote its event in the same transaction; the feed has it once the relay has
   * numbered it (within OUTBOX_POLL_MS) */
  assert_true(tl_wait(note_event_in_feed, (void *)id, 5000));

  free(loc);
  free(loc2);
  free(replayed);
  tl_response_free(&a);
  tl_response_free(&b);
  tl_response_free(&c);
  tl_response_free(&d);
  tl_response_free(&list);
}

static void test_if_match(void **state) {
  (void)state;
  const char *body = "{\"title\":\"v1\"}";
  struct tl_response r;
  char u[1200], path[128], etag_h[64];
  snprintf(u, sizeof(u), "%s", as_user("etag-user"));
  post_note(u, NULL, "Content-Type: application/json", body, strlen(body), &r);
  assert_int_equal(r.status, 201);
  snprintf(path, sizeof(path), "/notes/%s", json_string_value(json_object_get(r.json, "id")));
  tl_response_free(&r);

  const char *get[] = {u, NULL};
  assert_int_equal(tl_http("GET", at(path), get, NULL, 0, 0, &r), 0);
  assert_int_equal(r.status, 200);
  char *etag = tl_header(&r, "ETag");
  assert_string_equal(etag, "\"1\"");
  tl_response_free(&r);

  const char *patch = "{\"title\":\"v2\"}";
  const char *no_match[] = {u, "Content-Type: application/json", NULL};
  assert_int_equal(tl_http("PATCH", at(path), no_match, patch, strlen(patch), 0, &r), 0);
  tl_assert_problem(&r, 428, "urn:claimsuite:problem:precondition-required");
  tl_response_free(&r);

  snprintf(etag_h, sizeof(etag_h), "If-Match: %s", etag);
  const char *match[] = {u, "Content-Type: application/json", etag_h, NULL};
  assert_int_equal(tl_http("PATCH", at(path), match, patch, strlen(patch), 0, &r), 0);
  assert_int_equal(r.status, 200);
  assert_string_equal(json_string_value(json_object_get(r.json, "title")), "v2");
  char *etag2 = tl_header(&r, "ETag");
  assert_string_equal(etag2, "\"2\"");
  tl_response_free(&r);

  /* a second writer with the old version is refused and the first write stands */
  const char *stale = "{\"title\":\"lost update\"}";
  assert_int_equal(tl_http("PATCH", at(path), match, stale, strlen(stale), 0, &r), 0);
  tl_assert_problem(&r, 412, "urn:claimsuite:problem:precondition-failed");
  tl_response_free(&r);
  assert_int_equal(tl_http("GET", at(path), get, NULL, 0, 0, &r), 0);
  assert_string_equal(json_string_value(json_object_get(r.json, "title")), "v2");
  tl_response_free(&r);

  /* another caller cannot see it at all */
  const char *intruder[] = {as_user("intruder"), NULL};
  assert_int_equal(tl_http("GET", at(path), intruder, NULL, 0, 0, &r), 0);
  tl_assert_problem(&r, 404, NULL);
  tl_response_free(&r);
  free(etag);
  free(etag2);
}

static void test_paging(void **state) {
  (void)state;
  char u[1200], user[64];
  struct tl_response r;
  snprintf(user, sizeof(user), "pager-%d", rand());
  snprintf(u, sizeof(u), "%s", as_user(user));
  for (int i = 0; i < 5; i++) {
    char body[64];
    snprintf(body, sizeof(body), "{\"title\":\"n%d\"}", i);
    post_note(u, NULL, "Content-Type: application/json", body, strlen(body), &r);
    assert_int_equal(r.status, 201);
    tl_response_free(&r);
  }
  const char *h[] = {u, NULL};
  char path[1200] = "/notes?limit=2";
  int seen = 0, pages = 0;
  char titles[8][8];
  for (;;) {
    assert_int_equal(tl_http("GET", at(path), h, NULL, 0, 0, &r), 0);
    assert_int_equal(r.status, 200);
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(r.json, "items"), i, item) {
      snprintf(titles[seen++], 8, "%s", json_string_value(json_object_get(item, "title")));
    }
    pages++;
    const char *next = json_string_value(json_object_get(r.json, "next_cursor"));
    if (next == NULL) {
      assert_true(json_is_null(json_object_get(r.json, "next_cursor")));
      tl_response_free(&r);
      break;
    }
    snprintf(path, sizeof(path), "/notes?limit=2&cursor=%s", next);
    tl_response_free(&r);
  }
  assert_int_equal(pages, 3);
  assert_int_equal(seen, 5);
  for (int i = 0; i < 5; i++) { /* newest first, none twice */
    char want[8];
    snprintf(want, sizeof(want), "n%d", 4 - i);
    assert_string_equal(titles[i], want);
  }
  assert_int_equal(tl_http("GET", at("/notes?limit=500"), h, NULL, 0, 0, &r), 0);
  tl_assert_problem(&r, 400, "urn:claimsuite:problem:invalid-parameter");
  tl_response_free(&r);
  assert_int_equal(tl_http("GET", at("/notes?cursor=bm90LWpzb24"), h, NULL, 0, 0, &r), 0);
  tl_assert_problem(&r, 400, "urn:claimsuite:problem:invalid-parameter");
  tl_response_free(&r);
}

struct create_call {
  char auth[1200];
  const char *url; /* built before the threads start: at() has one buffer */
  long status;
};

static void *create_note(void *arg) {
  struct create_call *c = arg;
  struct tl_response r;
  const char *h[] = {c->auth, "Content-Type: application/json", NULL};
  c->status = tl_http("POST", c->url, h, "{\"title\":\"after restart\"}", 25, 10000, &r) == 0
                  ? r.status : -1;
  tl_response_free(&r);
  return NULL;
}

/* After PostgreSQL restarts, pooled connections are found dead on checkout and reconnected:
 * no request fails for it. */
static void test_database_restart(void **state) {
  (void)state;
  struct create_call calls[8];
  pthread_t t[8];
  char notes[256];
  snprintf(notes, sizeof(notes), "%s", at("/notes"));
  assert_int_equal(tl_sh("cd /tmp && runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D %s/pg "
                         "-m fast -w restart -l %s/pg/server.log >/dev/null",
                         tl_env("STACK_DIR"), tl_env("STACK_DIR")), 0);
  for (int i = 0; i < 8; i++) {
    snprintf(calls[i].auth, sizeof(calls[i].auth), "%s", as_user("restart-user"));
    calls[i].url = notes;
    pthread_create(&t[i], NULL, create_note, &calls[i]);
  }
  for (int i = 0; i < 8; i++) pthread_join(t[i], NULL);
  for (int i = 0; i < 8; i++) assert_int_equal(calls[i].status, 201);
  struct tl_response r;
  assert_int_equal(tl_http("GET", at("/readyz"), NULL, NULL, 0, 0, &r), 0);
  assert_int_equal(r.status, 200);
  tl_response_free(&r);
}

struct slow_call {
  struct tl_response r;
  int rc;
};

static void *call_slow(void *arg) {
  struct slow_call *c = arg;
  c->rc = tl_http("GET", at("/sleep?ms=1500"), NULL, NULL, 0, 10000, &c->r);
  return NULL;
}

/* SIGTERM while a request is in progress: the request completes, then the process exits. */
static void test_graceful_shutdown(void **state) {
  (void)state;
  struct slow_call call;
  pthread_t t;
  char log_path[512];
  pthread_create(&t, NULL, call_slow, &call);
  usleep(300000);
  assert_int_equal(tl_stack("kill", "probe_a TERM"), 0);
  pthread_join(t, NULL);
  assert_int_equal(call.rc, 0);
  assert_int_equal(call.r.status, 200);
  assert_int_equal(json_integer_value(json_object_get(call.r.json, "slept_ms")), 1500);
  tl_response_free(&call.r);

  snprintf(log_path, sizeof(log_path), "%s/logs/probe_a.log", tl_env("STACK_DIR"));
  assert_int_equal(tl_sh("tail -5 %s | grep -q 'probe_a stopped'", log_path), 0);
  struct tl_response r;
  assert_int_not_equal(tl_http("GET", at("/healthz"), NULL, NULL, 0, 1000, &r), 0); /* gone */
  tl_response_free(&r);

  assert_int_equal(tl_stack("restart", "probe_a"), 0);
  assert_int_equal(tl_http("GET", at("/healthz"), NULL, NULL, 0, 0, &r), 0);
  assert_int_equal(r.status, 200);
  tl_response_free(&r);
}

int main(void) {
  srand((unsigned)time(NULL) ^ (unsigned)getpid());
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_health_ready_metrics),
      cmocka_unit_test(test_unknown_route_and_wrong_method),
      cmocka_unit_test(test_ceiling_route),
      cmocka_unit_test(test_authentication_required),
      cmocka_unit_test(test_bad_bodies),
      cmocka_unit_test(test_idempotent_create),
      cmocka_unit_test(test_if_match),
      cmocka_unit_test(test_paging),
      cmocka_unit_test(test_database_restart),
      cmocka_unit_test(test_graceful_shutdown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
