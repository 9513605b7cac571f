/* SQL of temporary cases (see store_temporary.h). */
#include "store_temporary.h"

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "db_json.h"
#include "status.h"

int cases_store_temporary_window(PGconn *conn, const char *portal_id, const char *office_id,
                                 json_t **out, char sqlstate[6]) {
  const char *p[] = {portal_id, office_id};
  /* the replica's tables are this schema's (common/replica.h): read here, under the change's
   * transaction, with now() in the portal's own time zone */
  return db_json_row(
      conn,
      "SELECT json_build_object('permission', o.temporary_cases, 'office_name', o.name,"
      " 'inside', extract(isodow FROM l.t)::smallint = ANY (p.office_days)"
      "   AND NOT l.t::date = ANY (p.public_holidays)"
      "   AND l.t::time >= p.office_hours_start AND l.t::time < p.office_hours_end,"
      " 'start', to_char(p.office_hours_start, 'HH24:MI'),"
      " 'end', to_char(p.office_hours_end, 'HH24:MI'), 'timezone', p.timezone,"
      " 'local', to_char(l.t, 'YYYY-MM-DD HH24:MI'),"
      " 'office_day', extract(isodow FROM l.t)::smallint = ANY (p.office_days),"
      " 'holiday', l.t::date = ANY (p.public_holidays),"
      " 'enhanced', p.enhanced_temporary_cases)"
      " FROM replica_portal p CROSS JOIN LATERAL (SELECT now() AT TIME ZONE p.timezone AS t) l"
      " LEFT JOIN replica_office o ON o.id = $2::uuid WHERE p.id = $1::uuid",
      2, p, out, sqlstate);
}

int cases_store_temporary_number(PGconn *conn, char out[32], char sqlstate[6]) {
  PGresult *res = NULL;
  if (db_exec(conn, "SELECT 'TEMPORARY-' || lpad(nextval('temporary_case_numbers')::text, 6, '0')",
              0, NULL, &res, sqlstate) != CS_OK)
    return CS_ERR_DB;
  snprintf(out, 32, "%s", PQgetvalue(res, 0, 0));
  PQclear(res);
  return CS_OK;
}

int cases_store_temporary_mark(PGconn *conn, const char *case_id, const json_t *office,
                               char sqlstate[6]) {
  const char *p[] = {case_id, json_string_value(json_object_get(office, "id")),
                     json_string_value(json_object_get(office, "name")),
                     json_string_value(json_object_get(office, "company_id"))};
  return db_exec(conn,
                 "UPDATE cases SET temporary_status = 'open', temporary_office_id = $2::uuid,"
                 " temporary_office_name = $3, temporary_company_id = $4::uuid"
                 " WHERE id = $1::uuid",
                 4, p, NULL, sqlstate);
}

int cases_store_temporary_convert(PGconn *conn, const char *case_id, const char *claim_number,
                                  const char *case_handler_id, char sqlstate[6]) {
  const char *p[] = {case_id, claim_number, case_handler_id};
  return db_exec(conn,
                 "UPDATE cases SET claim_number = $2, case_handler_id = $3::uuid,"
                 " temporary_status = 'converted', temporary_resolved_at = now()"
                 " WHERE id = $1::uuid",
                 3, p, NULL, sqlstate);
}

int cases_store_case_for_update(PGconn *conn, const char *portal_id, const char *id, json_t **doc,
                                char sqlstate[6]) {
  const char *p[] = {portal_id, id};
  return db_json_row(conn,
                     "SELECT case_document(c) FROM cases c WHERE c.portal_id = $1::uuid"
                     " AND c.id = $2::uuid FOR UPDATE",
                     2, p, doc, sqlstate);
}

int cases_store_temporary_connect(PGconn *conn, const char *source, const char *target,
                                  char sqlstate[6]) {
  /* what belongs to the case moves; the history stays with the case it tells of */
  static const char *const moves[] = {
      "UPDATE tasks SET case_id = $2::uuid WHERE case_id = $1::uuid",
      "UPDATE task_reports SET case_id = $2::uuid WHERE case_id = $1::uuid",
      "UPDATE budgets SET case_id = $2::uuid WHERE case_id = $1::uuid",
      "UPDATE invoices SET case_id = $2::uuid WHERE case_id = $1::uuid",
      "UPDATE cash_offers SET case_id = $2::uuid WHERE case_id = $1::uuid",
      "UPDATE rfqs SET case_id = $2::uuid WHERE case_id = $1::uuid",
      "UPDATE documents SET case_id = $2::uuid WHERE case_id = $1::uuid",
      "UPDATE chat_messages SET case_id = $2::uuid WHERE case_id = $1::uuid",
      "UPDATE calls SET case_id = $2::uuid WHERE case_id = $1::uuid",
      "INSERT INTO chat_participants SELECT $2::uuid, user_id, marked_by, marked_at"
      " FROM chat_participants WHERE case_id = $1::uuid ON CONFLICT DO NOTHING",
      "DELETE FROM chat_participants WHERE case_id = $1::uuid",
      "DELETE FROM chat_reads WHERE case_id = $1::uuid",
      /* the contacts the target lacks, and what the case rows count of what moved */
      "UPDATE cases t SET contacts = t.contacts || coalesce((SELECT jsonb_agg(x)"
      " FROM jsonb_array_elements(s.contacts) x WHERE NOT t.contacts @> jsonb_build_array(x)),"
      " '[]'), rfqs_open = t.rfqs_open + s.rfqs_open,"
      " budgets_submitted = t.budgets_submitted + s.budgets_submitted,"
      " invoices_submitted = t.invoices_submitted + s.invoices_submitted,"
      " partner_upload_at = greatest(t.partner_upload_at, s.partner_upload_at)"
      " FROM cases s WHERE s.id = $1::uuid AND t.id = $2::uuid",
      "UPDATE cases SET rfqs_open = 0, budgets_submitted = 0, invoices_submitted = 0,"
      " partner_upload_at = NULL, status = 'closed', closed_at = now(),"
      " temporary_status = 'connected', connected_to = $2::uuid, temporary_resolved_at = now()"
      " WHERE id = $1::uuid"};
  const char *p[] = {source, target};
  for (size_t i = 0; i < sizeof(moves) / sizeof(moves[0]); i++)
    if (db_exec(conn, moves[i], strstr(moves[i], "$2") != NULL ? 2 : 1, p, NULL, sqlstate) != CS_OK)
      return CS_ERR_DB;
  return CS_OK;
}
