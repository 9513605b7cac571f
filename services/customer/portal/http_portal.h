/* The customer's reads of their case: GET /v1/customer-portal/case, /news, /plan, /budget,
 * /documents and /documents/{document_id}/content (portal.h), each with the session of an access
 * link (portal_session.h). */
#ifndef CLAIMSUITE_CUSTOMER_HTTP_PORTAL_H
#define CLAIMSUITE_CUSTOMER_HTTP_PORTAL_H

#include "service.h"

struct blob_store;

/* blobs (borrowed, lives as long as the process): where shared documents are read from. */
void customer_portal_routes(struct service *svc, struct blob_store *blobs);

#endif
