/* The cases service: cases, tasks, the external case handler role, the case list, the
 * dashboard and reports. Start, wiring and shutdown only; resources live in their own files. */
#include <stdio.h>

#include "cases_internal.h"
#include "service.h"

int main(void) {
  struct service svc;
  int code = service_init(&svc, "cases", 8082);
  if (code == 0 && cases_policy_init() != 0) code = 2;
  if (code == 0) {
    cases_case_routes(&svc);
    cases_task_routes(&svc);
    cases_ech_routes(&svc);
    cases_list_routes(&svc);
    cases_dashboard_routes(&svc);
    cases_report_routes(&svc);
    code = service_run(&svc);
  }
  service_free(&svc);
  cases_policy_cleanup();
  return code;
}
