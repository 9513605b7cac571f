/* The store side of the reports (store_reports.c). */
#ifndef CLAIMSUITE_CASES_STORE_REPORTS_H
#define CLAIMSUITE_CASES_STORE_REPORTS_H

#include <jansson.h>
#include <libpq-fe.h>

/* The store (store_reports.c): at most max_rows rows of visible cases created in the range
 * (from/to NULL when open) in the time zone tz, oldest first, as a new array; each row has the
 * report's members (reports.h) but the email, and "external_case_handler_user_id" instead.
 * CS_OK or CS_ERR_DB. */
int cases_store_case_statistics(PGconn *conn, const char *portal_id, const char *scope,
                                const char *from, const char *to, const char *tz, long max_rows,
                                json_t **rows, char sqlstate[6]);

#endif
