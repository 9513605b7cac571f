/* Which POSTs of the customer service take files, streamed to the blob store as they arrive
 * (http_upload.h): the staff's messages and the logo (a bearer token), the customer's messages
 * (the customer page's session, checked before a byte is written). */
#ifndef CLAIMSUITE_CUSTOMER_HTTP_UPLOADS_H
#define CLAIMSUITE_CUSTOMER_HTTP_UPLOADS_H

#include "service.h"

#define CUSTOMER_MAX_FILE_BYTES (30LL * 1024 * 1024) /* the guide's "Max 30MB" */

struct blob_store;

/* Once, in wire, before the routes that take the files. */
void customer_uploads_wire(struct service *svc, struct blob_store *blobs);

#endif
