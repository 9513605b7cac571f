/* The orders service: the agent order workflow: orders, approvals, e-ID signing and tickets.
 * Start, wiring and shutdown only; resources live in their own files. */
#include "service.h"

int main(void) { return service_main("orders", 8084, NULL); }
