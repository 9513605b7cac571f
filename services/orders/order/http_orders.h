/* The orders' routes (http_orders.c): /v1/orders, /v1/orders/{id}, its history and the agent
 * handler's steps, and /v1/approvals ("my approvals"). */
#ifndef CLAIMSUITE_ORDERS_HTTP_ORDERS_H
#define CLAIMSUITE_ORDERS_HTTP_ORDERS_H

struct service;

void orders_routes(struct service *svc);

#endif
