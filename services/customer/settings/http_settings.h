/* The routes of the customer page's settings: GET/PUT /v1/customer/settings, GET
 * /v1/customer/settings/preview, GET/PUT /v1/customer/cases/{case_id}/settings. */
#ifndef CLAIMSUITE_CUSTOMER_HTTP_SETTINGS_H
#define CLAIMSUITE_CUSTOMER_HTTP_SETTINGS_H

struct service;

/* Registers the routes; at start only (a route that cannot be registered ends the process). */
void customer_settings_routes(struct service *svc);

#endif
