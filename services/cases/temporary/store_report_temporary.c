/* SQL of the temporary-case reports (see store_report_temporary.h). */
#include "store_report_temporary.h"

#include <stdio.h>

#include "db.h"
#include "db_json.h"
#include "status.h"

/* The rows, one per office and period, of the temporary cases created from the local date
 * expression from up to to (exclusive): $1 portal, $2 scope (NULL or the company whose offices
 * are shown), $3 unit, $4 time zone. The local boundaries become instants in the portal's zone,
 * so the index on (portal_id, created_at) of 0021 finds the cases. Hours are rounded to one
 * decimal as numeric (a JSON number like 4.5); percentile_cont skips the open cases' NULL hours
 * and is NULL when none was resolved. */
#define REPORT_ROWS_SQL(from, to)                                                              \
  "(SELECT coalesce(json_agg(json_build_object('office_id', g.office_id,"                      \
  " 'office_name', g.office_name, 'company_id', g.company_id, 'period_start', g.period_start," \
  " 'period_end', (g.period_start + ('1 ' || $3::text)::interval)::date,"                      \
  " 'created', g.created, 'converted', g.converted, 'connected', g.connected,"                 \
  " 'still_open', g.still_open, 'median_hours_to_resolution', round(g.p50::numeric, 1),"       \
  " 'p90_hours_to_resolution', round(g.p90::numeric, 1))"                                      \
  " ORDER BY g.period_start, g.office_name, g.office_id), '[]'::json) FROM ("                  \
  "SELECT c.temporary_office_id AS office_id, c.temporary_company_id AS company_id,"           \
  " date_trunc($3::text, c.created_at AT TIME ZONE $4::text)::date AS period_start,"           \
  " (array_agg(c.temporary_office_name ORDER BY c.created_at DESC))[1] AS office_name,"        \
  " count(*) AS created,"                                                                      \
  " count(*) FILTER (WHERE c.temporary_status = 'converted') AS converted,"                    \
  " count(*) FILTER (WHERE c.temporary_status = 'connected') AS connected,"                    \
  " count(*) FILTER (WHERE c.temporary_status = 'open') AS still_open,"                        \
  " percentile_cont(0.5) WITHIN GROUP (ORDER BY h.hours) AS p50,"                              \
  " percentile_cont(0.9) WITHIN GROUP (ORDER BY h.hours) AS p90"                               \
  " FROM cases c CROSS JOIN LATERAL (SELECT extract(epoch FROM"                                \
  " c.temporary_resolved_at - c.created_at)::float8 / 3600 AS hours) h"                        \
  " WHERE c.portal_id = $1::uuid AND c.temporary_status IS NOT NULL"                           \
  " AND ($2::uuid IS NULL OR c.temporary_company_id = $2::uuid)"                               \
  " AND c.created_at >= (" from                                                                \
  ")::timestamp AT TIME ZONE $4::text"                                                         \
  " AND c.created_at < (" to                                                                   \
  ")::timestamp AT TIME ZONE $4::text"                                                         \
  " GROUP BY 1, 2, 3) g)"

int cases_store_temporary_report_compute(PGconn *conn, const struct cases_store_report_spec *s,
                                         const char *from, const char *to, json_t **out,
                                         char sqlstate[6]) {
  const char *p[] = {s->portal_id, s->scope, s->unit, s->tz, from, to, s->period};
  /* b: the first period's start and the day after the last period ("today" is the portal's) */
  return db_json_row(
      conn,
      "SELECT json_build_object('period', $7::text, 'from', b.f, 'to', b.e - 1,"
      " 'rows', " REPORT_ROWS_SQL("b.f", "b.e") ") FROM (SELECT"
      " date_trunc($3::text, coalesce($5::date::timestamp,"
      "   date_trunc($3::text, l.today) - ('11 ' || $3::text)::interval))::date AS f,"
      " (date_trunc($3::text, coalesce($6::date::timestamp, l.today))"
      "   + ('1 ' || $3::text)::interval)::date AS e"
      " FROM (SELECT date_trunc('day', now() AT TIME ZONE $4::text) AS today) l) b",
      7, p, out, sqlstate);
}

int cases_store_temporary_reports(PGconn *conn, const char *portal_id, long limit,
                                  const json_t *position, json_t **items, char sqlstate[6]) {
  char lim[24];
  snprintf(lim, sizeof(lim), "%ld", limit + 1);
  const char *p[] = {portal_id, lim, json_string_value(json_object_get(position, "period_start")),
                     json_string_value(json_object_get(position, "period"))};
  /* a portal keeps one report a period: a few hundred rows in years, read by the unique index */
  return db_json_rows(
      conn,
      "SELECT json_build_object('id', r.id, 'period', r.period, 'period_start', r.period_start,"
      " 'period_end', r.period_end, 'generated_at', iso(r.generated_at),"
      " 'url', '/v1/reports/temporary-cases/' || r.id) FROM temporary_case_reports r"
      " WHERE r.portal_id = $1::uuid"
      " AND ($3::date IS NULL OR (r.period_start, r.period) < ($3::date, $4::text))"
      " ORDER BY r.period_start DESC, r.period DESC LIMIT $2::int",
      4, p, items, sqlstate);
}

int cases_store_temporary_report(PGconn *conn, const char *portal_id, const char *id,
                                 const char *scope, json_t **out, char sqlstate[6]) {
  const char *p[] = {portal_id, id, scope};
  /* the rows were kept for every office: a partner's are picked here, in their stored order */
  return db_json_row(
      conn,
      "SELECT json_build_object('id', r.id, 'period', r.period, 'period_start', r.period_start,"
      " 'period_end', r.period_end, 'generated_at', iso(r.generated_at),"
      " 'rows', coalesce((SELECT jsonb_agg(e.x ORDER BY e.n)"
      "   FROM jsonb_array_elements(r.rows) WITH ORDINALITY e(x, n)"
      "   WHERE $3::uuid IS NULL OR (e.x->>'company_id')::uuid = $3::uuid), '[]'::jsonb))"
      " FROM temporary_case_reports r WHERE r.portal_id = $1::uuid AND r.id = $2::uuid",
      3, p, out, sqlstate);
}

int cases_store_temporary_reports_due(PGconn *conn, json_t **due, char sqlstate[6]) {
  /* the replica's portals are this schema's (common/replica.h); b.cur: the start of the
   * portal's current period, local */
  return db_json_rows(
      conn,
      "SELECT json_build_object('portal_id', p.id, 'timezone', p.timezone,"
      " 'period', p.temporary_cases_report, 'unit', u.unit,"
      " 'period_start', (b.cur - b.len)::date, 'period_end', b.cur::date)"
      " FROM replica_portal p"
      " CROSS JOIN LATERAL (SELECT CASE p.temporary_cases_report WHEN 'monthly' THEN 'month'"
      "   ELSE 'week' END AS unit) u"
      " CROSS JOIN LATERAL (SELECT date_trunc(u.unit, now() AT TIME ZONE p.timezone) AS cur,"
      "   ('1 ' || u.unit)::interval AS len) b"
      " WHERE NOT EXISTS (SELECT 1 FROM temporary_case_reports r WHERE r.portal_id = p.id"
      "   AND r.period = p.temporary_cases_report AND r.period_start = (b.cur - b.len)::date)"
      " ORDER BY p.id",
      0, NULL, due, sqlstate);
}

int cases_store_temporary_report_lock(PGconn *conn, const char *portal_id, int *got,
                                      char sqlstate[6]) {
  PGresult *res = NULL;
  const char *p[] = {portal_id};
  *got = 0;
  if (db_exec(conn,
              "SELECT pg_try_advisory_xact_lock(hashtextextended("
              "'cases.temporary_case_report/' || $1, 0))",
              1, p, &res, sqlstate) != CS_OK)
    return CS_ERR_DB;
  *got = PQgetvalue(res, 0, 0)[0] == 't';
  PQclear(res);
  return CS_OK;
}

int cases_store_temporary_report_insert(PGconn *conn, const char *id,
                                        const struct cases_store_report_spec *s,
                                        const char *period_start, const char *period_end,
                                        int *inserted, char sqlstate[6]) {
  PGresult *res = NULL;
  const char *p[] = {s->portal_id, NULL, s->unit, s->tz, period_start, period_end, s->period, id};
  *inserted = 0;
  /* NOT EXISTS spares computing a report another instance stored meanwhile; ON CONFLICT keeps
   * it one a period even when both computed it */
  if (db_exec(
          conn,
          "INSERT INTO temporary_case_reports (id, portal_id, period, period_start,"
          " period_end, rows) SELECT $8::uuid, $1::uuid, $7::text, $5::date, $6::date,"
          " " REPORT_ROWS_SQL(
              "$5::date",
              "$6::date") "::jsonb"
                          " WHERE NOT EXISTS (SELECT 1 FROM temporary_case_reports x"
                          "   WHERE x.portal_id = $1::uuid AND x.period = $7::text"
                          "   AND x.period_start = $5::date)"
                          " ON CONFLICT (portal_id, period, period_start) DO NOTHING RETURNING id",
          8, p, &res, sqlstate) != CS_OK)
    return CS_ERR_DB;
  *inserted = PQntuples(res) == 1;
  PQclear(res);
  return CS_OK;
}
