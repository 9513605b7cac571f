/* Outgoing service-to-service HTTP on libcurl, set up as our conventions ask: http and https
 * only, no redirects, no signals, connect and total timeouts, a cap on the answer's size. The
 * owner keeps its handle and reuses it, so the connection stays open between calls. */
#ifndef CLAIMSUITE_HTTP_CLIENT_H
#define CLAIMSUITE_HTTP_CLIENT_H

#include <curl/curl.h>
#include <stddef.h>

struct httpc_options {
  long connect_timeout_ms;
  long timeout_ms;
  size_t max_bytes;            /* a longer answer fails the call */
  int (*should_abort)(void *); /* polled during a transfer; non-zero aborts it (may be NULL) */
  void *abort_arg;
  const char *authorization; /* the Authorization header's value, or NULL for none */
};

/* A new handle (curl_easy_cleanup it), or NULL. */
CURL *httpc_handle_new(const struct httpc_options *options);

/* An answer's body, growing as it arrives; data is NUL-terminated, new (free()). */
struct httpc_body {
  char *data;
  size_t len;
  size_t cap_bytes; /* from the options: the size cap */
  int too_big;
};

/* GET url with h, carrying the calling thread's request id (log_request_id) as X-Request-Id
 * and, inside a request, its traceparent (log_traceparent).
 * CS_OK when an answer arrived (*status set, any status); otherwise CS_ERR_UNAVAILABLE and err
 * says why (unreachable, timeout, too large). body->data is new either way (free it). h, url
 * and options are borrowed. */
int httpc_get(CURL *h, const struct httpc_options *options, const char *url, long *status,
              struct httpc_body *body, char *err, size_t errlen);

/* POST json_body (borrowed, NUL-terminated JSON text) to url with Content-Type:
 * application/json; otherwise as httpc_get (request id, results, body->data new either way).
 * Afterwards h is a GET handle again, so a later httpc_get on it sends a GET. */
int httpc_post_json(CURL *h, const struct httpc_options *options, const char *url,
                    const char *json_body, long *status, struct httpc_body *body, char *err,
                    size_t errlen);

/* A CURLOPT_WRITEFUNCTION appending to a struct httpc_body (exposed for other curl users). */
size_t httpc_collect(char *ptr, size_t size, size_t nmemb, void *userdata);

#endif
