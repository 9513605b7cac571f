/* The cases service follows the customer service's events (events_customer.c): how many of a
 * case's messages and uploads from the customer no one has read yet, behind the dashboard's
 * "cases with customer uploads or messages" (cases_with_customer_contact) and the case list's
 * customer_contact filter. */
#ifndef CLAIMSUITE_CASES_EVENTS_CUSTOMER_H
#define CLAIMSUITE_CASES_EVENTS_CUSTOMER_H

struct service;

/* Registers the consumer (EVENT_FEEDS must name "customer": the customer service's feed).
 * CS_OK or a service_consume failure. */
int cases_events_customer(struct service *svc);

#endif
