/* Routes of the documents of a case: POST /v1/cases/{id}/documents (multipart/form-data: file,
 * type, title; the file streamed to the blob store while it arrives, http_upload.h), GET the
 * list and one document's metadata, GET .../content (the file, with its ETag and byte ranges),
 * DELETE. The form and the bytes here; rules in documents.c. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "blob.h"
#include "blob_type.h"
#include "cases_routes.h"
#include "documents.h"
#include "http.h"
#include "http_case_op.h"
#include "http_upload.h"
#include "log.h"
#include "service.h"
#include "status.h"
#include "store_documents.h"

static struct blob_store *store; /* set once by cases_document_routes, before the server runs */
static long long max_file_bytes;

/* ---- POST: the form and its file ---------------------------------------------------------- */

/* The one file of the form, checked: CS_OK with *file, or answered (413, 415, 422, 503). */
static int form_file(struct request_ctx *ctx, struct http_upload *u,
                     struct http_upload_file **file) {
  char detail[256];
  struct cs_refusal err = {0};
  *file = NULL;
  if (u != NULL && u->failed) {
    http_problem(ctx->resp, PROBLEM_UNAVAILABLE, "the file could not be stored; try again");
    return CS_ERR_INVALID;
  }
  if (u == NULL || u->nfiles == 0 || strcmp(u->files[0].field, "file") != 0)
    cs_refusal_field(&err, "file", FIELD_REQUIRED, "is required: one file in the form field file");
  else if (u->nfiles > 1 || u->too_many)
    cs_refusal_field(&err, "file", FIELD_TOO_LONG, "one file per document");
  if (cs_refusal_validation(&err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    cs_refusal_clear(&err);
    return CS_ERR_INVALID;
  }
  struct http_upload_file *f = &u->files[0];
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
  if (!blob_type_matches_name(f->type, f->name)) {
    snprintf(detail, sizeof(detail), "its content is %.100s, not what its name says", f->type);
    cs_refusal_field(&err, "file", FIELD_INVALID, detail);
    cs_refusal_validation(&err);
    service_refusal_answer(ctx, &err);
    cs_refusal_clear(&err);
    return CS_ERR_INVALID;
  }
  *file = f;
  return CS_OK;
}

static int is_multipart(const struct _u_request *req) {
  const char *type = http_header(req, "Content-Type");
  return type != NULL && strncasecmp(type, "multipart/form-data", 19) == 0;
}

static void callback_document_post(struct request_ctx *ctx) {
  /* taken first: whatever is answered, files not committed are dropped */
  struct http_upload *u = http_upload_take(ctx->req);
  struct cases_caller caller;
  struct cs_refusal err = {0};
  struct http_upload_file *f = NULL;
  PGconn *conn = NULL;
  const char *case_id;
  json_t *doc = NULL;

  if (cases_http_visible_case(ctx, &caller, &conn, &case_id) != CS_OK) {
    http_upload_free(u);
    return;
  }
  if (!is_multipart(ctx->req)) {
    http_problem(ctx->resp, PROBLEM_UNSUPPORTED_MEDIA_TYPE,
                 "send the document as multipart/form-data (file, type, title)");
    goto done;
  }
  const char *type = u_map_get(ctx->req->map_post_body, "type");
  const char *title = u_map_get(ctx->req->map_post_body, "title");
  cases_document_rules(type, title, &err);
  if (cs_refusal_validation(&err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    goto done;
  }
  if (form_file(ctx, u, &f) != CS_OK) goto done;
  const struct cases_document_file file = {type, title, f->name, f->type, f->sha256, f->size};
  if (cases_document_add(conn, &caller, case_id, &file, &doc, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    goto done;
  }
  /* the row is committed: now the file goes into place */
  if (http_upload_commit(f) != CS_OK)
    log_error("cases: document %s names a file that could not be stored",
              json_string_value(json_object_get(doc, "id")));
  char location[200];
  snprintf(location, sizeof(location), "/v1/cases/%s/documents/%s", case_id,
           json_string_value(json_object_get(doc, "id")));
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

/* ---- reads -------------------------------------------------------------------------------- */

/* The visible case's document of the path: CS_OK with *doc and the caller held (clear both), or
 * answered. */
static int path_document(struct request_ctx *ctx, struct cases_caller *caller, json_t **doc) {
  PGconn *conn = NULL;
  const char *case_id, *doc_id;
  char sqlstate[6] = "";
  *doc = NULL;
  if (cases_http_visible_case(ctx, caller, &conn, &case_id) != CS_OK) return CS_ERR_INVALID;
  if ((doc_id = http_path_uuid(ctx->req, ctx->resp, "doc_id", "document")) != NULL) {
    if (cases_store_document_get(conn, case_id, doc_id, doc, sqlstate) != CS_OK)
      service_db_problem(ctx, sqlstate);
    else if (*doc == NULL)
      http_problem(ctx->resp, PROBLEM_NOT_FOUND, "no such document in this case");
  }
  service_db_release(ctx, conn);
  if (*doc != NULL) return CS_OK;
  cases_caller_clear(caller);
  return CS_ERR_INVALID;
}

static void callback_document_get(struct request_ctx *ctx) {
  struct cases_caller caller;
  json_t *doc;
  if (path_document(ctx, &caller, &doc) != CS_OK) return;
  http_json_resource(ctx->resp, 200, doc);
  cases_caller_clear(&caller);
}

static void callback_documents_list(struct request_ctx *ctx) {
  struct cases_caller caller;
  PGconn *conn = NULL;
  const char *case_id;
  json_t *items = NULL;
  char sqlstate[6] = "";
  if (cases_http_visible_case(ctx, &caller, &conn, &case_id) != CS_OK) return;
  if (cases_store_documents(conn, case_id, &items, sqlstate) != CS_OK)
    service_db_problem(ctx, sqlstate);
  else /* a case's documents are few: one page, in the shape of every list */
    http_json(ctx->resp, 200, json_pack("{s:o, s:n}", "items", items, "next_cursor"));
  service_db_release(ctx, conn);
  cases_caller_clear(&caller);
}

/* ---- the content, streamed from the blob store ------------------------------------------- */

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

static void callback_document_content(struct request_ctx *ctx) {
  struct cases_caller caller;
  json_t *doc;
  char etag[80], header[1100];
  long long size = 0, first = 0, last = 0;
  int fd = -1;
  if (path_document(ctx, &caller, &doc) != CS_OK) return;
  const char *sha = json_string_value(json_object_get(doc, "sha256"));
  snprintf(etag, sizeof(etag), "\"%s\"", sha);
  const char *if_none = http_header(ctx->req, "If-None-Match");
  if (if_none != NULL && strstr(if_none, etag) != NULL) {
    u_map_put(ctx->resp->map_header, "ETag", etag);
    ulfius_set_empty_body_response(ctx->resp, 304);
    goto done;
  }
  int rc = blob_open(store, sha, &fd, &size);
  if (rc != CS_OK) {
    log_error("cases: the file of document %s (%s) cannot be read",
              json_string_value(json_object_get(doc, "id")), sha);
    http_problem(ctx->resp, PROBLEM_INTERNAL, "the document's file cannot be read");
    goto done;
  }
  int ranged = byte_range(http_header(ctx->req, "Range"), size, &first, &last);
  if (ranged < 0) {
    snprintf(header, sizeof(header), "bytes */%lld", size);
    u_map_put(ctx->resp->map_header, "Content-Range", header);
    http_problem(ctx->resp, PROBLEM_RANGE_NOT_SATISFIABLE, "the range is outside the file");
    close(fd);
    goto done;
  }
  if (ranged == 0) last = size - 1;
  struct stream *s = malloc(sizeof(*s));
  if (s == NULL) {
    close(fd);
    http_problem(ctx->resp, PROBLEM_INTERNAL, "out of memory");
    goto done;
  }
  *s = (struct stream){fd, first};
  u_map_put(ctx->resp->map_header, "Content-Type",
            json_string_value(json_object_get(doc, "media_type")));
  disposition(json_string_value(json_object_get(doc, "file_name")), header, sizeof(header));
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
done:
  json_decref(doc);
  cases_caller_clear(&caller);
}

/* ---- DELETE ------------------------------------------------------------------------------- */

static void callback_document_delete(struct request_ctx *ctx) {
  struct cases_caller caller;
  struct cs_refusal err = {0};
  PGconn *conn = NULL;
  const char *case_id, *doc_id;
  if (cases_http_visible_case(ctx, &caller, &conn, &case_id) != CS_OK) return;
  if ((doc_id = http_path_uuid(ctx->req, ctx->resp, "doc_id", "document")) != NULL) {
    if (cases_document_delete(conn, &caller, case_id, doc_id, &err) != CS_OK)
      service_refusal_answer(ctx, &err);
    else
      ulfius_set_empty_body_response(ctx->resp, 204);
  }
  cs_refusal_clear(&err);
  service_db_release(ctx, conn);
  cases_caller_clear(&caller);
}

/* POSTs that take files: /v1/cases/{uuid}/documents. */
static int takes_files(const char *path) {
  static const char prefix[] = "/v1/cases/", suffix[] = "/documents";
  size_t n = strlen(path);
  return n == sizeof(prefix) - 1 + 36 + sizeof(suffix) - 1 &&
         !strncmp(path, prefix, sizeof(prefix) - 1) &&
         !strcmp(path + sizeof(prefix) - 1 + 36, suffix);
}

void cases_document_routes(struct service *svc, struct blob_store *blobs, long long max_bytes) {
  static const struct service_route_def routes[] = {
      {"POST", "/v1/cases/:id/documents", callback_document_post,
       ROUTE_AUTHENTICATED | ROUTE_UPLOAD},
      {"GET", "/v1/cases/:id/documents", callback_documents_list, ROUTE_AUTHENTICATED},
      {"GET", "/v1/cases/:id/documents/:doc_id", callback_document_get, ROUTE_AUTHENTICATED},
      {"GET", "/v1/cases/:id/documents/:doc_id/content", callback_document_content,
       ROUTE_AUTHENTICATED},
      {"DELETE", "/v1/cases/:id/documents/:doc_id", callback_document_delete, ROUTE_AUTHENTICATED},
  };
  store = blobs;
  max_file_bytes = max_bytes;
  service_uploads(svc, blobs, max_bytes, takes_files);
  service_routes(svc, routes, sizeof(routes) / sizeof(routes[0]), "the documents");
}
