/* SQL of the task resource (see store_tasks.h). */
#include "store_tasks.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_json.h"
#include "status.h"

/* The four members of an office snapshot (id, name, company_id, company_name) as statement
 * parameters into p[0..3]; NULLs for no office. */
static void office_params(const json_t *office, const char *p[4]) {
  static const char *const members[] = {"id", "name", "company_id", "company_name"};
  for (int i = 0; i < 4; i++) p[i] = json_string_value(json_object_get(office, members[i]));
}

int cases_store_task_insert(PGconn *conn, const struct cases_store_new_task *t, json_t **doc,
                            char sqlstate[6]) {
  const char *params[12] = {t->id,    t->case_id,    t->portal_id,      t->type,
                            t->trade, t->meeting_at, t->schedule_start, t->schedule_end};
  office_params(t->office, params + 8);
  return db_json_row(
      conn,
      "INSERT INTO tasks AS t (id, case_id, portal_id, type, trade, meeting_at, schedule_start, "
      "schedule_end, office_id, office_name, company_id, company_name, status, "
      "office_assigned_at) VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, $6::timestamptz, "
      "$7::timestamptz, $8::timestamptz, $9::uuid, $10, $11::uuid, $12, "
      "CASE WHEN $9::uuid IS NULL THEN '0' ELSE '1' END, "
      "CASE WHEN $9::uuid IS NULL THEN NULL ELSE now() END) RETURNING task_document(t)",
      12, params, doc, sqlstate);
}

int cases_store_task_delete(PGconn *conn, const char *task_id, char sqlstate[6]) {
  const char *params[] = {task_id};
  return db_exec(conn, "DELETE FROM tasks WHERE id = $1::uuid", 1, params, NULL, sqlstate);
}

int cases_store_task_set_office(PGconn *conn, const char *task_id, const json_t *office,
                                json_t **doc, char sqlstate[6]) {
  const char *params[5] = {task_id};
  office_params(office, params + 1);
  return db_json_row(
      conn,
      "UPDATE tasks t SET office_id = $2::uuid, office_name = $3, company_id = $4::uuid, "
      "company_name = $5, office_assigned_at = now(), user_id = NULL, user_name = NULL, "
      "user_assigned_at = NULL, status = '1', version = version + 1, updated_at = now() "
      "WHERE t.id = $1::uuid RETURNING task_document(t)",
      5, params, doc, sqlstate);
}

int cases_store_task_set_user(PGconn *conn, const char *task_id, const char *user_id,
                              const char *user_name, json_t **doc, char sqlstate[6]) {
  const char *params[] = {task_id, user_id, user_name};
  return db_json_row(
      conn,
      "UPDATE tasks t SET user_id = $2::uuid, user_name = $3, user_assigned_at = now(), "
      "status = '2', version = version + 1, updated_at = now() WHERE t.id = $1::uuid "
      "RETURNING task_document(t)",
      3, params, doc, sqlstate);
}

int cases_store_task_set_status(PGconn *conn, const char *task_id, const char *status, json_t **doc,
                                char sqlstate[6]) {
  const char *params[] = {task_id, status};
  return db_json_row(conn,
                     "UPDATE tasks t SET status = $2, version = version + 1, "
                     "updated_at = now() WHERE t.id = $1::uuid RETURNING task_document(t)",
                     2, params, doc, sqlstate);
}

int cases_store_task_set_times(PGconn *conn, const char *task_id,
                               const struct cases_store_task_times *t, json_t **doc,
                               char sqlstate[6]) {
  const char *params[] = {task_id,           t->set_meeting ? "t" : "f",
                          t->meeting_at,     t->set_schedule ? "t" : "f",
                          t->schedule_start, t->schedule_end};
  return db_json_row(
      conn,
      "UPDATE tasks t SET "
      "meeting_at = CASE WHEN $2::boolean THEN $3::timestamptz ELSE meeting_at END, "
      "schedule_start = CASE WHEN $4::boolean THEN $5::timestamptz ELSE schedule_start END, "
      "schedule_end = CASE WHEN $4::boolean THEN $6::timestamptz ELSE schedule_end END, "
      "version = version + 1, updated_at = now() WHERE t.id = $1::uuid "
      "RETURNING task_document(t)",
      6, params, doc, sqlstate);
}
