/* Routes of webhooks (GET/POST /v1/webhooks, GET/PATCH/DELETE /v1/webhooks/{id},
 * POST /v1/webhooks/{id}/rotate-secret, GET /v1/webhooks/{id}/deliveries,
 * POST /v1/webhooks/{id}/deliveries/{delivery_id}/redeliver) and the delivery worker's hooks. */
#ifndef CLAIMSUITE_CUSTOMER_HTTP_WEBHOOKS_H
#define CLAIMSUITE_CUSTOMER_HTTP_WEBHOOKS_H

struct service;

/* Reads the WEBHOOK_* settings (webhooks.h), registers the routes and the worker's start and
 * stop. 0, or 2 after printing a configuration error. */
int customer_webhooks_wire(struct service *svc);

#endif
