/* What operators and front ends see around every answer (common/http_server.c): conditional GETs
 * (ETag on single resources and lists, If-None-Match answered 304, directly and through the
 * gateway, a change answered 200 with a new ETag, nothing conditional for those who may not see
 * the resource), Cache-Control on authenticated reads, W3C traceparent kept or started and
 * passed from the gateway to the service, the access log lines of both, and HELP, TYPE and
 * build_info in /metrics. Fixtures: tl_world.h. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tl_world.h"

static struct tl_world w;
static char case_id[37], case_path[64];

/* GET (or method) base+path with token and up to three more header lines (NULL ends them). */
static long call(const char *base, const char *method, const char *path, const char *token,
                 const char *body, struct tl_response *r, const char *h1, const char *h2,
                 const char *h3) {
  char url[1024], auth[4096];
  const char *h[6] = {0};
  int n = 0;
  snprintf(url, sizeof(url), "%s%s", base, path);
  if (token != NULL) {
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
    h[n++] = auth;
  }
  if (body != NULL) h[n++] = "Content-Type: application/json";
  if (h1 != NULL) h[n++] = h1;
  if (h1 != NULL && h2 != NULL) h[n++] = h2;
  if (h1 != NULL && h2 != NULL && h3 != NULL) h[n++] = h3;
  assert_int_equal(tl_http(method, url, h, body, body != NULL ? strlen(body) : 0, 0, r), 0);
  return r->status;
}

static long get(const char *base, const char *path, const char *token, struct tl_response *r,
                const char *h1, const char *h2) {
  return call(base, "GET", path, token, NULL, r, h1, h2, NULL);
}

static void assert_no_header(const struct tl_response *r, const char *name) {
  char *v = tl_header(r, name);
  if (v != NULL) fail_msg("unexpected %s: %s", name, v);
}

/* r is a 304 with etag and no body: what a client revalidating its copy gets. */
static void assert_not_modified(const struct tl_response *r, const char *etag) {
  assert_int_equal(r->status, 304);
  assert_int_equal(r->body_len, 0);
  tl_assert_header(r, "ETag", etag);
  tl_assert_header(r, "Cache-Control", "private, no-cache");
  assert_no_header(r, "Content-Type");
  char *rid = tl_header(r, "X-Request-Id");
  assert_non_null(rid);
  free(rid);
}

/* A strong ETag: a quoted string, no W/. */
static void assert_strong_etag(const char *etag) {
  size_t n = strlen(etag);
  assert_true(n >= 3);
  assert_int_equal(etag[0], '"');
  assert_int_equal(etag[n - 1], '"');
}

static void create_case(void) {
  struct tl_response r;
  char body[1024];
  snprintf(body, sizeof(body),
           "{\"claim_number\": \"OBS-%s\", \"damage_type\": \"water\", \"damage_date\": "
           "\"2026-10-30\", \"description\": \"Observed\", \"address\": {\"street\": \"Sveavägen "
           "1\", \"city\": \"Stockholm\", \"latitude\": 59.33, \"longitude\": 18.06}}",
           w.sfx);
  tl_cases("POST", "/v1/cases", w.ia_handler.token, body, NULL, &r);
  tl_expect(&r, 201);
  snprintf(case_id, sizeof(case_id), "%s", tl_str(r.json, "id"));
  snprintf(case_path, sizeof(case_path), "/v1/cases/%s", case_id);
  tl_response_free(&r);
}

static int setup(void **state) {
  (void)state;
  tl_world_create(&w);
  create_case();
  return 0;
}

static int teardown(void **state) {
  (void)state;
  tl_world_free(&w);
  tl_sql_close();
  return 0;
}

/* base+path answers 200 with a strong ETag and private, no-cache; If-None-Match with it (alone,
 * in a list, weak, or "*") answers 304; another tag answers 200. The ETag, new. */
static char *revalidates(const char *base, const char *path) {
  struct tl_response r;
  char inm[256];
  get(base, path, w.ia_handler.token, &r, NULL, NULL);
  tl_expect(&r, 200);
  assert_true(r.body_len > 0);
  char *etag = tl_header(&r, "ETag");
  assert_non_null(etag);
  assert_strong_etag(etag);
  tl_assert_header(&r, "Cache-Control", "private, no-cache");
  tl_response_free(&r);

  snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
  get(base, path, w.ia_handler.token, &r, inm, NULL);
  assert_not_modified(&r, etag);
  tl_response_free(&r);
  snprintf(inm, sizeof(inm), "If-None-Match: \"nope\", W/%s", etag);
  get(base, path, w.ia_handler.token, &r, inm, NULL);
  assert_not_modified(&r, etag);
  tl_response_free(&r);
  get(base, path, w.ia_handler.token, &r, "If-None-Match: *", NULL);
  assert_not_modified(&r, etag);
  tl_response_free(&r);

  get(base, path, w.ia_handler.token, &r, "If-None-Match: \"nope\"", NULL);
  tl_expect(&r, 200);
  tl_assert_header(&r, "ETag", etag);
  assert_true(r.body_len > 0);
  tl_response_free(&r);
  return etag;
}

static void test_case_and_list_revalidate(void **state) {
  (void)state;
  const char *bases[] = {tl_env("CASES_URL"), tl_env("GATEWAY_URL")};
  char list_path[128];
  snprintf(list_path, sizeof(list_path), "/v1/cases?limit=200");
  tl_replica_sync();
  for (int i = 0; i < 2; i++) {
    char *case_etag = revalidates(bases[i], case_path);
    assert_string_equal(case_etag, "\"1\""); /* the case keeps its version ETag (If-Match) */
    char *list_etag = revalidates(bases[i], list_path);
    assert_int_equal(strlen(list_etag), 18); /* made from the list's bytes */
    free(case_etag);
    free(list_etag);
  }
}

static void test_change_gives_new_etag(void **state) {
  (void)state;
  struct tl_response r;
  const char *list_path = "/v1/cases?limit=200";
  char inm_case[64], inm_list[64];
  tl_replica_sync();
  char *old_case = revalidates(tl_env("GATEWAY_URL"), case_path);
  char *old_list = revalidates(tl_env("GATEWAY_URL"), list_path);
  snprintf(inm_case, sizeof(inm_case), "If-None-Match: %s", old_case);
  snprintf(inm_list, sizeof(inm_list), "If-None-Match: %s", old_list);

  /* a PATCH carrying If-None-Match is no conditional GET: it changes the case */
  char if_match[64];
  snprintf(if_match, sizeof(if_match), "If-Match: %s", old_case);
  call(tl_env("GATEWAY_URL"), "PATCH", case_path, w.ia_handler.token,
       "{\"description\": \"Observed again\"}", &r, if_match, inm_case, NULL);
  tl_expect(&r, 200);
  tl_response_free(&r);

  const char *bases[] = {tl_env("CASES_URL"), tl_env("GATEWAY_URL")};
  for (int i = 0; i < 2; i++) {
    get(bases[i], case_path, w.ia_handler.token, &r, inm_case, NULL);
    tl_expect(&r, 200);
    assert_string_equal(tl_str(r.json, "description"), "Observed again");
    char *etag = tl_header(&r, "ETag");
    assert_non_null(etag);
    assert_string_not_equal(etag, old_case);
    free(etag);
    tl_response_free(&r);

    get(bases[i], list_path, w.ia_handler.token, &r, inm_list, NULL);
    tl_expect(&r, 200);
    assert_non_null(tl_item(json_object_get(r.json, "items"), case_id));
    etag = tl_header(&r, "ETag");
    assert_non_null(etag);
    assert_string_not_equal(etag, old_list);
    free(etag);
    tl_response_free(&r);
  }
  free(old_case);
  free(old_list);
}

static void test_no_304_for_those_who_may_not_see(void **state) {
  (void)state;
  struct tl_response r;
  char inm[64];
  get(tl_env("CASES_URL"), case_path, w.ia_handler.token, &r, NULL, NULL);
  tl_expect(&r, 200);
  char *etag = tl_header(&r, "ETag");
  tl_response_free(&r);
  snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
  const char *bases[] = {tl_env("CASES_URL"), tl_env("GATEWAY_URL")};
  for (int i = 0; i < 2; i++) {
    /* another company and another portal: 404 as without the header, never 304 */
    get(bases[i], case_path, w.q_worker.token, &r, inm, NULL);
    tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
    tl_response_free(&r);
    get(bases[i], case_path, w.ib_admin.token, &r, inm, "If-None-Match: *");
    tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
    tl_response_free(&r);
    /* no token: 401 */
    get(bases[i], case_path, NULL, &r, inm, NULL);
    tl_assert_problem(&r, 401, NULL);
    tl_response_free(&r);
  }
  free(etag);
}

static void test_public_reads_keep_their_cache_control(void **state) {
  (void)state;
  struct tl_response r;
  /* the key set: public, cacheable by anyone; it gets an ETag and 304 too */
  get(tl_env("GATEWAY_URL"), "/v1/auth/jwks", NULL, &r, NULL, NULL);
  tl_expect(&r, 200);
  char *cc = tl_header(&r, "Cache-Control");
  assert_non_null(cc);
  assert_null(strstr(cc, "private"));
  char *etag = tl_header(&r, "ETag");
  assert_non_null(etag);
  tl_response_free(&r);
  char inm[64];
  snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
  get(tl_env("GATEWAY_URL"), "/v1/auth/jwks", NULL, &r, inm, NULL);
  assert_int_equal(r.status, 304);
  assert_int_equal(r.body_len, 0);
  tl_assert_header(&r, "Cache-Control", cc);
  tl_response_free(&r);
  free(cc);
  free(etag);
}

/* --- traces and access lines --------------------------------------------------------------- */

/* The access line of request_id in the log of process name (STACK_DIR/logs/NAME.log), waiting
 * up to 5 s for it. A new reference. */
static json_t *access_line(const char *name, const char *request_id) {
  char path[1024], needle[256];
  snprintf(path, sizeof(path), "%s/logs/%s.log", tl_env("STACK_DIR"), name);
  snprintf(needle, sizeof(needle), "\"request_id\":\"%s\"", request_id);
  for (int tries = 0; tries < 100; tries++) {
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0;
    json_t *found = NULL;
    while (found == NULL && getline(&line, &cap, f) > 0) {
      if (strstr(line, needle) == NULL || strstr(line, "\"msg\":\"request\"") == NULL) continue;
      json_error_t err;
      found = json_loads(line, JSON_REJECT_DUPLICATES, &err);
      if (found == NULL) fail_msg("an access line is not JSON (%s): %s", err.text, line);
    }
    free(line);
    fclose(f);
    if (found != NULL) return found;
    usleep(50000);
  }
  fail_msg("no access line of %s in %s", request_id, path);
  return NULL;
}

static int is_hex(const char *s, size_t n) {
  if (s == NULL || strlen(s) != n) return 0;
  for (size_t i = 0; i < n; i++)
    if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i])) return 0;
  return strspn(s, "0") != n;
}

/* GET case_path through the gateway with traceparent (NULL: none); checks both access lines
 * and returns the trace id both logged (new). */
static char *traced_read(const char *traceparent) {
  struct tl_response r;
  char rid[64], rid_header[96], tp_header[128];
  snprintf(rid, sizeof(rid), "obs-%s-%ld", w.sfx, (long)tl_now_ms());
  snprintf(rid_header, sizeof(rid_header), "X-Request-Id: %s", rid);
  snprintf(tp_header, sizeof(tp_header), "traceparent: %s", traceparent ? traceparent : "");
  get(tl_env("GATEWAY_URL"), case_path, w.ia_handler.token, &r, rid_header,
      traceparent ? tp_header : NULL);
  tl_expect(&r, 200);
  size_t bytes = r.body_len;
  tl_response_free(&r);

  json_t *gw = access_line("gateway", rid), *svc = access_line("cases", rid);
  /* the gateway: its routing entry, the caller from the token */
  tl_assert_str(gw, "method", "GET");
  tl_assert_str(gw, "route", "/v1/cases -> cases");
  assert_int_equal(json_integer_value(json_object_get(gw, "status")), 200);
  tl_assert_str(gw, "portal", w.portal_a);
  tl_assert_str(gw, "caller", w.ia_handler.id);
  /* the service: the endpoint's pattern, never the raw path */
  tl_assert_str(svc, "service", "cases");
  tl_assert_str(svc, "route", "/v1/cases/:id");
  tl_assert_str(svc, "level", "info");
  assert_int_equal(json_integer_value(json_object_get(svc, "status")), 200);
  assert_int_equal(json_integer_value(json_object_get(svc, "bytes")), (json_int_t)bytes);
  assert_true(json_is_number(json_object_get(svc, "duration_ms")));
  tl_assert_str(svc, "portal", w.portal_a);
  tl_assert_str(svc, "caller", w.ia_handler.id);
  /* one trace: the service's parent is the gateway's span */
  const char *trace = tl_str(gw, "trace_id");
  assert_true(is_hex(trace, 32));
  tl_assert_str(svc, "trace_id", trace);
  assert_true(is_hex(tl_str(gw, "span_id"), 16));
  assert_true(is_hex(tl_str(svc, "span_id"), 16));
  tl_assert_str(svc, "parent_id", tl_str(gw, "span_id"));
  assert_string_not_equal(tl_str(svc, "span_id"), tl_str(gw, "span_id"));
  char *out = strdup(trace);
  char client_parent[17] = "";
  if (traceparent != NULL && strlen(traceparent) == 55) memcpy(client_parent, traceparent + 36, 16);
  if (traceparent != NULL && strncmp(traceparent + 3, out, 32) == 0)
    tl_assert_str(gw, "parent_id", client_parent);
  else
    tl_assert_str(gw, "parent_id", ""); /* the gateway began the trace */
  json_decref(gw);
  json_decref(svc);
  return out;
}

static void test_traceparent_kept_and_passed_on(void **state) {
  (void)state;
  char tp[64], trace[33];
  /* a trace id unique to the run */
  snprintf(trace, sizeof(trace), "%032llx", (unsigned long long)tl_now_ms() * 7919ULL + 1);
  snprintf(tp, sizeof(tp), "00-%s-00f067aa0ba902b7-01", trace);
  tl_replica_sync();
  char *logged = traced_read(tp);
  assert_string_equal(logged, trace);
  free(logged);
}

static void test_traceparent_started_when_absent_or_invalid(void **state) {
  (void)state;
  tl_replica_sync();
  char *a = traced_read(NULL);
  char *b = traced_read(NULL);
  assert_string_not_equal(a, b); /* a new trace each time */
  /* invalid: all-zero trace id, uppercase, wrong version: a new trace, not the client's */
  const char *bad[] = {"00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                       "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                       "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                       "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char *t = traced_read(bad[i]);
    assert_string_not_equal(t, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_string_not_equal(t, "00000000000000000000000000000000");
    free(t);
  }
  free(a);
  free(b);
}

/* --- metrics -----------------------------------------------------------------------------------
 */

/* Every family of the exposition text has # HELP and # TYPE before its samples, and build_info
 * names service. */
static void assert_exposition(const char *text, const char *service) {
  char want[160];
  snprintf(want, sizeof(want), "\nbuild_info{service=\"%s\",version=\"", service);
  const char *bi = strstr(text, want);
  if (bi == NULL && strncmp(text, want + 1, strlen(want) - 1) == 0) bi = text;
  if (bi == NULL) fail_msg("no build_info of %s in:\n%s", service, text);
  const char *v = strstr(bi, "version=\"") + 9;
  assert_true(v[0] != '"'); /* a version, not empty */

  char *copy = strdup(text), *save = NULL;
  char helped[256][128], typed[256][128];
  int nh = 0, nt = 0;
  for (char *line = strtok_r(copy, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
    char name[128];
    if (sscanf(line, "# HELP %127s", name) == 1) {
      if (nh < 256) snprintf(helped[nh++], 128, "%s", name);
      continue;
    }
    if (sscanf(line, "# TYPE %127s", name) == 1) {
      if (nt < 256) snprintf(typed[nt++], 128, "%s", name);
      continue;
    }
    if (line[0] == '#') continue;
    size_t n = strcspn(line, "{ ");
    snprintf(name, sizeof(name), "%.*s", (int)n, line);
    int h = 0, t = 0;
    for (int i = 0; i < nt; i++) {
      size_t k = strlen(typed[i]);
      if (!strcmp(name, typed[i]) || (!strncmp(name, typed[i], k) &&
                                      (!strcmp(name + k, "_bucket") || !strcmp(name + k, "_sum") ||
                                       !strcmp(name + k, "_count")))) {
        t = 1;
        for (int j = 0; j < nh; j++) h |= !strcmp(helped[j], typed[i]);
      }
    }
    if (!t || !h)
      fail_msg("%s: the family of %s has no %s before it", service, name, !t ? "# TYPE" : "# HELP");
  }
  free(copy);
}

static void test_metrics_have_help_type_and_build_info(void **state) {
  (void)state;
  struct tl_response r;
  const char *names[] = {"policy", "cases", "customer", "orders"};
  const char *urls[] = {"POLICY_URL", "CASES_URL", "CUSTOMER_URL", "ORDERS_URL"};
  for (int i = 0; i < 4; i++) {
    get(tl_env(urls[i]), "/metrics", NULL, &r, NULL, NULL);
    tl_expect(&r, 200);
    assert_exposition(r.body, names[i]);
    tl_response_free(&r);
  }
  get(tl_env("GATEWAY_ADMIN_URL"), "/metrics", NULL, &r, NULL, NULL);
  tl_expect(&r, 200);
  assert_exposition(r.body, "gateway");
  tl_response_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_case_and_list_revalidate),
      cmocka_unit_test(test_no_304_for_those_who_may_not_see),
      cmocka_unit_test(test_public_reads_keep_their_cache_control),
      cmocka_unit_test(test_change_gives_new_etag),
      cmocka_unit_test(test_traceparent_kept_and_passed_on),
      cmocka_unit_test(test_traceparent_started_when_absent_or_invalid),
      cmocka_unit_test(test_metrics_have_help_type_and_build_info),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
