/* A file of the blob store (blob.h) as the answer to a GET: streamed from disk, never held in
 * memory, with its ETag (the quoted digest), byte ranges and Content-Disposition. */
#ifndef CLAIMSUITE_HTTP_BLOB_ANSWER_H
#define CLAIMSUITE_HTTP_BLOB_ANSWER_H

#include "service.h"

struct blob_store;

/* Answers the stored file sha256 as media_type named file_name: 200, 206 for a byte range
 * (Range), 416 outside it, 304 for If-None-Match; 500 when the store cannot read it. */
void http_blob_answer(struct request_ctx *ctx, struct blob_store *store, const char *sha256,
                      const char *media_type, const char *file_name);

#endif
