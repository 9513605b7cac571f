/* SQL of the case list: one parameterised query per sort order (see case_list.h for the
 * caller's scope parameters $1..$4 and the shared conditions). */
#include <stdio.h>
#include <stdlib.h>

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

#define SUMMARY_SQL                                                                  \
  "json_build_object('id', c.id, 'claim_number', c.claim_number, "                   \
  "'damage_type', c.damage_type, 'damage_date', c.damage_date, 'status', c.status, " \
  "'address', json_build_object('street', c.street, 'postal_code', c.postal_code, "  \
  "  'city', c.city, 'country', c.country, 'latitude', c.latitude, "                 \
  "  'longitude', c.longitude), "                                                    \
  "'case_handler_id', c.case_handler_id, 'reminder_date', c.reminder_date, "         \
  "'external_case_handler', CASE WHEN c.ech_office_id IS NULL THEN NULL ELSE "       \
  "  json_build_object('office', json_build_object('id', c.ech_office_id, "          \
  "    'name', c.ech_office_name, 'company_id', c.ech_company_id, "                  \
  "    'company_name', c.ech_company_name), "                                        \
  "  'user', CASE WHEN c.ech_user_id IS NULL THEN NULL ELSE json_build_object("      \
  "    'id', c.ech_user_id, 'name', c.ech_user_name) END) END, "                     \
  "'tasks_total', (SELECT count(*) FROM tasks tt WHERE tt.case_id = c.id), "         \
  "'created_at', iso(c.created_at), 'updated_at', iso(c.updated_at), "               \
  "'version', c.version, 'action_reasons', to_json(r.reasons))::text"

/* Parameters after the scope: $5 statuses text[], $6 damage_type, $7 q (ILIKE pattern),
 * $8 action_required, $9 action_reason, $10 user_id, $11 my_tasks, $12 my_open_tasks,
 * $13 the calling user (for my_*), $14 has_external_case_handler, $15 the external case
 * handler user, $16 the case handler, $17 reminder, $18/$19 the cursor, $20 the row limit. */
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
  "      OR ($17::text = 'later' AND " CASES_REMINDER_LATER_SQL "))"

/* One query per sort column: the column is chosen from these two texts, never from input. */
#define LIST_SQL(col)                                                           \
  "SELECT " SUMMARY_SQL " FROM cases c CROSS JOIN LATERAL (SELECT " REASONS_SQL \
  " AS reasons) r WHERE " CASES_VISIBLE_SQL FILTERS_SQL                         \
  " AND ($18::timestamptz IS NULL OR (c." col                                   \
  ", c.id) < ($18::timestamptz, $19::uuid))"                                    \
  " ORDER BY c." col " DESC, c.id DESC LIMIT $20::int"

static const char *nonempty(const char *s) { return s != NULL && s[0] != '\0' ? s : NULL; }

int cases_store_list(PGconn *conn, const struct cases_scope *s, const struct cases_list_query *q,
                     json_t **items, char sqlstate[6]) {
  char limit[24];
  snprintf(limit, sizeof(limit), "%ld", q->limit + 1); /* one more: is there a next page? */
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
                          limit};
  return db_json_rows(conn, q->sort_updated ? LIST_SQL("updated_at") : LIST_SQL("created_at"), 20,
                      params, items, sqlstate);
}
