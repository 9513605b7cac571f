/* The policy service follows the cases service's events for one thing: the decisions the cases
 * service made in-process from its replica, which belong in the decision log
 * (GET /v1/authorize/log). */
#include "events_cases.h"

#include "authority.h"
#include "service.h"

static int apply(PGconn *conn, const json_t *event, void *arg) {
  (void)arg;
  return policy_authority_record(conn, event);
}

int policy_events_cases(struct service *svc) {
  return service_consume(svc, "cases", apply, NULL, NULL);
}
