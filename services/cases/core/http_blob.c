/* Files of a case on HTTP (see http_blob.h). */
#include "http_blob.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "blob.h"
#include "blob_type.h"
#include "http.h"
#include "http_case_op.h"
#include "log.h"
#include "refusal.h"
#include "status.h"

static struct blob_store *store; /* set once by cases_blobs_init, before the server runs */
static long long max_file_bytes;

/* POSTs that take files: /v1/cases/{uuid}/documents and /v1/cases/{uuid}/tasks/{uuid}/reports. */
static int takes_files(const char *path) {
  static const char cases[] = "/v1/cases/", documents[] = "/documents", tasks[] = "/tasks/",
                    reports[] = "/reports";
  const size_t c = sizeof(cases) - 1, t = sizeof(tasks) - 1;
  size_t n = strlen(path);
  if (strncmp(path, cases, c) != 0 || n < c + 36) return 0;
  const char *rest = path + c + 36;
  if (!strcmp(rest, documents)) return 1;
  return strlen(rest) == t + 36 + sizeof(reports) - 1 && !strncmp(rest, tasks, t) &&
         !strcmp(rest + t + 36, reports);
}

void cases_blobs_init(struct service *svc, struct blob_store *blobs, long long max_bytes) {
  store = blobs;
  max_file_bytes = max_bytes;
  service_uploads(svc, blobs, max_bytes, takes_files);
}

int cases_http_is_multipart(const struct _u_request *req) {
  const char *type = http_header(req, "Content-Type");
  return type != NULL && strncasecmp(type, "multipart/form-data", 19) == 0;
}

/* One file's refusal as a field error of field/i (or field when there is one file at most). */
static void file_error(struct cs_refusal *err, const char *field, size_t i, size_t max,
                       enum field_code code, const char *message) {
  char name[80];
  if (max > 1)
    snprintf(name, sizeof(name), "%s/%zu", field, i);
  else
    snprintf(name, sizeof(name), "%s", field);
  cs_refusal_field(err, name, code, message);
}

int cases_http_files_check(struct request_ctx *ctx, const struct http_upload *u, const char *field,
                           size_t min, size_t max) {
  char detail[256];
  struct cs_refusal err = {0};
  size_t n = u != NULL ? u->nfiles : 0;
  if (u != NULL && u->failed) {
    http_problem(ctx->resp, PROBLEM_UNAVAILABLE, "a file could not be stored; try again");
    return CS_ERR_INVALID;
  }
  for (size_t i = 0; i < n; i++) {
    const struct http_upload_file *f = &u->files[i];
    if (f->too_large) {
      snprintf(detail, sizeof(detail), "a file may be at most %lld bytes", max_file_bytes);
      http_problem(ctx->resp, PROBLEM_BODY_TOO_LARGE, detail);
      return CS_ERR_INVALID;
    }
    if (!blob_type_allowed(f->type)) {
      snprintf(detail, sizeof(detail),
               "a file of type %.100s is not taken: images, video, PDF and office documents are",
               f->type[0] ? f->type : "unknown");
      http_problem(ctx->resp, PROBLEM_UNSUPPORTED_MEDIA_TYPE, detail);
      return CS_ERR_INVALID;
    }
  }
  for (size_t i = 0; i < n; i++) {
    const struct http_upload_file *f = &u->files[i];
    if (strcmp(f->field, field) != 0) {
      snprintf(detail, sizeof(detail), "files go in the form field %s", field);
      file_error(&err, field, i, max, FIELD_UNKNOWN_FIELD, detail);
    } else if (!blob_type_matches_name(f->type, f->name)) {
      snprintf(detail, sizeof(detail), "its content is %.100s, not what its name says", f->type);
      file_error(&err, field, i, max, FIELD_INVALID, detail);
    }
  }
  if (n < min) {
    snprintf(detail, sizeof(detail), "is required: a file in the form field %s", field);
    cs_refusal_field(&err, field, FIELD_REQUIRED, detail);
  } else if (n > max || (u != NULL && u->too_many)) {
    snprintf(detail, sizeof(detail), "at most %zu file%s", max, max == 1 ? "" : "s");
    cs_refusal_field(&err, field, FIELD_TOO_LONG, detail);
  }
  if (cs_refusal_validation(&err) == CS_OK) return CS_OK;
  service_refusal_answer(ctx, &err);
  cs_refusal_clear(&err);
  return CS_ERR_INVALID;
}

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

void cases_http_form_post(struct request_ctx *ctx, const struct cases_form_route *route) {
  /* taken first: whatever is answered, files not committed are dropped */
  struct http_upload *u = http_upload_take(ctx->req);
  struct cases_caller caller;
  struct cs_refusal err = {0};
  PGconn *conn = NULL;
  const char *case_id;
  json_t *doc = NULL;
  char detail[160], location[300];

  if (cases_http_visible_case(ctx, &caller, &conn, &case_id) != CS_OK) {
    http_upload_free(u);
    return;
  }
  if (!cases_http_is_multipart(ctx->req)) {
    snprintf(detail, sizeof(detail), "send multipart/form-data %s", route->form_hint);
    http_problem(ctx->resp, PROBLEM_UNSUPPORTED_MEDIA_TYPE, detail);
    goto done;
  }
  route->rules(ctx->req->map_post_body, u != NULL ? u->nfiles : 0, &err);
  if (cs_refusal_validation(&err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    goto done;
  }
  if (cases_http_files_check(ctx, u, route->field, route->min_files, route->max_files) != CS_OK)
    goto done;
  if (route->add(ctx, conn, &caller, case_id, u, &doc, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    goto done;
  }
  const char *id = json_string_value(json_object_get(doc, "id"));
  for (size_t i = 0; u != NULL && i < u->nfiles; i++) /* the row committed: files into place */
    if (http_upload_commit(&u->files[i]) != CS_OK)
      log_error("cases: %s %s names a file that could not be stored", route->collection, id);
  snprintf(location, sizeof(location), "/v1/cases/%s/%s/%s", case_id, route->collection, id);
  u_map_put(ctx->resp->map_header, "Location", location);
  http_json_resource(ctx->resp, 201, doc);
  doc = NULL;
done:
  json_decref(doc);
  cs_refusal_clear(&err);
  http_upload_free(u);
  service_db_release(ctx, conn);
  cases_caller_clear(&caller);
}

void cases_http_blob(struct request_ctx *ctx, const char *sha, const char *media_type,
                     const char *file_name) {
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
    log_error("cases: the stored file %s cannot be read", sha);
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
