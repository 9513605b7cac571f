/* The API reference the gateway serves itself, public (no token) and before its rate limits:
 * GET /v1/openapi.json, the five OpenAPI documents merged at build time (docs_merge.py);
 * GET /docs, a page that renders it with Redoc; GET /docs/redoc.standalone.js, Redoc's bundle
 * (npm, built in: nothing is loaded from elsewhere). Each with a strong ETag (304 on
 * If-None-Match) and Cache-Control: no-cache; the page with a Content-Security-Policy that lets
 * only the gateway's own script run. */
#ifndef CLAIMSUITE_GATEWAY_DOCS_H
#define CLAIMSUITE_GATEWAY_DOCS_H

#include <ulfius.h>

/* 1 after writing the answer into resp when path (canonical, e.g. "/docs") is one of the three
 * (405 with Allow for a method other than GET and HEAD; 404 for a file the build could not make:
 * the script without npm, all three without python3-yaml), else 0 and resp untouched. */
int gw_docs_answer(const struct _u_request *req, const char *path, struct _u_response *resp);

#endif
