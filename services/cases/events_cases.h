/* The cases service follows its own events (events_cases.c) for what happens after a change has
 * committed, out of the request that made it: an inspection's report once it completed. */
#ifndef CLAIMSUITE_CASES_EVENTS_CASES_H
#define CLAIMSUITE_CASES_EVENTS_CASES_H

#include "blob.h"

struct service;

/* Registers the consumer (EVENT_FEEDS must name "cases": the service's own feed); reports are
 * written to store, at most max_bytes each. CS_OK or a service_consume failure. */
int cases_events_cases(struct service *svc, struct blob_store *store, long long max_bytes);

#endif
