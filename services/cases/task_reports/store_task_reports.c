/* SQL of the reported information of tasks (see store_task_reports.h). */
#include "store_task_reports.h"

#include "db.h"
#include "db_json.h"
#include "status.h"

int cases_store_task_report_insert(PGconn *conn, const struct cases_store_task_report_new *r,
                                   json_t **doc, char sqlstate[6]) {
  const char *p[] = {r->id,   r->case_id,    r->task_id,  r->portal_id,
                     r->text, r->files_json, r->added_by, r->added_by_company};
  return db_json_row(conn,
                     "INSERT INTO task_reports (id, case_id, task_id, portal_id, text, files,"
                     " added_by, added_by_company) VALUES ($1::uuid, $2::uuid, $3::uuid,"
                     " $4::uuid, $5, $6::jsonb, $7, $8::uuid)"
                     " RETURNING task_report_document(task_reports)",
                     8, p, doc, sqlstate);
}

int cases_store_task_reports(PGconn *conn, const char *case_id, const char *task_id, json_t **items,
                             char sqlstate[6]) {
  const char *p[] = {case_id, task_id};
  return db_json_rows(conn,
                      "SELECT task_report_document(r) FROM task_reports r WHERE r.case_id ="
                      " $1::uuid AND ($2::uuid IS NULL OR r.task_id = $2::uuid)"
                      " ORDER BY r.added_at DESC, r.id DESC",
                      2, p, items, sqlstate);
}

int cases_store_task_report(PGconn *conn, const char *case_id, const char *id, json_t **doc,
                            char sqlstate[6]) {
  const char *p[] = {case_id, id};
  return db_json_row(conn,
                     "SELECT task_report_document(r) FROM task_reports r WHERE r.case_id ="
                     " $1::uuid AND r.id = $2::uuid",
                     2, p, doc, sqlstate);
}

int cases_store_task_of_case(PGconn *conn, const char *case_id, const char *task_id, int *found,
                             char sqlstate[6]) {
  const char *p[] = {case_id, task_id};
  PGresult *res = NULL;
  *found = 0;
  if (db_exec(conn, "SELECT 1 FROM tasks WHERE case_id = $1::uuid AND id = $2::uuid", 2, p, &res,
              sqlstate) != CS_OK)
    return CS_ERR_DB;
  *found = PQntuples(res) == 1;
  PQclear(res);
  return CS_OK;
}
