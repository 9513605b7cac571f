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
#include "http_blob_answer.h"
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
  http_blob_answer(ctx, store, sha, media_type, file_name);
}
