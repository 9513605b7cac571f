/* GET /v1/openapi.json, /docs and /docs/redoc.standalone.js from the embedded files
 * (docs_assets.h). */
#include "docs.h"

#include <string.h>

#include "docs_assets.h"
#include "http.h"
#include "resp_headers.h"

#define SCRIPT_PATH "/docs/redoc.standalone.js"

/* Redoc styles its elements inline (styled-components) and runs its search index in a worker
 * it starts from a blob: URL; everything else, the document included, comes from the gateway.
 * The one thing Redoc links from elsewhere, its "API docs by Redocly" logo, stays blocked. */
static const char page_csp[] =
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

static const struct gw_docs_asset *find(const char *path) {
  for (size_t i = 0; i < gw_docs_asset_count; i++) {
    if (!strcmp(gw_docs_assets[i].path, path)) return &gw_docs_assets[i];
  }
  return NULL;
}

/* If-None-Match names etag (or is "*"). */
static int not_modified(const struct _u_request *req, const char *etag) {
  const char *inm = http_header(req, "If-None-Match");
  if (inm == NULL) return 0;
  if (!strcmp(inm, "*")) return 1;
  /* a weak form (W/"...") matches too: the gateway's compression makes its own ETags weak */
  return strstr(inm, etag) != NULL;
}

int gw_docs_answer(const struct _u_request *req, const char *path, struct _u_response *resp) {
  int is_page = !strcmp(path, "/docs");
  if (!is_page && strcmp(path, "/v1/openapi.json") != 0 && strcmp(path, SCRIPT_PATH) != 0) {
    return 0;
  }
  const char *method = req->http_verb;
  if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
    http_problem(resp, PROBLEM_METHOD_NOT_ALLOWED, "only GET and HEAD are allowed here");
    u_map_put(resp->map_header, "Allow", "GET, HEAD");
    return 1;
  }
  const struct gw_docs_asset *a = find(path);
  if (a == NULL) { /* the build could not make it: npm or python3-yaml missing (it says so) */
    http_problem(resp, PROBLEM_NOT_FOUND, "this file of the API reference was not built in");
    return 1;
  }
  if (is_page) {
    u_map_put(resp->map_header, "Content-Security-Policy", page_csp);
    u_map_put(resp->map_header, "Referrer-Policy", "no-referrer");
    u_map_put(resp->map_header, "X-Frame-Options", "DENY");
  }
  u_map_put(resp->map_header, "X-Content-Type-Options", "nosniff");
  /* the paths carry no version: revalidate each time (a 304 is cheap), so a new build's
   * document is never hidden behind a cached one */
  u_map_put(resp->map_header, "Cache-Control", "no-cache");
  u_map_put(resp->map_header, "ETag", a->etag);
  if (not_modified(req, a->etag)) {
    resp->status = 304;
    return 1;
  }
  if (ulfius_set_binary_body_response(resp, 200, (const char *)a->data, a->size) != U_OK) {
    http_problem(resp, PROBLEM_INTERNAL, "the gateway is out of memory");
    return 1;
  }
  gw_header_set(resp->map_header, "Content-Type", a->media_type);
  return 1;
}
