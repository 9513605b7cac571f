/* The customer service: the customer page: messages, shares, news feed and notifications.
 * Start, wiring and shutdown only; resources live in their own files. */
#include "service.h"

int main(void) { return service_main("customer", 8083, NULL); }
