/* The cases service: cases, tasks, the external case handler role, the case list, the
 * dashboard and reports. Start, wiring and shutdown only; resources live in their own files. */
#include <stdio.h>
#include <stdlib.h>

#include "blob.h"
#include "cases_routes.h"
#include "http_blob.h"
#include "config.h"
#include "events_cases.h"
#include "events_customer.h"
#include "replica.h"
#include "service.h"

/* The cases service's own settings, beyond those of every service (svc.cfg); read once here. */
struct cases_config {
  long long authority_max_lag_ms; /* AUTHORITY_MAX_LAG_MS: the oldest facts decided from */
  char *blob_dir;                 /* BLOB_DIR: where the files of documents live (owned) */
  long long max_file_bytes;       /* UPLOAD_MAX_FILE_BYTES: one file's most (30 MiB) */
  long report_check_s;            /* TEMPORARY_REPORT_CHECK_SECONDS: s between checks */
};

static int cases_config_read(struct cases_config *c) {
  char err[256];
  long lag, max_file;
  if (config_long("AUTHORITY_MAX_LAG_MS", 5000, 100, 3600000, &lag, err, sizeof(err)) != 0 ||
      config_long("UPLOAD_MAX_FILE_BYTES", 30L * 1024 * 1024, 1, 1L << 31, &max_file, err,
                  sizeof(err)) != 0 ||
      config_long("TEMPORARY_REPORT_CHECK_SECONDS", 60, 1, 86400, &c->report_check_s, err,
                  sizeof(err)) != 0 ||
      config_str("BLOB_DIR", "var/blobs", &c->blob_dir, err, sizeof(err)) != 0) {
    fprintf(stderr, "cases: configuration error: %s\n", err);
    return 2;
  }
  c->authority_max_lag_ms = lag;
  c->max_file_bytes = max_file;
  return 0;
}

static int wire(struct service *svc) {
  static struct blob_store *blobs; /* the process's, for as long as it runs */
  struct cases_config cc;
  if (cases_config_read(&cc) != 0) return 2;
  int rc = blob_store_open_dir(cc.blob_dir, &blobs);
  if (rc != 0) fprintf(stderr, "cases: BLOB_DIR %s cannot be used\n", cc.blob_dir);
  free(cc.blob_dir);
  if (rc != 0) return 2;
  /* who may do what comes from the policy service's facts, kept here (replica.h) */
  if (replica_follow(svc, cc.authority_max_lag_ms) != 0) return 2;
  cases_case_routes(svc);
  cases_task_routes(svc);
  cases_ech_routes(svc);
  cases_list_routes(svc);
  cases_dashboard_routes(svc);
  cases_report_routes(svc);
  cases_money_routes(svc);
  cases_blobs_init(svc, blobs, cc.max_file_bytes); /* the files of the two below */
  cases_document_routes(svc);
  cases_task_report_routes(svc);
  cases_chat_routes(svc);
  cases_call_routes(svc);
  cases_rfq_routes(svc);
  cases_temporary_routes(svc);
  cases_temporary_report_schedule(svc, cc.report_check_s);
  /* what follows a change out of its request: inspection reports */
  if (cases_events_cases(svc, blobs, cc.max_file_bytes) != 0) return 2;
  /* what the customer wrote on the customer page and no one has read: the dashboard's row */
  if (cases_events_customer(svc) != 0) return 2;
  return 0;
}

int main(void) { return service_main("cases", 8082, wire); }
