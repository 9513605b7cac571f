/* The files of the gateway's API reference (docs.h), embedded into the binary at build time:
 * docs_assets.py writes the merged OpenAPI document, the page and Redoc's bundle into a generated
 * C file, so a container or `make run` needs no file of its own to serve them. */
#ifndef CLAIMSUITE_GATEWAY_DOCS_ASSETS_H
#define CLAIMSUITE_GATEWAY_DOCS_ASSETS_H

#include <stddef.h>

struct gw_docs_asset {
  const char *path;          /* the request path it answers, e.g. "/v1/openapi.json" */
  const char *media_type;    /* its Content-Type */
  const unsigned char *data; /* its bytes (static) */
  size_t size;
  const char *etag; /* a strong ETag: the bytes' SHA-256, quoted */
};

/* Every file (generated; static). Redoc's bundle is missing when the build could not fetch it. */
extern const struct gw_docs_asset gw_docs_assets[];
extern const size_t gw_docs_asset_count;

#endif
