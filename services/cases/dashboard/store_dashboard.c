/* SQL of the dashboard (see store_dashboard.h). A new row is one more entry here and one in
 * dashboard.c's table.
 *
 * Every row is counted by one statement, in one round trip and one snapshot: each row is a
 * column, and a row the caller is not shown is not counted (its subquery runs only when its
 * name is in $6). The statement is prepared once per connection (db_exec_prepared), so each
 * subquery must plan well without knowing its parameters: each starts from an index of the few
 * rows it counts (migrations/0003_case_screens.sql), never from all cases of the portal (but
 * the insurer's cases_with_unread_chat: no index holds what a user has not read; see there).
 *
 * Parameters: the caller's scope as $1..$4 (store_case_list.h), the calling user as $5 (NULL
 * for an API client), the names of the rows to count as $6 (text[]), the caller as an approver
 * as $7..$9 (struct cases_approver: who, limit, roles). Each row counts only what the caller
 * may see (CASES_VISIBLE_SQL, or a start that implies it: a task or the external case handler
 * role of the caller's company), and counts cases, so that a row's count is the length of the
 * list its filter gives. */
#include "store_dashboard.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "status.h"
#include "store_visibility.h"

/* Distinct cases among tasks (one case may have several tasks that qualify). */
#define COUNT_TASK_CASES(cond)                                                                  \
  "SELECT count(*) FROM (SELECT DISTINCT t.case_created_at, t.case_id FROM tasks t WHERE " cond \
  ") a"
#define OFFICE_OF(col) "($3::uuid[] IS NULL OR " col " = ANY ($3::uuid[]))"
#define REMINDERS(when)                                                                    \
  "SELECT count(*) FROM cases c WHERE c.case_handler_id = $5::uuid AND c.status = 'open' " \
  "AND " when " AND " CASES_VISIBLE_SQL

/* name, then the statement counting it. X-macro: the table and the statement come from it. */
#define DASHBOARD_ROWS(X)                                                                            \
  /* a task of the partner's company is what makes the case visible to it */                         \
  /* kept by triggers (migrations/0007) for the company or one office; several offices: counted */   \
  X("new_tasks_awaiting_user",                                                                       \
    "SELECT CASE WHEN $3::uuid[] IS NULL OR cardinality($3::uuid[]) = 1 THEN "                       \
    "(SELECT coalesce(sum(k.n), 0) FROM waiting_case_counts k WHERE k.portal_id = $1::uuid "         \
    "AND k.scope_id = coalesce(($3::uuid[])[1], $2::uuid)) ELSE (" COUNT_TASK_CASES(                 \
        "t.company_id = $2::uuid AND t.portal_id = $1::uuid AND t.status = '1' "                     \
        "AND NOT t.case_closed AND " OFFICE_OF("t.office_id")) ") END")                              \
  /* so is the external case handler role held by the company */                                     \
  X("new_external_case_handler_awaiting_user",                                                       \
    "SELECT count(*) FROM cases c WHERE c.ech_company_id = $2::uuid AND c.portal_id = $1::uuid "     \
    "AND c.ech_user_id IS NULL AND c.status <> 'closed' AND " OFFICE_OF("c.ech_office_id"))          \
  X("my_tasks",                                                                                      \
    "SELECT count(*) FROM cases c WHERE c.id IN (SELECT ot.case_id FROM tasks ot WHERE "             \
    "ot.user_id = $5::uuid AND ot.status <> 'A' AND NOT ot.case_closed) "                            \
    "AND c.status <> 'closed' AND " CASES_VISIBLE_SQL)                                               \
  X("cases_assigned_to_me_as_external_case_handler",                                                 \
    "SELECT count(*) FROM cases c WHERE c.ech_user_id = $5::uuid AND c.status <> 'closed' "          \
    "AND " CASES_VISIBLE_SQL)                                                                        \
  /* insurers only (the scope $2 is NULL): they see every case of the portal */                      \
  X("tasks_awaiting_office",                                                                         \
    COUNT_TASK_CASES("$2::uuid IS NULL AND t.portal_id = $1::uuid AND t.status = '0' "               \
                     "AND NOT t.case_closed"))                                                       \
  X("reminders_today", REMINDERS(CASES_REMINDER_TODAY_SQL))                                          \
  X("reminders_tomorrow", REMINDERS(CASES_REMINDER_TOMORROW_SQL))                                    \
  X("reminders_later", REMINDERS(CASES_REMINDER_LATER_SQL))                                          \
  /* an insurer's is kept by triggers (migrations/0004); others check each case */                   \
  X("open_cases",                                                                                    \
    "SELECT CASE WHEN $2::uuid IS NULL THEN (SELECT coalesce(sum(k.n), 0) FROM open_case_counts "    \
    "k WHERE k.portal_id = $1::uuid) ELSE (SELECT count(*) FROM cases c WHERE "                      \
    "c.status = 'open' AND " CASES_VISIBLE_SQL ") END")                                              \
  /* money (migrations/0011, 0012): the insurer's start from its open cases where something */       \
  /* waits (cases_money_waiting), a partner user's from the cases where it holds a role */           \
  /* granting approve_budget (a few), or from its company's rejected budgets */                      \
  X("budgets_awaiting_my_approval",                                                                \
    "SELECT CASE WHEN $2::uuid IS NULL THEN (SELECT count(*) FROM cases c WHERE "                  \
    "c.portal_id = $1::uuid AND " CASES_MONEY_WAITING_SQL                                          \
    " AND " CASES_BUDGET_AWAITING_SQL("$7", "$8") ") ELSE (SELECT count(*) FROM cases c "          \
    "WHERE c.id IN (" CASES_ROLE_CASES_SQL("$7", "$9") ") AND "                                    \
    CASES_BUDGET_AWAITING_SQL("$7", "$8") " AND " CASES_VISIBLE_SQL ") END") \
  X("budgets_rejected",                                                                            \
    "SELECT CASE WHEN $2::uuid IS NULL THEN (SELECT count(*) FROM cases c WHERE c.id IN "          \
    "(SELECT rb.case_id FROM budgets rb WHERE rb.portal_id = $1::uuid AND "                        \
    "rb.status = 'rejected' AND " CASES_LATEST_BUDGET_SQL("rb") ") AND c.status <> 'closed' "      \
    "AND c.portal_id = $1::uuid) ELSE (SELECT count(*) FROM cases c WHERE c.id IN "                \
    "(SELECT rb.case_id FROM budgets rb WHERE rb.company_id = $2::uuid AND "                       \
    "rb.portal_id = $1::uuid AND rb.status = 'rejected' AND " CASES_LATEST_BUDGET_SQL("rb")        \
    ") AND c.status <> 'closed' AND " CASES_VISIBLE_SQL ") END") \
  X("cases_with_invoices_awaiting_approval",                                                         \
    "SELECT CASE WHEN $2::uuid IS NULL THEN (SELECT count(*) FROM cases c WHERE "                    \
    "c.portal_id = $1::uuid AND " CASES_MONEY_WAITING_SQL " AND " CASES_INVOICE_AWAITING_SQL         \
    ") ELSE (SELECT count(*) FROM cases c WHERE c.id IN (" CASES_ROLE_CASES_SQL(                     \
        "$7", "$9") ") AND " CASES_INVOICE_AWAITING_SQL " AND " CASES_VISIBLE_SQL ") END")           \
  /* the chat (migrations/0015, 0017): from the cases the user takes part in, a probe or two */      \
  /* each */                                                                                         \
  X("cases_with_unread_chat",                                                                        \
    "SELECT count(*) FROM cases c WHERE c.id IN (" CASES_CHAT_MINE_SQL(                              \
        "$5") ") AND " CASES_UNREAD_CHAT_SQL("$5") " AND " CASES_VISIBLE_SQL)                        \
  /* insurers only: from the partial index of the cases with unseen uploads (migrations/0018) */     \
  X("cases_with_partner_uploads",                                                                    \
    "SELECT count(*) FROM cases c WHERE $2::uuid IS NULL AND c.portal_id = $1::uuid "                \
    "AND " CASES_PARTNER_UPLOADS_SQL)                                                                \
  /* from the partial index of the cases with open RFQs (migrations/0019); a partner's only */       \
  /* where it is the external case handler */                                                        \
  X("cases_with_rfq_tasks",                                                                          \
    "SELECT count(*) FROM cases c WHERE c.portal_id = $1::uuid AND " CASES_RFQ_OPEN_SQL)             \
  /* insurers only: from the partial index of the open temporary cases (migrations/0021) */          \
  X("temporary_cases_to_connect",                                                                    \
    "SELECT count(*) FROM cases c WHERE $2::uuid IS NULL AND c.portal_id = $1::uuid "                \
    "AND " CASES_TEMPORARY_OPEN_SQL)                                                                 \
  /* insurers only: from the partial index of the cases with unread customer messages */             \
  /* (migrations/0022), each counted in its own portal */                                            \
  X("cases_with_customer_contact",                                                                   \
    "SELECT count(*) FROM cases c WHERE $2::uuid IS NULL AND c.id IN (SELECT cc.case_id "            \
    "FROM customer_contact cc WHERE cc.portal_id = $1::uuid AND cc.unread_from_customer > 0) "       \
    "AND c.portal_id = $1::uuid")

#define ROW_NAME(name, sql) name,
#define ROW_COLUMN(name, sql) ", CASE WHEN '" name "' = ANY ($6::text[]) THEN (" sql ") END"

static const char *const row_names[] = {DASHBOARD_ROWS(ROW_NAME)};
#define ROW_COUNT (sizeof(row_names) / sizeof(row_names[0]))

/* Row i is column i + 1. */
static const char counts_sql[] = "SELECT 0" DASHBOARD_ROWS(ROW_COLUMN);

static int row_of(const char *name) {
  for (size_t i = 0; i < ROW_COUNT; i++)
    if (!strcmp(row_names[i], name)) return (int)i;
  return -1;
}

int cases_store_dashboard_counts(PGconn *conn, const struct cases_scope *s, const char *user_id,
                                 const struct cases_approver *a, const char *const *names, size_t n,
                                 long long *counts, char sqlstate[6]) {
  int rows[ROW_COUNT];
  /* "{name,...}": the names are the table's own, checked before they go in */
  char wanted[ROW_COUNT * 48 + 3];
  size_t used = 0;
  PGresult *res = NULL;

  if (n > ROW_COUNT) return CS_ERR_NOT_FOUND;
  wanted[used++] = '{';
  for (size_t i = 0; i < n; i++) {
    if ((rows[i] = row_of(names[i])) < 0) return CS_ERR_NOT_FOUND;
    size_t len = strlen(names[i]);
    if (used + len + 3 > sizeof(wanted)) return CS_ERR_NOT_FOUND;
    if (i > 0) wanted[used++] = ',';
    memcpy(wanted + used, names[i], len);
    used += len;
  }
  wanted[used++] = '}';
  wanted[used] = '\0';

  const char *limit = a->limit[0] != '\0' ? a->limit : NULL; /* "": no limit */
  const char *params[] = {s->portal_id, s->company, s->offices, s->timezone, user_id,
                          wanted,       a->who,     limit,      a->roles};
  int rc = db_exec_prepared(conn, "cases_dashboard_counts", counts_sql, 9, params, &res, sqlstate);
  if (rc != CS_OK) return rc;
  for (size_t i = 0; i < n; i++) {
    int col = rows[i] + 1;
    counts[i] = PQntuples(res) == 1 && !PQgetisnull(res, 0, col)
                    ? strtoll(PQgetvalue(res, 0, col), NULL, 10)
                    : 0;
  }
  PQclear(res);
  return CS_OK;
}
