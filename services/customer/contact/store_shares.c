/* SQL of the shared documents (store_shares.h). Parameterised only. */
#include "store_shares.h"

#include <stdio.h>

#include "db.h"
#include "db_json.h"
#include "status.h"

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

int customer_store_shares(PGconn *conn, const char *case_id, json_t **rows, char sqlstate[6]) {
  const char *p[] = {case_id};
  return db_json_rows_prepared(
      conn, "customer_shares_list",
      "SELECT json_build_object('document_id', d.document_id, 'type', d.type, 'title', d.title,"
      " 'file_name', d.file_name, 'media_type', d.media_type, 'size', d.size,"
      " 'added_at', " TS("d.added_at") ", 'shared_at', " TS("s.shared_at") ","
      " 'shared_by', s.shared_by, 'automatic', s.shared_by LIKE 'automatic:%')"
      " FROM shares s JOIN case_documents d ON d.document_id = s.document_id"
      " WHERE s.case_id = $1::uuid AND d.deleted_at IS NULL"
      " ORDER BY s.shared_at DESC, s.document_id",
      1, p, rows, sqlstate);
}

int customer_store_documents_of_case(PGconn *conn, const char *case_id, const char *ids,
                                     json_t **found, char sqlstate[6]) {
  const char *p[] = {case_id, ids};
  return db_json_row(conn,
                     "SELECT coalesce(json_agg(d.document_id), '[]') FROM case_documents d"
                     " WHERE d.case_id = $1::uuid AND d.document_id = ANY($2::uuid[])"
                     " AND d.deleted_at IS NULL",
                     2, p, found, sqlstate);
}

/* The insert of shares for the documents the WHERE clause picks (d: case_documents), and
 * what it shared, with titles. */
#define ADD_SQL(where)                                                             \
  "WITH added AS (INSERT INTO shares (case_id, document_id, portal_id, shared_by)" \
  " SELECT d.case_id, d.document_id, d.portal_id, $3 FROM case_documents d"        \
  " WHERE d.case_id = $1::uuid AND d.deleted_at IS NULL AND " where                \
  " ORDER BY d.added_at, d.document_id"                                            \
  " ON CONFLICT (case_id, document_id) DO NOTHING RETURNING document_id)"          \
  " SELECT coalesce(json_agg(json_build_object('document_id', d.document_id,"      \
  " 'title', d.title) ORDER BY d.added_at, d.document_id), '[]')"                  \
  " FROM added a JOIN case_documents d ON d.document_id = a.document_id"

int customer_store_shares_add(PGconn *conn, const char *case_id, const char *ids, const char *by,
                              json_t **added, char sqlstate[6]) {
  const char *p[] = {case_id, ids, by};
  return db_json_row(conn, ADD_SQL("d.document_id = ANY($2::uuid[])"), 3, p, added, sqlstate);
}

int customer_store_shares_auto(PGconn *conn, const char *case_id, const char *type,
                               const char *setting, json_t **added, char sqlstate[6]) {
  char by[96];
  snprintf(by, sizeof(by), "automatic:%s", setting);
  const char *p[] = {case_id, type, by};
  return db_json_row_prepared(conn, "customer_shares_auto",
                              ADD_SQL("d.type = $2 AND NOT EXISTS (SELECT 1 FROM"
                                      " shares_ended_by_hand e WHERE e.case_id = d.case_id"
                                      " AND e.document_id = d.document_id)"),
                              3, p, added, sqlstate);
}

int customer_store_shares_end(PGconn *conn, const char *case_id, const char *document_id,
                              const char *by, json_t **ended, char sqlstate[6]) {
  const char *p[] = {case_id, document_id, by};
  /* the hand's mark is written only when a share ended ($3 NULL: the document was deleted) */
  return db_json_row(
      conn,
      "WITH ended AS (DELETE FROM shares s WHERE s.case_id = $1::uuid"
      " AND s.document_id = $2::uuid RETURNING s.case_id, s.document_id, s.portal_id),"
      " mark AS (INSERT INTO shares_ended_by_hand (case_id, document_id, ended_by)"
      " SELECT e.case_id, e.document_id, $3 FROM ended e WHERE $3::text IS NOT NULL"
      " ON CONFLICT (case_id, document_id) DO UPDATE SET ended_at = clock_timestamp(),"
      " ended_by = EXCLUDED.ended_by)"
      " SELECT json_build_object('document_id', e.document_id, 'portal_id', e.portal_id,"
      " 'title', coalesce(d.title, '')) FROM ended e"
      " LEFT JOIN case_documents d ON d.document_id = e.document_id",
      3, p, ended, sqlstate);
}
