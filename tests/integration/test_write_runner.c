/* The write runner (common/http_write.h) driven in-process with hooks that stand for a resource,
 * on the test stack's PostgreSQL in a schema of its own: a version that changes between the
 * check and the lock makes the check run again, apply never runs on a stale check, after
 * HTTP_WRITE_TRIES runs the answer is 503 with Retry-After and nothing is left written, the
 * transaction is open exactly during lock and apply, and a create's Idempotency-Key replay is
 * answered as stored without running check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <ulfius.h>

#include "db.h"
#include "http_write.h"
#include "migrate.h"
#include "service.h"
#include "status.h"
#include "testlib.h"

static PGconn *conn;
static char schema[64];

/* The resource the hooks stand for: a version that moves when told to, and what each hook saw. */
struct probe {
  long long version;     /* the resource's version now */
  int changes_at_lock;   /* this many locks find it changed by someone else */
  int reads, checks, locks, applies;
  long long checked;     /* the version the last check decided on */
  int stale_applies;     /* applies on a check of another version than the locked one */
  int tx_in_read, tx_in_check, tx_in_apply; /* write_in_transaction() as each hook saw it */
};

static int hook_read(PGconn *c, struct write_call *w, long long *version) {
  struct probe *p = w->op;
  (void)c;
  p->reads++;
  p->tx_in_read |= write_in_transaction();
  *version = p->version;
  return CS_OK;
}

static int hook_check(PGconn *c, struct write_call *w) {
  struct probe *p = w->op;
  (void)c;
  p->checks++;
  p->tx_in_check |= write_in_transaction();
  p->checked = p->version;
  return CS_OK;
}

/* Locks, and writes a mark inside the transaction: what a rolled back run must not leave. */
static int hook_lock(PGconn *c, struct write_call *w, long long *version) {
  struct probe *p = w->op;
  p->locks++;
  if (p->locks <= p->changes_at_lock) p->version++; /* another writer came in between */
  if (db_exec(c, "INSERT INTO marks (what) VALUES ('locked')", 0, NULL, NULL, NULL) != CS_OK)
    return cs_refusal_db(&w->err);
  *version = p->version;
  return CS_OK;
}

static int hook_apply(PGconn *c, struct write_call *w) {
  struct probe *p = w->op;
  p->applies++;
  p->tx_in_apply = write_in_transaction();
  if (p->checked != p->version) p->stale_applies++;
  if (db_exec(c, "INSERT INTO marks (what) VALUES ('applied')", 0, NULL, NULL, NULL) != CS_OK)
    return cs_refusal_db(&w->err);
  w->result = json_pack("{s:s, s:I}", "id", "r-1", "version", (json_int_t)p->version + 1);
  return CS_OK;
}

/* Check as HTTP_WRITE_CHECK_APART runs it: it must get no connection and find none of the
 * pool's taken by this request. */
static struct db_pool *apart_pool;
static int check_saw_connection, check_saw_taken = -1;

static int hook_check_apart(PGconn *c, struct write_call *w) {
  struct db_pool_stats st;
  db_pool_stats(apart_pool, &st);
  check_saw_connection |= c != NULL;
  check_saw_taken = st.in_use;
  return hook_check(c, w);
}

static const struct write_hooks change = {
    .read = hook_read, .check = hook_check, .lock = hook_lock, .apply = hook_apply};
static const struct write_hooks create = {.check = hook_check, .apply = hook_apply};

/* One request in process: its ulfius structs and the ctx a handler gets. */
struct call {
  struct _u_request req;
  struct _u_response resp;
  struct request_ctx ctx;
};

static void call_init(struct call *c, const char *body, const char *idempotency_key) {
  ulfius_init_request(&c->req);
  ulfius_init_response(&c->resp);
  c->req.http_verb = o_strdup("POST");
  c->req.url_path = o_strdup("/probe");
  if (body != NULL) ulfius_set_string_body_request(&c->req, body);
  if (idempotency_key != NULL) u_map_put(c->req.map_header, "Idempotency-Key", idempotency_key);
  c->ctx = (struct request_ctx){.req = &c->req, .resp = &c->resp};
}

static void call_clear(struct call *c) {
  ulfius_clean_request(&c->req);
  ulfius_clean_response(&c->resp);
}

/* Runs the write and checks what must hold after any run: no transaction left open. */
static void run(struct call *c, const struct http_write_spec *spec, const struct write_hooks *h,
                struct probe *p) {
  struct write_call w = {.op = p};
  PGconn *held = conn;
  http_write_run(&c->ctx, &held, spec, h, &w);
  assert_ptr_equal(held, conn); /* without HTTP_WRITE_CHECK_APART the connection stays */
  assert_int_equal(write_in_transaction(), 0);
  assert_int_equal(PQtransactionStatus(conn), PQTRANS_IDLE);
  cs_refusal_clear(&w.err);
  json_decref(w.result);
}

static json_t *body_of(const struct call *c) {
  return json_loadb(c->resp.binary_body, c->resp.binary_body_length, 0, NULL);
}

static long count(const char *sql) {
  PGresult *res = NULL;
  assert_int_equal(db_exec(conn, sql, 0, NULL, &res, NULL), CS_OK);
  long n = atol(PQgetvalue(res, 0, 0));
  PQclear(res);
  return n;
}

static int setup(void **state) {
  char sql[160], dir[512];
  (void)state;
  snprintf(schema, sizeof(schema), "write_runner_%d", (int)getpid());
  snprintf(dir, sizeof(dir), "%s/common/migrations", tl_env("SOURCE_DIR"));
  conn = PQconnectdb(tl_env("PG_SUPERUSER_CONNINFO"));
  assert_int_equal(PQstatus(conn), CONNECTION_OK);
  snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", schema);
  assert_int_equal(db_exec(conn, sql, 0, NULL, NULL, NULL), CS_OK);
  const struct migration_dir dirs[] = {{"common", dir}};
  int applied = 0;
  assert_int_equal(migrate_apply(conn, schema, dirs, 1, &applied), CS_OK);
  snprintf(sql, sizeof(sql), "SET search_path TO %s", schema);
  assert_int_equal(db_exec(conn, sql, 0, NULL, NULL, NULL), CS_OK);
  assert_int_equal(db_exec(conn, "CREATE TABLE marks (what text NOT NULL)", 0, NULL, NULL, NULL),
                   CS_OK);
  return 0;
}

static int teardown(void **state) {
  char sql[160];
  (void)state;
  snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", schema);
  db_exec(conn, sql, 0, NULL, NULL, NULL);
  PQfinish(conn);
  return 0;
}

static int clean_marks(void **state) {
  (void)state;
  assert_int_equal(db_exec(conn, "DELETE FROM marks", 0, NULL, NULL, NULL), CS_OK);
  return 0;
}

/* Changed at every lock: three runs, each checked afresh, never applied; 503, nothing kept. */
static void test_always_changed_is_503_and_leaves_nothing(void **state) {
  (void)state;
  struct call c;
  struct probe p = {.version = 4, .changes_at_lock = 1000};
  const struct http_write_spec spec = {.ok_status = 200, .flags = HTTP_WRITE_IF_MATCH};
  call_init(&c, "{}", NULL);
  run(&c, &spec, &change, &p);
  assert_int_equal(p.reads, HTTP_WRITE_TRIES);
  assert_int_equal(p.checks, HTTP_WRITE_TRIES);
  assert_int_equal(p.locks, HTTP_WRITE_TRIES);
  assert_int_equal(p.applies, 0);
  assert_int_equal(c.resp.status, 503);
  json_t *problem = body_of(&c);
  assert_string_equal(tl_str(problem, "type"), "urn:claimsuite:problem:unavailable");
  json_decref(problem);
  assert_string_equal(u_map_get_case(c.resp.map_header, "Retry-After"), "1");
  assert_int_equal(count("SELECT count(*) FROM marks"), 0); /* every run rolled back */
  assert_int_equal(p.tx_in_read, 0);
  assert_int_equal(p.tx_in_check, 0);
  call_clear(&c);
}

/* Changed at the first lock only: checked again on the new version, then applied once, on it. */
static void test_changed_once_is_checked_again_then_applied(void **state) {
  (void)state;
  struct call c;
  struct probe p = {.version = 7, .changes_at_lock = 1};
  const struct http_write_spec spec = {.ok_status = 200, .flags = HTTP_WRITE_IF_MATCH};
  call_init(&c, "{}", NULL);
  run(&c, &spec, &change, &p);
  assert_int_equal(c.resp.status, 200);
  assert_int_equal(p.reads, 2);
  assert_int_equal(p.checks, 2);
  assert_int_equal(p.applies, 1);
  assert_int_equal(p.stale_applies, 0);
  assert_int_equal(p.checked, 8);
  assert_int_equal(p.tx_in_read, 0);
  assert_int_equal(p.tx_in_check, 0);
  assert_int_equal(p.tx_in_apply, 1);
  assert_string_equal(u_map_get_case(c.resp.map_header, "ETag"), "\"9\"");
  /* the first run's lock was rolled back; the second run's lock and apply committed */
  assert_int_equal(count("SELECT count(*) FROM marks WHERE what = 'locked'"), 1);
  assert_int_equal(count("SELECT count(*) FROM marks WHERE what = 'applied'"), 1);
  call_clear(&c);
}

/* An If-Match naming the version read saw passes; a stale one stops before check (412). */
static void test_if_match_is_against_read(void **state) {
  (void)state;
  struct call c;
  struct probe p = {.version = 3};
  const struct http_write_spec spec = {.ok_status = 200, .flags = HTTP_WRITE_IF_MATCH};
  call_init(&c, "{}", NULL);
  u_map_put(c.req.map_header, "If-Match", "\"2\"");
  run(&c, &spec, &change, &p);
  assert_int_equal(c.resp.status, 412);
  assert_int_equal(p.checks, 0);
  assert_int_equal(count("SELECT count(*) FROM marks"), 0);
  call_clear(&c);
}

/* A create with an Idempotency-Key: the replay is answered as stored; check never runs again. */
static void test_idempotent_replay_is_not_checked(void **state) {
  (void)state;
  struct call first, again;
  struct probe p = {.version = 0};
  const struct http_write_spec spec = {.ok_status = 201,
                                       .idem_scope = "runner-test",
                                       .idem_path = "/probe",
                                       .location_prefix = "/probe"};
  call_init(&first, "{\"name\": \"x\"}", "key-1");
  run(&first, &spec, &create, &p);
  assert_int_equal(first.resp.status, 201);
  assert_int_equal(p.checks, 1);
  assert_int_equal(p.applies, 1);
  assert_string_equal(u_map_get_case(first.resp.map_header, "Location"), "/probe/r-1");

  p = (struct probe){.version = 0};
  call_init(&again, "{\"name\": \"x\"}", "key-1");
  run(&again, &spec, &create, &p);
  assert_int_equal(again.resp.status, 201);
  assert_int_equal(p.checks, 0);
  assert_int_equal(p.applies, 0);
  assert_string_equal(u_map_get_case(again.resp.map_header, "Idempotent-Replayed"), "true");
  assert_string_equal(u_map_get_case(again.resp.map_header, "Location"), "/probe/r-1");
  json_t *a = body_of(&first), *b = body_of(&again);
  assert_true(json_equal(a, b));
  json_decref(a);
  json_decref(b);
  assert_int_equal(count("SELECT count(*) FROM marks WHERE what = 'applied'"), 1);
  call_clear(&first);
  call_clear(&again);
}

/* With HTTP_WRITE_CHECK_APART the connection goes back to the pool while check runs (check gets
 * none), and the write goes on with the one taken again, also through a second run. */
static void test_check_apart_holds_no_connection(void **state) {
  (void)state;
  char sql[160];
  /* one connection: the one given back during check is the one taken again */
  assert_int_equal(db_pool_new(tl_env("PG_SUPERUSER_CONNINFO"), 1, 1000, 5000, &apart_pool),
                   CS_OK);
  struct service svc = {.pool = apart_pool};
  static const struct write_hooks apart = {
      .read = hook_read, .check = hook_check_apart, .lock = hook_lock, .apply = hook_apply};
  const struct http_write_spec spec = {.ok_status = 200,
                                       .flags = HTTP_WRITE_IF_MATCH | HTTP_WRITE_CHECK_APART};
  struct probe p = {.version = 5, .changes_at_lock = 1};
  struct write_call w = {.op = &p};
  struct call c;
  PGconn *held = NULL;
  call_init(&c, "{}", NULL);
  c.ctx.svc = &svc;
  assert_int_equal(service_db_acquire(&c.ctx, &held), CS_OK);
  snprintf(sql, sizeof(sql), "SET search_path TO %s", schema);
  assert_int_equal(db_exec(held, sql, 0, NULL, NULL, NULL), CS_OK);
  http_write_run(&c.ctx, &held, &spec, &apart, &w);
  assert_int_equal(c.resp.status, 200);
  assert_int_equal(p.checks, 2);
  assert_int_equal(p.applies, 1);
  assert_int_equal(p.stale_applies, 0);
  assert_int_equal(check_saw_connection, 0);
  assert_int_equal(check_saw_taken, 0); /* the pool's one connection was free during check */
  assert_non_null(held);
  assert_int_equal(PQtransactionStatus(held), PQTRANS_IDLE);
  service_db_release(&c.ctx, held);
  cs_refusal_clear(&w.err);
  json_decref(w.result);
  call_clear(&c);
  db_pool_free(apart_pool);
  apart_pool = NULL;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_always_changed_is_503_and_leaves_nothing, clean_marks),
      cmocka_unit_test_setup(test_changed_once_is_checked_again_then_applied, clean_marks),
      cmocka_unit_test_setup(test_if_match_is_against_read, clean_marks),
      cmocka_unit_test_setup(test_idempotent_replay_is_not_checked, clean_marks),
      cmocka_unit_test_setup(test_check_apart_holds_no_connection, clean_marks),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
