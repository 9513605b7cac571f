/* SQL as the database superuser, on one connection per test executable (see testlib.h). */
#include <libpq-fe.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testlib.h"

static PGconn *pg;

char *tl_sql(const char *query, int nparams, const char *const *params) {
  if (pg == NULL) {
    pg = PQconnectdb(tl_env("PG_SUPERUSER_CONNINFO"));
    if (PQstatus(pg) != CONNECTION_OK) fail_msg("superuser connection: %s", PQerrorMessage(pg));
    PQclear(PQexecParams(pg, "SET search_path = policy, cases, public", 0, NULL, NULL, NULL,
                         NULL, 0));
    PQclear(PQexecParams(pg, "SET client_encoding = 'UTF8'", 0, NULL, NULL, NULL, NULL, 0));
  }
  PGresult *res = PQexecParams(pg, query, nparams, NULL, params, NULL, NULL, 0);
  ExecStatusType st = PQresultStatus(res);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
    fail_msg("SQL failed: %s\n%s", PQerrorMessage(pg), query);
  char *out = NULL;
  if (st == PGRES_TUPLES_OK && PQntuples(res) > 0 && PQnfields(res) > 0 && !PQgetisnull(res, 0, 0))
    out = strdup(PQgetvalue(res, 0, 0));
  PQclear(res);
  return out;
}

void tl_sql_run(const char *query, int nparams, ...) {
  const char *params[16];
  va_list ap;
  assert_true(nparams <= 16);
  va_start(ap, nparams);
  for (int i = 0; i < nparams; i++) params[i] = va_arg(ap, const char *);
  va_end(ap);
  free(tl_sql(query, nparams, params));
}

long tl_sql_long(const char *query, int nparams, const char *const *params) {
  char *v = tl_sql(query, nparams, params);
  if (v == NULL) fail_msg("no value from %s", query);
  long n = strtol(v, NULL, 10);
  free(v);
  return n;
}

void tl_sql_close(void) {
  PQfinish(pg);
  pg = NULL;
}
