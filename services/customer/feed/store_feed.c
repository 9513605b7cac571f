/* SQL of the event feed (store_feed.h): the page is built by PostgreSQL as JSON text. */
#include "store_feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "status.h"

/* The feed's lock (a key of its own, per schema): see the migration for why every insert takes
 * it. Transaction-level: released by the commit or rollback, never held across requests. */
static const char lock_sql[] =
    "SELECT pg_advisory_xact_lock(hashtextextended('claimsuite_feed.' || current_schema(), 0))";

static const char insert_sql[] =
    "INSERT INTO feed_events (event_id, portal_id, type, occurred_at, case_id, order_id, data,"
    " case_company_ids, task_company_id, customer_company_id, agent_company_id)"
    " VALUES ($1, $2::uuid, $3, $4::timestamptz, $5::uuid, $6::uuid, $7::json, $8::uuid[],"
    " $9::uuid, $10::uuid, $11::uuid) ON CONFLICT (event_id) DO NOTHING";

int customer_store_feed_insert(PGconn *conn, const struct customer_feed_row *row) {
  const char *p[] = {row->event_id,
                     row->portal_id,
                     row->type,
                     row->occurred_at,
                     row->case_id,
                     row->order_id,
                     row->data,
                     row->case_company_ids,
                     row->task_company_id,
                     row->customer_company_id,
                     row->agent_company_id};
  /* in this order: the number is taken once the lock is held */
  if (db_exec_later(conn, "customer_feed_lock", lock_sql, 0, NULL) != CS_OK) return CS_ERR_DB;
  return db_exec_later(conn, "customer_feed_insert", insert_sql, 11, p) == CS_OK ? CS_OK
                                                                                 : CS_ERR_DB;
}

/* $1 portal, $2 after, $3 limit, $4 type prefixes (text[] or NULL), $5 kind, $6 company, $7
 * admin. In sequence order, which is commit order (the migration), so a page never skips an
 * event committed later with a lower number. next_after: the last item's seq when the page is
 * full; else every event of the statement's snapshot after the cursor was looked at, and any
 * event committed later gets a higher number than the newest one seen (head), so the reader
 * goes on from there and never reads again the events it may not see. */
static const char page_sql[] =
    "WITH page AS (SELECT e.event_id, e.seq, e.type, e.occurred_at, e.case_id, e.order_id,"
    " e.data FROM feed_events e"
    " WHERE e.portal_id = $1::uuid AND e.seq > $2::bigint"
    " AND ($4::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest($4::text[]) p (prefix)"
    " WHERE starts_with(e.type, p.prefix)))"
    " AND feed_visible(e, $5, $6::uuid, $7::boolean)"
    " ORDER BY e.seq LIMIT $3::int),"
    " counted AS (SELECT count(*) AS n, max(seq) AS top FROM page),"
    " next AS (SELECT CASE WHEN counted.n = $3::int THEN counted.top"
    " ELSE greatest($2::bigint, (SELECT coalesce(max(seq), 0) FROM feed_events)) END AS after"
    " FROM counted)"
    " SELECT json_build_object('items', coalesce((SELECT json_agg(json_build_object("
    "'id', page.event_id, 'seq', page.seq, 'type', page.type, 'occurred_at',"
    " to_char(page.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
    " 'case_id', page.case_id, 'order_id', page.order_id, 'data', page.data) ORDER BY page.seq)"
    " FROM page), '[]'), 'next_after', next.after,"
    " 'purged_through', kept.purged_through)::text,"
    " kept.purged_through, counted.n, next.after"
    " FROM counted, next, feed_retention kept";

/* q's prefixes as a text[] literal (NULL when none): each is [a-z0-9._], no quoting. New. */
static char *prefixes(const struct customer_feed_query *q) {
  if (q->ntypes == 0) return NULL;
  size_t cap = 2 + (size_t)q->ntypes * 66, used = 0;
  char *out = malloc(cap);
  if (out == NULL) return NULL;
  out[used++] = '{';
  for (int i = 0; i < q->ntypes; i++)
    used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? "," : "", q->types[i]);
  snprintf(out + used, cap - used, "}");
  return out;
}

int customer_store_feed_page(PGconn *conn, const struct customer_feed_reader *r,
                             const struct customer_feed_query *q, char **page,
                             struct customer_feed_page_info *info, char sqlstate[6]) {
  char after[24], limit[24];
  PGresult *res = NULL;
  char *types = prefixes(q);
  *page = NULL;
  if (q->ntypes > 0 && types == NULL) return CS_ERR_NOMEM;
  snprintf(after, sizeof(after), "%lld", q->after);
  snprintf(limit, sizeof(limit), "%ld", q->limit);
  const char *params[] = {
      r->portal_id, after, limit, types, r->kind, r->company_id, r->admin ? "true" : "false"};
  int rc = db_exec_prepared(conn, "customer_feed_page", page_sql, 7, params, &res, sqlstate);
  free(types);
  if (rc != CS_OK) return rc;
  rc = CS_ERR_NOMEM;
  if (PQntuples(res) == 1 && (*page = strdup(PQgetvalue(res, 0, 0))) != NULL) {
    info->purged_through = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    info->items = strtol(PQgetvalue(res, 0, 2), NULL, 10);
    info->next_after = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
    rc = CS_OK;
  }
  PQclear(res);
  return rc;
}

/* The oldest events past the window, in seq order; purged_through moves up to the newest seq
 * deleted (numbers follow commit order, so every lower one was stored before it). */
static const char purge_sql[] =
    "WITH gone AS (DELETE FROM feed_events WHERE seq IN (SELECT seq FROM feed_events"
    " WHERE stored_at < clock_timestamp() - $1::bigint * interval '1 second'"
    " ORDER BY seq LIMIT 1000) RETURNING seq)"
    " UPDATE feed_retention SET purged_through = greatest(purged_through, g.top)"
    " FROM (SELECT max(seq) AS top, count(*) AS n FROM gone) g"
    " WHERE g.top IS NOT NULL RETURNING g.n";

int customer_store_feed_purge(PGconn *conn, long long keep_s, long *deleted, char sqlstate[6]) {
  char k[24];
  PGresult *res = NULL;
  snprintf(k, sizeof(k), "%lld", keep_s);
  const char *p[] = {k};
  *deleted = 0;
  int rc = db_exec_prepared(conn, "customer_feed_purge", purge_sql, 1, p, &res, sqlstate);
  if (rc != CS_OK) return rc;
  if (PQntuples(res) == 1) *deleted = strtol(PQgetvalue(res, 0, 0), NULL, 10);
  PQclear(res);
  return CS_OK;
}
