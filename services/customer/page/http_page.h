/* The customer page itself on HTTP: GET /c/ (the page, opened from the link /c/#<token>) and
 * GET /c/<file> (its scripts and styles), from the files embedded at build time
 * (page_assets.h), with a strict Content-Security-Policy. The page talks only to the public
 * /v1/customer-portal/... API. */
#ifndef CLAIMSUITE_CUSTOMER_HTTP_PAGE_H
#define CLAIMSUITE_CUSTOMER_HTTP_PAGE_H

#include "service.h"

void customer_page_routes(struct service *svc);

#endif
