/* SQL of the event feed (store_feed.h): the page is built by PostgreSQL as JSON text. */
#include "store_feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "status.h"

/* $1 portal, $2 after, $3 limit, $4 type prefixes (text[] or NULL). Only events of a case of the
 * portal (the join; the outbox also holds facts, decisions and reports), in sequence order: the
 * relay numbers events in commit order, so a page never skips one committed later with a lower
 * number. */
static const char page_sql[] =
    "WITH page AS (SELECT o.id, o.seq, o.type, o.occurred_at, o.aggregate_id, o.data"
    " FROM outbox o JOIN cases c ON c.id = CASE WHEN o.aggregate_id ~"
    " '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'"
    " THEN o.aggregate_id::uuid END"
    " WHERE o.seq > $2::bigint AND o.portal_id = $1::uuid AND c.portal_id = $1::uuid"
    " AND ($4::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest($4::text[]) p (prefix)"
    " WHERE starts_with(o.type, p.prefix)))"
    " ORDER BY o.seq LIMIT $3::int)"
    " SELECT json_build_object('items', coalesce(json_agg(json_build_object("
    "'id', page.id, 'seq', page.seq, 'type', page.type, 'occurred_at',"
    " to_char(page.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
    " 'case_id', page.aggregate_id, 'data', page.data) ORDER BY page.seq), '[]'),"
    " 'next_after', coalesce(max(page.seq), $2::bigint),"
    " 'purged_through', (SELECT purged_through FROM outbox_retention))::text,"
    " (SELECT purged_through FROM outbox_retention), count(*)"
    " FROM page";

/* q's prefixes as a text[] literal into out (NULL when none): each is [a-z0-9._], no quoting. */
static char *prefixes(const struct cases_feed_query *q) {
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

int cases_store_feed_page(PGconn *conn, const char *portal_id, const struct cases_feed_query *q,
                          char **page, long *items, long long *purged_through, char sqlstate[6]) {
  char after[24], limit[24];
  PGresult *res = NULL;
  char *types = prefixes(q);
  *page = NULL;
  if (q->ntypes > 0 && types == NULL) return CS_ERR_NOMEM;
  snprintf(after, sizeof(after), "%lld", q->after);
  snprintf(limit, sizeof(limit), "%ld", q->limit);
  const char *params[] = {portal_id, after, limit, types};
  int rc = db_exec_prepared(conn, "cases_feed_page", page_sql, 4, params, &res, sqlstate);
  free(types);
  if (rc != CS_OK) return rc;
  rc = CS_ERR_NOMEM;
  if (PQntuples(res) == 1 && (*page = strdup(PQgetvalue(res, 0, 0))) != NULL) {
    *purged_through = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    *items = strtol(PQgetvalue(res, 0, 2), NULL, 10);
    rc = CS_OK;
  }
  PQclear(res);
  return rc;
}
