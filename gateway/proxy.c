/* Forwarding to upstreams: the ulfius request mapped onto upstream_client.h and the answer
 * mapped back. See proxy.h.
 *
 * Hot path: one request costs the response body (allocated by the client, handed to ulfius
 * without a copy) and the u_map entries of the response headers; the connection and every
 * buffer live as long as the worker thread (upstream_client.c). A big answer is streamed
 * instead (proxy_stream.h), and a spooled upload's body comes from disk (proxy_upload.c). */
#include "proxy.h"

#include <ctype.h>
#include <orcania.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_upload.h"
#include "log.h"
#include "proxy_stream.h"
#include "routes_table.h"
#include "status.h"
#include "upstream_client.h"

/* The request headers to send upstream: the client's minus hop-by-hop ones (If-None-Match and
 * tracestate pass as they are), plus the gateway's X-Request-Id, traceparent (the client's trace
 * with the gateway's span as parent) and X-Forwarded-*. (Host and Content-Length are the client's
 * to write.) With content_type, the body is the gateway's own encoding: it replaces the client's
 * Content-Type. */
static int add_request_headers(struct gw_upstream_call *c, const struct _u_request *req,
                               const struct gw_forward *f, const char *content_type) {
  const struct _u_map *h = req->map_header;
  const char *connection = u_map_get_case(h, "Connection");
  const char *xff = NULL, *xfp = NULL, *xfh = NULL, *host = NULL;
  int rc;
  for (int i = 0; h != NULL && i < h->nb_values; i++) {
    const char *name = h->keys[i], *value = h->values[i];
    if (value == NULL) value = "";
    if (!strcasecmp(name, "Host")) host = value;
    if (gw_header_is_hop_by_hop(name, connection)) continue;
    if (!strcasecmp(name, "X-Forwarded-For")) {
      xff = value;
      continue;
    }
    /* the gateway's own request id and trace context (log.h) replace the client's */
    if (!strcasecmp(name, "X-Request-Id") || !strcasecmp(name, "Expect") ||
        !strcasecmp(name, "traceparent"))
      continue;
    /* a body encoded anew (a spooled upload): its type is the gateway's, and the upload's
     * bookkeeping header stays here */
    if (content_type != NULL &&
        (!strcasecmp(name, "Content-Type") || !strcasecmp(name, HTTP_UPLOAD_ENTRY_HEADER)))
      continue;
    if (!strcasecmp(name, "X-Forwarded-Proto")) xfp = value;
    if (!strcasecmp(name, "X-Forwarded-Host")) xfh = value;
    if ((rc = gw_upstream_add_header(c, name, value, NULL)) != CS_OK) return rc;
  }
  if ((rc = gw_upstream_add_header(c, "X-Request-Id", f->request_id, NULL)) != CS_OK) return rc;
  if (log_traceparent()[0] != '\0' &&
      (rc = gw_upstream_add_header(c, "traceparent", log_traceparent(), NULL)) != CS_OK)
    return rc;
  if (content_type != NULL &&
      (rc = gw_upstream_add_header(c, "Content-Type", content_type, NULL)) != CS_OK) {
    return rc;
  }
  if (f->client_ip != NULL) {
    if (xff != NULL && xff[0] != '\0') {
      char tail[64] = ", ";
      size_t n = strlen(f->client_ip);
      if (n > sizeof(tail) - 3) n = sizeof(tail) - 3;
      memcpy(tail + 2, f->client_ip, n);
      tail[n + 2] = '\0';
      rc = gw_upstream_add_header(c, "X-Forwarded-For", xff, tail);
    } else {
      rc = gw_upstream_add_header(c, "X-Forwarded-For", f->client_ip, NULL);
    }
  }
  /* Without the peer's address the chain cannot be extended truthfully: the client's own
   * X-Forwarded-For is dropped rather than passed on as if the gateway had vouched for it. */
  if (rc != CS_OK) return rc;
  if (xfp == NULL && (rc = gw_upstream_add_header(c, "X-Forwarded-Proto", "http", NULL)) != CS_OK) {
    return rc;
  }
  if (xfh == NULL && host != NULL && host[0] != '\0') {
    return gw_upstream_add_header(c, "X-Forwarded-Host", host, NULL);
  }
  return CS_OK;
}

/* 1 when MHD will accept the header as is (it refuses the whole response otherwise). */
static int header_sendable(const char *name, const char *value) {
  if (!gw_http_token(name)) return 0;
  for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
    if ((*p < 0x20 && *p != '\t') || *p == 0x7f) return 0;
  }
  return 1;
}

/* Adds one upstream header to the response map. The map's keys are case-sensitive and unique:
 * a repeated Set-Cookie goes in under another spelling of its name ("set-cookie", ...), which
 * HTTP treats as the same header, so every cookie reaches the client; other repeats are joined
 * with ", " as RFC 9110 allows. */
static int put_response_header(struct _u_map *map, const char *name, const char *value) {
  const char *prev = u_map_get_case(map, name);
  if (prev == NULL) return u_map_put(map, name, value) == U_OK ? CS_OK : CS_ERR_NOMEM;
  if (strcasecmp(name, "Set-Cookie") != 0) {
    size_t n = strlen(prev) + strlen(value) + 3;
    char *joined = malloc(n);
    if (joined == NULL) return CS_ERR_NOMEM;
    snprintf(joined, n, "%s, %s", prev, value);
    /* Replace under the spelling already present. */
    for (int i = 0; i < map->nb_values; i++) {
      if (!strcasecmp(map->keys[i], name)) {
        int rc = u_map_put(map, map->keys[i], joined) == U_OK ? CS_OK : CS_ERR_NOMEM;
        free(joined);
        return rc;
      }
    }
    free(joined);
    return CS_ERR;
  }
  char variant[32];
  size_t n = strlen(name);
  if (n >= sizeof(variant)) return CS_ERR;
  for (unsigned k = 1; k < 1024; k++) {
    unsigned bit = 0;
    for (size_t i = 0; i < n; i++) {
      char c = name[i];
      if (isalpha((unsigned char)c)) {
        c = (k >> bit) & 1 ? (char)(isupper((unsigned char)c) ? tolower((unsigned char)c)
                                                              : toupper((unsigned char)c))
                           : c;
        bit++;
      }
      variant[i] = c;
    }
    variant[n] = '\0';
    if (!u_map_has_key(map, variant))
      return u_map_put(map, variant, value) == U_OK ? CS_OK : CS_ERR_NOMEM;
  }
  return CS_ERR; /* a thousand cookies in one response: drop the rest */
}

static int copy_response(struct gw_upstream_answer *a, struct _u_response *resp) {
  const char *connection = NULL;
  for (size_t i = 0; i < a->nhdrs; i++) {
    if (!strcasecmp(a->hdr_text + a->hdrs[i].name, "Connection")) {
      connection = a->hdr_text + a->hdrs[i].value;
    }
  }
  for (size_t i = 0; i < a->nhdrs; i++) {
    const char *name = a->hdr_text + a->hdrs[i].name;
    const char *value = a->hdr_text + a->hdrs[i].value;
    /* MHD writes Date and Content-Length itself; the request id is the gateway's. */
    if (gw_header_is_hop_by_hop(name, connection) || !strcasecmp(name, "Date") ||
        !strcasecmp(name, "X-Request-Id") || !header_sendable(name, value)) {
      continue;
    }
    int rc = put_response_header(resp->map_header, name, value);
    if (rc == CS_ERR_NOMEM) return rc;
  }
  if (a->stream != NULL) { /* MHD writes its Content-Length from the stream's */
    struct gw_upstream_stream *s = a->stream;
    a->stream = NULL;
    return gw_stream_respond(resp, a->status, s);
  }
  resp->status = a->status;
  o_free(resp->binary_body);
  /* Handed over: ulfius frees it with o_free (free) when the response is done. */
  resp->binary_body = a->body;
  resp->binary_body_length = a->body_len;
  a->body = NULL;
  a->body_len = 0;
  return CS_OK;
}

/* Forwards req with the body from src (NULL: the request's own bytes) and content_type (NULL:
 * the client's). See gw_proxy_forward. */
static int forward(const struct _u_request *req, const struct gw_forward *f,
                   const struct gw_upstream_body *src, const char *content_type,
                   struct _u_response *resp, const char **detail) {
  struct gw_upstream_call *c = NULL;
  struct gw_upstream_answer a = {0, NULL, NULL, 0, NULL, 0, NULL};
  const char *method = req->http_verb;
  int has_body = req->binary_body_length > 0 || !strcmp(method, "POST") || !strcmp(method, "PUT") ||
                 !strcmp(method, "PATCH");
  int rc = gw_upstream_begin(f->upstream, method, req->http_url, &c);
  if (rc == CS_OK) rc = add_request_headers(c, req, f, content_type);
  if (rc != CS_OK) {
    *detail = rc == CS_ERR_INVALID ? "the request target cannot be forwarded"
                                   : "the gateway is out of memory";
    goto done;
  }
  if (src != NULL)
    rc = gw_upstream_exchange_body(c, src, &a, detail);
  else
    rc = gw_upstream_exchange(c, req->binary_body, req->binary_body_length, has_body, &a, detail);
  if (rc != CS_OK) goto done;
  if ((rc = copy_response(&a, resp)) != CS_OK) *detail = "the gateway is out of memory";
done:
  free(a.body);                      /* NULL unless copy_response failed */
  gw_upstream_stream_free(a.stream); /* likewise */
  return rc;
}

int gw_proxy_forward(const struct _u_request *req, const struct gw_forward *f,
                     struct _u_response *resp, const char **detail) {
  return forward(req, f, NULL, NULL, resp, detail);
}

int gw_proxy_forward_body(const struct _u_request *req, const struct gw_forward *f,
                          const char *content_type, const struct gw_upstream_body *src,
                          struct _u_response *resp, const char **detail) {
  return forward(req, f, src, content_type, resp, detail);
}
