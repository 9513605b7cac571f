/* SQL of the dashboard (see store_dashboard.h). A new row is one more entry here and one in
 * dashboard.c's table.
 *
 * Each query gets the caller's scope as $1..$4 (store_case_list.h) and the calling user as $5
 * (NULL for an API client), and must count only what the caller may see (CASES_VISIBLE_SQL, or
 * the same rule for rows over other tables). Counts of case rows count cases, so that a row's
 * count is the length of the list its filter gives. */
#include "store_dashboard.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "status.h"
#include "store_visibility.h"

/* Names every parameter, so that each query may use only some of them. */
#define CALLER_CTE                                                                           \
  "WITH caller AS (SELECT $1::uuid AS portal_id, $2::uuid AS scope, $3::uuid[] AS offices, " \
  "$4::text AS timezone, $5::uuid AS user_id) "
#define COUNT_CASES(cond) \
  CALLER_CTE "SELECT count(*) FROM cases c WHERE " CASES_VISIBLE_SQL " AND " cond

static const struct {
  const char *name, *sql;
} queries[] = {
    {"new_tasks_awaiting_user", COUNT_CASES(CASES_REASON_TASK_AWAITING_USER_SQL)},
    {"new_external_case_handler_awaiting_user", COUNT_CASES(CASES_REASON_ECH_AWAITING_USER_SQL)},
    {"my_tasks", COUNT_CASES(CASES_OPEN_TASKS_OF_SQL("$5"))},
    {"cases_assigned_to_me_as_external_case_handler",
     COUNT_CASES("c.ech_user_id = $5::uuid AND c.status <> 'closed'")},
    {"tasks_awaiting_office", COUNT_CASES(CASES_REASON_TASK_AWAITING_OFFICE_SQL)},
    {"reminders_today",
     COUNT_CASES(
         "c.status = 'open' AND c.case_handler_id = $5::uuid AND " CASES_REMINDER_TODAY_SQL)},
    {"reminders_tomorrow",
     COUNT_CASES(
         "c.status = 'open' AND c.case_handler_id = $5::uuid AND " CASES_REMINDER_TOMORROW_SQL)},
    {"reminders_later",
     COUNT_CASES(
         "c.status = 'open' AND c.case_handler_id = $5::uuid AND " CASES_REMINDER_LATER_SQL)},
    {"open_cases", COUNT_CASES("c.status = 'open'")},
};

static const char *query_of(const char *name) {
  for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++)
    if (!strcmp(queries[i].name, name)) return queries[i].sql;
  return NULL;
}

/* Counts one query into *count. CS_OK or CS_ERR_DB. */
static int count_one(PGconn *conn, const char *sql, const char *const *params, long long *count,
                     char sqlstate[6]) {
  PGresult *res = NULL;
  int rc = db_exec(conn, sql, 5, params, &res, sqlstate);
  if (rc != CS_OK) return rc;
  *count = PQntuples(res) == 1 ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
  PQclear(res);
  return CS_OK;
}

int cases_store_dashboard_counts(PGconn *conn, const struct cases_scope *s, const char *user_id,
                                 const char *const *names, size_t n, long long *counts,
                                 char sqlstate[6]) {
  const char *params[] = {s->portal_id, s->company, s->offices, s->timezone, user_id};
  int rc;
  /* every row counts the same snapshot */
  if ((rc = db_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, NULL,
                    sqlstate)) != CS_OK)
    return rc;
  for (size_t i = 0; i < n && rc == CS_OK; i++) {
    const char *sql = query_of(names[i]);
    rc = sql != NULL ? count_one(conn, sql, params, &counts[i], sqlstate) : CS_ERR_NOT_FOUND;
  }
  db_rollback(conn); /* read only: nothing to keep */
  return rc;
}
