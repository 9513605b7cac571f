/* The cases service: cases, tasks, the external case handler role, the case list, the
 * dashboard and reports. Start, wiring and shutdown only; resources live in their own files. */
#include <stdio.h>

#include "cases_routes.h"
#include "config.h"
#include "policy_client.h"
#include "service.h"

/* The cases service's own settings, beyond those of every service (svc.cfg); read once here. */
struct cases_config {
  const char *policy_url; /* POLICY_URL: where the policy service's /internal endpoints are */
};

static void cases_config_read(struct cases_config *c) {
  c->policy_url = config_env("POLICY_URL", "http://127.0.0.1:8081");
}

static int stop_policy_client(struct service *svc) {
  (void)svc;
  cases_policy_cleanup();
  return 0;
}

static int wire(struct service *svc) {
  struct cases_config cc;
  cases_config_read(&cc);
  if (cases_policy_init(cc.policy_url) != 0) return 2;
  service_on_stop(svc, stop_policy_client);
  cases_case_routes(svc);
  cases_task_routes(svc);
  cases_ech_routes(svc);
  cases_list_routes(svc);
  cases_dashboard_routes(svc);
  cases_report_routes(svc);
  return 0;
}

int main(void) { return service_main("cases", 8082, wire); }
