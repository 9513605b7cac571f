/* Reports: GET /v1/reports/case-statistics, one row per visible case created in a date range,
 * as JSON or CSV. Private to services/cases/; owned by the lists resource (http_reports.c,
 * reports.c, store_reports.c). */
#ifndef CLAIMSUITE_CASES_REPORTS_H
#define CLAIMSUITE_CASES_REPORTS_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>
#include <ulfius.h>

#include "caller.h"
#include "store_reports.h"

/* At most this many rows; a longer report says "truncated". */
#define CASES_REPORT_MAX_ROWS 10000
/* Users read from the replica per query. */
#define CASES_REPORT_USER_BATCH 500

/* The creation dates of the report, inclusive, local dates of the portal; "" when open. */
struct cases_report_range {
  char from[11];
  char to[11];
};

/* Reports are for company admins (authority level 6) and API clients: CS_OK, or
 * CS_REFUSED with 403. */
int cases_report_allowed(const struct cases_caller *c, struct cs_refusal *err);
/* Reads ?from=YYYY-MM-DD&to=YYYY-MM-DD (both optional; from after to is refused). CS_OK or
 * CS_REFUSED with 400 "invalid-parameter" listing every bad parameter. */
int cases_report_range_parse(const struct _u_map *params, struct cases_report_range *r,
                             struct cs_refusal *err);

/* The rows of the caller's visible cases for the report (*rows new; see the store below, with
 * one row more than CASES_REPORT_MAX_ROWS when there are more). CS_OK or CS_REFUSED. */
int cases_report_rows(PGconn *conn, const struct cases_caller *c,
                      const struct cases_report_range *r, json_t **rows, struct cs_refusal *err);
/* The case statistics of those rows (stolen): *out is a new object {from, to, generated_at,
 * truncated, rows: [{claim_number, case_id, status, damage_type, damage_date, created_at,
 * closed_at, city, tasks_total, tasks_approved, external_case_handler_office,
 * external_case_handler_email, budgets_submitted_incl_vat, budgets_approved_incl_vat,
 * cash_offered, cash_accepted}]}, the email being the current one of the user holding the role
 * now (read from the replica: hold no connection meanwhile); the money, sums in minor units of
 * the budgets awaiting approval and approved (incl. VAT) and of the cash offers open and
 * accepted, of what the caller sees of the case's money (the insurer all, a partner its own
 * company's tasks'). CS_OK or CS_REFUSED (503). */
int cases_report_case_statistics(const struct cases_caller *c, const struct cases_report_range *r,
                                 json_t *rows, json_t **out, struct cs_refusal *err);

/* The rows of a report (borrowed) as RFC 4180 CSV: a header line, CRLF line ends, fields
 * quoted when they hold , " CR or LF, and cells that a spreadsheet would take for a formula
 * (starting with = + - @ TAB CR) prefixed with '. A new string (free()) of *len bytes, NULL when
 * out of memory. */
char *cases_report_csv(const json_t *rows, size_t *len);
/* The same for any report's rows: columns (ncolumns of them) name the members shown, in order;
 * a number with a fraction is written as in JSON. */
char *cases_report_csv_columns(const json_t *rows, const char *const *columns, size_t ncolumns,
                               size_t *len);

#endif
