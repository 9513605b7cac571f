/* Strict HTTP/1.1 request framing (RFC 9112), checked on the bytes a client sends before the
 * server reads them: where one request ends and the next begins must never be in doubt. A
 * request head is held until it is complete and well-formed, then released whole; a body is
 * released as it arrives, never past its declared end. Anything a lenient parser might read two
 * ways is refused with the status to answer, after which the connection must be closed:
 *   400  malformed request line or field line (obs-fold, bare LF, NUL or control characters, a
 *        space before the colon), HTTP/1.1 without exactly one Host, a Content-Length that is not
 *        digits or appears twice, Content-Length with Transfer-Encoding, Transfer-Encoding in
 *        HTTP/1.0, a malformed chunk
 *   413  a body over the limit (a Content-Length over it is refused before any of the body); a
 *        POST of multipart/form-data has a limit of its own (its files are spooled to disk)
 *   414  a request target over the limit;  431  a head over the limit
 *   501  a transfer coding other than exactly "chunked";  505  an HTTP version other than 1.0/1.1
 * Pure: no I/O, no clock; the caller feeds what it reads and forwards what is released. */
#ifndef CLAIMSUITE_HTTP_FRAME_H
#define CLAIMSUITE_HTTP_FRAME_H

#include <stddef.h>

struct http_frame_limits {
  size_t max_head;   /* request line and fields, CRLFs included */
  size_t max_target; /* the request target */
  long long max_body;
  long long max_upload_body; /* a POST of multipart/form-data: 0 (or below max_body) is max_body */
};

enum http_frame_state {
  HTTP_FRAME_HEAD,       /* between requests, or within a head */
  HTTP_FRAME_BODY,       /* within a Content-Length body */
  HTTP_FRAME_CHUNK_SIZE, /* chunked: a chunk-size line */
  HTTP_FRAME_CHUNK_DATA,
  HTTP_FRAME_CHUNK_CRLF, /* the CRLF after a chunk's data */
  HTTP_FRAME_TRAILER,    /* trailer fields after the last chunk */
  HTTP_FRAME_REFUSED
};

struct http_frame {
  struct http_frame_limits limits;
  enum http_frame_state state;
  char *head; /* the head held so far (head_len bytes of head_cap, at most max_head) */
  size_t head_len, head_cap;
  char line[128]; /* a chunk-size or trailer line held so far */
  size_t line_len;
  size_t trailer_len;   /* bytes of trailer section so far */
  long long remaining;  /* of the current body or chunk */
  long long body_len;   /* of the current request */
  long long body_max;   /* the current request's limit (max_body or max_upload_body) */
  size_t last_head_len; /* the last complete head (still in head): what a refusal may quote */
  int status;           /* once refused: the status to answer */
  int refused_in_body;  /* ... after the request's head was released (its body is at fault) */
  const char *detail;   /* ... and why (static) */
};

/* Ready for the first request. CS_OK or CS_ERR_NOMEM. */
int http_frame_init(struct http_frame *f, const struct http_frame_limits *limits);
void http_frame_free(struct http_frame *f);

/* Takes n bytes from the client; appends what may be passed on to *out (grown with realloc,
 * *out_len its length, *out_cap its size). Returns 0, or the status to answer when the bytes
 * are refused (f->detail says why; of a refused head nothing was released, of a refused body
 * what came before the fault). */
int http_frame_feed(struct http_frame *f, const char *in, size_t n, char **out, size_t *out_len,
                    size_t *out_cap);

/* 1 while a request head has begun but is not complete (the caller's head deadline runs). */
int http_frame_in_head(const struct http_frame *f);

#endif
