/* The inspection report built once an inspection completes (see inspection_reports.h). */
#include "inspection_reports.h"

#include <stdio.h>
#include <string.h>

#include "case_op.h"
#include "documents.h"
#include "log.h"
#include "policy_facts.h"
#include "report_pdf.h"
#include "status.h"
#include "store_task_reports.h"

static const char *text(const json_t *o, const char *name) {
  return json_string_value(json_object_get(o, name));
}

/* A report's file name: the claim number with what a file name cannot hold replaced. */
static void file_name_of(const char *claim, char *out, size_t len) {
  size_t n = (size_t)snprintf(out, len, "inspection-report-%s.pdf", claim != NULL ? claim : "case");
  for (size_t i = 0; i < n && i < len; i++)
    if (strchr("/\\:*?\"<>| ", out[i]) != NULL) out[i] = '-';
}

/* Gives each report the name its author has in the replica (added_by_name), where it has one. */
static void name_authors(PGconn *conn, const char *portal_id, json_t *reports) {
  json_t *ids = json_array(), *users = NULL, *rep;
  const json_t *u;
  size_t i, k;
  json_array_foreach(reports, i, rep) json_array_append(ids, json_object_get(rep, "added_by"));
  if (cases_policy_users(conn, portal_id, ids, &users) == CS_OK) {
    json_array_foreach(reports, i, rep) {
      json_array_foreach(users, k, u) {
        if (json_equal(json_object_get(u, "id"), json_object_get(rep, "added_by")))
          json_object_set(rep, "added_by_name", json_object_get(u, "name"));
      }
    }
  }
  json_decref(users);
  json_decref(ids);
}

/* Draws the PDF of input into a new writer, finished: *w, its digest and size. */
static int draw(struct cases_inspection_reports *r, const json_t *input, struct blob_writer **w,
                char sha256[BLOB_SHA256_HEX]) {
  if (blob_write_begin(r->store, r->max_bytes, w) != CS_OK) return CS_ERR;
  if (inspection_report_pdf(input, r->store, *w) == CS_OK && blob_write_finish(*w, sha256) == CS_OK)
    return CS_OK;
  blob_write_abort(*w);
  *w = NULL;
  return CS_ERR;
}

/* The report of task in the joined op's case: drawn, recorded, announced. */
static int record(PGconn *conn, struct cases_op *op, struct cases_inspection_reports *r,
                  const json_t *task, const char *at) {
  json_t *reports = NULL, *input = NULL, *doc = NULL;
  char sha256[BLOB_SHA256_HEX], file_name[160];
  struct blob_writer *w = NULL;
  int rc;
  if (cases_store_task_reports(conn, op->case_id, text(task, "id"), &reports, op->err.sqlstate) !=
      CS_OK)
    return cs_refusal_db(&op->err);
  /* the store lists newest first; the report tells them in the order they came, by name */
  json_t *ordered = json_array();
  for (size_t i = json_array_size(reports); i > 0; i--)
    json_array_append(ordered, json_array_get(reports, i - 1));
  json_decref(reports);
  name_authors(conn, op->caller->portal_id, ordered);
  input = json_pack("{s:O, s:O, s:o, s:s}", "case", op->current, "task", task, "reports", ordered,
                    "generated_at", at);
  if (input == NULL || draw(r, input, &w, sha256) != CS_OK) {
    json_decref(input);
    return cs_refuse(&op->err, PROBLEM_UNAVAILABLE, "the inspection report could not be drawn");
  }
  file_name_of(text(op->current, "claim_number"), file_name, sizeof(file_name));
  const struct cases_document_file file = {
      "inspection_report", "Inspection report", file_name, "application/pdf", sha256,
      blob_writer_size(w)};
  rc = cases_document_record(conn, op, &file, &doc);
  if (rc == CS_OK)
    rc = cases_event(
        conn, op, "inspection.report_created",
        json_pack("{s:O?, s:O?, s:O?, s:O?, s:s}", "task_id", json_object_get(task, "id"),
                  "document_id", json_object_get(doc, "id"), "file_name",
                  json_object_get(doc, "file_name"), "size", json_object_get(doc, "size"),
                  "completed_at", at));
  json_decref(doc);
  json_decref(input);
  if (rc == CS_OK)
    r->uncommitted = w;
  else
    blob_write_abort(w);
  return rc;
}

int cases_inspection_report_apply(PGconn *conn, const json_t *event,
                                  struct cases_inspection_reports *r) {
  const json_t *data = json_object_get(event, "data");
  const char *case_id = text(data, "case_id"), *task_id = text(data, "task_id");
  const char *portal_id = text(event, "portal_id"), *at = text(event, "occurred_at");
  /* an apply rolled back left its file: it never became a document */
  blob_write_abort(r->uncommitted);
  r->uncommitted = NULL;
  if (case_id == NULL || task_id == NULL || portal_id == NULL) {
    log_warning("inspection report: an inspection.completed without case, task or portal");
    return 0;
  }
  struct cases_caller system = {0};
  snprintf(system.sub, sizeof(system.sub), "system:inspection-report");
  snprintf(system.portal_id, sizeof(system.portal_id), "%s", portal_id);
  snprintf(system.company_kind, sizeof(system.company_kind), "%s", CASES_SYSTEM);
  struct cases_op op = {.caller = &system, .case_id = case_id, .phase = CASES_OP_APPLY};
  int rc = cases_op_join(conn, &op);
  const json_t *task = rc == CS_OK ? cases_case_task(op.current, task_id) : NULL;
  if (rc == CS_OK && task != NULL && !strcmp(text(task, "type"), "inspection"))
    rc = record(conn, &op, r, task, at != NULL ? at : "");
  rc = cases_op_leave(conn, &op, rc);
  int retry = rc != CS_OK && (op.err.db_failure || op.err.kind == PROBLEM_UNAVAILABLE);
  if (rc != CS_OK && !retry) /* a case gone or closed meanwhile: nothing to report into */
    log_warning("inspection report of task %s skipped: %s", task_id, op.err.detail);
  cases_op_clear(&op);
  if (retry) {
    blob_write_abort(r->uncommitted);
    r->uncommitted = NULL;
    return 1;
  }
  return 0;
}

void cases_inspection_report_committed(struct cases_inspection_reports *r) {
  if (r->uncommitted == NULL) return;
  if (blob_write_commit(r->uncommitted) != CS_OK)
    log_error("inspection report: its file could not be put in place");
  r->uncommitted = NULL;
}
