/* The probe service: a real service on common/service.h, used only by the integration tests.
 * PROBE_NAME (probe_a, probe_b) is its name, database role and schema. */
#include "config.h"
#include "probe.h"
#include "service.h"

int main(void) {
  struct service svc;
  const char *name = config_env("PROBE_NAME", "probe_a");
  int code = service_init(&svc, name, 0);
  if (code != 0) return code;
  service_migrations(&svc, "probe", "tests/support/probe_migrations");
  probe_events_routes(&svc);
  probe_notes_routes(&svc);
  probe_lifecycle_routes(&svc);
  code = service_run(&svc);
  service_free(&svc);
  return code;
}
