/* Routes of the documents of a case: POST /v1/cases/{id}/documents (multipart/form-data: file,
 * type, title; the file streamed to the blob store while it arrives, http_upload.h), GET the
 * list and one document's metadata, GET .../content (the file, with its ETag and byte ranges),
 * DELETE. The form and the bytes here; rules in documents.c. */
#include <stdio.h>
#include <string.h>

#include "cases_routes.h"
#include "documents.h"
#include "http.h"
#include "http_blob.h"
#include "http_case_op.h"
#include "http_upload.h"
#include "service.h"
#include "status.h"
#include "store_core.h"
#include "store_documents.h"

/* ---- POST: the form and its file ---------------------------------------------------------- */

static void document_rules(const struct _u_map *form, size_t nfiles, struct cs_refusal *err) {
  (void)nfiles; /* one, checked with the files */
  cases_document_rules(u_map_get(form, "type"), u_map_get(form, "title"), err);
}

static int document_add(struct request_ctx *ctx, PGconn *conn, const struct cases_caller *c,
                        const char *case_id, const struct http_upload *u, json_t **doc,
                        struct cs_refusal *err) {
  const struct http_upload_file *f = &u->files[0];
  const struct cases_document_file file = {u_map_get(ctx->req->map_post_body, "type"),
                                           u_map_get(ctx->req->map_post_body, "title"),
                                           f->name,
                                           f->type,
                                           f->sha256,
                                           f->size};
  return cases_document_add(conn, c, case_id, &file, doc, err);
}

static void callback_document_post(struct request_ctx *ctx) {
  static const struct cases_form_route form = {
      "documents", "file", "(file, type, title)", 1, 1, document_rules, document_add};
  cases_http_form_post(ctx, &form);
}

/* ---- reads -------------------------------------------------------------------------------- */

/* The document of the path (cases_http_item). */
static const struct cases_op_item document = {"doc_id", "document", cases_store_document_get};

static void callback_document_get(struct request_ctx *ctx) {
  struct cases_caller caller;
  json_t *doc;
  if (cases_http_item(ctx, &document, &caller, &doc) != CS_OK) return;
  http_json_resource(ctx->resp, 200, doc);
  cases_caller_clear(&caller);
}

static int documents_list(PGconn *conn, const struct cases_caller *c, const char *case_id,
                          const json_t *body, json_t **out, struct cs_refusal *err) {
  json_t *items = NULL;
  (void)c;
  (void)body;
  if (cases_store_documents(conn, case_id, &items, err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  /* a case's documents are few: one page, in the shape of every list */
  *out = json_pack("{s:o, s:n}", "items", items, "next_cursor");
  return CS_OK;
}

static void callback_document_content(struct request_ctx *ctx) {
  struct cases_caller caller;
  json_t *doc;
  if (cases_http_item(ctx, &document, &caller, &doc) != CS_OK) return;
  cases_http_blob(ctx, json_string_value(json_object_get(doc, "sha256")),
                  json_string_value(json_object_get(doc, "media_type")),
                  json_string_value(json_object_get(doc, "file_name")));
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

/* POST /v1/cases/{id}/uploads/seen: the insurer has seen what partners uploaded to the case
 * (the dashboard's cases_with_partner_uploads). Not a change of the case's document. */
static int uploads_seen(PGconn *conn, const struct cases_caller *c, const char *case_id,
                        const json_t *body, json_t **out, struct cs_refusal *err) {
  (void)body;
  *out = NULL;
  if (!cases_caller_is_internal(c))
    return cs_refuse(err, PROBLEM_FORBIDDEN, "only the insurer marks partners' uploads seen");
  if (cases_store_partner_uploads_seen(conn, case_id, err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  return CS_OK;
}

void cases_document_routes(struct service *svc) {
  static const struct cases_case_route seen = {NULL, 0, NULL, uploads_seen, 204, NULL};
  static const struct cases_case_route list = {NULL, 0, NULL, documents_list, 200, NULL};
  static const struct service_route_def calls[] = {
      {"POST", "/v1/cases/:id/uploads/seen", cases_http_case_call, ROUTE_AUTHENTICATED},
      {"GET", "/v1/cases/:id/documents", cases_http_case_call, ROUTE_AUTHENTICATED},
  };
  service_route_or_exit(svc, &calls[0], &seen, "the documents");
  service_route_or_exit(svc, &calls[1], &list, "the documents");
  static const struct service_route_def routes[] = {
      {"POST", "/v1/cases/:id/documents", callback_document_post,
       ROUTE_AUTHENTICATED | ROUTE_UPLOAD},
      {"GET", "/v1/cases/:id/documents/:doc_id", callback_document_get, ROUTE_AUTHENTICATED},
      {"GET", "/v1/cases/:id/documents/:doc_id/content", callback_document_content,
       ROUTE_AUTHENTICATED},
      {"DELETE", "/v1/cases/:id/documents/:doc_id", callback_document_delete, ROUTE_AUTHENTICATED},
  };
  service_routes(svc, routes, sizeof(routes) / sizeof(routes[0]), "the documents");
}
