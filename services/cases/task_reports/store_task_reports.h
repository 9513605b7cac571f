/* SQL of the reported information of tasks (task_reports/store_task_reports.c). Every function:
 * CS_OK, or CS_ERR_DB with sqlstate (6 bytes) filled. Documents are task_report_document's. */
#ifndef CLAIMSUITE_CASES_STORE_TASK_REPORTS_H
#define CLAIMSUITE_CASES_STORE_TASK_REPORTS_H

#include <jansson.h>
#include <libpq-fe.h>

struct cases_store_task_report_new {
  const char *id, *case_id, *task_id, *portal_id, *text, *files_json;
  const char *added_by, *added_by_company; /* the company NULL for an API client */
};
int cases_store_task_report_insert(PGconn *conn, const struct cases_store_task_report_new *r,
                                   json_t **doc, char sqlstate[6]);
/* The reports of case_id (of task_id when not NULL), newest first: *items a new array. */
int cases_store_task_reports(PGconn *conn, const char *case_id, const char *task_id, json_t **items,
                             char sqlstate[6]);
/* 1 in *found when task_id is a task of case_id. */
int cases_store_task_of_case(PGconn *conn, const char *case_id, const char *task_id, int *found,
                             char sqlstate[6]);
/* One report of case_id (*doc NULL when none). */
int cases_store_task_report(PGconn *conn, const char *case_id, const char *id, json_t **doc,
                            char sqlstate[6]);

#endif
