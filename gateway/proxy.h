/* Forwarding one request to an upstream with libcurl. Each worker thread owns one CURL easy
 * handle (created on its first request, freed when the thread exits), so connections to the
 * upstreams stay open between requests. */
#ifndef CLAIMSUITE_GATEWAY_PROXY_H
#define CLAIMSUITE_GATEWAY_PROXY_H

#include <stddef.h>
#include <ulfius.h>

struct gw_proxy_settings {
  long connect_timeout_ms;
  long timeout_ms;
  long max_response_bytes;
};

/* Once, before any worker thread starts: curl_global_init and the per-thread state key. The
 * settings are copied. */
int gw_proxy_init(const struct gw_proxy_settings *settings);
/* Once, after every worker thread has stopped. */
void gw_proxy_cleanup(void);

struct gw_forward {
  const char *base_url;   /* "http://host:port" (borrowed) */
  const char *request_id; /* sent as X-Request-Id (borrowed) */
  const char *client_ip;  /* appended to X-Forwarded-For, NULL when unknown (borrowed) */
};

/* Sends req (method, path + query exactly as received, headers without hop-by-hop ones, body
 * bytes) to f->base_url and writes the upstream's status, headers and body into resp.
 * Returns CS_OK when the upstream answered (any status). Otherwise nothing is written to resp
 * and *detail (static) says why: CS_ERR_TIMEOUT (→ 504), CS_ERR_UNAVAILABLE (unreachable → 502),
 * CS_ERR (bad or oversized answer → 502), CS_ERR_INVALID (the URL was refused → 400),
 * CS_ERR_NOMEM. */
int gw_proxy_forward(const struct _u_request *req, const struct gw_forward *f,
                     struct _u_response *resp, const char **detail);

#endif
