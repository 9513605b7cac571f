/* The route of the event feed (GET /v1/events, feed.h) and its retention thread's hooks. */
#ifndef CLAIMSUITE_CUSTOMER_HTTP_FEED_H
#define CLAIMSUITE_CUSTOMER_HTTP_FEED_H

struct service;

/* Registers the route and the start and stop of the retention thread. 0. */
int customer_feed_wire(struct service *svc);

#endif
