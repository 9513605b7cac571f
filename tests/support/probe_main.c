/* The probe service: a real service on common/service.h, used only by the integration tests.
 * PROBE_NAME (probe_a, probe_b) is its name, database role and schema; PROBE_APPLY_DELAY_MS
 * slows its consumers from the start. */
#include <stdio.h>

#include "config.h"
#include "probe.h"
#include "service.h"

/* The probe's own settings, read once here. */
struct probe_config {
  const char *name;
  long apply_delay_ms;
};

int main(void) {
  struct service svc;
  struct probe_config pc = {config_env("PROBE_NAME", "probe_a"), 0};
  char err[200];
  if (config_long("PROBE_APPLY_DELAY_MS", 0, 0, 10000, &pc.apply_delay_ms, err, sizeof(err)) !=
      0) {
    fprintf(stderr, "%s: configuration error: %s\n", pc.name, err);
    return 2;
  }
  int code = service_init(&svc, pc.name, 0);
  if (code != 0) return code;
  service_migrations(&svc, "probe", "tests/support/probe_migrations");
  if (probe_events_routes(&svc, pc.apply_delay_ms) != 0) {
    service_free(&svc);
    return 2;
  }
  probe_notes_routes(&svc);
  probe_lifecycle_routes(&svc);
  probe_ceiling_routes(&svc);
  code = service_run(&svc);
  service_free(&svc);
  return code;
}
