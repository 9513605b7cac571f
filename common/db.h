/* PostgreSQL on libpq: a bounded connection pool and parameterised query helpers. */
#ifndef CLAIMSUITE_DB_H
#define CLAIMSUITE_DB_H

#include <libpq-fe.h>

#include "problem.h"

struct db_pool;

struct db_pool_stats {
  int size;
  int in_use;
  long acquired_total;
  long timeouts_total;
};

/* Opens size connections (statement_timeout set on each). *out is new; free with db_pool_free. */
int db_pool_new(const char *conninfo, int size, long checkout_timeout_ms,
                long statement_timeout_ms, struct db_pool **out);
void db_pool_free(struct db_pool *pool); /* NULL-safe; waits for nothing: release all first */

/* Borrows a connection; CS_ERR_TIMEOUT when none frees up in time (answer 503). */
int db_pool_acquire(struct db_pool *pool, PGconn **out);
/* Gives it back; a broken connection is reset, an open transaction rolled back. */
void db_pool_release(struct db_pool *pool, PGconn *conn);
void db_pool_stats(struct db_pool *pool, struct db_pool_stats *out);

/* PQexecParams with text parameters (NULL entries are SQL NULL).
 * On success *res is a new result (PQclear it) unless res is NULL.
 * On failure returns CS_ERR_DB, *res is NULL, and sqlstate (if given, 6 bytes) holds the code. */
int db_exec(PGconn *conn, const char *sql, int nparams, const char *const *params,
            PGresult **res, char *sqlstate);

/* db_exec for a statement used on every request: prepared (PQprepare) under name the first
 * time a connection sees the name, then only executed (PQexecPrepared), which saves parsing
 * and planning: every connection plans a statement once, for any parameters
 * (plan_cache_mode=force_generic_plan; see DB_AFTER_SQL for how to write one). name must always
 * come with the same sql (a static string per statement). Each connection keeps the names it has
 * prepared; a reset connection (PQreset) forgets them, and a statement the server no longer
 * has is prepared again. Results and errors as db_exec. */
int db_exec_prepared(PGconn *conn, const char *name, const char *sql, int nparams,
                     const char *const *params, PGresult **res, char *sqlstate);
/* A statement whose answer is how many rows it changed (an UPDATE, DELETE, INSERT ... ON
 * CONFLICT DO NOTHING) into *affected: through db_exec_prepared under name, or db_exec when name
 * is NULL. Errors as db_exec. */
int db_exec_affected(PGconn *conn, const char *name, const char *sql, int nparams,
                     const char *const *params, long *affected, char *sqlstate);
/* Keyset paging on (at, id) that a plan made once for any parameters answers from an index:
 * after the row ($at, $id) in ascending order, before it in descending order. A first page
 * passes NULLs, which stand for the position before every row. Written as
 * "($n IS NULL OR ...)" the condition would be a filter on the rows read, not where the index
 * scan starts: page 1000 would read the 999 pages before it. */
/* clang-format off */
#define DB_AFTER_SQL(at_col, id_col, at, id)                                     \
  "(" at_col ", " id_col ") > (coalesce(" at "::timestamptz, '-infinity'), "     \
  "coalesce(" id "::uuid, '00000000-0000-0000-0000-000000000000'))"
#define DB_BEFORE_SQL(at_col, id_col, at, id)                                    \
  "(" at_col ", " id_col ") < (coalesce(" at "::timestamptz, 'infinity'), "      \
  "coalesce(" id "::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'))"
/* clang-format on */

/* How many statements conn has prepared through db_exec_prepared (tests, metrics). */
int db_prepared_count(PGconn *conn);

/* The SQLSTATE of the calling thread's last failed db_exec, "" when none since
 * db_clear_last_sqlstate (the service skeleton clears it when a request starts): lets the
 * answer name a failure (a timeout is 504, not 500) where the code in between dropped it. */
const char *db_last_sqlstate(void);
void db_clear_last_sqlstate(void);

/* A transaction costs no round trip of its own: db_begin only notes it, and BEGIN goes out
 * with the transaction's first statement (through these helpers: a raw libpq call after
 * db_begin runs outside it). db_commit of a transaction that ran nothing does nothing;
 * db_rollback drops what waited to go out. */
int db_begin(PGconn *conn);
int db_commit(PGconn *conn);
int db_rollback(PGconn *conn);
/* A transaction is open or about to be (BEGIN or statements waiting to go out). */
int db_in_transaction(PGconn *conn);

/* A statement prepared as name (as db_exec_prepared) whose result the caller does not need
 * (an insert of history, of an event): inside a transaction it waits and goes out with the
 * next statement or the commit, in the same round trip; a failure of it fails that statement
 * or the commit. Outside a transaction it runs now. Parameters are copied. */
int db_exec_later(PGconn *conn, const char *name, const char *sql, int nparams,
                  const char *const *params);

/* The problem kind of a SQLSTATE: 23505 → conflict (409), 23503/23514/... → validation (422),
 * 57014 → timeout (504), 40001/40P01 and connection failures → unavailable (503), anything
 * else → internal (500). */
enum problem_kind db_sqlstate_problem(const char *sqlstate);
/* 1 when the transaction may be retried (serialization failure, deadlock). */
int db_sqlstate_retryable(const char *sqlstate);

#endif
