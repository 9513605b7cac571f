/* The ticket's wiring (see http_ticket.h). */
#include "http_ticket.h"

#include <stdio.h>

#include "log.h"
#include "service.h"
#include "status.h"
#include "ticket_config.h"
#include "worker.h"

static struct orders_ticket_config config; /* the process's, read once in wire */

static int ticket_start(struct service *svc) {
  if (config.url[0] == '\0') {
    log_warning("TICKET_URL is not set: no tickets are opened, attested orders wait for one");
    return 0;
  }
  return orders_ticket_worker_start(svc->pool, &config) == CS_OK ? 0 : -1;
}

static int ticket_stop(struct service *svc) {
  (void)svc;
  orders_ticket_worker_stop();
  orders_ticket_config_free(&config);
  return 0;
}

int orders_ticket_wire(struct service *svc) {
  char err[256];
  if (orders_ticket_config_read(&config, err, sizeof(err)) != CS_OK) {
    fprintf(stderr, "orders: configuration error: %s\n", err);
    return 2;
  }
  service_on_start(svc, ticket_start);
  service_on_stop(svc, ticket_stop);
  return 0;
}
