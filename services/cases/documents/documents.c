/* The documents' rules (see documents.h). */
#include "documents.h"

#include <stdio.h>
#include <string.h>

#include "case_op.h"
#include "ids.h"
#include "status.h"
#include "store_core.h"
#include "store_documents.h"

void cases_document_rules(const char *type, const char *title, struct cs_refusal *err) {
  static const char *const types[] = {"inspection_report", "customer_settlement_report", "other"};
  int known = 0;
  for (size_t i = 0; type != NULL && i < 3; i++) known |= !strcmp(types[i], type);
  if (type == NULL)
    cs_refusal_field(err, "type", FIELD_REQUIRED,
                     "is required: inspection_report, customer_settlement_report or other");
  else if (!known)
    cs_refusal_field(err, "type", FIELD_NOT_ALLOWED,
                     "must be inspection_report, customer_settlement_report or other");
  if (title != NULL && (title[0] == '\0' || strlen(title) > 200))
    cs_refusal_field(err, "title", FIELD_TOO_LONG, "must be 1 to 200 bytes long");
}

int cases_document_record(PGconn *conn, struct cases_op *op, const struct cases_document_file *f,
                          json_t **doc) {
  const struct cases_caller *c = op->caller;
  char id[37];
  *doc = NULL;
  if (!strcmp(json_string_value(json_object_get(op->current, "status")), "closed"))
    return cs_refuse(&op->err, PROBLEM_WRONG_STATE,
                     "the case is closed; it takes no new documents");
  ids_uuid_v4(id);
  const struct cases_store_document_new d = {
      .id = id,
      .case_id = op->case_id,
      .portal_id = c->portal_id,
      .type = f->type,
      .title = f->title != NULL ? f->title : f->file_name,
      .file_name = f->file_name,
      .media_type = f->media_type,
      .sha256 = f->sha256,
      .added_by = c->sub,
      .added_by_company = c->company_id[0] != '\0' && !c->is_client ? c->company_id : NULL,
      .size = f->size};
  if (cases_store_document_insert(conn, &d, doc, op->err.sqlstate) != CS_OK || *doc == NULL)
    return cs_refusal_db(&op->err);
  if (cases_op_partner_upload(conn, op) != CS_OK ||
      cases_history_add(conn, op, "document.added", NULL, NULL, *doc) != CS_OK)
    return CS_REFUSED;
  return cases_event(
      conn, op, "document.added",
      json_pack("{s:s, s:O, s:O, s:O, s:O, s:O, s:s, s:O, s:O}", "document_id", id, "type",
                json_object_get(*doc, "type"), "title", json_object_get(*doc, "title"), "file_name",
                json_object_get(*doc, "file_name"), "media_type",
                json_object_get(*doc, "media_type"), "size", json_object_get(*doc, "size"),
                "sha256", f->sha256, "added_by_company", json_object_get(*doc, "added_by_company"),
                "added_at", json_object_get(*doc, "added_at")));
}

int cases_document_add(PGconn *conn, const struct cases_caller *c, const char *case_id,
                       const struct cases_document_file *f, json_t **doc, struct cs_refusal *err) {
  struct cases_op op = {.caller = c, .case_id = case_id, .phase = CASES_OP_APPLY};
  int rc = cases_op_begin(conn, &op);
  *doc = NULL;
  if (rc == CS_OK) rc = cases_document_record(conn, &op, f, doc);
  return cases_op_end(conn, &op, rc, doc, err);
}

int cases_document_delete(PGconn *conn, const struct cases_caller *c, const char *case_id,
                          const char *doc_id, struct cs_refusal *err) {
  struct cases_op op = {.caller = c, .case_id = case_id, .phase = CASES_OP_APPLY};
  json_t *doc = NULL;
  int rc = cases_op_begin(conn, &op);
  if (rc == CS_OK &&
      cases_store_document_get(conn, case_id, doc_id, &doc, op.err.sqlstate) != CS_OK)
    rc = cs_refusal_db(&op.err);
  if (rc == CS_OK && doc == NULL)
    rc = cs_refuse(&op.err, PROBLEM_NOT_FOUND, "no such document in this case");
  const char *adder = json_string_value(json_object_get(doc, "added_by"));
  if (rc == CS_OK && !cases_caller_is_internal(c) && (adder == NULL || strcmp(adder, c->sub) != 0))
    rc = cs_refuse(&op.err, PROBLEM_FORBIDDEN,
                   "only whoever added a document or the insurer may delete it");
  if (rc == CS_OK && cases_store_document_delete(conn, doc_id, c->sub, op.err.sqlstate) != CS_OK)
    rc = cs_refusal_db(&op.err);
  if (rc == CS_OK) rc = cases_history_add(conn, &op, "document.deleted", NULL, doc, NULL);
  if (rc == CS_OK)
    rc = cases_event(
        conn, &op, "document.deleted",
        json_pack("{s:s, s:O}", "document_id", doc_id, "type", json_object_get(doc, "type")));
  json_decref(doc);
  return cases_op_end(conn, &op, rc, NULL, err);
}
