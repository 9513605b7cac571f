/* The cases service: cases, tasks, the external case handler role, the case list, the
 * dashboard and reports. Start, wiring and shutdown only; resources live in their own files. */
#include <stdio.h>

#include "cases_internal.h"
#include "config.h"
#include "service.h"

/* The cases service's own settings, beyond those of every service (svc.cfg); read once here. */
struct cases_config {
  const char *policy_url; /* POLICY_URL: where the policy service's /internal endpoints are */
};

static void cases_config_read(struct cases_config *c) {
  c->policy_url = config_env("POLICY_URL", "http://127.0.0.1:8081");
}

int main(void) {
  struct service svc;
  struct cases_config cc;
  int code = service_init(&svc, "cases", 8082);
  cases_config_read(&cc);
  if (code == 0 && cases_policy_init(cc.policy_url) != 0) code = 2;
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
