/* The pure half of the gateway's upstream HTTP client: upstream base URLs and an incremental
 * HTTP/1.x response parser. No I/O, no logging: fed bytes as they arrive, in any pieces.
 * Unit-tested in tests/unit/test_upstream_client.c; the sockets live in upstream_client.c. */
#ifndef CLAIMSUITE_GATEWAY_UPSTREAM_PARSE_H
#define CLAIMSUITE_GATEWAY_UPSTREAM_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------------------------------ */
/* base URLs                                                                                   */

#define GW_URL_HOST_MAX 256
#define GW_URL_PATH_MAX 256

/* "http://host[:port][/path]", split once at start. */
struct gw_upstream_url {
  char host[GW_URL_HOST_MAX];          /* for getaddrinfo: "policy", "127.0.0.1", "::1" (no []) */
  char port[8];                        /* "80" when the URL names none */
  char authority[GW_URL_HOST_MAX + 8]; /* the Host header: host[:port] as written in the URL */
  char path[GW_URL_PATH_MAX];          /* prefix put before every target, "" or "/base" */
};

/* Parses an upstream base URL: http only (https and other schemes are refused), a host name, an
 * IPv4 address or a [bracketed] IPv6 address, an optional port 1..65535, an optional path
 * without query or fragment; trailing '/' of the path dropped; no user info. CS_OK, or
 * CS_ERR_INVALID with *why (static) saying what is wrong. */
int gw_upstream_url_parse(const char *url, struct gw_upstream_url *out, const char **why);

/* ------------------------------------------------------------------------------------------ */
/* responses                                                                                   */

/* Results of gw_resp_feed and gw_resp_eof. */
enum gw_resp_status {
  GW_RESP_DONE = 0,    /* the response is complete */
  GW_RESP_MORE = 1,    /* feed more bytes (or gw_resp_eof when the peer closed) */
  GW_RESP_HEADERS = 2, /* the head is complete and its Content-Length body (above
                        * stream_over: gw_resp_stream_over) is left to the caller */
  GW_RESP_BAD = -1,    /* malformed or broken off: framing, header block too big, ... */
  GW_RESP_NOMEM = -2,
  GW_RESP_TOO_LARGE = -3, /* the body is above max_body */
  GW_RESP_BAD_STATUS = -4 /* no HTTP/1.x status line, or a status the gateway cannot relay */
};

#define GW_RESP_HEAD_MAX (64 * 1024) /* a status line + header block (or trailers) above: bad */

/* A byte buffer grown on demand (free(data) when done). */
struct gw_bytes {
  char *data;
  size_t len, cap;
};

/* Appends n bytes (not NUL-terminated). CS_OK or CS_ERR_NOMEM. */
int gw_bytes_append(struct gw_bytes *b, const void *s, size_t n);

struct gw_header_ref {
  size_t name, value; /* offsets of NUL-terminated strings in hdr_text */
};

struct gw_resp {
  /* the response, valid once gw_resp_feed / gw_resp_eof returned GW_RESP_DONE */
  int status;                 /* 200..999 (1xx interim answers are skipped) */
  int keep_alive;             /* the connection may carry another request */
  struct gw_bytes hdr_text;   /* final response's headers, "name\0value\0" each, OWS trimmed */
  struct gw_header_ref *hdrs; /* nhdrs of them, in order */
  size_t nhdrs, hdrs_cap;
  struct gw_bytes body; /* body bytes, chunked encoding removed; see gw_resp_take_body */

  /* private */
  int head; /* the request was HEAD: no body whatever the headers say */
  size_t max_body;
  uint64_t stream_over; /* 0: every body is parsed (gw_resp_stream_over) */
  int state;
  size_t block_bytes;   /* bytes of the current header block or trailer section */
  struct gw_bytes line; /* the start of a line split across feeds */
  uint64_t remaining;   /* bytes still to come of the Content-Length body or chunk */
  int minor;            /* HTTP/1.<minor> */
  int conn_close, conn_keep_alive, chunked, te_other, have_length;
  uint64_t length;
};

/* All zero: no buffers yet. */
void gw_resp_init(struct gw_resp *r);
/* Frees every buffer (the body too unless taken); r can be used again after gw_resp_init. */
void gw_resp_free(struct gw_resp *r);

/* Prepares r for the next response, keeping its buffers. head: the request was HEAD. max_body:
 * body size above which the answer is GW_RESP_TOO_LARGE. */
void gw_resp_start(struct gw_resp *r, int head, size_t max_body);

/* After gw_resp_start: a body framed by a Content-Length above n bytes is not read here (nor held
 * to max_body): gw_resp_feed stops after the head with GW_RESP_HEADERS, its *used the head's
 * bytes, and the body's length in r->length. Answers to HEAD, 204, 304 and chunked or
 * close-delimited bodies are parsed as usual. */
void gw_resp_stream_over(struct gw_resp *r, uint64_t n);

/* Parses up to len bytes. *used (may be NULL) is how many were consumed: all of them unless the
 * result is GW_RESP_DONE (the rest belongs to nothing: a keep-alive connection that has any
 * should be closed) or an error. */
int gw_resp_feed(struct gw_resp *r, const char *data, size_t len, size_t *used);

/* The peer closed: GW_RESP_DONE when the body runs to the end of the connection, GW_RESP_BAD
 * (broken off) otherwise. */
int gw_resp_eof(struct gw_resp *r);

/* When the parser is inside a body of known length, the room for its next bytes: the caller may
 * write up to the returned count at *at (straight from recv) and then call gw_resp_commit. 0
 * when the parser must see the bytes itself. */
size_t gw_resp_body_window(struct gw_resp *r, char **at);
/* n bytes were written into the window: GW_RESP_DONE or GW_RESP_MORE. */
int gw_resp_commit(struct gw_resp *r, size_t n);

/* The body buffer, handed over: returns it (a new allocation to free(), NULL when empty) and its
 * length; r keeps no reference. */
char *gw_resp_take_body(struct gw_resp *r, size_t *len);

#endif
