/* SQL of the reports (see reports.h). */
#include <stdio.h>

#include "db.h"
#include "db_json.h"
#include "store_reports.h"
#include "status.h"
#include "store_visibility.h"

/* The money of a case the caller sees (money/money_reads.h): all of it for the insurer ($2
 * NULL), a partner only its own company's tasks' items (an item of no task is the insurer's). */
#define MONEY_SEEN_SQL(x)                                                \
  "($2::uuid IS NULL OR EXISTS (SELECT 1 FROM tasks mt WHERE mt.id = " x \
  ".task_id "                                                            \
  "AND mt.company_id = $2::uuid))"

/* $1 portal, $2 company scope (CASES_VISIBLE_SQL), $3/$4 the local creation dates, $5 the
 * portal's time zone, $6 the row limit. Sums of money are bigint: integers in JSON. */
#define CASE_STATISTICS_SQL \
  "SELECT json_build_object('claim_number', c.claim_number, 'case_id', c.id, "                \
  "'status', c.status, 'damage_type', c.damage_type, 'damage_date', c.damage_date, "          \
  "'created_at', iso(c.created_at), 'closed_at', iso(c.closed_at), 'city', c.city, "          \
  "'tasks_total', k.total, 'tasks_approved', k.approved, "                                    \
  "'external_case_handler_office', c.ech_office_name, "                                       \
  "'external_case_handler_user_id', c.ech_user_id, "                                          \
  "'budgets_submitted_incl_vat', b.submitted, 'budgets_approved_incl_vat', b.approved, "      \
  "'cash_offered', o.offered, 'cash_accepted', o.accepted)::text "                            \
  "FROM cases c CROSS JOIN LATERAL (SELECT count(*) AS total, "                               \
  "  count(*) FILTER (WHERE t.status = 'A') AS approved FROM tasks t "                        \
  "  WHERE t.case_id = c.id) k "                                                              \
  "CROSS JOIN LATERAL (SELECT "                                                               \
  "  coalesce(sum(x.total_incl_vat) FILTER (WHERE x.status = 'submitted'), 0)::bigint "       \
  "  AS submitted, "                                                                          \
  "  coalesce(sum(x.total_incl_vat) FILTER (WHERE x.status = 'approved'), 0)::bigint "        \
  "  AS approved FROM budgets x WHERE x.case_id = c.id AND " MONEY_SEEN_SQL("x") ") b "       \
  "CROSS JOIN LATERAL (SELECT "                                                               \
  "  coalesce(sum(y.amount) FILTER (WHERE y.status = 'offered'), 0)::bigint AS offered, "     \
  "  coalesce(sum(y.amount) FILTER (WHERE y.status = 'accepted'), 0)::bigint AS accepted "    \
  "  FROM cash_offers y WHERE y.case_id = c.id AND " MONEY_SEEN_SQL("y") ") o "               \
  "WHERE " CASES_VISIBLE_SQL                                                                  \
  " AND c.created_at >= coalesce($3::date, '-infinity')::timestamp AT TIME ZONE $5::text"     \
  " AND c.created_at < (coalesce($4::date, 'infinity') + 1)::timestamp AT TIME ZONE $5::text" \
  " ORDER BY c.created_at, c.id LIMIT $6::int"

int cases_store_case_statistics(PGconn *conn, const char *portal_id, const char *scope,
                                const char *from, const char *to, const char *tz, long max_rows,
                                json_t **rows, char sqlstate[6]) {
  char limit[24];
  snprintf(limit, sizeof(limit), "%ld", max_rows);
  const char *params[] = {portal_id, scope, from, to, tz, limit};
  return db_json_rows(conn, CASE_STATISTICS_SQL, 6, params, rows, sqlstate);
}
