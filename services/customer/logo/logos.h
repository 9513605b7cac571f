/* The customer page's own logo (the settings' logo = custom, logo_ref = its id): an image the
 * portal's admin uploads, checked by its content (PNG, JPEG, GIF or WebP; no SVG, which can
 * carry script), at most CUSTOMER_LOGO_MAX_BYTES, stored with its pixel size. The company's
 * default logo (logo = company_default) is the company's name on the page: the suite keeps no
 * company images. No HTTP here. */
#ifndef CLAIMSUITE_CUSTOMER_LOGOS_H
#define CLAIMSUITE_CUSTOMER_LOGOS_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>

#include "caller.h"
#include "refusal.h"

#define CUSTOMER_LOGO_MAX_BYTES (1024 * 1024)

/* An uploaded file as the upload gives it: digest, type from its content, size, first bytes. */
struct customer_logo_file {
  const char *sha256, *media_type;
  long long size;
  int too_large; /* past the upload limit: nothing of it was kept */
  const unsigned char *head;
  size_t head_len;
};

/* Records f as a logo of c's portal (c: a portal admin, settings.h): *doc new {id, media_type,
 * size, width, height, display_height 40, display_width, uploaded_at}. CS_OK, or CS_REFUSED:
 * 403, 413 (too large), 415 (not one of the image types), 422 (a size that cannot be read). */
int customer_logo_add(PGconn *conn, const struct customer_caller *c,
                      const struct customer_logo_file *f, json_t **doc, struct cs_refusal *err);

/* The logo id of portal_id with its sha256: *doc new; CS_REFUSED 404 when there is none. */
int customer_logo_get(PGconn *conn, const char *portal_id, const char *id, json_t **doc,
                      struct cs_refusal *err);

/* The logo the customer page of a case shows (its effective settings, borrowed): as
 * customer_logo_get; 404 while the company's default is used. */
int customer_logo_of_page(PGconn *conn, const char *portal_id, const json_t *settings, json_t **doc,
                          struct cs_refusal *err);

#endif
