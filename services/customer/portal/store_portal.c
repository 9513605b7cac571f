/* SQL of what the customer's side reads (see store_portal.h). */
#include "store_portal.h"

#include <stdio.h>

#include "db_json.h"

#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
#define LOCAL(member) \
  "to_char((n.params->>'" member "')::timestamptz AT TIME ZONE $3, 'YYYY-MM-DD HH24:MI')"

int customer_store_portal_news(PGconn *conn, const char *case_id, const char *kinds_json,
                               const char *tz, const char *before_at, const char *before_id,
                               long limit, json_t **rows, char sqlstate[6]) {
  char n[24];
  snprintf(n, sizeof(n), "%ld", limit);
  const char *p[] = {case_id, kinds_json, tz, n, before_at, before_id};
  return db_json_rows_prepared(
      conn, "customer_portal_news",
      "SELECT json_build_object('id', n.id, 'kind', n.kind, 'at', " ISO("n.at")
      ", 'params', n.params || jsonb_strip_nulls(jsonb_build_object('meeting_at', " LOCAL(
          "meeting_at") ", 'start', " LOCAL("start") ", 'end', " LOCAL("end")
      "))) FROM news n WHERE n.case_id = $1::uuid AND n.kind IN (SELECT"
      " jsonb_array_elements_text($2::jsonb)) AND (n.at, n.id) < (coalesce($5::timestamptz,"
      " 'infinity'), coalesce($6::bigint, 9223372036854775807)) ORDER BY n.at DESC, n.id DESC"
      " LIMIT $4::int",
      6, p, rows, sqlstate);
}

int customer_store_portal_budgets(PGconn *conn, const char *case_id, json_t **rows,
                                  char sqlstate[6]) {
  const char *p[] = {case_id};
  return db_json_rows_prepared(
      conn, "customer_portal_budgets",
      "SELECT json_build_object('budget_id', b.budget_id, 'task_id', b.task_id, 'revision',"
      " b.revision, 'currency', b.currency, 'total_excl_vat', b.total_excl_vat, 'total_vat',"
      " b.total_vat, 'total_incl_vat', b.total_incl_vat, 'updated_at', " ISO("b.updated_at")
      ") FROM case_budgets b WHERE b.case_id = $1::uuid AND b.status = 'approved'"
      " ORDER BY b.updated_at, b.budget_id",
      1, p, rows, sqlstate);
}

int customer_store_portal_documents(PGconn *conn, const char *case_id, const char *document_id,
                                    json_t **rows, char sqlstate[6]) {
  const char *p[] = {case_id, document_id};
  return db_json_rows_prepared(
      conn, "customer_portal_documents",
      "SELECT json_build_object('id', d.document_id, 'type', d.type, 'title', d.title,"
      " 'file_name', d.file_name, 'media_type', d.media_type, 'size', d.size, 'added_by',"
      " d.added_by, 'added_at', " ISO("d.added_at") ", 'shared_at', " ISO("s.shared_at")
      ", 'sha256', CASE WHEN $2::uuid IS NOT NULL THEN d.sha256 END)"
      " FROM shares s JOIN case_documents d ON d.document_id = s.document_id"
      " WHERE s.case_id = $1::uuid AND d.case_id = $1::uuid AND d.deleted_at IS NULL"
      " AND ($2::uuid IS NULL OR d.document_id = $2::uuid)"
      " ORDER BY s.shared_at DESC, d.document_id",
      2, p, rows, sqlstate);
}
