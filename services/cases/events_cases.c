/* The consumer of the service's own events (see events_cases.h): each event type it acts on goes
 * to its module; every other event only moves the offset on. */
#include "events_cases.h"

#include <string.h>

#include "inspection_reports.h"
#include "service.h"

static int apply(PGconn *conn, const json_t *event, void *arg) {
  const char *type = json_string_value(json_object_get(event, "type"));
  if (type != NULL && !strcmp(type, "inspection.completed"))
    return cases_inspection_report_apply(conn, event, arg);
  return 0;
}

static void committed(const json_t *event, void *arg) {
  (void)event;
  cases_inspection_report_committed(arg);
}

int cases_events_cases(struct service *svc, struct blob_store *store, long long max_bytes) {
  /* the consumer's thread alone uses it, for as long as the process runs */
  static struct cases_inspection_reports reports;
  reports.store = store;
  reports.max_bytes = max_bytes;
  return service_consume(svc, "cases", apply, committed, &reports);
}
