/* The customer service: the customer page: messages, shares, news feed and notifications.
 * Start, wiring and shutdown only; resources live in their own files. */
#include "service.h"

int main(void) {
  struct service svc;
  int code = service_init(&svc, "customer", 8083);
  if (code == 0) code = service_run(&svc);
  service_free(&svc);
  return code;
}
