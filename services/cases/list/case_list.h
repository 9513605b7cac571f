/* The case list (GET /v1/cases), and what the list and the dashboard share: the caller's scope
 * as query parameters, and the SQL conditions of "action required" (the red arrow), reminders,
 * "my open tasks", the money awaiting the caller and the unread chat. Private to
 * services/cases/; owned by the lists resource (http_case_list.c, case_list.c,
 * store_case_list.c, http_dashboard.c, dashboard.c). The scope, the caller as an approver, the
 * query and the shared SQL conditions are in store_case_list.h.
 *
 * Every query of the case list and the dashboard starts with the same four parameters, the
 * caller's scope (struct cases_scope):
 *   $1 portal id, $2 company scope (NULL for insurer users and API clients, else the caller's
 *   company: see CASES_VISIBLE_SQL), $3 the offices the caller answers for (uuid[]; NULL = every
 *   office of the company), $4 the portal's time zone (an IANA name: "today" is a local date).
 * A dashboard row and the list filtered by the row's "filter" use the same conditions below,
 * so the count of the row is the length of the list. */
#ifndef CLAIMSUITE_CASES_CASE_LIST_H
#define CLAIMSUITE_CASES_CASE_LIST_H

#include <jansson.h>
#include <libpq-fe.h>
#include <ulfius.h>

#include "caller.h"
#include "store_case_list.h"

/* Fills s for the caller (borrowed; s borrows from it). Partner users answer for the tasks
 * and roles given to their own offices; a company admin (level 6) for every office of the
 * company. CS_OK or CS_ERR_NOMEM. Clear with cases_scope_clear (NULL-safe). */
int cases_scope_init(struct cases_scope *s, const struct cases_caller *c);
void cases_scope_clear(struct cases_scope *s);

/* The caller as an approver (borrowed; a borrows from it), for the rows and filters of what
 * awaits its approval: its approval limit and the case roles whose definition grants it
 * approve_budget, decided as the approval decides (decision.h) from the replica read on conn
 * (borrowed). CS_OK, or CS_ERR_UNAVAILABLE when the replica could not be read (answer with
 * cases_policy_failed). */
int cases_approver_init(PGconn *conn, const struct cases_caller *c, struct cases_approver *a);

/* ---- the list --------------------------------------------------------------------------- */

/* Reads the query parameters of GET /v1/cases (the request's map, borrowed: the query
 * borrows its values) for the caller. CS_OK, or CS_REFUSED with 400 "invalid-parameter"
 * listing every bad parameter in err->errors. Clear with cases_list_query_clear. */
int cases_list_query_parse(const struct _u_map *params, const struct cases_caller *c,
                           struct cases_list_query *q, struct cs_refusal *err);
void cases_list_query_clear(struct cases_list_query *q);

/* One page of visible cases: *page is the JSON text {items, next_cursor} (new, free()), as
 * PostgreSQL built the items. CS_OK or CS_REFUSED (database failure in err). */
int cases_list_page(PGconn *conn, const struct cases_caller *c, const struct cases_list_query *q,
                    char **page, struct cs_refusal *err);

#endif
