/* The routes of the customer's access (http_access.c, http_login.c): the staff's
 * /v1/customer/cases/{case_id}/access (list, grant, revoke) and the customer's
 * /v1/customer-portal/ login, code, logout and session. Called from main.c's wire. */
#ifndef CLAIMSUITE_CUSTOMER_HTTP_ACCESS_H
#define CLAIMSUITE_CUSTOMER_HTTP_ACCESS_H

struct service;

void customer_access_routes(struct service *svc);

#endif
