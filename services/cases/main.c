/* The cases service: cases, tasks, the external case handler role, the case list, the
 * dashboard and reports. Start, wiring and shutdown only; resources live in their own files. */
#include <stdio.h>

#include "cases_routes.h"
#include "config.h"
#include "replica.h"
#include "service.h"

/* The cases service's own settings, beyond those of every service (svc.cfg); read once here. */
struct cases_config {
  long long authority_max_lag_ms; /* AUTHORITY_MAX_LAG_MS: the oldest facts decided from */
};

static int cases_config_read(struct cases_config *c) {
  char err[256];
  long lag;
  if (config_long("AUTHORITY_MAX_LAG_MS", 5000, 100, 3600000, &lag, err, sizeof(err)) != 0) {
    fprintf(stderr, "cases: configuration error: %s\n", err);
    return 2;
  }
  c->authority_max_lag_ms = lag;
  return 0;
}

static int wire(struct service *svc) {
  struct cases_config cc;
  if (cases_config_read(&cc) != 0) return 2;
  /* who may do what comes from the policy service's facts, kept here (replica.h) */
  if (replica_follow(svc, cc.authority_max_lag_ms) != 0) return 2;
  cases_case_routes(svc);
  cases_task_routes(svc);
  cases_ech_routes(svc);
  cases_list_routes(svc);
  cases_dashboard_routes(svc);
  cases_report_routes(svc);
  cases_money_routes(svc);
  return 0;
}

int main(void) { return service_main("cases", 8082, wire); }
