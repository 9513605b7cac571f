/* Reported information of the tasks of a case (task_reports/task_reports.c): text and
 * multimedia the partner doing a task reports of it (the insurer may report too). Everyone who
 * sees the case reads them — the external case handler always has the reported information.
 * A report is added once and not changed; it leaves a history line and the event report.added.
 * The form and the files' bytes are http_task_reports.c's. */
#ifndef CLAIMSUITE_CASES_TASK_REPORTS_H
#define CLAIMSUITE_CASES_TASK_REPORTS_H

#include <jansson.h>
#include <libpq-fe.h>

#include "caller.h"
#include "refusal.h"

#define CASES_REPORT_MAX_FILES 10
#define CASES_REPORT_MAX_TEXT 10000

/* A stored file of a report. */
struct cases_report_file {
  const char *file_name, *media_type, *sha256;
  long long size;
};

/* The form's text (NULL: none): at most CASES_REPORT_MAX_TEXT bytes; a report holds text or a
 * file (nfiles). */
void cases_task_report_rules(const char *text, size_t nfiles, struct cs_refusal *err);
/* Adds the report of task_id (of the visible case case_id) in one transaction: the task's
 * partner or the insurer (403), a task with a partner (409), an open case (409). CS_OK with *doc,
 * or CS_REFUSED. */
int cases_task_report_add(PGconn *conn, const struct cases_caller *c, const char *case_id,
                          const char *task_id, const char *text,
                          const struct cases_report_file *files, size_t nfiles, json_t **doc,
                          struct cs_refusal *err);

#endif
