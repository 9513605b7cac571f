/* Retention of the platform tables (migrations/0002_retention.sql): stored Idempotency-Key
 * answers after their window, published outbox rows that occurred before the catch-up window but
 * for the newest row and the newest fact of each entity. Run by the relay that holds the lock, in
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
/* Is there a newer fact of the entity of row r (by the partial index outbox_facts)? */
#define SUPERSEDED_SQL(r)                                     \
  "EXISTS (SELECT 1 FROM outbox n WHERE n.type LIKE 'fact.%'" \
  " AND n.type = " r ".type AND n.aggregate_id = " r ".aggregate_id AND n.seq > " r ".seq)"

static const char *const SQL_PURGE_KEYS =
    "DELETE FROM idempotency_keys WHERE ctid IN (SELECT ctid FROM idempotency_keys"
    " WHERE created_at < now() - make_interval(secs => $1::bigint) LIMIT " PURGE_BATCH_SQL ")";

/* The outbox is purged from its oldest end, purged_through, on: rows are numbered in commit
 * order, so the rows past the window are (near enough) a prefix of it. One statement looks at
 * the next PURGE_BATCH published rows only (never the newest), takes the prefix of them that
 * occurred before the window, deletes those but for the newest fact of each entity, and moves
 * purged_through to the end of the prefix. It returns how many rows the prefix had and how many
 * went. A statement that looked for old rows anywhere read the whole outbox each time none was
 * left: at a week of events, longer than the relay's statement timeout. */
static const char *const SQL_PURGE_OUTBOX =
    "WITH next AS ("
    "  SELECT seq, type, aggregate_id, occurred_at FROM outbox"
    "   WHERE seq > (SELECT purged_through FROM outbox_retention)"
    "     AND seq <= (SELECT through FROM outbox_published)"
    "     AND seq < (SELECT max(seq) FROM outbox)"
    "   ORDER BY seq LIMIT " PURGE_BATCH_SQL
    "), marked AS ("
    "  SELECT seq, type, aggregate_id, bool_and(occurred_at < now() -"
    "         make_interval(secs => $1::bigint)) OVER (ORDER BY seq) AS old FROM next"
    "), past AS ("
    "  SELECT seq, type, aggregate_id FROM marked WHERE old"
    "), gone AS ("
    "  DELETE FROM outbox o USING past p WHERE o.seq = p.seq"
    "     AND (p.type NOT LIKE 'fact.%' OR " SUPERSEDED_SQL("p") ")"
    "  RETURNING o.seq"
    ") "
    "UPDATE outbox_retention SET purged_through = (SELECT max(seq) FROM past)"
    " WHERE EXISTS (SELECT 1 FROM past)"
    " RETURNING (SELECT count(*) FROM past), (SELECT count(*) FROM gone)";

/* The facts kept at or before purged_through once a newer fact of their entity came. */
static const char *const SQL_PURGE_SUPERSEDED =
    "DELETE FROM outbox WHERE seq IN ("
    "  SELECT o.seq FROM outbox o"
    "   WHERE o.type LIKE 'fact.%' AND o.seq <= (SELECT purged_through FROM outbox_retention)"
    "     AND " SUPERSEDED_SQL("o") " LIMIT " PURGE_BATCH_SQL ")";

/* A batch delete: how many rows it deleted. */
static int delete_batch(PGconn *conn, const char *sql, int nparams, const char *const *params,
                        long *rows) {
  PGresult *res = NULL;
  int rc = db_exec(conn, sql, nparams, params, &res, NULL);
  if (rc != CS_OK) return rc;
  *rows = strtol(PQcmdTuples(res), NULL, 10);
  PQclear(res);
  return CS_OK;
}

/* One step along the outbox: *past rows were before the window, *gone of them deleted. */
static int purge_outbox(PGconn *conn, const char *seconds, long *past, long *gone) {
  PGresult *res = NULL;
  const char *params[] = {seconds};
  int rc = db_exec(conn, SQL_PURGE_OUTBOX, 1, params, &res, NULL);
  if (rc != CS_OK) return rc;
  *past = *gone = 0;
  if (PQntuples(res) == 1) {
    *past = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    *gone = strtol(PQgetvalue(res, 0, 1), NULL, 10);
  }
  PQclear(res);
  return CS_OK;
}

int bus_retention_purge(PGconn *conn, const struct bus_retention *r, long *outbox_rows,
                        long *keys) {
  long n = 0, past = 0;
  int rc = CS_OK;
  char keys_s[24], outbox_s[24];
  snprintf(keys_s, sizeof(keys_s), "%lld", r->idempotency_s);
  snprintf(outbox_s, sizeof(outbox_s), "%lld", r->outbox_s);
  const char *keys_params[] = {keys_s};
  *outbox_rows = *keys = 0;
  do {
    if ((rc = delete_batch(conn, SQL_PURGE_KEYS, 1, keys_params, &n)) != CS_OK) return rc;
    *keys += n;
  } while (n == PURGE_BATCH);
  do {
    if ((rc = purge_outbox(conn, outbox_s, &past, &n)) != CS_OK) return rc;
    *outbox_rows += n;
  } while (past == PURGE_BATCH);
  do {
    if ((rc = delete_batch(conn, SQL_PURGE_SUPERSEDED, 0, NULL, &n)) != CS_OK) return rc;
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
