/* Upstream base URLs and the incremental HTTP/1.x response parser. See upstream_parse.h.
 *
 * The parser is a state machine over lines (status, headers, chunk sizes, trailers) and counted
 * bytes (bodies, chunks). A line that arrives whole is parsed where it lies; only a line split
 * across two feeds is copied (into r->line). Body bytes are copied once into r->body, or not at
 * all when the caller receives them straight into gw_resp_body_window. */
#include "upstream_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "routes_table.h"
#include "status.h"

/* ------------------------------------------------------------------------------------------ */
/* base URLs                                                                                   */

static int copy_str(char *dst, size_t cap, const char *s, size_t n) {
  if (n >= cap) return CS_ERR_INVALID;
  memcpy(dst, s, n);
  dst[n] = '\0';
  return CS_OK;
}

int gw_upstream_url_parse(const char *url, struct gw_upstream_url *out, const char **why) {
  memset(out, 0, sizeof(*out));
  *why = NULL;
  if (!strncasecmp(url, "https://", 8)) {
    *why = "cannot be https: the gateway speaks plain HTTP/1.1 to its upstreams";
    return CS_ERR_INVALID;
  }
  if (strncasecmp(url, "http://", 7) != 0) {
    *why = "must be an http:// base URL";
    return CS_ERR_INVALID;
  }
  const char *auth = url + 7;
  size_t auth_len = strcspn(auth, "/?#");
  const char *path = auth + auth_len;
  if (*path == '?' || *path == '#' || strpbrk(url, " \t\r\n") != NULL) {
    *why = "must be a base URL without query, fragment or spaces";
    return CS_ERR_INVALID;
  }
  if (memchr(auth, '@', auth_len) != NULL) {
    *why = "must not carry user info (user:password@)";
    return CS_ERR_INVALID;
  }
  const char *host = auth, *port = NULL;
  size_t host_len;
  if (auth_len > 0 && auth[0] == '[') { /* [IPv6] */
    const char *close = memchr(auth, ']', auth_len);
    if (close == NULL || close == auth + 1) {
      *why = "has a malformed [IPv6] host";
      return CS_ERR_INVALID;
    }
    host = auth + 1;
    host_len = (size_t)(close - host);
    const char *after = close + 1;
    if (after < auth + auth_len) {
      if (*after != ':') {
        *why = "has a malformed [IPv6] host";
        return CS_ERR_INVALID;
      }
      port = after + 1;
    }
  } else {
    const char *colon = memchr(auth, ':', auth_len);
    host_len = colon != NULL ? (size_t)(colon - auth) : auth_len;
    if (colon != NULL) port = colon + 1;
  }
  if (host_len == 0) {
    *why = "names no host";
    return CS_ERR_INVALID;
  }
  if (copy_str(out->host, sizeof(out->host), host, host_len) != CS_OK ||
      copy_str(out->authority, sizeof(out->authority), auth, auth_len) != CS_OK) {
    *why = "has a host name that is too long";
    return CS_ERR_INVALID;
  }
  if (port != NULL) {
    size_t port_len = (size_t)(auth + auth_len - port);
    long value = 0;
    for (size_t i = 0; i < port_len; i++) {
      if (port[i] < '0' || port[i] > '9' || value > 65535) {
        value = -1;
        break;
      }
      value = value * 10 + (port[i] - '0');
    }
    if (port_len == 0 || value < 1 || value > 65535) {
      *why = "has a port that is not a number in 1..65535";
      return CS_ERR_INVALID;
    }
    /* the number, not the text: leading zeros ("0008082") would not fit */
    snprintf(out->port, sizeof(out->port), "%ld", value);
  } else {
    memcpy(out->port, "80", 3);
  }
  size_t path_len = strlen(path);
  while (path_len > 0 && path[path_len - 1] == '/') path_len--;
  if (copy_str(out->path, sizeof(out->path), path, path_len) != CS_OK) {
    *why = "has a path that is too long";
    return CS_ERR_INVALID;
  }
  return CS_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* responses                                                                                   */

enum state {
  ST_STATUS = 0, /* the status line */
  ST_HEADERS,
  ST_LENGTH, /* a Content-Length body: remaining bytes */
  ST_CHUNK_SIZE,
  ST_CHUNK_DATA, /* remaining bytes of the chunk */
  ST_CHUNK_END,  /* the CRLF after a chunk's data */
  ST_TRAILERS,
  ST_EOF_BODY, /* everything until the peer closes */
  ST_DONE
};

#define CHUNK_LINE_MAX 4096 /* a chunk-size line with its extensions */

/* Room for extra more bytes after len: exactly that much when exact, else doubling from 1 KiB.
 * CS_OK or CS_ERR_NOMEM. */
static int bytes_reserve(struct gw_bytes *b, size_t extra, int exact) {
  if (extra <= b->cap - b->len) return CS_OK;
  size_t want = b->len + extra, cap = want;
  if (!exact) {
    cap = b->cap ? b->cap : 1024;
    while (cap < want) cap *= 2;
  }
  char *grown = realloc(b->data, cap);
  if (grown == NULL) return CS_ERR_NOMEM;
  b->data = grown;
  b->cap = cap;
  return CS_OK;
}

int gw_bytes_append(struct gw_bytes *b, const void *s, size_t n) {
  if (n == 0) return CS_OK;
  if (bytes_reserve(b, n, 0) != CS_OK) return CS_ERR_NOMEM;
  memcpy(b->data + b->len, s, n);
  b->len += n;
  return CS_OK;
}

void gw_resp_init(struct gw_resp *r) { memset(r, 0, sizeof(*r)); }

void gw_resp_free(struct gw_resp *r) {
  if (r == NULL) return;
  free(r->hdr_text.data);
  free(r->hdrs);
  free(r->body.data);
  free(r->line.data);
  gw_resp_init(r);
}

/* Forgets the headers of an interim (1xx) answer or of a previous response. */
static void new_header_block(struct gw_resp *r) {
  r->nhdrs = 0;
  r->hdr_text.len = 0;
  r->conn_close = r->conn_keep_alive = r->chunked = r->te_other = r->have_length = 0;
  r->length = 0;
}

void gw_resp_start(struct gw_resp *r, int head, size_t max_body) {
  new_header_block(r);
  r->block_bytes = 0;
  r->status = 0;
  r->keep_alive = 0;
  r->body.len = 0;
  r->line.len = 0;
  r->head = head;
  r->max_body = max_body;
  r->stream_over = 0;
  r->state = ST_STATUS;
  r->remaining = 0;
  r->minor = 0;
}

/* The next line of data from *pos: 1 with *line, *n (no LF, no CR before it) when complete; 0
 * when every byte left was kept in r->line for the next feed; GW_RESP_BAD when the line (LF
 * included) would be longer than max. *line may point into r->line: use it before the next
 * call. */
static int next_line(struct gw_resp *r, const char *data, size_t len, size_t *pos, size_t max,
                     const char **line, size_t *n) {
  const char *start = data + *pos;
  size_t avail = len - *pos;
  const char *lf = memchr(start, '\n', avail);
  size_t take = lf != NULL ? (size_t)(lf - start) + 1 : avail;
  if (r->line.len + take > max) return GW_RESP_BAD;
  *pos += take;
  if (lf == NULL) return gw_bytes_append(&r->line, start, take) == CS_OK ? 0 : GW_RESP_NOMEM;
  if (r->line.len == 0) {
    *line = start;
    *n = take - 1;
  } else {
    if (gw_bytes_append(&r->line, start, take - 1) != CS_OK) return GW_RESP_NOMEM;
    *line = r->line.data;
    *n = r->line.len;
    r->line.len = 0; /* the bytes stay readable until the next append */
  }
  if (*n > 0 && (*line)[*n - 1] == '\r') (*n)--;
  return 1;
}

/* "HTTP/1.x NNN[ reason]". */
static int parse_status_line(struct gw_resp *r, const char *s, size_t n) {
  if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || s[7] < '0' || s[7] > '9' || s[8] != ' ' ||
      s[9] < '1' || s[9] > '9' || s[10] < '0' || s[10] > '9' || s[11] < '0' || s[11] > '9' ||
      (n > 12 && s[12] != ' ')) {
    return GW_RESP_BAD_STATUS;
  }
  new_header_block(r);
  r->minor = s[7] - '0';
  r->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
  return GW_RESP_MORE;
}

static int is_ows(char c) { return c == ' ' || c == '\t'; }

/* Calls fn(r, token, len) for each non-empty element of a comma-separated list value. */
static int each_token(struct gw_resp *r, const char *v, size_t n,
                      int (*fn)(struct gw_resp *, const char *, size_t)) {
  const char *p = v, *end = v + n;
  while (p < end) {
    const char *comma = memchr(p, ',', (size_t)(end - p));
    const char *s = p, *e = comma != NULL ? comma : end;
    p = comma != NULL ? comma + 1 : end;
    while (s < e && is_ows(*s)) s++;
    while (e > s && is_ows(e[-1])) e--;
    if (e > s) {
      int rc = fn(r, s, (size_t)(e - s));
      if (rc != GW_RESP_MORE) return rc;
    }
  }
  return GW_RESP_MORE;
}

static int on_length(struct gw_resp *r, const char *s, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9) / 10) return GW_RESP_BAD;
    v = v * 10 + (uint64_t)(s[i] - '0');
  }
  if (r->have_length && r->length != v) return GW_RESP_BAD; /* conflicting lengths */
  r->have_length = 1;
  r->length = v;
  return GW_RESP_MORE;
}

static int on_coding(struct gw_resp *r, const char *s, size_t n) {
  /* only the last coding counts: chunked must be the final one to frame the body */
  r->chunked = n == 7 && !strncasecmp(s, "chunked", 7);
  r->te_other = 1;
  return GW_RESP_MORE;
}

static int on_connection(struct gw_resp *r, const char *s, size_t n) {
  if (n == 5 && !strncasecmp(s, "close", 5)) r->conn_close = 1;
  if (n == 10 && !strncasecmp(s, "keep-alive", 10)) r->conn_keep_alive = 1;
  return GW_RESP_MORE;
}

static int name_is(const char *name, size_t n, const char *want) {
  return strlen(want) == n && !strncasecmp(name, want, n);
}

/* One header line: stored (lines without a name or folded continuations are skipped, as curl
 * did), and the framing ones interpreted. */
static int parse_header_line(struct gw_resp *r, const char *s, size_t n) {
  if (memchr(s, '\0', n) != NULL) return GW_RESP_BAD;
  const char *colon = memchr(s, ':', n);
  if (colon == NULL || colon == s || is_ows(s[0])) return GW_RESP_MORE;
  size_t name_len = (size_t)(colon - s);
  const char *v = colon + 1, *ve = s + n;
  while (v < ve && is_ows(*v)) v++;
  while (ve > v && is_ows(ve[-1])) ve--;
  size_t value_len = (size_t)(ve - v);
  if (r->nhdrs == r->hdrs_cap) {
    size_t cap = r->hdrs_cap ? r->hdrs_cap * 2 : 32;
    struct gw_header_ref *grown = realloc(r->hdrs, cap * sizeof(*grown));
    if (grown == NULL) return GW_RESP_NOMEM;
    r->hdrs = grown;
    r->hdrs_cap = cap;
  }
  if (bytes_reserve(&r->hdr_text, name_len + value_len + 2, 0) != CS_OK) return GW_RESP_NOMEM;
  struct gw_header_ref *h = &r->hdrs[r->nhdrs++];
  char *text = r->hdr_text.data;
  h->name = r->hdr_text.len;
  memcpy(text + h->name, s, name_len);
  text[h->name + name_len] = '\0';
  h->value = h->name + name_len + 1;
  memcpy(text + h->value, v, value_len);
  text[h->value + value_len] = '\0';
  r->hdr_text.len = h->value + value_len + 1;

  if (name_is(s, name_len, "Content-Length")) {
    int rc = each_token(r, v, value_len, on_length);
    return rc == GW_RESP_MORE && !r->have_length ? GW_RESP_BAD : rc;
  }
  if (name_is(s, name_len, "Transfer-Encoding")) return each_token(r, v, value_len, on_coding);
  if (name_is(s, name_len, "Connection")) return each_token(r, v, value_len, on_connection);
  return GW_RESP_MORE;
}

/* The blank line after the headers: what follows, by RFC 9112 section 6.3. */
static int end_of_headers(struct gw_resp *r) {
  if (r->status < 200) {
    if (r->status == 101) return GW_RESP_BAD_STATUS; /* no protocol switch through the gateway */
    r->state = ST_STATUS;                            /* 100, 103, ...: the real answer follows */
    r->block_bytes = 0;
    new_header_block(r);
    return GW_RESP_MORE;
  }
  r->keep_alive = !r->conn_close && (r->minor >= 1 || r->conn_keep_alive);
  if (r->head || r->status == 204 || r->status == 304) {
    r->state = ST_DONE;
    return GW_RESP_DONE;
  }
  if (r->te_other) {
    /* with a Content-Length as well, the length is ignored and the connection not reused */
    if (r->have_length) r->keep_alive = 0;
    if (r->chunked) {
      r->state = ST_CHUNK_SIZE;
      return GW_RESP_MORE;
    }
    r->keep_alive = 0; /* not chunked last: the body runs until the connection closes */
    r->state = ST_EOF_BODY;
    return GW_RESP_MORE;
  }
  if (r->have_length) {
    if (r->stream_over > 0 && r->length > r->stream_over) {
      r->state = ST_DONE; /* what follows is the caller's to read */
      return GW_RESP_HEADERS;
    }
    if (r->length > r->max_body) return GW_RESP_TOO_LARGE;
    if (r->length == 0) {
      r->state = ST_DONE;
      return GW_RESP_DONE;
    }
    if (bytes_reserve(&r->body, (size_t)r->length, 1) != CS_OK) return GW_RESP_NOMEM;
    r->remaining = r->length;
    r->state = ST_LENGTH;
    return GW_RESP_MORE;
  }
  r->keep_alive = 0;
  r->state = ST_EOF_BODY;
  return GW_RESP_MORE;
}

void gw_resp_stream_over(struct gw_resp *r, uint64_t n) { r->stream_over = n; }

/* "1a3[;ext...]": the chunk's size; extensions are ignored. */
static int parse_chunk_size(struct gw_resp *r, const char *s, size_t n) {
  uint64_t v = 0;
  size_t i = 0;
  for (; i < n && gw_hex_digit(s[i]) >= 0; i++) {
    if (v > (UINT64_MAX >> 4)) return GW_RESP_BAD;
    v = (v << 4) | (uint64_t)gw_hex_digit(s[i]);
  }
  if (i == 0) return GW_RESP_BAD;
  while (i < n && is_ows(s[i])) i++;
  if (i < n && s[i] != ';') return GW_RESP_BAD;
  if (v == 0) {
    r->state = ST_TRAILERS;
    r->block_bytes = 0;
    return GW_RESP_MORE;
  }
  if (v > r->max_body - r->body.len) return GW_RESP_TOO_LARGE;
  if (bytes_reserve(&r->body, (size_t)v, 0) != CS_OK) return GW_RESP_NOMEM;
  r->remaining = v;
  r->state = ST_CHUNK_DATA;
  return GW_RESP_MORE;
}

/* Counted body bytes (a Content-Length body or a chunk) arrived at the end of r->body. */
static int body_advanced(struct gw_resp *r, size_t n) {
  r->body.len += n;
  r->remaining -= n;
  if (r->remaining > 0) return GW_RESP_MORE;
  if (r->state == ST_LENGTH) {
    r->state = ST_DONE;
    return GW_RESP_DONE;
  }
  r->state = ST_CHUNK_END;
  return GW_RESP_MORE;
}

/* One complete line in a line state. */
static int on_line(struct gw_resp *r, const char *line, size_t n) {
  switch (r->state) {
    case ST_STATUS: r->state = ST_HEADERS; return parse_status_line(r, line, n);
    case ST_HEADERS: return n == 0 ? end_of_headers(r) : parse_header_line(r, line, n);
    case ST_CHUNK_SIZE: return parse_chunk_size(r, line, n);
    case ST_CHUNK_END:
      if (n != 0) return GW_RESP_BAD;
      r->state = ST_CHUNK_SIZE;
      return GW_RESP_MORE;
    case ST_TRAILERS:
      if (n != 0) return GW_RESP_MORE; /* trailers are not relayed */
      r->state = ST_DONE;
      return GW_RESP_DONE;
    default: return GW_RESP_BAD;
  }
}

int gw_resp_feed(struct gw_resp *r, const char *data, size_t len, size_t *used) {
  size_t pos = 0;
  int rc = GW_RESP_MORE;
  while (rc == GW_RESP_MORE && pos < len) {
    switch (r->state) {
      case ST_LENGTH:
      case ST_CHUNK_DATA: {
        size_t n = len - pos;
        if (n > r->remaining) n = (size_t)r->remaining;
        memcpy(r->body.data + r->body.len, data + pos, n); /* reserved when the size came */
        pos += n;
        rc = body_advanced(r, n);
        break;
      }
      case ST_EOF_BODY: {
        size_t n = len - pos;
        if (n > r->max_body - r->body.len) {
          rc = GW_RESP_TOO_LARGE;
          break;
        }
        if (gw_bytes_append(&r->body, data + pos, n) != CS_OK) {
          rc = GW_RESP_NOMEM;
          break;
        }
        pos = len;
        break;
      }
      case ST_DONE: rc = GW_RESP_DONE; break;
      default: {
        int in_block = r->state == ST_STATUS || r->state == ST_HEADERS || r->state == ST_TRAILERS;
        size_t max = in_block ? GW_RESP_HEAD_MAX - r->block_bytes : CHUNK_LINE_MAX;
        size_t before = pos, pending = r->line.len;
        const char *line = NULL;
        size_t n = 0;
        int got = next_line(r, data, len, &pos, max, &line, &n);
        if (got > 0 && in_block) r->block_bytes += pending + (pos - before);
        if (got < 0)
          rc = got;
        else if (got > 0)
          rc = on_line(r, line, n);
        break;
      }
    }
  }
  if (used != NULL) *used = pos;
  if (rc == GW_RESP_MORE && r->state == ST_DONE) rc = GW_RESP_DONE;
  return rc;
}

int gw_resp_eof(struct gw_resp *r) {
  if (r->state == ST_EOF_BODY) {
    r->state = ST_DONE;
    r->keep_alive = 0;
    return GW_RESP_DONE;
  }
  return r->state == ST_DONE ? GW_RESP_DONE : GW_RESP_BAD;
}

size_t gw_resp_body_window(struct gw_resp *r, char **at) {
  if ((r->state != ST_LENGTH && r->state != ST_CHUNK_DATA) || r->remaining == 0) return 0;
  *at = r->body.data + r->body.len;
  return (size_t)r->remaining;
}

int gw_resp_commit(struct gw_resp *r, size_t n) {
  if (n > r->remaining) return GW_RESP_BAD;
  return body_advanced(r, n);
}

char *gw_resp_take_body(struct gw_resp *r, size_t *len) {
  *len = r->body.len;
  if (r->body.len == 0) return NULL;
  char *body = r->body.data;
  r->body.data = NULL;
  r->body.len = r->body.cap = 0;
  return body;
}
