/* The inspection report (inspection/inspection_reports.c): once an inspection task is reported
 * complete (the event inspection.completed), the service builds a PDF of the case, the task and
 * its reports with their photos (report_pdf.h) and adds it to the case's documents as an
 * inspection_report, which the customer page can share. It follows its own events
 * (events_cases.c), so completing a task never waits for a PDF, a failure is retried with the
 * consumer's backoff, and each completion gets exactly one report: the document's row, history
 * line and events (document.added, inspection.report_created) commit with the consumer's offset;
 * the file is renamed into the blob store once they have. */
#ifndef CLAIMSUITE_CASES_INSPECTION_REPORTS_H
#define CLAIMSUITE_CASES_INSPECTION_REPORTS_H

#include <jansson.h>
#include <libpq-fe.h>

#include "blob.h"

struct cases_inspection_reports {
  struct blob_store *store;        /* borrowed: where photos are read and the report written */
  long long max_bytes;             /* the largest report (UPLOAD_MAX_FILE_BYTES) */
  struct blob_writer *uncommitted; /* the report of the event being applied, until its commit */
};

/* In the consumer's transaction: builds and records the report of the completed inspection
 * event names. A case or task gone, a closed case, a task that is no inspection: nothing, 0.
 * Non-zero (the consumer retries) on a database or disk failure. */
int cases_inspection_report_apply(PGconn *conn, const json_t *event,
                                  struct cases_inspection_reports *r);
/* After that transaction committed: the report's file goes into place. */
void cases_inspection_report_committed(struct cases_inspection_reports *r);

#endif
