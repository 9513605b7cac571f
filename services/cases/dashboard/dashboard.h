/* The dashboard (GET /v1/dashboard): counters for the caller, one row per thing to follow up,
 * each with the case list filter that lists what it counts. Private to services/cases/; owned
 * by the lists resource (http_dashboard.c, dashboard.c). */
#ifndef CLAIMSUITE_CASES_DASHBOARD_H
#define CLAIMSUITE_CASES_DASHBOARD_H

#include <jansson.h>
#include <libpq-fe.h>

#include "caller.h"

/* The rows the caller is shown, counted over the cases visible to it in one snapshot:
 * *out is a new object {"rows": [{row, count, filter}]}. CS_OK or CS_REFUSED (database
 * failure in err). */
int cases_dashboard(PGconn *conn, const struct cases_caller *c, json_t **out,
                    struct cs_refusal *err);

#endif
