/* SQL of the documents of a case (see store_documents.h). */
#include "store_documents.h"

#include <stdio.h>

#include "db.h"
#include "db_json.h"
#include "status.h"

int cases_store_document_insert(PGconn *conn, const struct cases_store_document_new *d,
                                json_t **doc, char sqlstate[6]) {
  char size[24];
  snprintf(size, sizeof(size), "%lld", d->size);
  const char *p[] = {d->id,     d->case_id,   d->portal_id,       d->type,
                     d->title,  d->file_name, d->media_type,      size,
                     d->sha256, d->added_by,  d->added_by_company};
  return db_json_row(conn,
                     "INSERT INTO documents (id, case_id, portal_id, type, title, file_name,"
                     " media_type, size, sha256, added_by, added_by_company) VALUES ($1::uuid,"
                     " $2::uuid, $3::uuid, $4, $5, $6, $7, $8::bigint, $9, $10, $11::uuid)"
                     " RETURNING document_document(documents)",
                     11, p, doc, sqlstate);
}

int cases_store_document_get(PGconn *conn, const char *case_id, const char *id, json_t **doc,
                             char sqlstate[6]) {
  const char *p[] = {case_id, id};
  return db_json_row_prepared(conn, "cases_document_get",
                              "SELECT document_document(d) FROM documents d WHERE d.case_id ="
                              " $1::uuid AND d.id = $2::uuid AND d.deleted_at IS NULL",
                              2, p, doc, sqlstate);
}

int cases_store_documents(PGconn *conn, const char *case_id, json_t **items, char sqlstate[6]) {
  const char *p[] = {case_id};
  return db_json_rows_prepared(conn, "cases_documents",
                               "SELECT document_document(d) FROM documents d WHERE d.case_id ="
                               " $1::uuid AND d.deleted_at IS NULL"
                               " ORDER BY d.added_at DESC, d.id DESC",
                               1, p, items, sqlstate);
}

int cases_store_document_delete(PGconn *conn, const char *id, const char *actor, char sqlstate[6]) {
  const char *p[] = {id, actor};
  return db_exec(conn,
                 "UPDATE documents SET deleted_at = now(), deleted_by = $2,"
                 " version = version + 1 WHERE id = $1::uuid AND deleted_at IS NULL",
                 2, p, NULL, sqlstate);
}
