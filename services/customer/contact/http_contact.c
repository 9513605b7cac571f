/* What the customer contact's routes share (see http_contact.h). */
#include "http_contact.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "blob_type.h"
#include "case_staff.h"
#include "http.h"
#include "http_blob_answer.h"
#include "idempotency.h"
#include "log.h"
#include "status.h"

static struct blob_store *store; /* set once by customer_contact_routes, before the server runs */

void customer_contact_routes(struct service *svc, struct blob_store *blobs) {
  store = blobs;
  customer_shares_routes(svc);
  customer_messages_routes(svc);
  customer_portal_messages_routes(svc);
}

int contact_http_staff(struct request_ctx *ctx, struct customer_caller *c, PGconn **conn,
                       json_t **casefile) {
  struct cs_refusal err = {0};
  int rc;
  *conn = NULL;
  *casefile = NULL;
  memset(c, 0, sizeof(*c));
  const char *case_id = http_path_uuid(ctx->req, ctx->resp, "case_id", "case");
  if (case_id == NULL) return CS_ERR_INVALID;
  if ((rc = customer_caller_load(ctx->claims, c, &err)) != CS_OK) {
    service_refusal_answer(ctx, &err);
    cs_refusal_clear(&err);
    return rc;
  }
  if ((rc = service_db_acquire(ctx, conn)) != CS_OK) {
    customer_caller_clear(c);
    return rc;
  }
  if ((rc = customer_case_staff(*conn, c, case_id, casefile, &err)) != CS_OK) {
    service_refusal_answer(ctx, &err);
    service_db_release(ctx, *conn);
    *conn = NULL;
    customer_caller_clear(c);
  }
  cs_refusal_clear(&err);
  return rc;
}

static int is_multipart(const struct _u_request *req) {
  const char *type = http_header(req, "Content-Type");
  return type != NULL && strncasecmp(type, "multipart/form-data", 19) == 0;
}

/* The refusals of the files of u that are no field's: CS_OK, or answered. */
static int files_ok(struct request_ctx *ctx, const struct http_upload *u) {
  char detail[200];
  if (u == NULL) return CS_OK;
  if (u->failed) {
    http_problem(ctx->resp, PROBLEM_UNAVAILABLE, "the file could not be stored; try again");
    return CS_ERR_INVALID;
  }
  if (u->unauthenticated) { /* no valid token or session as its files arrived: none was kept */
    http_problem(ctx->resp, PROBLEM_UNAUTHENTICATED, "no open session; open the link again");
    return CS_ERR_INVALID;
  }
  for (size_t i = 0; i < u->nfiles; i++) {
    const struct http_upload_file *f = &u->files[i];
    if (f->too_large) {
      snprintf(detail, sizeof(detail), "a file may be at most %lld bytes (30 MiB)",
               CUSTOMER_MESSAGES_MAX_FILE);
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
  return CS_OK;
}

/* The form's fields and file into in, their errors into err: 1 when a file came. */
static int form_in(const struct _u_request *req, const struct http_upload *u,
                   struct customer_message_in *in, struct cs_refusal *err) {
  const char **keys = u_map_enum_keys(req->map_post_body);
  char detail[160];
  for (size_t i = 0; keys != NULL && keys[i] != NULL; i++)
    if (strcmp(keys[i], "text") != 0)
      cs_refusal_field(err, keys[i], FIELD_UNKNOWN_FIELD,
                       "is not a field of a message: text and file are");
  in->text = u_map_get(req->map_post_body, "text");
  size_t n = u != NULL ? u->nfiles : 0;
  if (n > 1 || (u != NULL && u->too_many)) {
    cs_refusal_field(err, "file", FIELD_TOO_LONG, "at most one file per message");
  } else if (n == 1) {
    const struct http_upload_file *f = &u->files[0];
    if (strcmp(f->field, "file") != 0) {
      cs_refusal_field(err, "file", FIELD_UNKNOWN_FIELD, "the file goes in the form field file");
    } else if (!blob_type_matches_name(f->type, f->name)) {
      snprintf(detail, sizeof(detail), "its content is %.100s, not what its name says", f->type);
      cs_refusal_field(err, "file", FIELD_INVALID, detail);
    } else {
      in->file_sha256 = f->sha256;
      in->file_name = f->name;
      in->file_media_type = f->type;
      in->file_size = f->size;
    }
  }
  return n > 0;
}

int contact_http_message_in(struct request_ctx *ctx, const struct http_upload *u, json_t **body,
                            struct customer_message_in *in) {
  static const struct http_field fields[] = {{"text", HTTP_FIELD_STRING, 1, 0}};
  struct cs_refusal err = {0};
  memset(in, 0, sizeof(*in));
  *body = NULL;
  if (is_multipart(ctx->req)) {
    if (files_ok(ctx, u) != CS_OK) return CS_ERR_INVALID;
    /* a file refused is not taken for a message without one */
    if (!form_in(ctx->req, u, in, &err) || in->file_sha256 != NULL)
      customer_messages_rules(in, &err);
  } else {
    if (http_parse_json_object(ctx->req, ctx->resp, body) != CS_OK) return CS_ERR_INVALID;
    fields_check(*body, fields, 1, &err);
    in->text = json_string_value(json_object_get(*body, "text"));
    if (json_array_size(err.errors) == 0)
      customer_messages_rules(in, &err); /* nothing said twice */
  }
  int rc = cs_refusal_validation(&err) == CS_OK ? CS_OK : CS_ERR_INVALID;
  if (rc != CS_OK) service_refusal_answer(ctx, &err);
  cs_refusal_clear(&err); /* also the empty list of errors fields_check made */
  return rc;
}

int contact_http_idempotency(struct request_ctx *ctx, struct customer_message_in *in,
                             const char *scope, int *replayed) {
  const char *k = http_header(ctx->req, "Idempotency-Key");
  *replayed = 0;
  if (k == NULL) return CS_OK;
  if (k[0] == '\0' || strlen(k) > IDEM_KEY_MAX) {
    http_problem_full(ctx->resp, PROBLEM_BAD_REQUEST, "Idempotency-Key must be 1 to 200 characters",
                      json_pack("[o]", problem_field_error("Idempotency-Key", FIELD_TOO_LONG,
                                                           "must be 1 to 200 characters")),
                      NULL);
    return CS_ERR_INVALID;
  }
  in->idem_key = k;
  in->idem_scope = scope;
  in->idem_path = ctx->req->url_path;
  in->replayed = replayed;
  return CS_OK;
}

void contact_http_file(struct request_ctx *ctx, const json_t *file) {
  http_blob_answer(ctx, store, json_string_value(json_object_get(file, "file_sha256")),
                   json_string_value(json_object_get(file, "file_media_type")),
                   json_string_value(json_object_get(file, "file_name")));
}

void contact_http_created(struct request_ctx *ctx, struct http_upload *u, const char *base,
                          json_t *doc, int replayed) {
  char location[200];
  const char *id = json_string_value(json_object_get(doc, "id"));
  for (size_t i = 0; u != NULL && i < u->nfiles; i++)
    if (u->files[i].writer != NULL && http_upload_commit(&u->files[i]) != CS_OK)
      log_error("customer contact: message %s names a file that could not be stored", id);
  snprintf(location, sizeof(location), "%s/%s", base, id != NULL ? id : "");
  u_map_put(ctx->resp->map_header, "Location", location);
  if (replayed) u_map_put(ctx->resp->map_header, "Idempotent-Replayed", "true");
  http_json(ctx->resp, 201, doc);
}
