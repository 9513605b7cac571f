/* The gateway's HTTP/1.1 client for its upstreams: one request, one response, over a
 * keep-alive connection taken from the upstream's shared pool (upstream_pool.h) and given back.
 *
 * Each thread that forwards owns its state (created on its first request, freed when the thread
 * exits): the connection of the request in flight, the request buffer, the receive buffer and
 * the response parser. In the steady state a request costs no allocation besides the response
 * body, which is handed to the caller. */
#ifndef CLAIMSUITE_GATEWAY_UPSTREAM_CLIENT_H
#define CLAIMSUITE_GATEWAY_UPSTREAM_CLIENT_H

#include <stddef.h>

#include "routes_table.h"
#include "upstream_parse.h"

struct gw_upstream_settings {
  long connect_timeout_ms;           /* connecting, within the overall timeout */
  long timeout_ms;                   /* the whole exchange: connect + send + receive */
  long max_response_bytes;           /* a bigger response body held in memory is refused */
  const char *base_url[GW_UP_COUNT]; /* "http://host[:port][/path]", per enum gw_upstream */
  long max_connections;              /* open at once per upstream; 0: GW_UPSTREAM_MAX_CONNECTIONS */
};
#define GW_UPSTREAM_MAX_CONNECTIONS 128

/* Once, before any worker thread starts: parses the base URLs and creates the per-thread state
 * key. The settings are copied. CS_OK, CS_ERR_INVALID (a URL is not http://host[:port][/path])
 * or CS_ERR. */
int gw_upstream_init(const struct gw_upstream_settings *settings);
/* After gw_upstream_init, before any worker thread starts: an answer whose Content-Length is
 * above bytes is streamed (gw_upstream_answer.stream), not held; 0 (the default): never. */
void gw_upstream_stream_over(long bytes);
/* Once, after every worker thread has stopped: the calling thread's state and the key. */
void gw_upstream_cleanup(void);

/* The request being built on the calling thread: its state, borrowed, nothing to free. */
struct gw_upstream_call;

/* Starts a request on the calling thread: "METHOD <base path><target> HTTP/1.1" and Host. The
 * target is the path and query as received; a raw '#' goes out as %23. *out is the thread's
 * state. CS_OK, CS_ERR_INVALID (method or target cannot be sent as they are), CS_ERR_NOMEM. */
int gw_upstream_begin(int upstream, const char *method, const char *target,
                      struct gw_upstream_call **out);

/* Adds the header line "name: value value_tail" (value_tail may be NULL). A name that is not an
 * HTTP token or a value with CR or LF is left out. CS_OK or CS_ERR_NOMEM. */
int gw_upstream_add_header(struct gw_upstream_call *c, const char *name, const char *value,
                           const char *value_tail);

/* An answer's body left on its connection, read as the client takes it: answers whose
 * Content-Length is above stream_over_bytes are not held in memory. The connection is the
 * stream's own from then on (the thread's next call to that upstream opens another), so the
 * stream may be read and freed later on any thread, by one thread at a time. */
struct gw_upstream_stream;

struct gw_upstream_answer {
  int status;                       /* 200..999 */
  const char *hdr_text;             /* headers as gw_resp keeps them; borrowed: valid until */
  const struct gw_header_ref *hdrs; /* the calling thread's next gw_upstream_begin */
  size_t nhdrs;
  char *body; /* new (free() it, or hand it on), NULL when empty */
  size_t body_len;
  struct gw_upstream_stream *stream; /* new (gw_upstream_stream_free) when the body is streamed;
                                      * body is NULL then */
};

/* Sends the request with body (Content-Length: body_len when send_length, else no body at all)
 * and reads the answer into *out. CS_OK when the upstream answered; otherwise *out is empty and
 * *detail (static) says why:
 *   CS_ERR_TIMEOUT      the exchange did not finish within timeout_ms (or connect_timeout_ms)
 *   CS_ERR_UNAVAILABLE  no connection (refused, unreachable, name unknown), or a reused
 *                       connection the upstream had closed while the method is not idempotent
 *                       (POST, PATCH: never sent twice)
 *   CS_ERR              a malformed, broken off or oversized answer
 *   CS_ERR_NOMEM
 * A reused connection found dead before any byte of the answer is retried once on a new one for
 * GET, HEAD, PUT, DELETE and OPTIONS. */
int gw_upstream_exchange(struct gw_upstream_call *c, const void *body, size_t body_len,
                         int send_length, struct gw_upstream_answer *out, const char **detail);

/* A request body produced piece by piece (a spooled upload re-encoded), never whole in memory. */
struct gw_upstream_body {
  unsigned long long length; /* sent as Content-Length: fill gives exactly this many bytes */
  /* writes up to cap bytes at buf: how many (> 0), or -1 when the body cannot be produced */
  long (*fill)(void *arg, char *buf, size_t cap);
  void *arg;
};

/* gw_upstream_exchange with the body read from src through a buffer of GW_UPSTREAM_SEND_BYTES.
 * A big body may take longer than timeout_ms to send: here timeout_ms bounds each wait (for room
 * to send, then for the answer) instead of the whole exchange. Never sent twice; a body that
 * fill cannot produce is CS_ERR with *detail. */
#define GW_UPSTREAM_SEND_BYTES (64 * 1024)
int gw_upstream_exchange_body(struct gw_upstream_call *c, const struct gw_upstream_body *src,
                              struct gw_upstream_answer *out, const char **detail);

/* Up to cap bytes of the streamed body into buf, each wait for the upstream bounded by
 * timeout_ms: how many, 0 once the whole body was read, or -1 when it was broken off or late
 * (logged). */
long gw_upstream_stream_read(struct gw_upstream_stream *s, char *buf, size_t cap);
/* The body's length: its Content-Length. */
unsigned long long gw_upstream_stream_length(const struct gw_upstream_stream *s);
/* Closes the stream's connection and frees it. NULL-safe. */
void gw_upstream_stream_free(struct gw_upstream_stream *s);

#endif
