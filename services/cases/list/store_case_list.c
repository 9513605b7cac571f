/* SQL of the case list: one parameterised query per sort order, and faster ones for a partner's
 * list and the "action required" lists (see case_list.h for the caller's scope parameters
 * $1..$4 and the shared conditions). Each is prepared once per connection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_case_list.h"
#include "db.h"
#include "db_json.h"
#include "status.h"
#include "store_visibility.h"

/* The caller's reasons to act on the case c, as a text[] (the red arrow). */
#define REASONS_SQL                                  \
  "array_remove(ARRAY["                              \
  "CASE WHEN " CASES_REASON_TASK_AWAITING_OFFICE_SQL \
  " THEN 'task_awaiting_office' END, "               \
  "CASE WHEN " CASES_REASON_TASK_AWAITING_USER_SQL   \
  " THEN 'task_awaiting_user' END, "                 \
  "CASE WHEN " CASES_REASON_ECH_AWAITING_USER_SQL    \
  " THEN 'external_case_handler_awaiting_user' END], NULL)"

/* The case's summary as the list shows it: the one kept with the case, open (migrations/
 * 0009_case_summaries.sql, 0010), closed with the caller's reasons to act r.reasons. */
#define SUMMARY_SQL                                                       \
  "c.summary_open || ',\"action_reasons\":' || to_json(r.reasons)::text " \
  "|| ',\"action_required\":' || (cardinality(r.reasons) > 0)::text || '}'"

/* Parameters after the scope: $5 statuses text[], $6 damage_type, $7 q (ILIKE pattern),
 * $8 action_required, $9 action_reason, $10 user_id, $11 my_tasks, $12 my_open_tasks,
 * $13 the calling user (for my_* and unread_chat), $14 has_external_case_handler, $15 the
 * external case handler user, $16 the case handler, $17 reminder, $18/$19 the cursor, $20 the
 * row limit, ($21 the page's, PAGE_SQL) $22 budget_awaiting_approval, $23 budget_rejected,
 * $24 invoice_awaiting_approval, $25..$27 the caller as an approver (struct cases_approver),
 * $28 unread_chat, $29 partner_uploads, $30 rfq_open, $31 temporary, $32 customer_contact, $33
 * updated_since (an integrator's "what changed since I last looked"). The
 * money, chat, upload, RFQ, temporary and customer contact filters are the dashboard's rows
 * (store_dashboard.c), condition for condition. */
#define FILTERS_SQL \
  " AND ($5::text[] IS NULL OR c.status = ANY ($5::text[]))"                                \
  " AND ($6::text IS NULL OR c.damage_type = $6::text)"                                     \
  " AND ($7::text IS NULL OR c.claim_number ILIKE $7 OR c.street ILIKE $7"                  \
  "      OR c.city ILIKE $7 OR c.postal_code ILIKE $7 OR EXISTS (SELECT 1 FROM"             \
  "      jsonb_array_elements(c.contacts) ct WHERE ct->>'name' ILIKE $7))"                  \
  " AND ($8::boolean IS NULL OR (cardinality(r.reasons) > 0) = $8::boolean)"                \
  " AND ($9::text IS NULL OR $9::text = ANY (r.reasons))"                                   \
  " AND ($10::uuid IS NULL OR " CASES_HOLDS_SQL("$10") ")"                                  \
  " AND ($11::boolean IS NULL OR " CASES_HOLDS_SQL("$13") " = $11::boolean)"                \
  " AND ($12::boolean IS NULL OR " CASES_OPEN_TASKS_OF_SQL("$13") " = $12::boolean)"        \
  " AND ($14::boolean IS NULL OR (c.ech_office_id IS NOT NULL) = $14::boolean)"             \
  " AND ($15::uuid IS NULL OR c.ech_user_id = $15::uuid)"                                   \
  " AND ($16::uuid IS NULL OR c.case_handler_id = $16::uuid)"                               \
  " AND ($17::text IS NULL OR ($17::text = 'today' AND " CASES_REMINDER_TODAY_SQL ")"       \
  "      OR ($17::text = 'tomorrow' AND " CASES_REMINDER_TOMORROW_SQL ")"                   \
  "      OR ($17::text = 'later' AND " CASES_REMINDER_LATER_SQL "))"                        \
  " AND ($22::boolean IS NULL OR (" CASES_BUDGET_AWAITING_SQL("$25", "$26") " AND "         \
  CASES_APPROVER_OF_SQL("$25", "$27") ") = $22::boolean)"                                   \
  " AND ($23::boolean IS NULL OR " CASES_BUDGET_REJECTED_SQL " = $23::boolean)"             \
  " AND ($24::boolean IS NULL OR (" CASES_INVOICE_AWAITING_SQL " AND "                      \
  CASES_APPROVER_OF_SQL("$25", "$27") ") = $24::boolean)"                                   \
  " AND ($28::boolean IS NULL OR " CASES_UNREAD_CHAT_SQL("$13") " = $28::boolean)"          \
  " AND ($29::boolean IS NULL OR " CASES_PARTNER_UPLOADS_SQL " = $29::boolean)"            \
  " AND ($30::boolean IS NULL OR " CASES_RFQ_OPEN_SQL " = $30::boolean)"                   \
  " AND ($31::boolean IS NULL OR " CASES_TEMPORARY_OPEN_SQL " = $31::boolean)"             \
  " AND ($32::boolean IS NULL OR " CASES_CUSTOMER_CONTACT_SQL " = $32::boolean)"              \
  " AND ($33::timestamptz IS NULL OR c.updated_at >= $33::timestamptz)"

/* One query per sort column: the column is chosen from these two texts, never from input.
 * Every caller and filter can be answered by it; the lists below answer the common ones
 * faster and give the same rows. LIST_SQL_FROM's start is a condition every row listed meets
 * (and "AND "), said first so that a plan made once can start from an index of it. */
#define LIST_SQL_FROM(col, start)                                               \
  "SELECT " SUMMARY_SQL " FROM cases c CROSS JOIN LATERAL (SELECT " REASONS_SQL \
  " AS reasons) r WHERE " start CASES_VISIBLE_SQL FILTERS_SQL                   \
  " AND " DB_BEFORE_SQL("c." col, "c.id", "$18", "$19") " ORDER BY c." col      \
                                                        " DESC, c.id DESC LIMIT $20::int"
#define LIST_SQL(col) LIST_SQL_FROM(col, "")

/* An insurer's list without a filter, the screen opened most: the rows of LIST_SQL("created_at")
 * for $2 NULL and no filter, from a plan without the filters' subqueries (a plan sets up every
 * subquery it has on each execution, used or not). $1 portal, $2/$3 the cursor, $4 the row
 * limit; the insurer's one reason to act comes from the case alone. */
#define INSURER_LIST_SQL                                                             \
  "SELECT c.summary_open || CASE WHEN " CASES_TASK_AWAITING_OFFICE_SQL               \
  " THEN ',\"action_reasons\":[\"task_awaiting_office\"],\"action_required\":true}'" \
  " ELSE ',\"action_reasons\":[],\"action_required\":false}' END FROM cases c"       \
  " WHERE c.portal_id = $1::uuid AND " DB_BEFORE_SQL(                                \
      "c.created_at", "c.id", "$2", "$3") " ORDER BY c.created_at DESC, c.id DESC LIMIT $4::int"

/* ---- lists that start from the few rows that matter, newest first ------------------------
 * LIST_SQL walks every case of the portal, newest first, until a page is full: cheap when most
 * cases qualify, a scan when few do (a partner sees the cases of its own company only; few
 * cases wait for an action). These start from an index of the rows that can qualify instead
 * (migrations/0003_case_screens.sql; tasks carry their case's creation time and whether it is
 * closed) and then apply every filter of FILTERS_SQL: the same rows, in the same order.
 *
 * A case reached through its tasks comes once: from the task with the smallest id among those
 * that qualify. That check is wrapped in IS TRUE so that it stays a per-row probe (PostgreSQL
 * would otherwise turn it into a join over every task of the company). */

/* Cases reached through the tasks t of whose(t) that satisfy cond(t), as a subquery of
 * (at, id, doc) in the list's order, at most a page. */
#define TASK_BRANCH_SQL(whose, cond) \
  "(SELECT t.case_created_at AS at, t.case_id AS id, " SUMMARY_SQL " AS doc"               \
  " FROM tasks t JOIN cases c ON c.id = t.case_id"                                         \
  " CROSS JOIN LATERAL (SELECT " REASONS_SQL " AS reasons) r"                              \
  " WHERE t.portal_id = $1::uuid AND " whose("t") " AND " cond("t")                       \
  " AND c.portal_id = $1::uuid"                                                            \
  " AND (NOT EXISTS (SELECT 1 FROM tasks d WHERE d.case_id = t.case_id AND " whose("d")    \
  " AND " cond("d") " AND d.id < t.id)) IS TRUE" FILTERS_SQL                               \
  " AND " DB_BEFORE_SQL("t.case_created_at", "t.case_id", "$18", "$19")                    \
  " ORDER BY t.case_created_at DESC, t.case_id DESC LIMIT $20::int)"

/* A partner's tasks: its company's (such a task makes the case visible to it). */
#define COMPANY_TASK(a) a ".company_id = $2::uuid"
/* An insurer's ($2 NULL): any task, as every case of the portal is visible. */
#define INSURER_TASK(a) "$2::uuid IS NULL"

#define ANY_TASK(a) "true"
/* The tasks behind the reasons task_awaiting_user and task_awaiting_office (REASONS_SQL). */
#define TASK_AWAITING_USER(a)                                               \
  a ".status = '1' AND NOT " a ".case_closed AND ($3::uuid[] IS NULL OR " a \
    ".office_id = ANY ($3::uuid[]))"
#define TASK_AWAITING_OFFICE(a) a ".status = '0' AND NOT " a ".case_closed"

/* A partner's list: the cases it reaches through its tasks (task_cond), and those whose
 * external case handler role its company holds (ech_cond) and that it does not reach through
 * such a task: two ordered pages, merged. */
#define PARTNER_LIST_SQL(task_cond, ech_cond) \
  "SELECT u.doc FROM (" TASK_BRANCH_SQL(COMPANY_TASK, task_cond) " UNION ALL "           \
  "(SELECT c.created_at, c.id, " SUMMARY_SQL " FROM cases c"                             \
  " CROSS JOIN LATERAL (SELECT " REASONS_SQL " AS reasons) r"                            \
  " WHERE c.ech_company_id = $2::uuid AND c.portal_id = $1::uuid AND " ech_cond          \
  " AND NOT EXISTS (SELECT 1 FROM tasks d WHERE d.case_id = c.id"                        \
  "                 AND d.company_id = $2::uuid AND " task_cond("d") ")" FILTERS_SQL     \
  " AND " DB_BEFORE_SQL("c.created_at", "c.id", "$18", "$19")                            \
  " ORDER BY c.created_at DESC, c.id DESC LIMIT $20::int)"                               \
  ") u ORDER BY u.at DESC, u.id DESC LIMIT $20::int"

/* The external case handler role behind the reason external_case_handler_awaiting_user. */
#define ECH_AWAITING_USER                                                      \
  "c.ech_user_id IS NULL AND c.status <> 'closed' AND ($3::uuid[] IS NULL OR " \
  "c.ech_office_id = ANY ($3::uuid[]))"

/* Budgets or invoices awaiting the caller's approval: an insurer's only in an open case with
 * something waiting, which cases_money_waiting (migrations/0012_money_screens.sql) holds alone;
 * a partner user's only where it holds a case role that may approve (a few cases), where LIST_SQL
 * would walk every case of the portal and the partner's list every task of its company. */
#define MONEY_LIST_SQL(col) LIST_SQL_FROM(col, CASES_MONEY_WAITING_SQL " AND ")
#define APPROVER_LIST_SQL(col) \
  LIST_SQL_FROM(col, "c.id IN (" CASES_ROLE_CASES_SQL("$25", "$27") ") AND ")

/* A page of list (one column of summaries in order, limit + 1 rows): the summaries shown
 * (parameter shown: the limit) comma-joined, whether there were more, and the last one shown.
 * The rows keep the list's order through the window and the aggregate. */
#define PAGE_SQL_SHOWING(list, shown)                                  \
  "SELECT coalesce(string_agg(p.doc, ',') FILTER (WHERE p.n <= " shown \
  "::int), ''),"                                                       \
  " count(*) > " shown "::int, max(p.doc) FILTER (WHERE p.n = " shown  \
  "::int)"                                                             \
  " FROM (SELECT x.doc, row_number() OVER () AS n FROM (" list ") x (doc)) p"
#define PAGE_SQL(list) PAGE_SQL_SHOWING(list, "$21")

/* The statements, by name (db_exec_prepared). */
enum list_kind {
  LIST_INSURER,
  LIST_CREATED,
  LIST_UPDATED,
  LIST_PARTNER,
  LIST_PARTNER_ACTION,
  LIST_INSURER_ACTION,
  LIST_MONEY_CREATED,
  LIST_MONEY_UPDATED,
  LIST_APPROVER_CREATED,
  LIST_APPROVER_UPDATED
};
static const struct {
  const char *name, *sql;
} lists[] = {
    [LIST_INSURER] = {"cases_page_insurer", PAGE_SQL_SHOWING(INSURER_LIST_SQL, "$5")},
    [LIST_CREATED] = {"cases_page_created", PAGE_SQL(LIST_SQL("created_at"))},
    [LIST_UPDATED] = {"cases_page_updated", PAGE_SQL(LIST_SQL("updated_at"))},
    [LIST_PARTNER] = {"cases_page_partner", PAGE_SQL(PARTNER_LIST_SQL(ANY_TASK, "true"))},
    /* a partner's reasons are task_awaiting_user and external_case_handler_awaiting_user */
    [LIST_PARTNER_ACTION] = {"cases_page_partner_action",
                             PAGE_SQL(PARTNER_LIST_SQL(TASK_AWAITING_USER, ECH_AWAITING_USER))},
    /* an insurer's is task_awaiting_office */
    [LIST_INSURER_ACTION] = {"cases_page_insurer_action",
                             PAGE_SQL("SELECT u.doc FROM " TASK_BRANCH_SQL(
                                 INSURER_TASK, TASK_AWAITING_OFFICE) " u")},
    /* budgets and invoices awaiting approval: an insurer's, a partner user's */
    [LIST_MONEY_CREATED] = {"cases_page_money_created", PAGE_SQL(MONEY_LIST_SQL("created_at"))},
    [LIST_MONEY_UPDATED] = {"cases_page_money_updated", PAGE_SQL(MONEY_LIST_SQL("updated_at"))},
    [LIST_APPROVER_CREATED] = {"cases_page_approver_created",
                               PAGE_SQL(APPROVER_LIST_SQL("created_at"))},
    [LIST_APPROVER_UPDATED] = {"cases_page_approver_updated",
                               PAGE_SQL(APPROVER_LIST_SQL("updated_at"))},
};

static const char *nonempty(const char *s) { return s != NULL && s[0] != '\0' ? s : NULL; }

/* No filter on values or on the caller's part in the case (the cursor and limit aside). */
static int unfiltered(const struct cases_list_query *q) {
  return nonempty(q->statuses) == NULL && q->damage_type == NULL && q->q_pattern == NULL &&
         q->action_required == NULL && q->action_reason == NULL && q->user_id == NULL &&
         q->my_tasks == NULL && q->my_open_tasks == NULL && q->has_ech == NULL &&
         q->ech_user == NULL && q->case_handler == NULL && q->reminder == NULL &&
         q->budget_waiting == NULL && q->budget_rejected == NULL && q->invoice_waiting == NULL &&
         q->unread_chat == NULL && q->partner_uploads == NULL && q->rfq_open == NULL &&
         q->temporary == NULL && q->customer_contact == NULL && nonempty(q->updated_since) == NULL;
}

static int is_true(const char *flag) { return flag != NULL && !strcmp(flag, "true"); }

/* Which statement answers q for s: only the cases with a reason to act can have one (reason)
 * or any (action_required=true), only those with money waiting for the caller a budget or an
 * invoice awaiting its approval; a partner sees only what its company reaches. The other lists
 * by update time walk the portal's cases (tasks do not carry their case's update time). */
static enum list_kind list_kind_of(const struct cases_scope *s, const struct cases_list_query *q) {
  int acting = q->action_reason != NULL || is_true(q->action_required);
  int approving = is_true(q->budget_waiting) || is_true(q->invoice_waiting);
  if (approving && s->company == NULL)
    return q->sort_updated ? LIST_MONEY_UPDATED : LIST_MONEY_CREATED;
  if (approving) return q->sort_updated ? LIST_APPROVER_UPDATED : LIST_APPROVER_CREATED;
  if (q->sort_updated) return LIST_UPDATED;
  if (s->company != NULL) return acting ? LIST_PARTNER_ACTION : LIST_PARTNER;
  if (acting) return LIST_INSURER_ACTION;
  return unfiltered(q) ? LIST_INSURER : LIST_CREATED;
}

void cases_store_page_clear(struct cases_store_page *p) {
  if (p == NULL) return;
  free(p->items);
  json_decref(p->last);
  p->items = NULL;
  p->last = NULL;
}

int cases_store_list(PGconn *conn, const struct cases_scope *s, const struct cases_list_query *q,
                     const struct cases_approver *a, struct cases_store_page *page,
                     char sqlstate[6]) {
  char limit[24], shown[24];
  PGresult *res = NULL;
  page->items = NULL;
  page->last = NULL;
  snprintf(limit, sizeof(limit), "%ld", q->limit + 1); /* one more: is there a next page? */
  snprintf(shown, sizeof(shown), "%ld", q->limit);
  const char *params[] = {s->portal_id,
                          s->company,
                          s->offices,
                          s->timezone,
                          nonempty(q->statuses),
                          q->damage_type,
                          q->q_pattern,
                          q->action_required,
                          q->action_reason,
                          q->user_id,
                          q->my_tasks,
                          q->my_open_tasks,
                          q->me,
                          q->has_ech,
                          q->ech_user,
                          q->case_handler,
                          q->reminder,
                          nonempty(q->after_time),
                          nonempty(q->after_id),
                          limit,
                          shown,
                          q->budget_waiting,
                          q->budget_rejected,
                          q->invoice_waiting,
                          a != NULL ? a->who : NULL,
                          a != NULL ? nonempty(a->limit) : NULL,
                          a != NULL ? a->roles : NULL,
                          q->unread_chat,
                          q->partner_uploads,
                          q->rfq_open,
                          q->temporary,
                          q->customer_contact,
                          nonempty(q->updated_since)};
  enum list_kind k = list_kind_of(s, q);
  const char *insurer_params[] = {s->portal_id, params[17], params[18], limit, shown};
  int rc =
      k == LIST_INSURER
          ? db_exec_prepared(conn, lists[k].name, lists[k].sql, 5, insurer_params, &res, sqlstate)
          : db_exec_prepared(conn, lists[k].name, lists[k].sql, 33, params, &res, sqlstate);
  if (rc != CS_OK) return rc;
  rc = CS_ERR_NOMEM;
  if (PQntuples(res) != 1 || (page->items = strdup(PQgetvalue(res, 0, 0))) == NULL) goto done;
  if (!strcmp(PQgetvalue(res, 0, 1), "t") &&
      (page->last = json_loads(PQgetvalue(res, 0, 2), 0, NULL)) == NULL)
    goto done;
  rc = CS_OK;
done:
  PQclear(res);
  if (rc != CS_OK) cases_store_page_clear(page);
  return rc;
}
