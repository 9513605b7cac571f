/* Retention of the platform tables (migrations/0002_retention.sql): stored Idempotency-Key
 * answers after their window, published outbox rows after the catch-up window but for the
 * newest row and the newest fact of each entity. Run by the relay that holds the lock, in
 * batches, so a purge never holds many rows locked for long. */
#include <stdio.h>
#include <stdlib.h>

#include "bus.h"
#include "db.h"
#include "status.h"

#define PURGE_BATCH 1000
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#define PURGE_BATCH_SQL STRINGIFY(PURGE_BATCH) /* the same, in the statements */

static const char *const SQL_PURGE_KEYS =
    "DELETE FROM idempotency_keys WHERE ctid IN (SELECT ctid FROM idempotency_keys"
    " WHERE created_at < now() - make_interval(secs => $1::bigint) LIMIT " PURGE_BATCH_SQL ")";

/* The oldest published rows past the window, in seq order; the statement also moves
 * purged_through up to the newest seq deleted. */
static const char *const SQL_PURGE_OUTBOX =
    "WITH gone AS ("
    "  DELETE FROM outbox WHERE id IN ("
    "    SELECT o.id FROM outbox o"
    "     WHERE o.published_at < now() - make_interval(secs => $1::bigint)"
    "       AND o.seq < (SELECT max(seq) FROM outbox)"
    "       AND (o.type NOT LIKE 'fact.%' OR EXISTS (SELECT 1 FROM outbox n"
    "            WHERE n.type = o.type AND n.aggregate_id = o.aggregate_id AND n.seq > o.seq))"
    "     ORDER BY o.seq LIMIT " PURGE_BATCH_SQL
    ")"
    "  RETURNING seq)"
    "UPDATE outbox_retention SET purged_through = greatest(purged_through, g.top)"
    "  FROM (SELECT max(seq) AS top, count(*) AS n FROM gone) g"
    " WHERE g.top IS NOT NULL RETURNING g.n";

static int purge(PGconn *conn, const char *sql, long long seconds, int returns_count, long *rows) {
  char s[24];
  PGresult *res = NULL;
  snprintf(s, sizeof(s), "%lld", seconds);
  const char *params[] = {s};
  int rc = db_exec(conn, sql, 1, params, &res, NULL);
  if (rc != CS_OK) return rc;
  if (returns_count)
    *rows = PQntuples(res) == 1 ? strtol(PQgetvalue(res, 0, 0), NULL, 10) : 0;
  else
    *rows = strtol(PQcmdTuples(res), NULL, 10);
  PQclear(res);
  return CS_OK;
}

int bus_retention_purge(PGconn *conn, const struct bus_retention *r, long *outbox_rows,
                        long *keys) {
  long n = 0;
  int rc = CS_OK;
  *outbox_rows = *keys = 0;
  do {
    if ((rc = purge(conn, SQL_PURGE_KEYS, r->idempotency_s, 0, &n)) != CS_OK) return rc;
    *keys += n;
  } while (n == PURGE_BATCH);
  do {
    if ((rc = purge(conn, SQL_PURGE_OUTBOX, r->outbox_s, 1, &n)) != CS_OK) return rc;
    *outbox_rows += n;
  } while (n == PURGE_BATCH);
  return CS_OK;
}

int bus_feed_purged_through(PGconn *conn, long long *seq) {
  PGresult *res = NULL;
  *seq = 0;
  int rc = db_exec_prepared(conn, "bus_purged_through",
                            "SELECT purged_through FROM outbox_retention", 0, NULL, &res, NULL);
  if (rc != CS_OK) return rc;
  if (PQntuples(res) == 1) *seq = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
  PQclear(res);
  return CS_OK;
}
