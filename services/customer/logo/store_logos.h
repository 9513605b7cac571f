/* SQL of the customer page's logos (migrations/0007_logos.sql). Results: CS_OK, or CS_ERR_DB
 * with sqlstate (6 bytes) filled. */
#ifndef CLAIMSUITE_CUSTOMER_STORE_LOGOS_H
#define CLAIMSUITE_CUSTOMER_STORE_LOGOS_H

#include <jansson.h>
#include <libpq-fe.h>

struct customer_store_logo {
  const char *id, *portal_id, *sha256, *media_type, *uploaded_by;
  long long size;
  long width, height;
};

/* Inserts the logo: *doc new, the logo as logos.h describes it. */
int customer_store_logo_insert(PGconn *conn, const struct customer_store_logo *l, json_t **doc,
                               char sqlstate[6]);
/* The logo id of portal_id: *doc new (with its sha256), NULL when there is none. */
int customer_store_logo_get(PGconn *conn, const char *portal_id, const char *id, json_t **doc,
                            char sqlstate[6]);

#endif
