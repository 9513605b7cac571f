/* The customer page's logo on HTTP (see http_logos.h): decode, call logos.c, answer. */
#include "http_logos.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "caller.h"
#include "http.h"
#include "http_blob_answer.h"
#include "http_upload.h"
#include "log.h"
#include "logos.h"
#include "portal_session.h"
#include "status.h"

static struct blob_store *store; /* set once by customer_logo_routes */

static int is_multipart(const struct _u_request *req) {
  const char *type = http_header(req, "Content-Type");
  return type != NULL && strncasecmp(type, "multipart/form-data", 19) == 0;
}

/* The one file of the form in field "file": NULL after answering 415/422. */
static struct http_upload_file *the_file(struct request_ctx *ctx, struct http_upload *u) {
  if (!is_multipart(ctx->req)) {
    http_problem(ctx->resp, PROBLEM_UNSUPPORTED_MEDIA_TYPE,
                 "send multipart/form-data with the image in file");
    return NULL;
  }
  if (u == NULL || u->nfiles != 1 || u->too_many || strcmp(u->files[0].field, "file") != 0) {
    json_t *errors = json_pack("[{s:s, s:s, s:s}]", "field", "file", "code", "required", "message",
                               "send exactly one image, in the form field file");
    http_problem_full(ctx->resp, PROBLEM_VALIDATION, "one or more fields are invalid", errors,
                      NULL);
    return NULL;
  }
  return &u->files[0];
}

static void logo_post(struct request_ctx *ctx) {
  /* taken first: whatever is answered, a file not committed is dropped */
  struct http_upload *u = http_upload_take(ctx->req);
  struct customer_caller c;
  struct cs_refusal err = {0};
  PGconn *conn = NULL;
  json_t *doc = NULL;
  char location[160];
  if (customer_caller_load(ctx->claims, &c, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    goto out;
  }
  struct http_upload_file *f = the_file(ctx, u);
  if (f == NULL || service_db_acquire(ctx, &conn) != CS_OK) goto done;
  struct customer_logo_file lf = {f->sha256, f->type, f->size, f->too_large, NULL, 0};
  if (f->writer != NULL) lf.head = blob_writer_head(f->writer, &lf.head_len);
  if (customer_logo_add(conn, &c, &lf, &doc, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    goto done;
  }
  if (http_upload_commit(f) != CS_OK)
    log_error("customer: logo %s names a file that could not be stored",
              json_string_value(json_object_get(doc, "id")));
  snprintf(location, sizeof(location), "/v1/customer/settings/logo/%s",
           json_string_value(json_object_get(doc, "id")));
  u_map_put(ctx->resp->map_header, "Location", location);
  http_json(ctx->resp, 201, doc);
  doc = NULL;
done:
  customer_caller_clear(&c);
out:
  service_db_release(ctx, conn);
  json_decref(doc);
  cs_refusal_clear(&err);
  http_upload_free(u);
}

/* Answers the image of doc (a logo with its sha256). */
static void image(struct request_ctx *ctx, const json_t *doc) {
  u_map_put(ctx->resp->map_header, "Cache-Control", "private, max-age=300");
  http_blob_answer(ctx, store, json_string_value(json_object_get(doc, "sha256")),
                   json_string_value(json_object_get(doc, "media_type")), "logo");
}

static void logo_get(struct request_ctx *ctx) {
  struct customer_caller c;
  struct cs_refusal err = {0};
  PGconn *conn = NULL;
  json_t *doc = NULL;
  const char *id = http_path_uuid(ctx->req, ctx->resp, "logo_id", "logo");
  if (id == NULL) return;
  if (customer_caller_load(ctx->claims, &c, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    cs_refusal_clear(&err);
    return;
  }
  if (!customer_caller_is_portal_admin(&c)) {
    cs_refuse(&err, PROBLEM_FORBIDDEN, "only the portal's admins see its uploaded logos");
    service_refusal_answer(ctx, &err);
  } else if (service_db_acquire(ctx, &conn) == CS_OK) { /* else answered */
    int rc = customer_logo_get(conn, c.portal_id, id, &doc, &err);
    service_db_release(ctx, conn);
    if (rc == CS_OK)
      image(ctx, doc);
    else
      service_refusal_answer(ctx, &err);
  }
  json_decref(doc);
  customer_caller_clear(&c);
  cs_refusal_clear(&err);
}

static void page_logo_get(struct request_ctx *ctx) {
  struct customer_portal_session s = {0};
  struct cs_refusal err = {0};
  PGconn *conn = NULL;
  json_t *doc = NULL;
  if (service_db_acquire(ctx, &conn) != CS_OK) return;
  if (customer_portal_session_load(conn, ctx->req, &s, &err) == CS_OK)
    customer_logo_of_page(conn, s.portal_id, s.settings, &doc, &err);
  service_db_release(ctx, conn);
  if (doc != NULL)
    image(ctx, doc);
  else
    service_refusal_answer(ctx, &err);
  json_decref(doc);
  customer_portal_session_clear(&s);
  cs_refusal_clear(&err);
}

void customer_logo_routes(struct service *svc, struct blob_store *blobs) {
  static const struct service_route_def routes[] = {
      {"POST", "/v1/customer/settings/logo", logo_post, ROUTE_AUTHENTICATED | ROUTE_UPLOAD},
      {"GET", "/v1/customer/settings/logo/:logo_id", logo_get, ROUTE_AUTHENTICATED},
      {"GET", "/v1/customer-portal/logo", page_logo_get, ROUTE_PUBLIC},
  };
  store = blobs;
  service_routes(svc, routes, SERVICE_ROUTES_COUNT(routes), "the customer page's logo");
}
