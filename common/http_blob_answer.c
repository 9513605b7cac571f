/* A stored file as an HTTP answer (see http_blob_answer.h). */
#include "http_blob_answer.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blob.h"
#include "http.h"
#include "log.h"
#include "status.h"

struct stream {
  int fd;
  long long start;
};

static ssize_t stream_read(void *arg, uint64_t offset, char *buf, size_t max) {
  struct stream *s = arg;
  ssize_t n = pread(s->fd, buf, max, (off_t)(s->start + (long long)offset));
  return n > 0 ? n : U_STREAM_END;
}

static void stream_free(void *arg) {
  struct stream *s = arg;
  close(s->fd);
  free(s);
}

/* One byte range of Range (bytes=a-b, a-, -n) within size: 1 with [*first, *last]; 0 when
 * there is none or several (the whole file is sent); -1 when it cannot be satisfied (416). */
static int byte_range(const char *range, long long size, long long *first, long long *last) {
  long long a = -1, b = -1;
  char *end;
  if (range == NULL || strncmp(range, "bytes=", 6) != 0 || strchr(range, ',') != NULL) return 0;
  const char *p = range + 6;
  if (*p == '-') { /* the last n bytes */
    long long n = strtoll(p + 1, &end, 10);
    if (end == p + 1 || *end != '\0' || n < 0) return 0;
    if (n == 0 || size == 0) return -1;
    a = n >= size ? 0 : size - n;
    b = size - 1;
  } else {
    a = strtoll(p, &end, 10);
    if (end == p || *end != '-' || a < 0) return 0;
    p = end + 1;
    if (*p == '\0') {
      b = size - 1;
    } else {
      b = strtoll(p, &end, 10);
      if (*end != '\0' || b < a) return 0;
      if (b >= size) b = size - 1;
    }
  }
  if (a >= size) return -1;
  *first = a;
  *last = b;
  return 1;
}

/* Content-Disposition with an ASCII name and the UTF-8 one (RFC 6266). */
static void disposition(const char *name, char *out, size_t len) {
  char ascii[256], encoded[768];
  size_t a = 0, e = 0;
  for (const unsigned char *p = (const unsigned char *)name; *p && a + 1 < sizeof(ascii); p++)
    ascii[a++] = *p < 0x80 ? (char)*p : '_';
  ascii[a] = '\0';
  for (const unsigned char *p = (const unsigned char *)name; *p && e + 4 < sizeof(encoded); p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
        strchr("-._~", *p) != NULL)
      encoded[e++] = (char)*p;
    else
      e += (size_t)snprintf(encoded + e, sizeof(encoded) - e, "%%%02X", *p);
  }
  encoded[e] = '\0';
  snprintf(out, len, "attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii, encoded);
}

void http_blob_answer(struct request_ctx *ctx, struct blob_store *store, const char *sha,
                      const char *media_type, const char *file_name) {
  char etag[80], header[1100];
  long long size = 0, first = 0, last = 0;
  int fd = -1;
  snprintf(etag, sizeof(etag), "\"%s\"", sha);
  const char *if_none = http_header(ctx->req, "If-None-Match");
  if (if_none != NULL && strstr(if_none, etag) != NULL) {
    u_map_put(ctx->resp->map_header, "ETag", etag);
    ulfius_set_empty_body_response(ctx->resp, 304);
    return;
  }
  if (blob_open(store, sha, &fd, &size) != CS_OK) {
    log_error("the stored file %s cannot be read", sha);
    http_problem(ctx->resp, PROBLEM_INTERNAL, "the file cannot be read");
    return;
  }
  int ranged = byte_range(http_header(ctx->req, "Range"), size, &first, &last);
  if (ranged < 0) {
    snprintf(header, sizeof(header), "bytes */%lld", size);
    u_map_put(ctx->resp->map_header, "Content-Range", header);
    http_problem(ctx->resp, PROBLEM_RANGE_NOT_SATISFIABLE, "the range is outside the file");
    close(fd);
    return;
  }
  if (ranged == 0) last = size - 1;
  struct stream *s = malloc(sizeof(*s));
  if (s == NULL) {
    close(fd);
    http_problem(ctx->resp, PROBLEM_INTERNAL, "out of memory");
    return;
  }
  *s = (struct stream){fd, first};
  u_map_put(ctx->resp->map_header, "Content-Type", media_type);
  disposition(file_name, header, sizeof(header));
  u_map_put(ctx->resp->map_header, "Content-Disposition", header);
  u_map_put(ctx->resp->map_header, "ETag", etag);
  u_map_put(ctx->resp->map_header, "Accept-Ranges", "bytes");
  u_map_put(ctx->resp->map_header, "X-Content-Type-Options", "nosniff");
  if (ranged) {
    snprintf(header, sizeof(header), "bytes %lld-%lld/%lld", first, last, size);
    u_map_put(ctx->resp->map_header, "Content-Range", header);
  }
  ulfius_set_stream_response(ctx->resp, ranged ? 206 : 200, stream_read, stream_free,
                             (uint64_t)(last - first + 1), 65536, s);
}
