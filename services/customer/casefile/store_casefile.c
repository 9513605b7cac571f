/* SQL of the read model of the cases (see store_casefile.h). */
#include "store_casefile.h"

#include <stdio.h>
#include <stdlib.h>

#include "db.h"
#include "db_json.h"
#include "status.h"

#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

int customer_store_casefile_get(PGconn *conn, const char *portal_id, const char *case_id,
                                json_t **out, char sqlstate[6]) {
  const char *p[] = {case_id, portal_id};
  return db_json_row_prepared(
      conn, "customer_casefile_get",
      "SELECT json_build_object('case_id', c.case_id, 'portal_id', c.portal_id, 'version',"
      " c.version, 'case', c.doc, 'inspector_assigned_at', " ISO("c.inspector_assigned_at")
      ", 'closed_at', " ISO("c.closed_at") ") FROM cases c WHERE c.case_id = $1::uuid"
      " AND ($2::uuid IS NULL OR c.portal_id = $2::uuid)",
      2, p, out, sqlstate);
}

int customer_store_casefile_put(PGconn *conn, const char *portal_id, const char *case_id,
                                const json_t *doc, int inspector_assigned, char sqlstate[6]) {
  char *text = json_dumps(doc, JSON_COMPACT);
  if (text == NULL) return CS_ERR_NOMEM;
  const char *p[] = {case_id, portal_id, text, inspector_assigned ? "1" : "0"};
  /* events come in the order the cases service committed them: the last one is the newest */
  int rc = db_exec_prepared(
      conn, "customer_casefile_put",
      "INSERT INTO cases AS c (case_id, portal_id, version, doc, inspector_assigned_at, closed_at)"
      " VALUES ($1::uuid, $2::uuid, coalesce(($3::jsonb->>'version')::bigint, 0), $3::jsonb,"
      " CASE WHEN $4 = '1' THEN clock_timestamp() END, ($3::jsonb->>'closed_at')::timestamptz)"
      " ON CONFLICT (case_id) DO UPDATE SET version = EXCLUDED.version, doc = EXCLUDED.doc,"
      " inspector_assigned_at = coalesce(c.inspector_assigned_at,"
      " EXCLUDED.inspector_assigned_at), closed_at = EXCLUDED.closed_at,"
      " updated_at = clock_timestamp()",
      4, p, NULL, sqlstate);
  free(text);
  return rc;
}

static const char *str(const json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

int customer_store_document_added(PGconn *conn, const char *portal_id, const char *case_id,
                                  const json_t *data, char sqlstate[6]) {
  char size[24];
  snprintf(size, sizeof(size), "%lld",
           (long long)json_integer_value(json_object_get(data, "size")));
  const char *p[] = {str(data, "document_id"),
                     case_id,
                     portal_id,
                     str(data, "type"),
                     str(data, "title"),
                     str(data, "file_name"),
                     str(data, "media_type"),
                     size,
                     str(data, "sha256"),
                     str(data, "added_at"),
                     str(data, "added_by_company")};
  return db_exec_prepared(
      conn, "customer_document_added",
      "INSERT INTO case_documents (document_id, case_id, portal_id, type, title, file_name,"
      " media_type, size, sha256, added_at, added_by) VALUES ($1::uuid, $2::uuid, $3::uuid, $4,"
      " $5, $6, $7, $8::bigint, $9, coalesce($10::timestamptz, clock_timestamp()),"
      " (SELECT name FROM replica_company WHERE id = $11::uuid))"
      " ON CONFLICT (document_id) DO NOTHING",
      11, p, NULL, sqlstate);
}

int customer_store_document_deleted(PGconn *conn, const char *document_id, char sqlstate[6]) {
  const char *p[] = {document_id};
  return db_exec_prepared(conn, "customer_document_deleted",
                          "UPDATE case_documents SET deleted_at = coalesce(deleted_at,"
                          " clock_timestamp()) WHERE document_id = $1::uuid",
                          1, p, NULL, sqlstate);
}

int customer_store_budget(PGconn *conn, const char *case_id, const json_t *data,
                          const char *occurred_at, char sqlstate[6]) {
  char n[4][24];
  static const char *const members[] = {"revision", "total_excl_vat", "total_vat",
                                        "total_incl_vat"};
  for (int i = 0; i < 4; i++)
    snprintf(n[i], sizeof(n[i]), "%lld",
             (long long)json_integer_value(json_object_get(data, members[i])));
  const char *p[] = {str(data, "budget_id"),
                     case_id,
                     str(data, "task_id"),
                     str(data, "company_id"),
                     n[0],
                     str(data, "status"),
                     str(data, "currency"),
                     n[1],
                     n[2],
                     n[3],
                     occurred_at};
  return db_exec_prepared(
      conn, "customer_budget_put",
      "INSERT INTO case_budgets AS b (budget_id, case_id, task_id, company_id, revision, status,"
      " currency, total_excl_vat, total_vat, total_incl_vat, updated_at) VALUES ($1::uuid,"
      " $2::uuid, $3::uuid, $4::uuid, $5::int, $6, $7, $8::bigint, $9::bigint, $10::bigint,"
      " coalesce($11::timestamptz, clock_timestamp())) ON CONFLICT (budget_id) DO UPDATE SET"
      " revision = EXCLUDED.revision, status = EXCLUDED.status, currency = EXCLUDED.currency,"
      " total_excl_vat = EXCLUDED.total_excl_vat, total_vat = EXCLUDED.total_vat,"
      " total_incl_vat = EXCLUDED.total_incl_vat, updated_at = EXCLUDED.updated_at",
      11, p, NULL, sqlstate);
}

int customer_store_news_add(PGconn *conn, const char *portal_id, const char *case_id,
                            const char *kind, const char *at, const char *params_json,
                            const char *source, char sqlstate[6]) {
  const char *p[] = {case_id, portal_id, kind, at, params_json, source};
  return db_exec_prepared(
      conn, "customer_news_add",
      "INSERT INTO news (case_id, portal_id, kind, at, params, source) VALUES ($1::uuid,"
      " $2::uuid, $3, coalesce($4::timestamptz, clock_timestamp()), coalesce($5::jsonb, '{}'),"
      " $6) ON CONFLICT (source) DO NOTHING",
      6, p, NULL, sqlstate);
}
