/* SQL of the dashboard (store_dashboard.c): one statement counts every row the caller is shown,
 * in one snapshot. Which rows a caller is shown, and what they mean, is dashboard.c's. */
#ifndef CLAIMSUITE_CASES_STORE_DASHBOARD_H
#define CLAIMSUITE_CASES_STORE_DASHBOARD_H

#include <libpq-fe.h>
#include <stddef.h>

#include "store_case_list.h"

/* Counts the rows names[0..n-1] (borrowed) over the cases visible to scope s, for user_id (the
 * calling user, NULL for an API client) and a (borrowed: the caller as an approver), in one
 * snapshot: counts[i] for names[i]. CS_OK, CS_ERR_NOT_FOUND for a name without a query, or
 * CS_ERR_DB with sqlstate. */
int cases_store_dashboard_counts(PGconn *conn, const struct cases_scope *s, const char *user_id,
                                 const struct cases_approver *a, const char *const *names, size_t n,
                                 long long *counts, char sqlstate[6]);

#endif
