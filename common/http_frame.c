/* Strict HTTP/1.1 request framing (http_frame.h). */
#include "http_frame.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "status.h"

#define CHUNK_SIZE_DIGITS 15 /* a chunk of 2^60 bytes is past any limit already */
#define TRAILER_MAX 4096

static int refuse(struct http_frame *f, int status, const char *detail) {
  f->refused_in_body = f->state != HTTP_FRAME_HEAD;
  f->state = HTTP_FRAME_REFUSED;
  f->status = status;
  f->detail = detail;
  return status;
}

static int append(char **out, size_t *len, size_t *cap, const char *p, size_t n) {
  if (*len + n > *cap) {
    size_t want = *cap ? *cap : 4096;
    while (want < *len + n) want *= 2;
    char *grown = realloc(*out, want);
    if (grown == NULL) return CS_ERR_NOMEM;
    *out = grown;
    *cap = want;
  }
  memcpy(*out + *len, p, n);
  *len += n;
  return CS_OK;
}

int http_frame_init(struct http_frame *f, const struct http_frame_limits *limits) {
  memset(f, 0, sizeof(*f));
  f->limits = *limits;
  f->state = HTTP_FRAME_HEAD;
  return CS_OK; /* the head buffer grows with the first request (idle connections hold none) */
}

void http_frame_free(struct http_frame *f) {
  free(f->head);
  f->head = NULL;
}

int http_frame_in_head(const struct http_frame *f) {
  return f->state == HTTP_FRAME_HEAD && f->head_len > 0;
}

/* ---- the head ------------------------------------------------------------------------------ */

/* RFC 9110 tchar */
static int is_tchar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* a field value's characters: visible, space, tab, obs-text; never a control character */
static int is_value_char(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

struct head_facts {
  int http11;
  int post, multipart; /* a POST of multipart/form-data: an upload, with its own limit */
  int hosts, lengths, codings;
  long long length;
  int chunked_only; /* every Transfer-Encoding value was exactly "chunked", once */
};

static void trim(const char **p, const char **end) {
  while (*p < *end && (**p == ' ' || **p == '\t')) (*p)++;
  while (*end > *p && ((*end)[-1] == ' ' || (*end)[-1] == '\t')) (*end)--;
}

/* One field line [p, end) (no CRLF): name ":" OWS value OWS. */
static int field_line(struct http_frame *f, const char *p, const char *end, struct head_facts *h) {
  const char *name = p;
  if (p < end && (*p == ' ' || *p == '\t'))
    return refuse(f, 400, "a field line folded onto the one before (obs-fold)");
  while (p < end && is_tchar((unsigned char)*p)) p++;
  if (p == name || p == end || *p != ':')
    return refuse(f, 400, "a field line is not name:value (or has a space before the colon)");
  size_t name_len = (size_t)(p - name);
  const char *v = p + 1, *v_end = end;
  for (const char *c = v; c < v_end; c++)
    if (!is_value_char((unsigned char)*c))
      return refuse(f, 400, "a field value holds a control character");
  trim(&v, &v_end);
  if (name_len == 4 && !strncasecmp(name, "Host", 4)) {
    h->hosts++;
  } else if (name_len == 14 && !strncasecmp(name, "Content-Length", 14)) {
    if (++h->lengths > 1) return refuse(f, 400, "Content-Length appears more than once");
    if (v == v_end || v_end - v > 18) return refuse(f, 400, "Content-Length is not a length");
    h->length = 0;
    for (const char *c = v; c < v_end; c++) {
      if (*c < '0' || *c > '9') return refuse(f, 400, "Content-Length is not a length");
      h->length = h->length * 10 + (*c - '0');
    }
  } else if (name_len == 12 && !strncasecmp(name, "Content-Type", 12)) {
    h->multipart |= v_end - v >= 19 && !strncasecmp(v, "multipart/form-data", 19);
  } else if (name_len == 17 && !strncasecmp(name, "Transfer-Encoding", 17)) {
    h->codings++;
    h->chunked_only = h->codings == 1 && v_end - v == 7 && !strncasecmp(v, "chunked", 7);
  }
  return 0;
}

/* The request line [p, end): method SP target SP version. */
static int request_line(struct http_frame *f, const char *p, const char *end,
                        struct head_facts *h) {
  const char *m = p;
  while (p < end && is_tchar((unsigned char)*p)) p++;
  if (p == m || p == end || *p != ' ') return refuse(f, 400, "the request line is malformed");
  h->post = p - m == 4 && !memcmp(m, "POST", 4);
  const char *target = ++p;
  while (p < end && (unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f) p++;
  if ((size_t)(p - target) > f->limits.max_target)
    return refuse(f, 414, "the request target is too long");
  if (p == target || p == end || *p != ' ') return refuse(f, 400, "the request line is malformed");
  const char *version = ++p;
  size_t vlen = (size_t)(end - version);
  if (vlen == 8 && !memcmp(version, "HTTP/1.1", 8)) {
    h->http11 = 1;
  } else if (vlen == 8 && !memcmp(version, "HTTP/1.0", 8)) {
    h->http11 = 0;
  } else if (vlen == 8 && !memcmp(version, "HTTP/", 5) && version[5] >= '0' && version[5] <= '9' &&
             version[6] == '.' && version[7] >= '0' && version[7] <= '9') {
    return refuse(f, 505, "only HTTP/1.1 and HTTP/1.0 are spoken here");
  } else {
    return refuse(f, 400, "the request line is malformed");
  }
  return 0;
}

/* The whole head [0, len) ends in CRLF CRLF: checked line by line, then as a whole. */
static int head_complete(struct http_frame *f, size_t len) {
  struct head_facts h = {0};
  const char *p = f->head, *end = f->head + len - 2; /* the last line's CRLF ends the fields */
  int first = 1, rc;
  for (const char *c = f->head; c < f->head + len; c++) {
    if (*c == '\0') return refuse(f, 400, "the request head holds a NUL byte");
    if (*c == '\n' && (c == f->head || c[-1] != '\r'))
      return refuse(f, 400, "a line of the request head ends in a bare LF");
    if (*c == '\r' && (c + 1 == f->head + len || c[1] != '\n'))
      return refuse(f, 400, "the request head holds a bare CR");
  }
  while (p < end) {
    const char *eol = memchr(p, '\r', (size_t)(end - p));
    if (eol == NULL) eol = end;
    rc = first ? request_line(f, p, eol, &h) : field_line(f, p, eol, &h);
    if (rc != 0) return rc;
    first = 0;
    p = eol + 2;
  }
  if (h.http11 ? h.hosts != 1 : h.hosts > 1)
    return refuse(f, 400, "an HTTP/1.1 request needs exactly one Host field");
  if (h.codings > 0 && h.lengths > 0)
    return refuse(f, 400, "Content-Length and Transfer-Encoding together");
  if (h.codings > 0 && !h.http11) return refuse(f, 400, "Transfer-Encoding in an HTTP/1.0 request");
  if (h.codings > 0 && !h.chunked_only)
    return refuse(f, 501, "the only transfer coding understood is chunked");
  f->body_max = f->limits.max_body;
  if (h.post && h.multipart && f->limits.max_upload_body > f->body_max)
    f->body_max = f->limits.max_upload_body;
  if (h.lengths > 0 && h.length > f->body_max)
    return refuse(f, 413, "the body is larger than allowed");
  f->body_len = 0;
  if (h.codings > 0) {
    f->state = HTTP_FRAME_CHUNK_SIZE;
    f->line_len = 0;
  } else if (h.lengths > 0 && h.length > 0) {
    f->state = HTTP_FRAME_BODY;
    f->remaining = h.length;
  } else {
    f->state = HTTP_FRAME_HEAD;
  }
  return 0;
}

/* Takes head bytes from in; *used says how many. Releases the head once complete. */
static int feed_head(struct http_frame *f, const char *in, size_t n, size_t *used, char **out,
                     size_t *out_len, size_t *out_cap) {
  size_t i = 0;
  /* empty lines before a request line are ignored (RFC 9112 section 2.2), whole CRLFs only,
   * however the reads split them: a CR held alone at the end of the last read ends one too */
  for (;;) {
    if (f->head_len == 0 && i + 1 < n && in[i] == '\r' && in[i + 1] == '\n') {
      i += 2;
    } else if (f->head_len == 1 && f->head[0] == '\r' && i < n && in[i] == '\n') {
      f->head_len = 0;
      i++;
    } else {
      break;
    }
  }
  size_t room = f->limits.max_head - f->head_len, take = n - i < room ? n - i : room;
  size_t before = f->head_len, from = before >= 3 ? before - 3 : 0, len = 0;
  if (before + take > f->head_cap) { /* doubling from 2 KiB up to max_head */
    size_t cap = f->head_cap ? f->head_cap : 2048;
    while (cap < before + take) cap *= 2;
    if (cap > f->limits.max_head) cap = f->limits.max_head;
    char *grown = realloc(f->head, cap);
    if (grown == NULL) {
      *used = i;
      return refuse(f, 500, "no memory");
    }
    f->head = grown;
    f->head_cap = cap;
  }
  if (take > 0) memcpy(f->head + before, in + i, take); /* only CRLFs: no head buffer yet */
  f->head_len += take;
  f->last_head_len = 0;
  for (size_t k = from; k + 4 <= f->head_len && len == 0; k++)
    if (memcmp(f->head + k, "\r\n\r\n", 4) == 0) len = k + 4;
  /* a bare LF is refused as soon as it arrives: a head ended by LF LF would never end here */
  for (size_t k = before; k < (len ? len : f->head_len); k++)
    if (f->head[k] == '\n' && (k == 0 || f->head[k - 1] != '\r')) {
      *used = i + (k - before) + 1;
      f->head_len = 0;
      return refuse(f, 400, "a line of the request head ends in a bare LF");
    }
  if (len > 0) { /* the bytes after it are the body's or the next request's: not used here */
    *used = i + (len - before);
    f->head_len = 0;
    f->last_head_len = len;
    int rc = head_complete(f, len);
    if (rc != 0) return rc;
    return append(out, out_len, out_cap, f->head, len) == CS_OK ? 0 : refuse(f, 500, "no memory");
  }
  *used = i + take;
  if (f->head_len == f->limits.max_head) {
    const char *eol = memchr(f->head, '\n', f->head_len);
    if (eol == NULL && f->head_len > f->limits.max_target)
      return refuse(f, 414, "the request target is too long");
    return refuse(f, 431, "the request head is larger than allowed");
  }
  return 0;
}

/* ---- chunked bodies ------------------------------------------------------------------------- */

/* A complete chunk-size line in f->line (CRLF included): 1*HEXDIG [chunk-ext]. */
static int chunk_size_line(struct http_frame *f) {
  const char *p = f->line, *end = f->line + f->line_len - 2;
  long long size = 0;
  int digits = 0;
  for (; p < end; p++, digits++) {
    int d = (*p >= '0' && *p <= '9')   ? *p - '0'
            : (*p >= 'a' && *p <= 'f') ? *p - 'a' + 10
            : (*p >= 'A' && *p <= 'F') ? *p - 'A' + 10
                                       : -1;
    if (d < 0) break;
    if (digits == CHUNK_SIZE_DIGITS) return refuse(f, 400, "a chunk size is too long");
    size = size * 16 + d;
  }
  if (digits == 0) return refuse(f, 400, "a chunk size is malformed");
  if (p < end && *p != ';' && *p != ' ' && *p != '\t')
    return refuse(f, 400, "a chunk size is malformed");
  for (; p < end; p++)
    if (!is_value_char((unsigned char)*p))
      return refuse(f, 400, "a chunk extension holds a control character");
  f->body_len += size;
  if (f->body_len > f->body_max) return refuse(f, 413, "the body is larger than allowed");
  f->remaining = size;
  f->state = size > 0 ? HTTP_FRAME_CHUNK_DATA : HTTP_FRAME_TRAILER;
  f->trailer_len = 0;
  return 0;
}

/* Collects a CRLF-ended line into f->line. 1 when complete, 0 when more is needed, or the
 * refusal's status (negative is never returned). */
static int collect_line(struct http_frame *f, const char *in, size_t n, size_t *used) {
  size_t i = 0;
  for (; i < n; i++) {
    if (f->line_len == sizeof(f->line)) {
      *used = i;
      return refuse(f, 400, "a chunk line is too long");
    }
    char c = in[i];
    if (c == '\n' && (f->line_len == 0 || f->line[f->line_len - 1] != '\r')) {
      *used = i + 1;
      return refuse(f, 400, "a chunk line ends in a bare LF");
    }
    if (f->line_len > 0 && f->line[f->line_len - 1] == '\r' && c != '\n') {
      *used = i + 1;
      return refuse(f, 400, "a chunk line holds a bare CR");
    }
    f->line[f->line_len++] = c;
    if (c == '\n') {
      *used = i + 1;
      return 1;
    }
  }
  *used = i;
  return 0;
}

/* ---- feeding -------------------------------------------------------------------------------- */

int http_frame_feed(struct http_frame *f, const char *in, size_t n, char **out, size_t *out_len,
                    size_t *out_cap) {
  size_t i = 0;
  while (i < n) {
    size_t used = 0, take;
    int rc = 0;
    switch (f->state) {
      case HTTP_FRAME_REFUSED: return f->status;
      case HTTP_FRAME_HEAD: rc = feed_head(f, in + i, n - i, &used, out, out_len, out_cap); break;
      case HTTP_FRAME_BODY:
      case HTTP_FRAME_CHUNK_DATA:
        take = n - i < (size_t)f->remaining ? n - i : (size_t)f->remaining;
        if (append(out, out_len, out_cap, in + i, take) != CS_OK)
          return refuse(f, 500, "no memory");
        used = take;
        f->remaining -= (long long)take;
        if (f->remaining == 0) {
          f->state = f->state == HTTP_FRAME_BODY ? HTTP_FRAME_HEAD : HTTP_FRAME_CHUNK_CRLF;
          f->line_len = 0;
        }
        break;
      case HTTP_FRAME_CHUNK_CRLF:
      case HTTP_FRAME_CHUNK_SIZE:
      case HTTP_FRAME_TRAILER:
        rc = collect_line(f, in + i, n - i, &used);
        if (rc == 1) {
          rc = 0;
          if (f->state == HTTP_FRAME_CHUNK_CRLF) {
            if (f->line_len != 2)
              rc = refuse(f, 400, "a chunk is longer than its size");
            else
              f->state = HTTP_FRAME_CHUNK_SIZE;
          } else if (f->state == HTTP_FRAME_CHUNK_SIZE) {
            rc = chunk_size_line(f);
          } else if (f->line_len == 2) {
            f->state = HTTP_FRAME_HEAD; /* the empty line ends the trailer section */
          } else {
            struct head_facts h = {0};
            f->trailer_len += f->line_len;
            rc = f->trailer_len > TRAILER_MAX
                     ? refuse(f, 431, "the trailer section is larger than allowed")
                     : field_line(f, f->line, f->line + f->line_len - 2, &h);
          }
          if (rc == 0 && append(out, out_len, out_cap, f->line, f->line_len) != CS_OK)
            rc = refuse(f, 500, "no memory");
          f->line_len = 0;
        }
        break;
    }
    if (rc != 0) return rc;
    i += used;
  }
  return 0;
}
