/* The dashboard's rows: a static table, one entry per row (name, audience, the case list
 * filter that lists what it counts, and its one counting query). A new row (budgets awaiting
 * my approval, temporary cases to connect, customer uploads, ...) is one more entry here,
 * plus, when the case list cannot list it yet, the filter it names in case_list.c.
 *
 * Each query gets the caller's scope as $1..$4 (case_list.h) and the calling user as $5 (NULL
 * for an API client), and must count only what the caller may see (CASES_VISIBLE_SQL, or the
 * same rule for rows over other tables). Counts of case rows count cases, so that a row's count
 * is the length of the list its filter gives. */
#include <stdlib.h>
#include <string.h>

#include "case_list.h"
#include "dashboard.h"
#include "db.h"
#include "status.h"
#include "store_visibility.h"

enum dashboard_audience {
  FOR_SUPPLIERS = 1,     /* partner users */
  FOR_INSURERS = 2,      /* insurer users and API clients */
  FOR_CASE_HANDLERS = 4, /* insurer users (an API client handles no cases) */
  FOR_MARKED_ECH = 8     /* users marked as external case handler, even with nothing assigned */
};

struct dashboard_row {
  const char *name;
  unsigned audience;
  const char *filter; /* a JSON object: query parameters of GET /v1/cases */
  const char *sql;    /* one count */
};

/* Names every parameter, so that each query may use only some of them. */
#define CALLER_CTE                                                                            \
  "WITH caller AS (SELECT $1::uuid AS portal_id, $2::uuid AS scope, $3::uuid[] AS offices, " \
  "$4::text AS timezone, $5::uuid AS user_id) "
#define COUNT_CASES(cond)                                                                     \
  CALLER_CTE "SELECT count(*) FROM cases c WHERE " CASES_VISIBLE_SQL " AND " cond

static const struct dashboard_row rows[] = {
    /* the supplier's new assignments: tasks and roles given to the offices it answers for */
    {"new_tasks_awaiting_user", FOR_SUPPLIERS, "{\"action_reason\": \"task_awaiting_user\"}",
     COUNT_CASES(CASES_REASON_TASK_AWAITING_USER_SQL)},
    {"new_external_case_handler_awaiting_user", FOR_SUPPLIERS,
     "{\"action_reason\": \"external_case_handler_awaiting_user\"}",
     COUNT_CASES(CASES_REASON_ECH_AWAITING_USER_SQL)},
    {"my_tasks", FOR_SUPPLIERS, "{\"my_open_tasks\": \"true\"}",
     COUNT_CASES(CASES_OPEN_TASKS_OF_SQL("$5"))},
    /* shown as soon as the user is marked for the role, even before any case */
    {"cases_assigned_to_me_as_external_case_handler", FOR_MARKED_ECH,
     "{\"external_case_handler\": \"me\", \"status\": \"open,on_hold\"}",
     COUNT_CASES("c.ech_user_id = $5::uuid AND c.status <> 'closed'")},
    /* the insurer's */
    {"tasks_awaiting_office", FOR_INSURERS, "{\"action_reason\": \"task_awaiting_office\"}",
     COUNT_CASES(CASES_REASON_TASK_AWAITING_OFFICE_SQL)},
    {"reminders_today", FOR_CASE_HANDLERS,
     "{\"case_handler\": \"me\", \"status\": \"open\", \"reminder\": \"today\"}",
     COUNT_CASES("c.status = 'open' AND c.case_handler_id = $5::uuid AND "
                 CASES_REMINDER_TODAY_SQL)},
    {"reminders_tomorrow", FOR_CASE_HANDLERS,
     "{\"case_handler\": \"me\", \"status\": \"open\", \"reminder\": \"tomorrow\"}",
     COUNT_CASES("c.status = 'open' AND c.case_handler_id = $5::uuid AND "
                 CASES_REMINDER_TOMORROW_SQL)},
    {"reminders_later", FOR_CASE_HANDLERS,
     "{\"case_handler\": \"me\", \"status\": \"open\", \"reminder\": \"later\"}",
     COUNT_CASES("c.status = 'open' AND c.case_handler_id = $5::uuid AND "
                 CASES_REMINDER_LATER_SQL)},
    {"open_cases", FOR_INSURERS, "{\"status\": \"open\"}", COUNT_CASES("c.status = 'open'")},
};

static unsigned audience_of(const struct cases_caller *c) {
  unsigned a = 0;
  if (cases_caller_is_internal(c)) a |= c->is_client ? FOR_INSURERS : FOR_INSURERS | FOR_CASE_HANDLERS;
  if (!c->is_client && !strcmp(c->company_kind, "partner")) a |= FOR_SUPPLIERS;
  if (!c->is_client && c->marked_external) a |= FOR_MARKED_ECH;
  return a;
}

/* Counts one row into *count. CS_OK or CS_ERR_DB. */
static int count_row(PGconn *conn, const struct dashboard_row *row, const struct cases_scope *s,
                     const char *user_id, long long *count, char sqlstate[6]) {
  const char *params[] = {s->portal_id, s->company, s->offices, s->timezone, user_id};
  PGresult *res = NULL;
  int rc = db_exec(conn, row->sql, 5, params, &res, sqlstate);
  if (rc != CS_OK) return rc;
  *count = PQntuples(res) == 1 ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
  PQclear(res);
  return CS_OK;
}

static int append_row(json_t *list, const struct dashboard_row *row, long long count) {
  json_t *filter = json_loads(row->filter, JSON_REJECT_DUPLICATES, NULL);
  json_t *entry = json_pack("{s:s, s:I, s:o}", "row", row->name, "count", (json_int_t)count,
                            "filter", filter);
  return entry != NULL ? json_array_append_new(list, entry) : -1;
}

int cases_dashboard(PGconn *conn, const struct cases_caller *c, json_t **out,
                    struct cs_refusal *err) {
  struct cases_scope scope;
  const char *user_id = c->is_client ? NULL : c->sub;
  unsigned audience = audience_of(c);
  json_t *list = json_array();
  int rc = CS_REFUSED;

  *out = NULL;
  if (list == NULL || cases_scope_init(&scope, c) != CS_OK) {
    json_decref(list);
    return cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
  }
  /* every row counts the same snapshot */
  if (db_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, NULL,
              err->sqlstate) != CS_OK) {
    cs_refusal_db(err);
    goto done;
  }
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    long long count = 0;
    if (!(rows[i].audience & audience)) continue;
    if (count_row(conn, &rows[i], &scope, user_id, &count, err->sqlstate) != CS_OK) {
      cs_refusal_db(err);
      goto done;
    }
    if (append_row(list, &rows[i], count) != 0) {
      cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
      goto done;
    }
  }
  *out = json_pack("{s:O}", "rows", list);
  rc = *out != NULL ? CS_OK : cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
done:
  db_rollback(conn); /* read only: nothing to keep */
  json_decref(list);
  cases_scope_clear(&scope);
  return rc;
}
