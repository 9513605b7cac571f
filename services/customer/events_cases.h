/* The consumer of the cases service's events (events_cases.c): what happens on a case that
 * someone must hear of becomes a notification (notify/from_events.h). */
#ifndef CLAIMSUITE_CUSTOMER_EVENTS_CASES_H
#define CLAIMSUITE_CUSTOMER_EVENTS_CASES_H

struct service;

/* Reads PUBLIC_BASE_URL (http://localhost:8080: where links in messages point) and MESSAGES_DIR
 * (<MIGRATIONS_DIR>/services/customer/messages), loads the message catalogue and registers the
 * consumer (EVENT_FEEDS must name "cases"). 0, or 2 after printing a configuration error. */
int customer_events_cases(struct service *svc);

#endif
