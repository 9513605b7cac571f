/* A bounded PostgreSQL connection pool (mutex + condvar + free list) and query helpers. */
#include "db.h"

#include <errno.h>
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

static PGconn *db_connect(const char *conninfo, long statement_timeout_ms) {
  char options[64];
  /* statement_timeout rides on the connection's options, so it survives PQreset. */
  snprintf(options, sizeof(options), "-c statement_timeout=%ld", statement_timeout_ms);
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
  } else if (PQtransactionStatus(c) != PQTRANS_IDLE) {
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

int db_exec(PGconn *c, const char *sql, int nparams, const char *const *params, PGresult **res,
            char *sqlstate) {
  if (res != NULL) *res = NULL;
  if (sqlstate != NULL) sqlstate[0] = '\0';
  PGresult *r = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
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

int db_begin(PGconn *c) { return db_exec(c, "BEGIN", 0, NULL, NULL, NULL); }
int db_commit(PGconn *c) { return db_exec(c, "COMMIT", 0, NULL, NULL, NULL); }
int db_rollback(PGconn *c) { return db_exec(c, "ROLLBACK", 0, NULL, NULL, NULL); }

enum problem_kind db_sqlstate_problem(const char *s) {
  if (s == NULL) return PROBLEM_INTERNAL;
  if (!strcmp(s, "23505")) return PROBLEM_CONFLICT;
  if (!strcmp(s, "23503") || !strcmp(s, "23514") || !strcmp(s, "23502") ||
      !strcmp(s, "22P02") || !strcmp(s, "22001") || !strcmp(s, "22003") || !strcmp(s, "22007") ||
      !strcmp(s, "22008"))
    return PROBLEM_VALIDATION;
  if (!strcmp(s, "57014")) return PROBLEM_TIMEOUT;
  if (db_sqlstate_retryable(s)) return PROBLEM_UNAVAILABLE;
  if (!strncmp(s, "08", 2)) return PROBLEM_UNAVAILABLE;
  return PROBLEM_INTERNAL;
}

int db_sqlstate_retryable(const char *s) {
  return s != NULL && (!strcmp(s, "40001") || !strcmp(s, "40P01"));
}
