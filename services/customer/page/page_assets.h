/* The customer page's files (services/customer/web/), embedded into the binary at build time
 * (embed_assets.cmake writes their bytes into a generated C file), so a container or `make run`
 * needs no directory of its own to serve the page. */
#ifndef CLAIMSUITE_CUSTOMER_PAGE_ASSETS_H
#define CLAIMSUITE_CUSTOMER_PAGE_ASSETS_H

#include <stddef.h>

struct customer_page_asset {
  const char *name;          /* the file's path under web/, e.g. "app.js" */
  const unsigned char *data; /* its bytes (static) */
  size_t size;
  const char *etag; /* a strong ETag: the file's SHA-256, quoted */
};

/* Every file of the page (generated; static). */
extern const struct customer_page_asset customer_page_assets[];
extern const size_t customer_page_asset_count;

/* The file named name (no leading '/'; "" is index.html), NULL when there is none. Borrowed. */
const struct customer_page_asset *customer_page_asset_find(const char *name);

/* The media type of a file by its name's extension (static); application/octet-stream for an
 * extension the page does not use. */
const char *customer_page_media_type(const char *name);

#endif
