/* The orders service: the agent order workflow: orders, approvals, e-ID signing and tickets.
 * Start, wiring and shutdown only; resources live in their own files. */
#include "service.h"

int main(void) {
  struct service svc;
  int code = service_init(&svc, "orders", 8084);
  if (code == 0) code = service_run(&svc);
  service_free(&svc);
  return code;
}
