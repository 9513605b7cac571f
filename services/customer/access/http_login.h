/* The customer's side of the customer page over HTTP (http_login.c): its login routes, and the
 * answer every route under /v1/customer-portal/ gives a refusal. */
#ifndef CLAIMSUITE_CUSTOMER_HTTP_LOGIN_H
#define CLAIMSUITE_CUSTOMER_HTTP_LOGIN_H

struct service;
struct request_ctx;
struct cs_refusal;

/* POST login, login/code, logout; GET session (ROUTE_PUBLIC: the service checks the link, the
 * code and the session cookie itself). */
void customer_portal_login_routes(struct service *svc);

/* Answers err as service_refusal_answer does, and a 429 with Retry-After from its retry_after
 * member. */
void customer_portal_refusal_answer(struct request_ctx *ctx, const struct cs_refusal *err);

#endif
