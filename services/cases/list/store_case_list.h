/* The store side of the case list and the dashboard (store_case_list.c): the caller's scope
 * as the first four query parameters, the filters of one page, and the SQL conditions the list
 * and the dashboard share (see case_list.h for their meaning). */
#ifndef CLAIMSUITE_CASES_STORE_CASE_LIST_H
#define CLAIMSUITE_CASES_STORE_CASE_LIST_H

#include <jansson.h>
#include <libpq-fe.h>

/* The caller's scope as the first four query parameters. */
struct cases_scope {
  const char *portal_id; /* borrowed from the caller */
  const char *company;   /* borrowed; NULL for internal callers */
  char *offices;         /* owned: a uuid[] literal "{...}", or NULL for every office */
  const char *timezone;  /* borrowed from the caller: the portal's IANA time zone */
};

/* ---- shared conditions on the case aliased c (parameters $1..$4 above) ---------------- */

/* The local date of today in the portal's time zone. */
#define CASES_TODAY_SQL "(now() AT TIME ZONE $4::text)::date"

/* The reasons below look up tasks of one case: OFFSET 0 keeps each lookup a probe of that case's
 * tasks, where PostgreSQL would otherwise read every task of the company into a hash table
 * first (milliseconds, for a page of 50 cases). */
/* A partner: a task of its company, given to one of the offices it answers for, waits for a
 * responsible user (status 1). Closed cases need no action. */
#define CASES_REASON_TASK_AWAITING_USER_SQL                                            \
  "($2::uuid IS NOT NULL AND c.status <> 'closed' AND EXISTS (SELECT 1 FROM tasks rt " \
  "WHERE rt.case_id = c.id AND rt.company_id = $2::uuid AND rt.status = '1' AND "      \
  "($3::uuid[] IS NULL OR rt.office_id = ANY ($3::uuid[])) OFFSET 0))"
/* A partner: the external case handler role was given to one of its offices it answers for
 * and no user holds it yet. */
#define CASES_REASON_ECH_AWAITING_USER_SQL                                        \
  "($2::uuid IS NOT NULL AND c.status <> 'closed' AND c.ech_user_id IS NULL AND " \
  "c.ech_company_id IS NOT DISTINCT FROM $2::uuid AND "                           \
  "($3::uuid[] IS NULL OR c.ech_office_id = ANY ($3::uuid[])) IS TRUE)"
/* The insurer: a task has no office yet (status 0; the case counts them, migration 0010). */
#define CASES_TASK_AWAITING_OFFICE_SQL "(c.status <> 'closed' AND c.tasks_awaiting_office > 0)"
#define CASES_REASON_TASK_AWAITING_OFFICE_SQL \
  "($2::uuid IS NULL AND " CASES_TASK_AWAITING_OFFICE_SQL ")"

/* The user $n holds a task of the case not yet approved, and the case is not closed. */
#define CASES_OPEN_TASKS_OF_SQL(n)                                                        \
  "(c.status <> 'closed' AND EXISTS (SELECT 1 FROM tasks ot WHERE ot.case_id = c.id AND " \
  "ot.user_id = " n "::uuid AND ot.status <> 'A'))"
/* The user $n holds a task of the case or its external case handler role. */
#define CASES_HOLDS_SQL(n)                    \
  "(c.ech_user_id IS NOT DISTINCT FROM " n    \
  "::uuid OR EXISTS (SELECT 1 FROM tasks ht " \
  "WHERE ht.case_id = c.id AND ht.user_id = " n "::uuid))"
/* The case handler's reminder falls today (overdue ones too), tomorrow, or later. NULL (no
 * reminder) counts as no; written bare, not wrapped in IS TRUE, so that an index on
 * (case_handler_id, reminder_date) answers them: use them only where NULL and false mean the
 * same (a WHERE or FILTER condition, not under NOT). */
#define CASES_REMINDER_TODAY_SQL "c.reminder_date <= " CASES_TODAY_SQL
#define CASES_REMINDER_TOMORROW_SQL "c.reminder_date = " CASES_TODAY_SQL " + 1"
#define CASES_REMINDER_LATER_SQL "c.reminder_date > " CASES_TODAY_SQL " + 1"

/* ---- money waiting for the caller (migrations/0011_money.sql, 0012_money_screens.sql) ---- */

/* The caller as an approver of budgets and invoices (the right approve_budget), as three query
 * parameters: who (a uuid), limit (a bigint) and roles (a text[]). Filled by
 * cases_approver_init (case_list.h) from the replica, with the one decision function. */
struct cases_approver {
  const char *who; /* borrowed: the caller, a user or an API client */
  char limit[24];  /* the approval limit in minor units; "" for none (API clients) */
  char roles[96];  /* the case roles whose definition grants it approve_budget, "{...}" */
};

/* The open case has a budget or an invoice waiting for a decision: the predicate of the index
 * cases_money_waiting, written the same so that a statement saying it can start from it. */
#define CASES_MONEY_WAITING_SQL \
  "(c.budgets_submitted > 0 OR c.invoices_submitted > 0) AND c.status <> 'closed'"
/* The ids of the cases where the user (parameter who) holds a case role named in roles (a text[]
 * parameter): the external case handler role, the project_management task (project_manager),
 * an inspection task (inspector_extra_authority), as cases_roles_of (core/case_op.h) finds
 * them. A case may come twice: use it with IN. */
#define CASES_ROLE_CASES_SQL(who, roles)                                                \
  "SELECT hc.id FROM cases hc WHERE hc.ech_user_id = " who                              \
  "::uuid"                                                                              \
  " AND 'external_case_handler' = ANY (" roles                                          \
  "::text[])"                                                                           \
  " UNION ALL SELECT ht.case_id FROM tasks ht WHERE ht.user_id = " who                  \
  "::uuid"                                                                              \
  " AND ((ht.type = 'project_management' AND 'project_manager' = ANY (" roles           \
  "::text[])) OR (ht.type = 'inspection' AND 'inspector_extra_authority' = ANY (" roles \
  "::text[])))"
/* The caller may decide the money of the case c: the insurer ($2 NULL: its users and API
 * clients) in every case, a partner user where it holds a role that grants approve_budget. */
#define CASES_APPROVER_OF_SQL(who, roles) \
  "($2::uuid IS NULL OR c.id IN (" CASES_ROLE_CASES_SQL(who, roles) "))"
/* A budget of the open case c waits for the caller's decision: submitted, its total incl. VAT
 * within the caller's limit (NULL: none), and not submitted by the caller (four eyes). The case
 * counts its submitted budgets, so only those cases look at their budgets. */
#define CASES_BUDGET_AWAITING_SQL(who, limit)                                               \
  "(c.budgets_submitted > 0 AND c.status <> 'closed' AND EXISTS (SELECT 1 FROM budgets ab " \
  "WHERE ab.case_id = c.id AND ab.status = 'submitted'"                                     \
  " AND ab.total_incl_vat <= coalesce(" limit                                               \
  "::bigint, ab.total_incl_vat)"                                                            \
  " AND (ab.submitted_by = " who "::uuid::text) IS NOT TRUE OFFSET 0))"
/* An invoice of the open case c waits for a decision (the case counts them). */
#define CASES_INVOICE_AWAITING_SQL "(c.invoices_submitted > 0 AND c.status <> 'closed')"
/* The budget aliased b is its task's latest: no newer revision. */
#define CASES_LATEST_BUDGET_SQL(b)                             \
  "NOT EXISTS (SELECT 1 FROM budgets nb WHERE nb.task_id = " b \
  ".task_id"                                                   \
  " AND nb.revision > " b ".revision)"
/* The open case c has a task whose latest budget was rejected: for a partner ($2) one its
 * company supplied (budgets.company_id), for the insurer any. A new revision answers it. */
#define CASES_BUDGET_REJECTED_SQL                                                           \
  "(c.status <> 'closed' AND EXISTS (SELECT 1 FROM budgets rb WHERE rb.case_id = c.id AND " \
  "rb.status = 'rejected' AND (rb.company_id = $2::uuid OR $2::uuid IS NULL) "              \
  "AND " CASES_LATEST_BUDGET_SQL("rb") " OFFSET 0))"

/* ---- the chat (migrations/0015_chat.sql) -------------------------------------------------- */

/* The cases user takes part in: its own as case handler, as the external case handler, as the
 * user of a task, those it is marked in for the chat, those whose chat it has read or written
 * (each by an index of the user: migrations/0001, 0017, 0024). A case may come more than
 * once: use with IN. */
#define CASES_CHAT_MINE_SQL(user)                                                         \
  "SELECT mh.id FROM cases mh WHERE mh.case_handler_id = " user                           \
  "::uuid UNION ALL SELECT me.id FROM cases me WHERE me.ech_user_id = " user              \
  "::uuid UNION ALL SELECT mt.case_id FROM tasks mt WHERE mt.user_id = " user             \
  "::uuid UNION ALL SELECT mp.case_id FROM chat_participants mp WHERE mp.user_id = " user \
  "::uuid UNION ALL SELECT mr.case_id FROM chat_reads mr WHERE mr.user_id = " user "::uuid::text"
/* The open case c, one user takes part in, has a message by another than user that user has
 * not read (a portal's or a company's every case with a message would be no one's list). */
#define CASES_UNREAD_CHAT_SQL(user) \
  "(c.status <> 'closed' AND c.id IN (" CASES_CHAT_MINE_SQL(user) ") AND EXISTS (SELECT 1 "   \
  "FROM chat_messages um WHERE um.case_id = c.id "                                             \
  "AND um.posted_at > coalesce((SELECT ur.read_at FROM chat_reads ur WHERE ur.case_id = c.id " \
  "AND ur.user_id = " user "::uuid::text), '-infinity') AND um.author_id <> " user            \
  "::uuid::text OFFSET 0))"

/* The open case c has a document or report a partner added after the insurer last marked its
 * uploads seen (migrations/0018, whose partial index holds exactly these cases). */
#define CASES_PARTNER_UPLOADS_SQL                                                         \
  "(c.partner_upload_at > coalesce(c.partner_uploads_seen_at, '-infinity') AND c.status " \
  "<> 'closed')"

/* The open case c has an open request for quotation on one of its tasks (migrations/0019,
 * whose partial index holds exactly these cases), and a partner ($2) is its external case
 * handler: RFQs are the insurer's and the handler's to follow. */
#define CASES_RFQ_OPEN_SQL                                                                 \
  "(c.rfqs_open > 0 AND c.status <> 'closed' AND ($2::uuid IS NULL OR c.ech_company_id = " \
  "$2::uuid))"

/* The case c is a temporary case waiting to be converted or connected (migrations/0021, whose
 * partial index holds exactly these cases). */
#define CASES_TEMPORARY_OPEN_SQL "(c.temporary_status = 'open')"

/* The customer wrote or uploaded something on the case's customer page that no one has marked
 * read, as the customer service last said (migrations/0022, whose partial index holds exactly
 * these rows; a row counts only in the case's own portal), whatever the case's status: the
 * customer page stays open for a while after closing. The insurer's ($2 NULL) alone. */
#define CASES_CUSTOMER_CONTACT_SQL                                                           \
  "($2::uuid IS NULL AND EXISTS (SELECT 1 FROM customer_contact cc WHERE cc.case_id = c.id " \
  "AND cc.portal_id = c.portal_id AND cc.unread_from_customer > 0))"

/* The filters of one page, as query parameters of the store: every member borrowed or
 * pointing into the struct's own buffers; NULL = no filter. */
struct cases_list_query {
  char statuses[48]; /* text[] literal "{open,on_hold}" or "" */
  const char *damage_type;
  char *q_pattern;              /* owned: the ILIKE pattern, % and _ escaped */
  const char *action_required;  /* "true" / "false" */
  const char *action_reason;    /* a reason name */
  const char *user_id;          /* a UUID */
  const char *my_tasks;         /* "true" / "false" */
  const char *my_open_tasks;    /* "true" / "false" */
  const char *me;               /* the caller's user id, when a filter names "me" */
  const char *has_ech;          /* "true" / "false" */
  const char *ech_user;         /* a UUID (external_case_handler=me or =<uuid>) */
  const char *case_handler;     /* a UUID (case_handler=me or =<uuid>) */
  const char *reminder;         /* today, tomorrow, later */
  const char *budget_waiting;   /* "true" / "false": budget_awaiting_approval */
  const char *budget_rejected;  /* "true" / "false" */
  const char *invoice_waiting;  /* "true" / "false": invoice_awaiting_approval */
  const char *unread_chat;      /* "true" / "false": for the calling user (me) */
  const char *partner_uploads;  /* "true" / "false": uploads of partners the insurer has not seen */
  const char *rfq_open;         /* "true" / "false": an open RFQ on one of its tasks */
  const char *temporary;        /* "true" / "false": a temporary case not yet converted/connected */
  const char *customer_contact; /* "true" / "false": customer messages or uploads unread */
  char updated_since[40];       /* RFC 3339: cases changed at or after it; "" for any */
  int sort_updated;             /* sort by updated_at instead of created_at */
  char after_time[40];          /* the cursor's position, "" on the first page */
  char after_id[37];
  long limit;
};

/* A page as PostgreSQL built it: the JSON text of the summaries shown (at most limit,
 * comma-joined, "" for none; each with "action_reasons" and "action_required" for the caller)
 * and, when another page follows, the last one shown. */
struct cases_store_page {
  char *items;  /* owned (free()) */
  json_t *last; /* owned; NULL: no more pages */
};
void cases_store_page_clear(struct cases_store_page *p);

/* The store (store_case_list.c): the page of q for s, a (borrowed) the caller as an approver
 * when q filters on budgets or invoices awaiting approval (else NULL). CS_OK or CS_ERR_DB
 * (sqlstate) / CS_ERR_NOMEM. Nothing is parsed but the last summary, when there are more. */
int cases_store_list(PGconn *conn, const struct cases_scope *s, const struct cases_list_query *q,
                     const struct cases_approver *a, struct cases_store_page *page,
                     char sqlstate[6]);

#endif
