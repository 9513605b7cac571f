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

/* The filters of one page, as query parameters of the store: every member borrowed or
 * pointing into the struct's own buffers; NULL = no filter. */
struct cases_list_query {
  char statuses[48]; /* text[] literal "{open,on_hold}" or "" */
  const char *damage_type;
  char *q_pattern;             /* owned: the ILIKE pattern, % and _ escaped */
  const char *action_required; /* "true" / "false" */
  const char *action_reason;   /* a reason name */
  const char *user_id;         /* a UUID */
  const char *my_tasks;        /* "true" / "false" */
  const char *my_open_tasks;   /* "true" / "false" */
  const char *me;              /* the caller's user id, when a filter names "me" */
  const char *has_ech;         /* "true" / "false" */
  const char *ech_user;        /* a UUID (external_case_handler=me or =<uuid>) */
  const char *case_handler;    /* a UUID (case_handler=me or =<uuid>) */
  const char *reminder;        /* today, tomorrow, later */
  int sort_updated;            /* sort by updated_at instead of created_at */
  char after_time[40];         /* the cursor's position, "" on the first page */
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

/* The store (store_case_list.c): the page of q for s. CS_OK or CS_ERR_DB (sqlstate) /
 * CS_ERR_NOMEM. Nothing is parsed but the last summary, when there are more. */
int cases_store_list(PGconn *conn, const struct cases_scope *s, const struct cases_list_query *q,
                     struct cases_store_page *page, char sqlstate[6]);

#endif
