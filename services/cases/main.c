/* The cases service: cases, tasks, temporary cases, budgets, chat, history and reports.
 * Start, wiring and shutdown only; resources live in their own files. */
#include "service.h"

int main(void) {
  struct service svc;
  int code = service_init(&svc, "cases", 8082);
  if (code == 0) code = service_run(&svc);
  service_free(&svc);
  return code;
}
