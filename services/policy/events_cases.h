/* The consumer of the cases service's events (events_cases.c). */
#ifndef CLAIMSUITE_POLICY_EVENTS_CASES_H
#define CLAIMSUITE_POLICY_EVENTS_CASES_H

struct service;

/* Registers it (EVENT_FEEDS must name "cases"): CS_OK or a service_consume failure. */
int policy_events_cases(struct service *svc);

#endif
