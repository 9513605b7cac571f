/* SQL of the temporary-case reports (temporary/store_report_temporary.c; the rules in
 * report_temporary.h). Periods: unit "week" (portal-local calendar weeks from Monday) or "month";
 * dates are local dates of the portal's time zone tz. Every function: CS_OK, or CS_ERR_DB with
 * sqlstate (6 bytes) filled. */
#ifndef CLAIMSUITE_CASES_STORE_REPORT_TEMPORARY_H
#define CLAIMSUITE_CASES_STORE_REPORT_TEMPORARY_H

#include <jansson.h>
#include <libpq-fe.h>

/* One store call's report: whose (portal, scope: NULL for every office, else a company id),
 * which periods (period "weekly" | "monthly", unit its date_trunc unit), and the zone. */
struct cases_store_report_spec {
  const char *portal_id, *scope, *period, *unit, *tz;
};

/* On demand: *out a new {period, from, to, rows} over the whole periods holding the local dates
 * from..to (NULL: from the start of the 11th period before today's, to today), from the first
 * period's first day to the last one's last day; rows as report_temporary.h says. */
int cases_store_temporary_report_compute(PGconn *conn, const struct cases_store_report_spec *s,
                                         const char *from, const char *to, json_t **out,
                                         char sqlstate[6]);

/* The stored reports of portal_id, newest period first, at most limit (with one more when more
 * follow) after the position {period_start, period} (NULL: from the newest): *items a new array
 * of {id, period, period_start, period_end, generated_at, url}. */
int cases_store_temporary_reports(PGconn *conn, const char *portal_id, long limit,
                                  const json_t *position, json_t **items, char sqlstate[6]);
/* The stored report id of portal_id with only the rows of company scope's offices (NULL: all):
 * *out a new {id, period, period_start, period_end, generated_at, rows}, NULL when none. */
int cases_store_temporary_report(PGconn *conn, const char *portal_id, const char *id,
                                 const char *scope, json_t **out, char sqlstate[6]);

/* The portals (of the authority replica) whose report of their last completed period, by their
 * setting, is not stored yet: *due a new array of {portal_id, timezone, period, unit,
 * period_start, period_end}. */
int cases_store_temporary_reports_due(PGconn *conn, json_t **due, char sqlstate[6]);
/* In conn's open transaction, the portal's report lock until it ends, if no other transaction
 * holds it: *got 1, else 0 (without waiting). */
int cases_store_temporary_report_lock(PGconn *conn, const char *portal_id, int *got,
                                      char sqlstate[6]);
/* Computes and stores as id the report of s (scope NULL) for the period period_start ..
 * period_end (exclusive), unless that period's report is stored already: *inserted 1 or 0. */
int cases_store_temporary_report_insert(PGconn *conn, const char *id,
                                        const struct cases_store_report_spec *s,
                                        const char *period_start, const char *period_end,
                                        int *inserted, char sqlstate[6]);

#endif
