/* The customer page's files on HTTP (see http_page.h): find the file, set the headers, answer
 * its bytes or 304. */
#include "http_page.h"

#include <string.h>

#include "http.h"
#include "page_assets.h"

/* Only the page's own files run or style it: no inline script or style (the portal's colours
 * are set through the CSSOM, which CSP allows), images from the API or chosen by the customer
 * (blob: previews), no framing (clickjacking), no plugins, no <base> tricks. */
static const char csp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

/* 1 when If-None-Match names etag (a list, or "*"). */
static int not_modified(const struct _u_request *req, const char *etag) {
  const char *inm = http_header(req, "If-None-Match");
  if (inm == NULL) return 0;
  if (strcmp(inm, "*") == 0) return 1;
  return strstr(inm, etag) != NULL;
}

static void answer(struct request_ctx *ctx, const char *name) {
  struct _u_response *resp = ctx->resp;
  const struct customer_page_asset *a = customer_page_asset_find(name);
  if (a == NULL) {
    http_problem(resp, PROBLEM_NOT_FOUND, "the customer page has no such file");
    return;
  }
  u_map_put(resp->map_header, "Content-Security-Policy", csp);
  u_map_put(resp->map_header, "X-Content-Type-Options", "nosniff");
  u_map_put(resp->map_header, "Referrer-Policy", "no-referrer");
  u_map_put(resp->map_header, "X-Frame-Options", "DENY");
  u_map_put(resp->map_header, "Cross-Origin-Opener-Policy", "same-origin");
  /* the file names carry no version: revalidate each time (a 304 is cheap), so a new release's
   * page never runs with the last release's scripts */
  u_map_put(resp->map_header, "Cache-Control", "no-cache");
  u_map_put(resp->map_header, "ETag", a->etag);
  if (not_modified(ctx->req, a->etag)) {
    resp->status = 304;
    return;
  }
  u_map_put(resp->map_header, "Content-Type", customer_page_media_type(a->name));
  ulfius_set_binary_body_response(resp, 200, (const char *)a->data, a->size); /* copies */
}

static void page_index_get(struct request_ctx *ctx) { answer(ctx, "index.html"); }

static void page_file_get(struct request_ctx *ctx) {
  answer(ctx, u_map_get(ctx->req->map_url, "file"));
}

void customer_page_routes(struct service *svc) {
  static const struct service_route_def routes[] = {
      {"GET", "/c", page_index_get, ROUTE_PUBLIC},
      {"GET", "/c/:file", page_file_get, ROUTE_PUBLIC},
  };
  service_routes(svc, routes, SERVICE_ROUTES_COUNT(routes), "the customer page");
}
