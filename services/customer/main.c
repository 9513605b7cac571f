/* The customer service: the customer page: its settings, messages, shares, news feed and
 * notifications. Start, config, wiring and shutdown only; resources live in their own files. */
#include <stdio.h>

#include "config.h"
#include "events_cases.h"
#include "http_notify.h"
#include "http_settings.h"
#include "replica.h"
#include "service.h"

/* The customer service's own settings, beyond those of every service (svc.cfg); read once. */
struct customer_config {
  long long authority_max_lag_ms; /* AUTHORITY_MAX_LAG_MS: the oldest facts decided from */
};

static int customer_config_read(struct customer_config *c) {
  char err[256];
  long lag;
  if (config_long("AUTHORITY_MAX_LAG_MS", 5000, 100, 3600000, &lag, err, sizeof(err)) != 0) {
    fprintf(stderr, "customer: configuration error: %s\n", err);
    return 2;
  }
  c->authority_max_lag_ms = lag;
  return 0;
}

static int wire(struct service *svc) {
  struct customer_config cc;
  if (customer_config_read(&cc) != 0) return 2;
  /* who may do what comes from the policy service's facts, kept here (replica.h) */
  if (replica_follow(svc, cc.authority_max_lag_ms) != 0) return 2;
  customer_settings_routes(svc);
  if (customer_notify_wire(svc) != 0) return 2;
  if (customer_events_cases(svc) != 0) return 2;
  return 0;
}

int main(void) { return service_main("customer", 8083, wire); }
