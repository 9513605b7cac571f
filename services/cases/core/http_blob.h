/* Files of a case on HTTP (core/http_blob.c), shared by the documents and the reported
 * information of tasks: the service's blob store and upload limit, the check of a form's files,
 * and a file answered from the store with its ETag and byte ranges. */
#ifndef CLAIMSUITE_CASES_HTTP_BLOB_H
#define CLAIMSUITE_CASES_HTTP_BLOB_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>

#include "http_upload.h"
#include "refusal.h"
#include "service.h"

/* Streams the files of the cases service's upload routes (documents, task reports) to blobs
 * (borrowed, lives as long as the process), at most max_file_bytes each. Once, in wire. */
void cases_blobs_init(struct service *svc, struct blob_store *blobs, long long max_file_bytes);

/* 1 when the request's body is multipart/form-data. */
int cases_http_is_multipart(const struct _u_request *req);
/* The files of u (taken by the caller, may be NULL), all in form field field, checked: between
 * min and max of them, none over the limit (413), each of a type on the allow-list (415) that its
 * name does not belie (422 on field/i). CS_OK, or answered. */
int cases_http_files_check(struct request_ctx *ctx, const struct http_upload *u, const char *field,
                           size_t min, size_t max);
/* A POST of a form with files to a case (path parameter "id"): the form's own fields are
 * checked by rules (form: the request's post map; nfiles: how many files came), its files by
 * cases_http_files_check(field, min, max), then add writes the row naming them (in its own
 * transaction) and answers *doc or err; once it committed, the files go into place and the
 * answer is 201 with doc and its Location, /v1/cases/{id}/<collection>/<its id>. */
struct cases_caller;
struct cases_form_route {
  const char *collection, *field, *form_hint; /* form_hint: the 415's "(file, type, title)" */
  size_t min_files, max_files;
  void (*rules)(const struct _u_map *form, size_t nfiles, struct cs_refusal *err);
  int (*add)(struct request_ctx *ctx, PGconn *conn, const struct cases_caller *c,
             const char *case_id, const struct http_upload *u, json_t **doc,
             struct cs_refusal *err);
};
void cases_http_form_post(struct request_ctx *ctx, const struct cases_form_route *route);
/* Answers the stored file sha256 as media_type named file_name: 200, 206 for a byte range
 * (Range), 416 outside it, 304 for If-None-Match; the ETag is the quoted digest. */
void cases_http_blob(struct request_ctx *ctx, const char *sha256, const char *media_type,
                     const char *file_name);

#endif
