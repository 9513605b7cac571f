/* The consumer of the orders service's events (events_orders.c): a step of an order that
 * someone must act on or hear of becomes a notification (notify/from_orders.h). */
#ifndef CLAIMSUITE_CUSTOMER_EVENTS_ORDERS_H
#define CLAIMSUITE_CUSTOMER_EVENTS_ORDERS_H

struct service;

/* Registers the consumer (EVENT_FEEDS must name "orders"); the texts come from texts.h, loaded
 * before. 0, or 2 when the feed is not configured. */
int customer_events_orders(struct service *svc);

#endif
