/* The orders service: the agent order workflow: orders, approvals, e-ID signing and tickets.
 * Start, config, wiring and shutdown only; resources live in their own folders. */
#include <stdio.h>

#include "config.h"
#include "http_orders.h"
#include "http_signatures.h"
#include "http_ticket.h"
#include "replica.h"
#include "service.h"

/* The orders service's own settings, beyond those of every service (svc.cfg); read once. */
struct orders_config {
  long long authority_max_lag_ms; /* AUTHORITY_MAX_LAG_MS: the oldest facts decided from */
};

static int orders_config_read(struct orders_config *c) {
  char err[256];
  long lag;
  if (config_long("AUTHORITY_MAX_LAG_MS", 5000, 100, 3600000, &lag, err, sizeof(err)) != 0) {
    fprintf(stderr, "orders: configuration error: %s\n", err);
    return 2;
  }
  c->authority_max_lag_ms = lag;
  return 0;
}

static int wire(struct service *svc) {
  struct orders_config oc = {0};
  if (orders_config_read(&oc) != 0) return 2;
  /* who may do what, and which organisations there are, come from the policy service's facts,
   * kept here (replica.h) */
  if (replica_follow(svc, oc.authority_max_lag_ms) != 0) return 2;
  orders_routes(svc);
  if (orders_signing_wire(svc) != 0) return 2; /* e-ID signing: BankID and SMS codes */
  if (orders_ticket_wire(svc) != 0) return 2;  /* TICKET_URL: the ticket worker */
  return 0;
}

int main(void) { return service_main("orders", 8084, wire); }
