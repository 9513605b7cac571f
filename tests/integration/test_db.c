/* The pool under concurrent use, checkout timeouts, broken connections, statements prepared once
 * per connection, transactions whose BEGIN and unread statements go out with the next statement,
 * migrations applied once by concurrent starters, failed migrations leaving
 * nothing behind, and schema isolation. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "db.h"
#include "migrate.h"
#include "status.h"
#include "testlib.h"

#define POOL_SIZE 4
#define THREADS 16
#define ROUNDS 25

static struct db_pool *pool;
static atomic_int in_use, max_in_use, failures;

static void *worker(void *arg) {
  (void)arg;
  for (int i = 0; i < ROUNDS; i++) {
    PGconn *c;
    if (db_pool_acquire(pool, &c) != CS_OK) {
      atomic_fetch_add(&failures, 1);
      continue;
    }
    int now = atomic_fetch_add(&in_use, 1) + 1;
    int seen = atomic_load(&max_in_use);
    while (now > seen && !atomic_compare_exchange_weak(&max_in_use, &seen, now)) {}
    if (db_exec(c, "SELECT pg_sleep(0.002)", 0, NULL, NULL, NULL) != CS_OK) atomic_fetch_add(&failures, 1);
    atomic_fetch_sub(&in_use, 1);
    db_pool_release(pool, c);
  }
  return NULL;
}

static void test_pool_concurrent(void **state) {
  (void)state;
  pthread_t t[THREADS];
  assert_int_equal(db_pool_new(tl_env("PG_SUPERUSER_CONNINFO"), POOL_SIZE, 10000, 5000, &pool), CS_OK);
  for (int i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, worker, NULL);
  for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  struct db_pool_stats st;
  db_pool_stats(pool, &st);
  assert_int_equal(atomic_load(&failures), 0);
  assert_true(atomic_load(&max_in_use) <= POOL_SIZE);
  assert_true(atomic_load(&max_in_use) >= 2); /* it really was shared concurrently */
  assert_int_equal(st.acquired_total, THREADS * ROUNDS);
  assert_int_equal(st.in_use, 0);
  db_pool_free(pool);
}

static void test_pool_checkout_timeout(void **state) {
  (void)state;
  PGconn *held, *other;
  assert_int_equal(db_pool_new(tl_env("PG_SUPERUSER_CONNINFO"), 1, 200, 5000, &pool), CS_OK);
  assert_int_equal(db_pool_acquire(pool, &held), CS_OK);
  assert_int_equal(db_pool_acquire(pool, &other), CS_ERR_TIMEOUT);
  struct db_pool_stats st;
  db_pool_stats(pool, &st);
  assert_int_equal(st.timeouts_total, 1);
  assert_int_equal(st.in_use, 1);
  db_pool_release(pool, held);
  assert_int_equal(db_pool_acquire(pool, &other), CS_OK);
  db_pool_release(pool, other);
  db_pool_free(pool);
}

static void test_pool_recovers_dead_connection_and_open_transaction(void **state) {
  (void)state;
  PGconn *c;
  PGresult *res;
  assert_int_equal(db_pool_new(tl_env("PG_SUPERUSER_CONNINFO"), 1, 1000, 5000, &pool), CS_OK);
  assert_int_equal(db_pool_acquire(pool, &c), CS_OK);
  assert_int_equal(db_begin(c), CS_OK); /* left open on purpose */
  db_pool_release(pool, c);
  assert_int_equal(db_pool_acquire(pool, &c), CS_OK);
  assert_int_equal(PQtransactionStatus(c), PQTRANS_IDLE);
  /* kill the backend under the pool's feet */
  assert_int_equal(tl_sh("psql -q -h 127.0.0.1 -p %s -U postgres -d claimsuite -c "
                         "\"SELECT pg_terminate_backend(%d)\" >/dev/null", tl_env("PG_PORT"),
                         PQbackendPID(c)), 0);
  char sqlstate[6];
  assert_int_equal(db_exec(c, "SELECT 1", 0, NULL, NULL, sqlstate), CS_ERR_DB);
  db_pool_release(pool, c);
  assert_int_equal(db_pool_acquire(pool, &c), CS_OK);
  assert_int_equal(db_exec(c, "SELECT 41 + 1", 0, NULL, &res, NULL), CS_OK);
  assert_string_equal(PQgetvalue(res, 0, 0), "42");
  PQclear(res);
  db_pool_release(pool, c);
  db_pool_free(pool);
}

/* The value of name on c with parameter arg, through db_exec_prepared. */
static long prepared_value(PGconn *c, const char *name, const char *sql, const char *arg) {
  PGresult *res;
  char sqlstate[6];
  const char *params[] = {arg};
  assert_int_equal(db_exec_prepared(c, name, sql, 1, params, &res, sqlstate), CS_OK);
  assert_string_equal(sqlstate, "");
  long v = atol(PQgetvalue(res, 0, 0));
  PQclear(res);
  return v;
}

/* How many statements the server holds for c (pg_prepared_statements is per session). */
static long server_prepared(PGconn *c) {
  PGresult *res;
  assert_int_equal(db_exec(c, "SELECT count(*) FROM pg_prepared_statements", 0, NULL, &res, NULL),
                   CS_OK);
  long v = atol(PQgetvalue(res, 0, 0));
  PQclear(res);
  return v;
}

static void test_prepared_once_per_connection_and_again_after_reset(void **state) {
  (void)state;
  PGconn *c;
  PGresult *res = NULL;
  char sqlstate[6];
  const char *params[] = {"x"};
  assert_int_equal(db_pool_new(tl_env("PG_SUPERUSER_CONNINFO"), 1, 1000, 5000, &pool), CS_OK);
  assert_int_equal(db_pool_acquire(pool, &c), CS_OK);
  assert_int_equal(db_prepared_count(c), 0);

  /* prepared the first time, only executed after that, also in a later checkout */
  assert_int_equal(prepared_value(c, "t_plus", "SELECT $1::int + 1", "41"), 42);
  assert_int_equal(prepared_value(c, "t_plus", "SELECT $1::int + 1", "1"), 2);
  assert_int_equal(prepared_value(c, "t_times", "SELECT $1::int * 2", "21"), 42);
  assert_int_equal(db_prepared_count(c), 2);
  assert_int_equal(server_prepared(c), 2);
  db_pool_release(pool, c);
  assert_int_equal(db_pool_acquire(pool, &c), CS_OK);
  assert_int_equal(prepared_value(c, "t_plus", "SELECT $1::int + 1", "9"), 10);
  assert_int_equal(server_prepared(c), 2);

  /* an error is answered like db_exec's, and the statement stays usable */
  assert_int_equal(db_exec_prepared(c, "t_plus", "SELECT $1::int + 1", 1, params, &res, sqlstate),
                   CS_ERR_DB);
  assert_null(res);
  assert_string_equal(sqlstate, "22P02");
  assert_string_equal(db_last_sqlstate(), "22P02");
  assert_int_equal(prepared_value(c, "t_plus", "SELECT $1::int + 1", "2"), 3);
  /* a statement that does not prepare is not remembered */
  assert_int_equal(db_exec_prepared(c, "t_bad", "SELEKT 1", 0, NULL, &res, sqlstate), CS_ERR_DB);
  assert_string_equal(sqlstate, "42601");
  assert_int_equal(db_prepared_count(c), 2);

  /* the server forgot them (DISCARD ALL): prepared again on the next use */
  assert_int_equal(db_exec(c, "DISCARD ALL", 0, NULL, NULL, NULL), CS_OK);
  assert_int_equal(prepared_value(c, "t_plus", "SELECT $1::int + 1", "4"), 5);
  assert_int_equal(server_prepared(c), 1);

  /* the backend dies: the reset connection forgets its statements and prepares them again */
  assert_int_equal(tl_sh("psql -q -h 127.0.0.1 -p %s -U postgres -d claimsuite -c "
                         "\"SELECT pg_terminate_backend(%d)\" >/dev/null",
                         tl_env("PG_PORT"), PQbackendPID(c)),
                   0);
  assert_int_equal(db_exec_prepared(c, "t_plus", "SELECT $1::int + 1", 1, params, NULL, sqlstate),
                   CS_ERR_DB);
  db_pool_release(pool, c); /* broken: reset here */
  assert_int_equal(db_pool_acquire(pool, &c), CS_OK);
  assert_int_equal(db_prepared_count(c), 0);
  assert_int_equal(server_prepared(c), 0);
  assert_int_equal(prepared_value(c, "t_times", "SELECT $1::int * 2", "5"), 10);
  assert_int_equal(db_prepared_count(c), 1);
  db_pool_release(pool, c);
  db_pool_free(pool);

  /* a connection from outside the pool works the same (and frees its set with PQfinish) */
  c = PQconnectdb(tl_env("PG_SUPERUSER_CONNINFO"));
  assert_int_equal(PQstatus(c), CONNECTION_OK);
  assert_int_equal(prepared_value(c, "t_plus", "SELECT $1::int + 1", "6"), 7);
  assert_int_equal(db_prepared_count(c), 1);
  PQfinish(c);
}

/* ---- transactions that cost no round trip of their own ------------------------------------ */

#define LATER_INSERT "INSERT INTO later_rows VALUES ($1::int)"

static void insert_later(PGconn *c, const char *n) {
  const char *params[] = {n};
  assert_int_equal(db_exec_later(c, "later_insert", LATER_INSERT, 1, params), CS_OK);
}

static long later_rows(PGconn *c) {
  PGresult *res;
  assert_int_equal(db_exec(c, "SELECT count(*) FROM later_rows", 0, NULL, &res, NULL), CS_OK);
  long v = atol(PQgetvalue(res, 0, 0));
  PQclear(res);
  return v;
}

/* BEGIN and the statements whose results nobody reads go out with the next statement or the
 * commit; a failure among them fails that one; a rollback drops them. libpq's transaction
 * status is the server's, so it shows what really went out. */
static void test_waiting_statements_go_out_with_the_next(void **state) {
  (void)state;
  PGconn *c;
  assert_int_equal(db_pool_new(tl_env("PG_SUPERUSER_CONNINFO"), 1, 1000, 5000, &pool), CS_OK);
  assert_int_equal(db_pool_acquire(pool, &c), CS_OK);
  assert_int_equal(
      db_exec(c, "CREATE TEMP TABLE later_rows (n int PRIMARY KEY)", 0, NULL, NULL, NULL), CS_OK);
  int prepared = db_prepared_count(c);

  /* nothing goes out until a statement does */
  assert_int_equal(db_begin(c), CS_OK);
  insert_later(c, "1");
  insert_later(c, "2");
  assert_int_equal(PQtransactionStatus(c), PQTRANS_IDLE);
  assert_true(db_in_transaction(c));
  assert_int_equal(later_rows(c), 2); /* BEGIN, both inserts and the count: one pipeline */
  assert_int_equal(PQtransactionStatus(c), PQTRANS_INTRANS);
  insert_later(c, "3");
  assert_int_equal(db_commit(c), CS_OK);
  assert_int_equal(PQtransactionStatus(c), PQTRANS_IDLE);
  assert_false(db_in_transaction(c));
  assert_int_equal(later_rows(c), 3);
  assert_int_equal(db_prepared_count(c), prepared + 1); /* prepared in the pipeline, kept */

  /* a waiting insert that fails fails the commit; the rollback ends the transaction */
  assert_int_equal(db_begin(c), CS_OK);
  insert_later(c, "4");
  insert_later(c, "1");
  assert_int_equal(db_commit(c), CS_ERR_DB);
  assert_string_equal(db_last_sqlstate(), "23505");
  assert_int_equal(db_rollback(c), CS_OK);
  assert_int_equal(PQtransactionStatus(c), PQTRANS_IDLE);
  assert_int_equal(later_rows(c), 3);

  /* a rollback drops what waited; an empty transaction commits nothing */
  assert_int_equal(db_begin(c), CS_OK);
  insert_later(c, "5");
  assert_int_equal(db_rollback(c), CS_OK);
  assert_int_equal(db_begin(c), CS_OK);
  assert_int_equal(db_commit(c), CS_OK);
  assert_int_equal(later_rows(c), 3);

  /* a statement that cannot be prepared is not remembered as prepared */
  assert_int_equal(db_begin(c), CS_OK);
  assert_int_equal(db_exec_later(c, "later_nowhere", "INSERT INTO nowhere VALUES (1)", 0, NULL),
                   CS_OK);
  char sqlstate[6];
  assert_int_equal(db_exec(c, "SELECT 1", 0, NULL, NULL, sqlstate), CS_ERR_DB);
  assert_string_equal(sqlstate, "42P01");
  assert_int_equal(db_rollback(c), CS_OK);
  assert_int_equal(db_prepared_count(c), prepared + 1);

  /* outside a transaction a waiting statement runs at once */
  insert_later(c, "6");
  assert_int_equal(PQtransactionStatus(c), PQTRANS_IDLE);
  assert_int_equal(later_rows(c), 4);

  /* a transaction left open with statements waiting is dropped when the connection goes back */
  assert_int_equal(db_begin(c), CS_OK);
  insert_later(c, "7");
  db_pool_release(pool, c);
  assert_int_equal(db_pool_acquire(pool, &c), CS_OK);
  assert_false(db_in_transaction(c));
  assert_int_equal(later_rows(c), 4);
  db_pool_release(pool, c);
  db_pool_free(pool);
}

static char mig_dir[256];
static char schema[64];

static void write_file(const char *name, const char *text) {
  char path[512];
  snprintf(path, sizeof(path), "%s/%s", mig_dir, name);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static long scalar(PGconn *c, const char *sql) {
  PGresult *res;
  assert_int_equal(db_exec(c, sql, 0, NULL, &res, NULL), CS_OK);
  long v = atol(PQgetvalue(res, 0, 0));
  PQclear(res);
  return v;
}

static int migrate_in_child(void) {
  PGconn *c = PQconnectdb(tl_env("PG_SUPERUSER_CONNINFO"));
  struct migration_dir dirs[] = {{"test", mig_dir}};
  int applied = 0;
  int rc = PQstatus(c) == CONNECTION_OK ? migrate_apply(c, schema, dirs, 1, &applied) : CS_ERR;
  PQfinish(c);
  return rc == CS_OK ? 0 : 1;
}

static void test_migrations_once_with_two_starters(void **state) {
  (void)state;
  char sql[256];
  snprintf(schema, sizeof(schema), "migtest_%d", (int)getpid());
  snprintf(mig_dir, sizeof(mig_dir), "%s/migtest_%d", tl_env("STACK_DIR"), (int)getpid());
  mkdir(mig_dir, 0755);
  /* the sleep holds the first migrator inside its transaction while the second arrives */
  write_file("0001_first.sql", "CREATE TABLE t (x int);\nINSERT INTO t VALUES (1);\nSELECT pg_sleep(0.5);\n");
  write_file("0002_second.sql", "INSERT INTO t VALUES (2);\n");
  write_file("README", "not a migration");

  PGconn *c = PQconnectdb(tl_env("PG_SUPERUSER_CONNINFO"));
  assert_int_equal(PQstatus(c), CONNECTION_OK);
  snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", schema);
  assert_int_equal(db_exec(c, sql, 0, NULL, NULL, NULL), CS_OK);

  pid_t a = fork();
  if (a == 0) _exit(migrate_in_child());
  pid_t b = fork();
  if (b == 0) _exit(migrate_in_child());
  int sa, sb;
  waitpid(a, &sa, 0);
  waitpid(b, &sb, 0);
  assert_true(WIFEXITED(sa) && WEXITSTATUS(sa) == 0);
  assert_true(WIFEXITED(sb) && WEXITSTATUS(sb) == 0);

  snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s.t", schema);
  assert_int_equal(scalar(c, sql), 2); /* each file's INSERT ran once */
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s.schema_migrations", schema);
  assert_int_equal(scalar(c, sql), 2);

  /* a broken migration applies nothing, not even its first statement */
  write_file("0003_broken.sql", "INSERT INTO t VALUES (3);\nSELEC broken;\n");
  assert_int_equal(migrate_in_child(), 1);
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s.t", schema);
  assert_int_equal(scalar(c, sql), 2);
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s.schema_migrations", schema);
  assert_int_equal(scalar(c, sql), 2);

  snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", schema);
  db_exec(c, sql, 0, NULL, NULL, NULL);
  PQfinish(c);
  tl_sh("rm -rf '%s'", mig_dir);
}

static void test_service_roles_are_confined_to_their_schema(void **state) {
  (void)state;
  char conninfo[256], sqlstate[6];
  snprintf(conninfo, sizeof(conninfo), "host=127.0.0.1 port=%s dbname=claimsuite user=cases",
           tl_env("PG_PORT"));
  PGconn *c = PQconnectdb(conninfo);
  assert_int_equal(PQstatus(c), CONNECTION_OK);
  /* its own tables, migrated at start, unqualified through its search_path */
  assert_true(scalar(c, "SELECT count(*) FROM schema_migrations") >= 1);
  assert_int_equal(db_exec(c, "SELECT count(*) FROM policy.outbox", 0, NULL, NULL, sqlstate), CS_ERR_DB);
  assert_string_equal(sqlstate, "42501"); /* insufficient privilege */
  assert_int_equal(db_exec(c, "CREATE TABLE public.sneaky (x int)", 0, NULL, NULL, sqlstate), CS_ERR_DB);
  assert_string_equal(sqlstate, "42501");
  PQfinish(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pool_concurrent),
      cmocka_unit_test(test_pool_checkout_timeout),
      cmocka_unit_test(test_pool_recovers_dead_connection_and_open_transaction),
      cmocka_unit_test(test_prepared_once_per_connection_and_again_after_reset),
      cmocka_unit_test(test_waiting_statements_go_out_with_the_next),
      cmocka_unit_test(test_migrations_once_with_two_starters),
      cmocka_unit_test(test_service_roles_are_confined_to_their_schema),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
