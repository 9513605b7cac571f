/* The report of temporary cases (GET /v1/reports/temporary-cases[/{report_id}], routes in
 * reports/http_reports.c): one row per office and period of the temporary cases CREATED in it —
 * {office_id, office_name, company_id, period_start, period_end (the day after the last),
 * created, converted, connected, still_open, median_hours_to_resolution,
 * p90_hours_to_resolution} (hours with one decimal, null when none was resolved) — where periods
 * are the portal-local calendar weeks from Monday ("weekly") or calendar months ("monthly") in the
 * portal's time zone. Computed on demand (still_open: open now), or generated for the last
 * completed period on the portal's setting by the schedule (report_schedule.h) and kept (still
 * open when it was generated). Who: as every report (cases_report_allowed); insurer users and API
 * clients see every office, anyone else only its own company's offices' rows. SQL in
 * store_report_temporary.c. */
#ifndef CLAIMSUITE_CASES_REPORT_TEMPORARY_H
#define CLAIMSUITE_CASES_REPORT_TEMPORARY_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>

#include "caller.h"

struct _u_map;

/* What a GET of the list asks: computed rows (period set), or the stored reports' page. */
struct cases_temporary_report_query {
  char period[8];        /* "weekly" | "monthly"; "" lists the stored reports */
  char from[11], to[11]; /* local dates, inclusive; "" for the defaults */
  long limit;            /* the list's page */
  json_t *position;      /* the list's cursor, decoded (owned), NULL for the first page */
};

/* Reads ?period=weekly|monthly&from=&to= (computed), or ?limit=&cursor= (the stored reports).
 * CS_OK (clear q), or CS_REFUSED with a 400 invalid-parameter naming every bad parameter. */
int cases_temporary_report_query_parse(const struct _u_map *params,
                                       struct cases_temporary_report_query *q,
                                       struct cs_refusal *err);
void cases_temporary_report_query_clear(struct cases_temporary_report_query *q);

/* The rows of q's periods as c sees them: *out a new {period, from, to, rows}, from/to the first
 * and last day of the whole periods holding q's dates (default: the 12 periods up to today). */
int cases_temporary_report_compute(PGconn *conn, const struct cases_caller *c,
                                   const struct cases_temporary_report_query *q, json_t **out,
                                   struct cs_refusal *err);
/* The stored reports of c's portal, newest period first: *out a new page {items: [{id, period,
 * period_start, period_end, generated_at, url}], next_cursor}. */
int cases_temporary_report_list(PGconn *conn, const struct cases_caller *c,
                                const struct cases_temporary_report_query *q, json_t **out,
                                struct cs_refusal *err);
/* The stored report id with the rows c sees: *out a new {id, period, period_start, period_end,
 * generated_at, rows}; 404 when it is no report of c's portal. */
int cases_temporary_report_get(PGconn *conn, const struct cases_caller *c, const char *id,
                               json_t **out, struct cs_refusal *err);
/* rows (borrowed) as CSV (cases_report_csv_columns), the row's members in the order above but
 * period first. A new string (free()) of *len bytes, NULL when out of memory. */
char *cases_temporary_report_csv(const json_t *rows, size_t *len);

/* ---- the schedule's side --------------------------------------------------------------------- */

/* The portals whose report of the last completed period is not stored yet: *due a new array
 * (store_report_temporary.h). CS_OK or CS_ERR_DB. */
int cases_temporary_report_due(PGconn *conn, json_t **due);
/* Generates and stores the report of one item of the due list (borrowed) as report_id, with the
 * event temporary_case_report.generated {report_id, period, period_start, period_end} in the
 * same transaction; *made 0 when another instance holds the portal's report or stored it first.
 * conn is outside a transaction. CS_OK or CS_ERR_DB (sqlstate 6 bytes). */
int cases_temporary_report_generate(PGconn *conn, const json_t *due, char report_id[37], int *made,
                                    char sqlstate[6]);

#endif
