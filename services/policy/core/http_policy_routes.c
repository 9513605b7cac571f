/* Registration of the policy service's route tables (http_policy_routes.h). */
#include "http_policy_routes.h"

#include <stdlib.h>

#include "log.h"
#include "status.h"

void policy_routes_add(struct service *svc, const struct policy_route *table, size_t n,
                       const char *what) {
  for (size_t i = 0; i < n; i++) {
    if (service_route(svc, table[i].method, table[i].pattern, table[i].handler,
                      table[i].flags) != CS_OK) {
      /* a service without one of its routes would answer 404 where it should work: stop */
      log_error("cannot register the routes of the %s (%s %s)", what, table[i].method,
                table[i].pattern);
      exit(1);
    }
  }
}
