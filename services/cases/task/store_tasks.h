/* SQL of the task resource: rows in, task documents (task_document()) out. SQL only; the rules
 * live in tasks.c. Every function borrows conn and its arguments and returns CS_OK, or
 * CS_ERR_DB with sqlstate (6 bytes) holding the code. Documents returned through json_t **
 * are new references. */
#ifndef CLAIMSUITE_CASES_STORE_TASKS_H
#define CLAIMSUITE_CASES_STORE_TASKS_H

#include <jansson.h>
#include <libpq-fe.h>

/* A new task. Strings may be NULL (SQL NULL); office, when not NULL, is {id, name,
 * company_id, company_name} (borrowed) and puts the task in status 1 at once. */
struct cases_store_new_task {
  const char *id, *case_id, *portal_id, *type, *trade;
  const char *meeting_at, *schedule_start, *schedule_end; /* RFC 3339 */
  const json_t *office;
};
int cases_store_task_insert(PGconn *conn, const struct cases_store_new_task *t, json_t **doc,
                            char sqlstate[6]);
int cases_store_task_delete(PGconn *conn, const char *task_id, char sqlstate[6]);

/* Office snapshot {id, name, company_id, company_name}: status 1, the user cleared. */
int cases_store_task_set_office(PGconn *conn, const char *task_id, const json_t *office,
                                json_t **doc, char sqlstate[6]);
/* The responsible user (id and display name): status 2. */
int cases_store_task_set_user(PGconn *conn, const char *task_id, const char *user_id,
                              const char *user_name, json_t **doc, char sqlstate[6]);
int cases_store_task_set_status(PGconn *conn, const char *task_id, const char *status, json_t **doc,
                                char sqlstate[6]);
/* Meeting time and schedule: each set only when its set_* flag is given (NULL clears). */
struct cases_store_task_times {
  int set_meeting, set_schedule;
  const char *meeting_at, *schedule_start, *schedule_end;
};
int cases_store_task_set_times(PGconn *conn, const char *task_id,
                               const struct cases_store_task_times *t, json_t **doc,
                               char sqlstate[6]);

#endif
