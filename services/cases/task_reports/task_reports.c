/* The reports' rules (see task_reports.h). */
#include "task_reports.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_op.h"
#include "ids.h"
#include "status.h"
#include "store_task_reports.h"

static const char *text_of(const json_t *o, const char *name) {
  return json_string_value(json_object_get(o, name));
}

void cases_task_report_rules(const char *text, size_t nfiles, struct cs_refusal *err) {
  if (text != NULL && strlen(text) > CASES_REPORT_MAX_TEXT)
    cs_refusal_field(err, "text", FIELD_TOO_LONG, "must be at most 10000 bytes long");
  if ((text == NULL || text[0] == '\0') && nfiles == 0)
    cs_refusal_field(err, "text", FIELD_REQUIRED, "a report holds text, files or both");
}

/* The task task_id of the case document (borrowed), NULL when it has none. */
static const json_t *task_in(const json_t *the_case, const char *task_id) {
  size_t i;
  const json_t *t;
  json_array_foreach(json_object_get(the_case, "tasks"), i, t) {
    if (text_of(t, "id") != NULL && !strcmp(text_of(t, "id"), task_id)) return t;
  }
  return NULL;
}

/* Who may report on the task: the insurer, or a user of the company holding it. */
static int may_report(struct cases_op *op, const json_t *task) {
  const char *company = text_of(json_object_get(task, "office"), "company_id");
  if (task == NULL) return cs_refuse(&op->err, PROBLEM_NOT_FOUND, "no such task in this case");
  if (cases_caller_is_internal(op->caller) ||
      (company != NULL && !strcmp(company, op->caller->company_id)))
    return company != NULL ? CS_OK
                           : cs_refuse(&op->err, PROBLEM_WRONG_STATE,
                                       "the task has no partner yet to report on it");
  return cs_refuse(&op->err, PROBLEM_FORBIDDEN,
                   "only the partner holding the task or the insurer may report on it");
}

static json_t *files_json(const struct cases_report_file *files, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; a != NULL && i < n; i++)
    json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:s}", "file_name", files[i].file_name,
                                       "media_type", files[i].media_type, "size",
                                       (json_int_t)files[i].size, "sha256", files[i].sha256));
  return a;
}

int cases_task_report_add(PGconn *conn, const struct cases_caller *c, const char *case_id,
                          const char *task_id, const char *text,
                          const struct cases_report_file *files, size_t nfiles, json_t **doc,
                          struct cs_refusal *err) {
  struct cases_op op = {.caller = c, .case_id = case_id, .phase = CASES_OP_APPLY};
  char id[37];
  *doc = NULL;
  if (text != NULL && text[0] == '\0') text = NULL; /* an empty field is no text */
  int rc = cases_op_begin(conn, &op);
  if (rc == CS_OK) rc = may_report(&op, task_in(op.current, task_id));
  if (rc == CS_OK && !strcmp(text_of(op.current, "status"), "closed"))
    rc = cs_refuse(&op.err, PROBLEM_WRONG_STATE, "the case is closed; it takes no new reports");
  json_t *list = rc == CS_OK ? files_json(files, nfiles) : NULL;
  char *list_text = list != NULL ? json_dumps(list, JSON_COMPACT) : NULL;
  if (rc == CS_OK && list_text == NULL) rc = cs_refuse(&op.err, PROBLEM_INTERNAL, "out of memory");
  if (rc == CS_OK) {
    ids_uuid_v4(id);
    const struct cases_store_task_report_new r = {
        .id = id,
        .case_id = case_id,
        .task_id = task_id,
        .portal_id = c->portal_id,
        .text = text,
        .files_json = list_text,
        .added_by = c->sub,
        .added_by_company = c->is_client ? NULL : c->company_id};
    if (cases_store_task_report_insert(conn, &r, doc, op.err.sqlstate) != CS_OK || *doc == NULL)
      rc = cs_refusal_db(&op.err);
  }
  if (rc == CS_OK) rc = cases_op_partner_upload(conn, &op);
  if (rc == CS_OK) rc = cases_history_add(conn, &op, "report.added", task_id, NULL, *doc);
  if (rc == CS_OK)
    rc = cases_event(conn, &op, "report.added",
                     json_pack("{s:s, s:s, s:s?, s:O, s:O}", "report_id", id, "task_id", task_id,
                               "text", text, "files", json_object_get(*doc, "files"),
                               "added_by_company", json_object_get(*doc, "added_by_company")));
  json_decref(list);
  free(list_text);
  return cases_op_end(conn, &op, rc, doc, err);
}
