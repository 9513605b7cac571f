/* A bounded PostgreSQL connection pool (mutex + condvar + free list) and query helpers. */
#include "db.h"

#include <errno.h>
#include <libpq-events.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deadline.h"
#include "log.h"
#include "status.h"

struct db_pool {
  pthread_mutex_t lock;
  pthread_cond_t freed;
  PGconn **conns;   /* all connections */
  PGconn **idle;    /* stack of idle ones */
  int size;
  int nidle;
  long checkout_timeout_ms;
  long acquired_total;
  long timeouts_total;
};

/* Server notices (e.g. "already exists, skipping") are routine: debug level, not stderr. */
static void db_notice(void *arg, const char *message) {
  (void)arg;
  log_debug("database notice: %.*s", (int)strcspn(message, "\n"), message);
}

/* ---- what each connection carries ---------------------------------------------------------
 * Each connection carries the names it has prepared and the statements waiting to go out with
 * its next one (db_begin, db_exec_later), as libpq instance data of db_event: a connection is
 * used by one thread at a time, so this needs no lock, and libpq tells the event procedure
 * when the connection is reset (the server forgot every statement and transaction: so does the
 * set) or finished (the set is freed). */

/* A statement kept to go out with the next one (db_exec_later): its parameters are copies. */
struct db_later {
  const char *name, *sql;
  int nparams;
  char **params;
};

struct db_prepared {
  char **names;
  size_t n, cap;
  int begin_pending; /* db_begin was called: BEGIN goes out with the next statement */
  struct db_later *later;
  size_t nlater, caplater;
};

static void db_later_clear(struct db_prepared *p) {
  for (size_t i = 0; i < p->nlater; i++) {
    for (int k = 0; k < p->later[i].nparams; k++) free(p->later[i].params[k]);
    free(p->later[i].params);
  }
  p->nlater = 0;
  p->begin_pending = 0;
}

static void db_prepared_forget(struct db_prepared *p) {
  if (p == NULL) return;
  for (size_t i = 0; i < p->n; i++) free(p->names[i]);
  p->n = 0;
  db_later_clear(p);
}

static int db_event(PGEventId id, void *info, void *pass) {
  (void)pass;
  if (id == PGEVT_CONNRESET) {
    PGEventConnReset *e = info;
    db_prepared_forget(PQinstanceData(e->conn, db_event));
  } else if (id == PGEVT_CONNDESTROY) {
    PGEventConnDestroy *e = info;
    struct db_prepared *p = PQinstanceData(e->conn, db_event);
    db_prepared_forget(p);
    if (p != NULL) {
      free(p->names);
      free(p->later);
    }
    free(p);
  }
  return 1;
}

/* The set of conn, registered on first use (also for connections from outside the pool). */
static struct db_prepared *db_prepared_of(PGconn *c) {
  struct db_prepared *p = PQinstanceData(c, db_event);
  if (p != NULL) return p;
  if ((p = calloc(1, sizeof(*p))) == NULL) return NULL;
  if (!PQregisterEventProc(c, db_event, "claimsuite prepared statements", NULL) ||
      !PQsetInstanceData(c, db_event, p)) {
    free(p);
    return NULL;
  }
  return p;
}

static int db_prepared_has(const struct db_prepared *p, const char *name) {
  for (size_t i = 0; i < p->n; i++)
    if (!strcmp(p->names[i], name)) return 1;
  return 0;
}

static void db_prepared_drop(struct db_prepared *p, const char *name) {
  for (size_t i = 0; i < p->n; i++) {
    if (strcmp(p->names[i], name) != 0) continue;
    free(p->names[i]);
    p->names[i] = p->names[--p->n];
    return;
  }
}

static int db_prepared_add(struct db_prepared *p, const char *name) {
  if (p->n == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 16;
    char **grown = realloc(p->names, cap * sizeof(*grown));
    if (grown == NULL) return CS_ERR_NOMEM;
    p->names = grown;
    p->cap = cap;
  }
  if ((p->names[p->n] = strdup(name)) == NULL) return CS_ERR_NOMEM;
  p->n++;
  return CS_OK;
}

static PGconn *db_connect(const char *conninfo, long statement_timeout_ms) {
  char options[128];
  /* statement_timeout rides on the connection's options, so it survives PQreset. JIT is off:
   * compiling a plan costs tens of milliseconds, more than any of our statements runs, and
   * the planner turns it on from cost estimates alone (a count over many rows is enough).
   * Prepared statements are planned once per connection: left to choose, PostgreSQL plans a
   * statement with optional filters ("$n IS NULL OR ...") or a LIMIT $n anew on every
   * execution, which cost a list page or a dashboard more than running it. Statements are
   * written so that one plan fits every parameter (DB_AFTER_SQL in db.h). */
  snprintf(options, sizeof(options),
           "-c statement_timeout=%ld -c jit=off -c plan_cache_mode=force_generic_plan",
           statement_timeout_ms);
  const char *keys[] = {"dbname", "options", "application_name", NULL};
  const char *vals[] = {conninfo, options, "claimsuite", NULL};
  PGconn *c = PQconnectdbParams(keys, vals, 1 /* expand dbname as a conninfo string */);
  if (c == NULL) return NULL;
  if (PQstatus(c) != CONNECTION_OK) {
    log_error("database connection failed: %s", PQerrorMessage(c));
    PQfinish(c);
    return NULL;
  }
  PQsetNoticeProcessor(c, db_notice, NULL);
  if (db_prepared_of(c) == NULL) {
    log_error("database connection: out of memory");
    PQfinish(c);
    return NULL;
  }
  return c;
}

int db_pool_new(const char *conninfo, int size, long checkout_timeout_ms,
                long statement_timeout_ms, struct db_pool **out) {
  int rc = CS_ERR_NOMEM;
  struct db_pool *p = calloc(1, sizeof(*p));
  if (p == NULL) goto done;
  pthread_mutex_init(&p->lock, NULL);
  pthread_cond_init(&p->freed, NULL);
  p->conns = calloc((size_t)size, sizeof(PGconn *));
  p->idle = calloc((size_t)size, sizeof(PGconn *));
  if (p->conns == NULL || p->idle == NULL) goto done;
  p->size = size;
  p->checkout_timeout_ms = checkout_timeout_ms;
  for (int i = 0; i < size; i++) {
    p->conns[i] = db_connect(conninfo, statement_timeout_ms);
    if (p->conns[i] == NULL) {
      rc = CS_ERR_UNAVAILABLE;
      goto done;
    }
    p->idle[p->nidle++] = p->conns[i];
  }
  *out = p;
  p = NULL;
  rc = CS_OK;
done:
  db_pool_free(p);
  return rc;
}

void db_pool_free(struct db_pool *p) {
  if (p == NULL) return;
  for (int i = 0; p->conns != NULL && i < p->size; i++) {
    if (p->conns[i] != NULL) PQfinish(p->conns[i]);
  }
  free(p->conns);
  free(p->idle);
  pthread_cond_destroy(&p->freed);
  pthread_mutex_destroy(&p->lock);
  free(p);
}

int db_pool_acquire(struct db_pool *p, PGconn **out) {
  struct timespec deadline = deadline_after_ms(CLOCK_REALTIME, p->checkout_timeout_ms);
  pthread_mutex_lock(&p->lock);
  while (p->nidle == 0) {
    if (pthread_cond_timedwait(&p->freed, &p->lock, &deadline) == ETIMEDOUT && p->nidle == 0) {
      p->timeouts_total++;
      pthread_mutex_unlock(&p->lock);
      return CS_ERR_TIMEOUT;
    }
  }
  *out = p->idle[--p->nidle];
  p->acquired_total++;
  pthread_mutex_unlock(&p->lock);

  /* An idle pooled connection has nothing to read unless the server said goodbye (restart,
   * terminated backend): one poll notices that, and the connection is made anew rather than
   * handed out broken. */
  struct pollfd pfd = {PQsocket(*out), POLLIN, 0};
  if (PQstatus(*out) != CONNECTION_OK || pfd.fd < 0 || poll(&pfd, 1, 0) != 0) {
    log_warning("database connection lost while idle: reconnecting");
    PQreset(*out);
  }
  return CS_OK;
}

void db_pool_release(struct db_pool *p, PGconn *c) {
  if (c == NULL) return;
  if (PQstatus(c) != CONNECTION_OK) {
    PQreset(c);
  } else if (db_in_transaction(c)) {
    /* A caller that forgot its transaction must not leak it to the next borrower. */
    log_warning("connection returned inside a transaction: rolled back");
    db_rollback(c);
  }
  pthread_mutex_lock(&p->lock);
  p->idle[p->nidle++] = c;
  pthread_cond_signal(&p->freed);
  pthread_mutex_unlock(&p->lock);
}

void db_pool_stats(struct db_pool *p, struct db_pool_stats *out) {
  pthread_mutex_lock(&p->lock);
  out->size = p->size;
  out->in_use = p->size - p->nidle;
  out->acquired_total = p->acquired_total;
  out->timeouts_total = p->timeouts_total;
  pthread_mutex_unlock(&p->lock);
}

static __thread char last_sqlstate[6];

const char *db_last_sqlstate(void) { return last_sqlstate; }
void db_clear_last_sqlstate(void) { last_sqlstate[0] = '\0'; }

/* Takes r (may be NULL): CS_OK with the result in *res (or cleared when res is NULL), or
 * CS_ERR_DB with the SQLSTATE noted for the thread and in sqlstate. */
static int db_result(PGconn *c, PGresult *r, PGresult **res, char *sqlstate) {
  ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    const char *code = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    snprintf(last_sqlstate, sizeof(last_sqlstate), "%s", code ? code : "08000");
    if (sqlstate != NULL) snprintf(sqlstate, 6, "%s", last_sqlstate);
    /* Constraint violations are the caller's to answer; everything else is worth a log line. */
    if (code == NULL || strncmp(code, "23", 2) != 0) {
      log_error("query failed (%s): %s", code ? code : "no code", PQerrorMessage(c));
    }
    PQclear(r);
    return CS_ERR_DB;
  }
  if (res != NULL) *res = r;
  else PQclear(r);
  return CS_OK;
}

/* ---- one round trip for what waits and the statement ------------------------------------- */

/* name is among the n names of prepares already sent in this pipeline. */
static int db_sending(const char **preparing, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (preparing[i] != NULL && !strcmp(preparing[i], name)) return 1;
  return 0;
}

/* Sends, in one pipeline (one round trip): BEGIN if it is pending, the statements kept for
 * later, and the statement (prepared as name first if c does not have it; name NULL: unnamed).
 * Answers the statement's result, or the first failure (what follows a failure is not run).
 * Whatever waited has gone out, whatever the outcome. */
static PGresult *db_pipeline(PGconn *c, struct db_prepared *p, const char *name, const char *sql,
                             int nparams, const char *const *params) {
  PGresult *failed = NULL, *last = NULL;
  /* per query sent, the name it prepares (NULL for the others): known once it succeeded */
  size_t most = 3 + 2 * p->nlater, sent = 0;
  const char **preparing = calloc(most, sizeof(*preparing));
  int ok = preparing != NULL && PQenterPipelineMode(c), entered = ok;
  if (ok && p->begin_pending) {
    ok = PQsendQueryParams(c, "BEGIN", 0, NULL, NULL, NULL, NULL, 0);
    sent++;
  }
  for (size_t i = 0; ok && i <= p->nlater; i++) {
    const struct db_later *l = i < p->nlater ? &p->later[i] : NULL;
    const char *n = l != NULL ? l->name : name;
    if (n != NULL && !db_prepared_has(p, n) && !db_sending(preparing, sent, n)) {
      ok = PQsendPrepare(c, n, l != NULL ? l->sql : sql, l != NULL ? l->nparams : nparams, NULL);
      preparing[sent++] = n;
    }
    if (!ok) break;
    if (l != NULL)
      ok = PQsendQueryPrepared(c, n, l->nparams, (const char *const *)l->params, NULL, NULL, 0);
    else if (n != NULL)
      ok = PQsendQueryPrepared(c, n, nparams, params, NULL, NULL, 0);
    else
      ok = PQsendQueryParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
    sent++;
  }
  if (!ok) log_error("database pipeline failed: %s", PQerrorMessage(c));
  /* one result per query sent, each followed by NULL, then the sync's */
  if (entered && PQpipelineSync(c)) {
    for (size_t i = 0; i <= sent; i++) {
      PGresult *r = PQgetResult(c);
      if (r == NULL) break; /* the connection is gone */
      ExecStatusType st = PQresultStatus(r);
      if (st == PGRES_PIPELINE_SYNC) {
        PQclear(r);
        break;
      }
      PQclear(PQgetResult(c)); /* the NULL that ends this query's results */
      if (st == PGRES_FATAL_ERROR || st == PGRES_PIPELINE_ABORTED) {
        if (failed == NULL)
          failed = r;
        else
          PQclear(r);
        continue;
      }
      if (preparing[i] != NULL && db_prepared_add(p, preparing[i]) != CS_OK) ok = 0;
      PQclear(last);
      last = r;
    }
  }
  if (entered) PQexitPipelineMode(c);
  db_later_clear(p);
  free(preparing);
  if (failed == NULL && ok && last != NULL) return last;
  PQclear(last);
  const char *code = failed != NULL ? PQresultErrorField(failed, PG_DIAG_SQLSTATE) : NULL;
  /* the server forgot prepared statements (DISCARD ALL): they are prepared again next time */
  if (code != NULL && !strcmp(code, "26000")) db_prepared_forget(p);
  return failed;
}

/* Something waits to go out with the next statement. */
static int db_waiting(const struct db_prepared *p) {
  return p != NULL && (p->begin_pending || p->nlater > 0);
}

int db_exec(PGconn *c, const char *sql, int nparams, const char *const *params, PGresult **res,
            char *sqlstate) {
  struct db_prepared *p = PQinstanceData(c, db_event);
  if (res != NULL) *res = NULL;
  if (sqlstate != NULL) sqlstate[0] = '\0';
  if (db_waiting(p))
    return db_result(c, db_pipeline(c, p, NULL, sql, nparams, params), res, sqlstate);
  return db_result(c, PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0), res, sqlstate);
}

/* Prepares name on c unless c has it already. */
static int db_prepare_once(PGconn *c, struct db_prepared *p, const char *name, const char *sql,
                           int nparams, char *sqlstate) {
  if (db_prepared_has(p, name)) return CS_OK;
  PGresult *r = PQprepare(c, name, sql, nparams, NULL);
  const char *code = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  if (code != NULL && !strcmp(code, "42P05")) { /* the server has it: we forgot, it did not */
    PQclear(r);
    return db_prepared_add(p, name);
  }
  int rc = db_result(c, r, NULL, sqlstate);
  return rc == CS_OK ? db_prepared_add(p, name) : rc;
}

int db_exec_prepared(PGconn *c, const char *name, const char *sql, int nparams,
                     const char *const *params, PGresult **res, char *sqlstate) {
  struct db_prepared *p = db_prepared_of(c);
  int rc;
  if (res != NULL) *res = NULL;
  if (sqlstate != NULL) sqlstate[0] = '\0';
  if (p == NULL) return CS_ERR_NOMEM;
  if (db_waiting(p))
    return db_result(c, db_pipeline(c, p, name, sql, nparams, params), res, sqlstate);
  if ((rc = db_prepare_once(c, p, name, sql, nparams, sqlstate)) != CS_OK) return rc;
  PGresult *r = PQexecPrepared(c, name, nparams, params, NULL, NULL, 0);
  const char *code = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  /* The server forgot the statement (DISCARD ALL, DEALLOCATE): prepare it again, once, unless
   * the failure ended the caller's transaction (then the caller's retry path answers). */
  if (code != NULL && !strcmp(code, "26000") && PQtransactionStatus(c) == PQTRANS_IDLE) {
    PQclear(r);
    db_prepared_drop(p, name);
    if ((rc = db_prepare_once(c, p, name, sql, nparams, sqlstate)) != CS_OK) return rc;
    r = PQexecPrepared(c, name, nparams, params, NULL, NULL, 0);
  } else if (code != NULL && !strcmp(code, "26000")) {
    db_prepared_drop(p, name);
  }
  return db_result(c, r, res, sqlstate);
}

int db_exec_affected(PGconn *conn, const char *name, const char *sql, int nparams,
                     const char *const *params, long *affected, char *sqlstate) {
  PGresult *res = NULL;
  *affected = 0;
  int rc = name != NULL ? db_exec_prepared(conn, name, sql, nparams, params, &res, sqlstate)
                        : db_exec(conn, sql, nparams, params, &res, sqlstate);
  if (rc != CS_OK) return rc;
  *affected = strtol(PQcmdTuples(res), NULL, 10);
  PQclear(res);
  return CS_OK;
}

int db_exec_later(PGconn *c, const char *name, const char *sql, int nparams,
                  const char *const *params) {
  struct db_prepared *p = db_prepared_of(c);
  if (p == NULL) return CS_ERR_NOMEM;
  /* outside a transaction nothing would send it: it runs now */
  if (!db_in_transaction(c)) return db_exec_prepared(c, name, sql, nparams, params, NULL, NULL);
  if (p->nlater == p->caplater) {
    size_t cap = p->caplater ? p->caplater * 2 : 4;
    struct db_later *grown = realloc(p->later, cap * sizeof(*grown));
    if (grown == NULL) return CS_ERR_NOMEM;
    p->later = grown;
    p->caplater = cap;
  }
  struct db_later *l = &p->later[p->nlater];
  *l = (struct db_later){name, sql, nparams, calloc((size_t)nparams + 1, sizeof(char *))};
  if (l->params == NULL) return CS_ERR_NOMEM;
  for (int k = 0; k < nparams; k++) {
    if (params[k] != NULL && (l->params[k] = strdup(params[k])) == NULL) {
      for (int j = 0; j < k; j++) free(l->params[j]);
      free(l->params);
      return CS_ERR_NOMEM;
    }
  }
  p->nlater++;
  return CS_OK;
}

int db_in_transaction(PGconn *c) {
  return db_waiting(PQinstanceData(c, db_event)) || PQtransactionStatus(c) != PQTRANS_IDLE;
}

int db_prepared_count(PGconn *c) {
  struct db_prepared *p = PQinstanceData(c, db_event);
  return p != NULL ? (int)p->n : 0;
}

int db_begin(PGconn *c) {
  struct db_prepared *p = db_prepared_of(c);
  if (p == NULL || PQtransactionStatus(c) != PQTRANS_IDLE)
    return db_exec(c, "BEGIN", 0, NULL, NULL, NULL);
  p->begin_pending = 1; /* sent with the first statement of the transaction */
  return CS_OK;
}

int db_commit(PGconn *c) {
  struct db_prepared *p = PQinstanceData(c, db_event);
  if (p != NULL && p->begin_pending && p->nlater == 0) { /* nothing ran: nothing to commit */
    p->begin_pending = 0;
    return CS_OK;
  }
  return db_exec(c, "COMMIT", 0, NULL, NULL, NULL);
}

int db_rollback(PGconn *c) {
  struct db_prepared *p = PQinstanceData(c, db_event);
  if (p != NULL) db_later_clear(p); /* what waited never went out */
  if (PQtransactionStatus(c) == PQTRANS_IDLE) return CS_OK;
  return db_exec(c, "ROLLBACK", 0, NULL, NULL, NULL);
}

enum problem_kind db_sqlstate_problem(const char *s) {
  if (s == NULL) return PROBLEM_INTERNAL;
  if (!strcmp(s, "23505")) return PROBLEM_CONFLICT;
  if (!strcmp(s, "23503") || !strcmp(s, "23514") || !strcmp(s, "23502") ||
      !strcmp(s, "22P02") || !strcmp(s, "22001") || !strcmp(s, "22003") || !strcmp(s, "22007") ||
      !strcmp(s, "22008"))
    return PROBLEM_VALIDATION;
  if (!strcmp(s, "57014")) return PROBLEM_TIMEOUT;
  if (db_sqlstate_retryable(s)) return PROBLEM_UNAVAILABLE;
  /* no connection, or the server shutting down or starting (57P01..57P03) */
  if (!strncmp(s, "08", 2) || !strcmp(s, "57P01") || !strcmp(s, "57P02") || !strcmp(s, "57P03"))
    return PROBLEM_UNAVAILABLE;
  return PROBLEM_INTERNAL;
}

int db_sqlstate_retryable(const char *s) {
  return s != NULL && (!strcmp(s, "40001") || !strcmp(s, "40P01"));
}
