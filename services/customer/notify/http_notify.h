/* Notifications in the customer service: the inbox routes and the delivery worker's lifecycle,
 * wired from main.c. */
#ifndef CLAIMSUITE_CUSTOMER_HTTP_NOTIFY_H
#define CLAIMSUITE_CUSTOMER_HTTP_NOTIFY_H

struct service;

/* Reads the delivery settings (notify_config.h), registers GET /v1/notifications,
 * POST /v1/notifications/{id}/read and POST /v1/notifications/read, and the hooks that start
 * and stop the delivery worker. 0, or 2 for a configuration error (printed). */
int customer_notify_wire(struct service *svc);

#endif
