/* The cases service decides from its own replica of the policy service's facts
 * (common/replica.h): a deactivated user loses access within a second (measured, printed), the
 * replica converges after Redis was away, after policy restarted, after the cases service was
 * killed mid-stream and after its tables were wiped, facts older than AUTHORITY_MAX_LAG_MS are
 * refused with 503 (failing closed), and reading cases asks the policy service nothing.
 *
 * Calls here go straight to the cases service (tl_call), not through tl_cases, which would
 * wait for the replica: waiting is what is measured. Every wait polls; nothing sleeps for a
 * fixed time to let something happen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "tl_world.h"

static struct tl_world w;

static void pause_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* The status of GET /v1/cases?limit=1 for token, straight to the cases service. */
static long list_status(const char *token) {
  struct tl_response r;
  long status = tl_call(tl_env("CASES_URL"), "GET", "/v1/cases?limit=1", token, NULL, NULL, &r);
  tl_response_free(&r);
  return status;
}

/* Polls list_status every 2 ms until it is status; the milliseconds it took, or -1 after
 * timeout_ms. */
static long long until_status(const char *token, long status, long timeout_ms) {
  long long start = tl_now_ms();
  while (tl_now_ms() - start <= timeout_ms) {
    if (list_status(token) == status) return tl_now_ms() - start;
    pause_ms(2);
  }
  return -1;
}

static void set_active(const struct tl_person *p, int active) {
  tl_sql_run("UPDATE policy.users SET active = $2::boolean, updated_at = now() WHERE id = $1", 2,
             p->id, active ? "true" : "false");
}

static int cmp_ll(const void *a, const void *b) {
  long long x = *(const long long *)a, y = *(const long long *)b;
  return x < y ? -1 : x > y;
}

/* ---- revocation ---------------------------------------------------------------------------- */

#define ROUNDS 60

static void test_deactivated_user_loses_access_within_a_second(void **state) {
  (void)state;
  long long took[ROUNDS];
  tl_replica_sync();
  assert_int_equal(list_status(w.q_worker.token), 200);
  for (int i = 0; i < ROUNDS; i++) {
    set_active(&w.q_worker, 0);
    took[i] = until_status(w.q_worker.token, 401, 5000);
    if (took[i] < 0) fail_msg("round %d: still allowed 5 s after the deactivation", i);
    set_active(&w.q_worker, 1);
    if (until_status(w.q_worker.token, 200, 5000) < 0) fail_msg("round %d: not back", i);
  }
  qsort(took, ROUNDS, sizeof(took[0]), cmp_ll);
  long long p50 = took[ROUNDS / 2], p99 = took[(ROUNDS * 99) / 100], max = took[ROUNDS - 1];
  printf(
      "revocation (deactivated in policy -> 401 at cases), %d rounds: p50 %lld ms, p99 %lld "
      "ms, max %lld ms\n",
      ROUNDS, p50, p99, max);
  assert_true(p99 < 1000);
}

/* ---- convergence ----------------------------------------------------------------------------- */

/* 1 when every user of policy is in the cases replica with the same name and active flag. */
static int users_converged(void *arg) {
  (void)arg;
  long differ = tl_sql_long(
      "SELECT count(*) FROM policy.users u LEFT JOIN cases.replica_user r ON r.id = u.id"
      " WHERE r.id IS NULL OR r.name <> u.name OR r.active <> u.active",
      0, NULL);
  long extra = tl_sql_long(
      "SELECT count(*) FROM cases.replica_user r"
      " WHERE NOT EXISTS (SELECT 1 FROM policy.users u WHERE u.id = r.id)",
      0, NULL);
  return differ == 0 && extra == 0;
}

static int redis_stopped, policy_stopped, cases_stopped;

static int restore_stack(void **state) {
  (void)state;
  if (redis_stopped && tl_stack("redis-start", "") == 0) redis_stopped = 0;
  if (policy_stopped && tl_stack("restart", "policy") == 0) policy_stopped = 0;
  if (cases_stopped && tl_stack("restart", "cases") == 0) cases_stopped = 0;
  set_active(&w.q_worker, 1);
  return 0;
}

static void test_converges_while_redis_is_away(void **state) {
  (void)state;
  tl_replica_sync();
  assert_int_equal(tl_stack("redis-stop", ""), 0);
  redis_stopped = 1;
  /* no pub/sub: the consumer reads policy's feed every second, so it still converges, and
   * stays fresh (each catch-up to the end of the feed vouches for it) */
  set_active(&w.q_worker, 0);
  long long took = until_status(w.q_worker.token, 401, 5000);
  printf("revocation with Redis away: %lld ms\n", took);
  assert_true(took >= 0);
  assert_int_equal(list_status(w.ia_handler.token), 200); /* the others still act */
  assert_int_equal(tl_stack("redis-start", ""), 0);
  redis_stopped = 0;
  set_active(&w.q_worker, 1);
  assert_true(until_status(w.q_worker.token, 200, 5000) >= 0);
}

static void test_converges_after_policy_restarts(void **state) {
  (void)state;
  tl_replica_sync();
  assert_int_equal(tl_stack("kill", "policy TERM"), 0);
  policy_stopped = 1;
  /* within the bound, decisions go on from the replica while policy is away */
  assert_int_equal(list_status(w.ia_handler.token), 200);
  assert_int_equal(tl_stack("restart", "policy"), 0);
  policy_stopped = 0;
  set_active(&w.q_worker, 0);
  assert_true(until_status(w.q_worker.token, 401, 5000) >= 0);
  set_active(&w.q_worker, 1);
  assert_true(until_status(w.q_worker.token, 200, 5000) >= 0);
}

/* name rounds times: one fact each (autocommit) */
static void rename_many(const struct tl_person *p, int from, int rounds) {
  char name[64];
  for (int i = from; i < from + rounds; i++) {
    snprintf(name, sizeof(name), "Renamed %d", i);
    tl_sql_run("UPDATE policy.users SET name = $2 WHERE id = $1", 2, p->id, name);
  }
}

static void test_converges_after_a_kill_mid_stream(void **state) {
  (void)state;
  tl_replica_sync();
  /* facts streaming in, the cases service killed among them, more facts while it is down */
  rename_many(&w.p_worker, 0, 150);
  assert_int_equal(tl_stack("kill", "cases KILL"), 0);
  cases_stopped = 1;
  rename_many(&w.p_worker, 150, 150);
  set_active(&w.q_worker, 0);
  long long restarted = tl_now_ms();
  assert_int_equal(tl_stack("restart", "cases"), 0);
  cases_stopped = 0;
  /* converges, however busy the machine: the time it took is printed, not bounded tightly */
  if (!tl_wait(users_converged, NULL, 30000)) {
    char *d = tl_sql(
        "SELECT string_agg(format('%s policy=%s/%s replica=%s/%s', u.id, u.name, u.active,"
        " r.name, r.active), '; ') FROM policy.users u LEFT JOIN cases.replica_user r"
        " ON r.id = u.id WHERE r.id IS NULL OR r.name <> u.name OR r.active <> u.active",
        0, NULL);
    char *x = tl_sql(
        "SELECT string_agg(format('%s %s company %s', r.id, r.email, r.company_id), '; ')"
        " FROM cases.replica_user r WHERE NOT EXISTS (SELECT 1 FROM policy.users u"
        " WHERE u.id = r.id)",
        0, NULL);
    fail_msg("not converged 30 s after the restart: differ: %s; only in the replica: %s",
             d != NULL ? d : "none", x != NULL ? x : "none");
  }
  printf("replica converged %lld ms after the restart began\n", tl_now_ms() - restarted);
  char *name = tl_sql("SELECT name FROM cases.replica_user WHERE id = $1", 1,
                      (const char *[]){w.p_worker.id});
  assert_string_equal(name, "Renamed 299");
  free(name);
  assert_true(until_status(w.q_worker.token, 401, 5000) >= 0);
  set_active(&w.q_worker, 1);
  assert_true(until_status(w.q_worker.token, 200, 5000) >= 0);
}

/* 1 once cases has applied policy's feed from the start again (its offset is back at the head). */
static int rebuilt(void *arg) {
  (void)arg;
  return tl_sql_long("SELECT count(*) FROM cases.replica_user", 0, NULL) > 0 &&
         users_converged(NULL);
}

/* The cases replica and its offset gone, as on a new instance: it reads policy's feed again. */
static void wipe_replica(void) {
  tl_sql_run(
      "TRUNCATE cases.replica_versions, cases.replica_user, cases.replica_api_client,"
      " cases.replica_company, cases.replica_company_portal, cases.replica_office,"
      " cases.replica_office_category, cases.replica_role, cases.replica_portal",
      0);
  tl_sql_run("DELETE FROM cases.event_offsets WHERE source = 'policy'", 0);
}

static void test_rebuilds_after_its_tables_are_wiped(void **state) {
  (void)state;
  tl_replica_sync();
  long users = tl_sql_long("SELECT count(*) FROM policy.users", 0, NULL);
  wipe_replica();
  long long start = tl_now_ms();
  assert_true(tl_wait(rebuilt, NULL, 20000));
  printf("replica rebuilt from policy's feed (%ld users) in %lld ms\n", users, tl_now_ms() - start);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.replica_user", 0, NULL), users);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.replica_portal", 0, NULL),
                   tl_sql_long("SELECT count(*) FROM policy.portals", 0, NULL));
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.replica_company_portal", 0, NULL),
                   tl_sql_long("SELECT count(*) FROM policy.company_portals", 0, NULL));
  tl_replica_sync();
  assert_true(until_status(w.p_admin.token, 200, 5000) >= 0);
}

/* Retention compacts policy's feed: past the catch-up window only the newest fact of each entity
 * stays (and the newest event). A replica wiped afterwards rebuilds from what is left, stepping
 * over what was purged, to the same state. */
static int policy_feed_compacted(void *arg) {
  long long want = *(long long *)arg;
  return tl_sql_long("SELECT purged_through FROM policy.outbox_retention", 0, NULL) >= want;
}

static void test_rebuilds_from_a_compacted_feed(void **state) {
  (void)state;
  tl_replica_sync();
  /* an entity with several facts: the newest must win after the compaction too */
  const char *id[] = {w.q_worker.id};
  tl_sql_run("UPDATE policy.users SET name = 'Compacted Once' WHERE id = $1", 1, id[0]);
  tl_sql_run("UPDATE policy.users SET name = 'Compacted Twice' WHERE id = $1", 1, id[0]);
  tl_replica_sync();
  long long top = tl_sql_long("SELECT max(seq) FROM policy.outbox", 0, NULL);
  long facts_before = tl_sql_long("SELECT count(*) FROM policy.outbox", 0, NULL);
  tl_sql_run(
      "UPDATE policy.outbox SET occurred_at = now() - interval '8 days'"
      " WHERE seq <= (SELECT through FROM policy.outbox_published)",
      0);
  long long through = 1;
  assert_true(tl_wait(policy_feed_compacted, &through, 10000));
  long facts_after = tl_sql_long("SELECT count(*) FROM policy.outbox", 0, NULL);
  printf("policy's outbox compacted from %ld to %ld rows (newest fact of each entity)\n",
         facts_before, facts_after);
  assert_true(facts_after < facts_before);
  assert_int_equal(tl_sql_long("SELECT max(seq) FROM policy.outbox", 0, NULL), top);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM (SELECT type, aggregate_id FROM policy.outbox"
                               " WHERE type LIKE 'fact.%' GROUP BY 1, 2 HAVING count(*) > 1) d",
                               0, NULL),
                   0);

  wipe_replica();
  assert_true(tl_wait(rebuilt, NULL, 20000));
  char *name = tl_sql("SELECT name FROM cases.replica_user WHERE id = $1", 1, id);
  assert_string_equal(name, "Compacted Twice");
  free(name);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.replica_portal", 0, NULL),
                   tl_sql_long("SELECT count(*) FROM policy.portals", 0, NULL));
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.replica_office", 0, NULL),
                   tl_sql_long("SELECT count(*) FROM policy.offices", 0, NULL));
  tl_replica_sync();
  assert_true(until_status(w.p_admin.token, 200, 5000) >= 0);
}

/* ---- failing closed ------------------------------------------------------------------------ */

static void test_stale_facts_are_refused_with_503(void **state) {
  (void)state;
  struct tl_response r;
  tl_replica_sync();
  assert_int_equal(tl_stack("kill", "policy TERM"), 0);
  policy_stopped = 1;
  /* no heartbeat and no feed: past AUTHORITY_MAX_LAG_MS (5 s) nothing is decided */
  long long took = until_status(w.ia_handler.token, 503, 15000);
  printf("policy away: guarded requests refused after %lld ms\n", took);
  assert_true(took >= 0);
  tl_call(tl_env("CASES_URL"), "GET", "/v1/cases?limit=1", w.ia_handler.token, NULL, NULL, &r);
  tl_assert_problem(&r, 503, "urn:claimsuite:problem:unavailable");
  tl_assert_header(&r, "Retry-After", "1");
  tl_response_free(&r);
  tl_call(tl_env("CASES_URL"), "GET", "/readyz", NULL, NULL, NULL, &r);
  tl_expect(&r, 503);
  tl_assert_str(json_object_get(r.json, "checks"), "feed:policy", "stale");
  tl_response_free(&r);
  tl_call(tl_env("CASES_URL"), "GET", "/metrics", NULL, NULL, NULL, &r);
  assert_non_null(strstr(r.body, "event_feed_age_seconds{service=\"cases\",source=\"policy\"}"));
  tl_response_free(&r);

  assert_int_equal(tl_stack("restart", "policy"), 0);
  policy_stopped = 0;
  took = until_status(w.ia_handler.token, 200, 10000);
  printf("policy back: requests answered again after %lld ms\n", took);
  assert_true(took >= 0);
}

/* ---- nothing remote on the read path --------------------------------------------------------- */

/* The sum of policy's http_requests_total, but for /metrics itself. */
static long policy_requests(void) {
  struct tl_response r;
  long sum = 0;
  tl_call(tl_env("POLICY_URL"), "GET", "/metrics", NULL, NULL, NULL, &r);
  tl_expect(&r, 200);
  for (const char *line = r.body; line != NULL && *line; line = strchr(line, '\n')) {
    if (*line == '\n') line++;
    if (strncmp(line, "http_requests_total{", 20) != 0 ||
        strstr(line, "route=\"/metrics\"") != NULL)
      continue;
    const char *space = strchr(line, ' ');
    const char *eol = strchr(line, '\n');
    if (space != NULL && (eol == NULL || space < eol)) sum += strtol(space + 1, NULL, 10);
  }
  tl_response_free(&r);
  return sum;
}

static void test_reading_cases_asks_policy_nothing(void **state) {
  (void)state;
  struct tl_response r;
  tl_replica_sync();
  long before = policy_requests();
  for (int i = 0; i < 50; i++) {
    tl_call(tl_env("CASES_URL"), "GET", "/v1/cases?limit=5", w.p_admin.token, NULL, NULL, &r);
    tl_expect(&r, 200);
    tl_response_free(&r);
    tl_call(tl_env("CASES_URL"), "GET", "/v1/dashboard", w.p_ech.token, NULL, NULL, &r);
    tl_expect(&r, 200);
    tl_response_free(&r);
  }
  assert_int_equal(policy_requests(), before);
}

/* ---- a portal onboarded through the API --------------------------------------------------- */

/* The token of a 200 answer of POST /v1/auth/token: a new string. */
static char *token_of(struct tl_response *r) {
  tl_expect(r, 200);
  char *t = strdup(tl_str(r->json, "access_token"));
  tl_response_free(r);
  return t;
}

static char *operator_token(void) {
  struct tl_response r;
  char url[512];
  const char *h[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
  const char *body =
      tl_form("grant_type", "client_credentials", "client_id", tl_env("OPERATOR_CLIENT_ID"),
              "client_secret", tl_env("OPERATOR_SECRET"), NULL);
  snprintf(url, sizeof(url), "%s/v1/auth/token", tl_env("POLICY_URL"));
  assert_int_equal(tl_http("POST", url, h, body, strlen(body), 0, &r), 0);
  return token_of(&r);
}

/* POST /v1/cases as token: the new case's id (a new string). */
static char *create_case(const char *token, const char *label) {
  struct tl_response r;
  char body[256];
  snprintf(body, sizeof(body),
           "{\"claim_number\": \"%s-%s\", \"damage_type\": \"water\", "
           "\"damage_date\": \"2026-11-02\", \"address\": {\"city\": \"Bergen\"}}",
           label, w.sfx);
  tl_cases("POST", "/v1/cases", token, body, NULL, &r);
  tl_expect(&r, 201);
  char *id = strdup(tl_str(r.json, "id"));
  tl_response_free(&r);
  return id;
}

static void expect_case_status(const char *token, const char *id, long status) {
  struct tl_response r;
  char path[128];
  snprintf(path, sizeof(path), "/v1/cases/%s", id);
  tl_cases("GET", path, token, NULL, NULL, &r);
  tl_expect(&r, status);
  tl_response_free(&r);
}

/* A second insurer onboarded by the platform operator works in the cases service at once (its
 * facts reach the replica like any other), and neither portal sees the other's cases. */
static void test_onboarded_portal_is_walled_off(void **state) {
  (void)state;
  struct tl_response r;
  char *op = operator_token(), email[96], org[32], body[1024];
  snprintf(email, sizeof(email), "admin-%s@fjord.test", w.sfx);
  snprintf(org, sizeof(org), "9%.8s", w.sfx + 4);
  snprintf(body, sizeof(body),
           "{\"name\": \"Fjord %s\", \"timezone\": \"Europe/Oslo\", \"currency\": \"NOK\","
           " \"insurer\": {\"name\": \"Fjord Forsikring %s\", \"org_number\": \"%s\"},"
           " \"admin\": {\"email\": \"%s\", \"name\": \"Kari Nordmann\","
           " \"password\": \"fjord-admin-password-1\"}}",
           w.sfx, w.sfx, org, email);
  tl_call(tl_env("POLICY_URL"), "POST", "/v1/portals", op, body, NULL, &r);
  tl_expect(&r, 201);
  tl_response_free(&r);
  free(op);
  tl_login(tl_env("POLICY_URL"), email, "fjord-admin-password-1", NULL, &r);
  char *fjord = token_of(&r);

  char *theirs = create_case(fjord, "FJORD");
  char *ours = create_case(w.ia_handler.token, "OURS");
  expect_case_status(fjord, theirs, 200);
  expect_case_status(fjord, ours, 404);
  expect_case_status(w.ia_handler.token, theirs, 404);
  expect_case_status(w.p_admin.token, theirs, 404);
  tl_cases("GET", "/v1/cases?limit=200", fjord, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
  tl_assert_str(json_array_get(json_object_get(r.json, "items"), 0), "id", theirs);
  tl_response_free(&r);
  free(theirs);
  free(ours);
  free(fjord);
}

/* ---- the decision log ------------------------------------------------------------------- */

struct log_query {
  const char *user_id, *action;
  int allow;
};

/* 1 when policy's decision log shows a decision of q (as portal A's admin). */
static int logged(void *arg) {
  const struct log_query *q = arg;
  struct tl_response r;
  char path[256];
  snprintf(path, sizeof(path), "/v1/authorize/log?user_id=%s&action=%s&allow=%s", q->user_id,
           q->action, q->allow ? "true" : "false");
  tl_call(tl_env("POLICY_URL"), "GET", path, w.ia_admin.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  int found = json_array_size(json_object_get(r.json, "items")) > 0;
  tl_response_free(&r);
  return found;
}

/* Decisions the cases service makes in-process still reach policy's decision log. */
static void test_decisions_reach_the_decision_log(void **state) {
  (void)state;
  struct tl_response r;
  char path[128], body[256];
  char *case_id = create_case(w.ia_handler.token, "LOGGED");
  snprintf(path, sizeof(path), "/v1/cases/%s/tasks", case_id);
  snprintf(body, sizeof(body), "{\"type\": \"inspection\", \"office_id\": \"%s\"}", w.p_sthlm);
  tl_cases("POST", path, w.ia_handler.token, body, NULL, &r);
  tl_expect(&r, 201);
  tl_response_free(&r);
  /* the partner's worker sees the case (its company holds the task) but holds no case role */
  tl_cases("POST", path, w.p_worker.token, "{\"type\": \"first_aid\"}", NULL, &r);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  tl_response_free(&r);
  const struct log_query allowed = {w.ia_handler.id, "allocate_partners", 1};
  const struct log_query denied = {w.p_worker.id, "add_remove_tasks", 0};
  assert_true(tl_wait(logged, (void *)&allowed, 10000));
  assert_true(tl_wait(logged, (void *)&denied, 10000));
  free(case_id);
}

static int setup(void **state) {
  (void)state;
  tl_world_create(&w);
  return 0;
}

/* The stack as the next test expects it: every service ready, which with a replica means its
 * facts are fresh again after policy and Redis came back. */
static int teardown(void **state) {
  restore_stack(state);
  tl_world_free(&w);
  static const char *const services[] = {"POLICY_URL", "CASES_URL", "CUSTOMER_URL", "ORDERS_URL"};
  for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
    char url[256];
    snprintf(url, sizeof(url), "%s/readyz", tl_env(services[i]));
    if (!tl_wait_200(url, 20000)) {
      fprintf(stderr, "%s not ready 20 s after the replica tests\n", services[i]);
      return -1;
    }
  }
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reading_cases_asks_policy_nothing),
      cmocka_unit_test(test_onboarded_portal_is_walled_off),
      cmocka_unit_test(test_decisions_reach_the_decision_log),
      cmocka_unit_test_teardown(test_deactivated_user_loses_access_within_a_second, restore_stack),
      cmocka_unit_test_teardown(test_converges_while_redis_is_away, restore_stack),
      cmocka_unit_test_teardown(test_converges_after_policy_restarts, restore_stack),
      cmocka_unit_test_teardown(test_converges_after_a_kill_mid_stream, restore_stack),
      cmocka_unit_test_teardown(test_rebuilds_after_its_tables_are_wiped, restore_stack),
      cmocka_unit_test_teardown(test_rebuilds_from_a_compacted_feed, restore_stack),
      cmocka_unit_test_teardown(test_stale_facts_are_refused_with_503, restore_stack),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
