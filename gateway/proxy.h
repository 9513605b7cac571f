/* Forwarding one request to an upstream: the ulfius request mapped onto the gateway's own
 * HTTP/1.1 client (upstream_client.h) and its answer mapped back onto the ulfius response. Each
 * worker thread keeps one keep-alive connection per upstream (opened on its first request to it,
 * closed when the thread exits). An answer whose Content-Length is above the streaming threshold
 * is relayed as the client reads it, on the connection it came on (proxy_stream.h). */
#ifndef CLAIMSUITE_GATEWAY_PROXY_H
#define CLAIMSUITE_GATEWAY_PROXY_H

#include <stddef.h>
#include <ulfius.h>

#include "routes_table.h"

struct gw_forward {
  int upstream;           /* enum gw_upstream: where to (its URL came with gw_upstream_init) */
  const char *request_id; /* sent as X-Request-Id (borrowed) */
  const char *client_ip;  /* appended to X-Forwarded-For, NULL when unknown (borrowed) */
};

/* Sends req (method, path + query exactly as received, headers without hop-by-hop ones, body
 * bytes) to the upstream f->upstream and writes the upstream's status, headers and body (or a
 * stream of it) into resp. Returns CS_OK when the upstream answered (any status). Otherwise nothing
 * is written to resp and *detail (static) says why: CS_ERR_TIMEOUT (→ 504), CS_ERR_UNAVAILABLE
 * (unreachable, or a POST/PATCH whose kept-alive connection the upstream closed: not sent twice →
 * 502), CS_ERR (bad or oversized answer → 502), CS_ERR_INVALID (the URL was refused → 400),
 * CS_ERR_NOMEM. */
int gw_proxy_forward(const struct _u_request *req, const struct gw_forward *f,
                     struct _u_response *resp, const char **detail);

/* gw_proxy_forward with another body: src's bytes (borrowed) under content_type, in place of
 * the request's own bytes and Content-Type (a spooled upload re-encoded: proxy_upload.h). */
struct gw_upstream_body;
int gw_proxy_forward_body(const struct _u_request *req, const struct gw_forward *f,
                          const char *content_type, const struct gw_upstream_body *src,
                          struct _u_response *resp, const char **detail);

#endif
