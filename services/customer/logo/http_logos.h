/* The customer page's logo on HTTP: POST /v1/customer/settings/logo (a multipart form with one
 * image in `file`), GET /v1/customer/settings/logo/{logo_id} (the image, for the admin's
 * preview) and GET /v1/customer-portal/logo (the image the customer's page shows). */
#ifndef CLAIMSUITE_CUSTOMER_HTTP_LOGOS_H
#define CLAIMSUITE_CUSTOMER_HTTP_LOGOS_H

#include "service.h"

struct blob_store;

/* blobs: the store uploads go to and images are read from (borrowed, lives as long as the
 * process). The upload path is one of core/uploads.c's. */
void customer_logo_routes(struct service *svc, struct blob_store *blobs);

#endif
