/* Multipart uploads streamed to the blob store as they arrive (common/http_upload.c), so a file
 * is never held whole in memory: ulfius hands the file parts of a multipart/form-data body to
 * one callback, chunk by chunk, while it reads the body; the callback writes each file into a
 * blob writer (blob.h) and the route's handler, called once the body is read, takes the
 * request's files (http_upload_take) and commits or drops them. Plain form fields stay in the
 * request's post map (at most the server's body limit is kept of the body itself).
 *
 * Only routes the server accepts uploads for (accepts) get files written; a file past the
 * limit stops being written (too_large) and a request of more files than HTTP_UPLOAD_MAX_FILES is
 * marked. Files of a request whose handler never runs (a client gone mid-way) are dropped as the
 * request ends (http_upload_forget), or else by the next upload that starts after they have been
 * idle for HTTP_UPLOAD_IDLE_SECONDS, and when the server stops. */
#ifndef CLAIMSUITE_HTTP_UPLOAD_H
#define CLAIMSUITE_HTTP_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "blob.h"
#include "blob_type.h"

#define HTTP_UPLOAD_MAX_FILES 10
#define HTTP_UPLOAD_IDLE_SECONDS 120
/* The request header under which a request's upload is found, set by the callback on the request
 * itself: a server that sends the request on (the gateway) leaves it out. */
#define HTTP_UPLOAD_ENTRY_HEADER "X-Claimsuite-Upload-Entry"

struct _u_request;

struct http_upload_file {
  char field[64];           /* the form field it came in */
  char name[256];           /* its file name, made safe (blob_safe_name) */
  char type[BLOB_TYPE_LEN]; /* from its content (blob_type_of), set by http_upload_take */
  char sha256[BLOB_SHA256_HEX];
  long long size;
  int too_large;              /* it passed the limit: nothing of it is kept */
  struct blob_writer *writer; /* finished, not committed; NULL once committed or dropped */
};

struct http_upload {
  struct http_upload_file files[HTTP_UPLOAD_MAX_FILES];
  size_t nfiles;
  int too_many;        /* more files than HTTP_UPLOAD_MAX_FILES were sent */
  int unauthenticated; /* the request's token did not verify: nothing of it was written */
  int failed;          /* a file could not be written (disk): the request fails */
};

/* What accepts answers for a POST: no files, files from a caller with a bearer token, or files
 * from a caller with the service's own credential (own_ok: the customer page's session). */
enum http_upload_kind { HTTP_UPLOAD_NONE = 0, HTTP_UPLOAD_BEARER = 1, HTTP_UPLOAD_OWN = 2 };

/* What a server accepts uploads for. */
struct http_uploads {
  struct blob_store *store; /* borrowed */
  long long max_file_bytes;
  /* the kind of upload a POST to url_path takes (called with the request's path, before its
   * body): enum http_upload_kind */
  int (*accepts)(const char *url_path);
  /* 1 when the request's bearer token verifies: set by the server (http_server_uploads); asked
   * once, before a request's first byte is written, so that no file is written for a caller who
   * will be answered 401 */
  int (*token_ok)(const struct _u_request *request, void *arg);
  void *token_arg;
  /* the same for HTTP_UPLOAD_OWN paths: 1 when the request carries the service's own valid
   * credential (NULL: such uploads are never written) */
  int (*own_ok)(const struct _u_request *request, void *arg);
  void *own_arg;
};

/* ulfius' file upload callback (ulfius_set_upload_file_callback_function) with cls the
 * server's struct http_uploads. */
int http_upload_callback(const struct _u_request *request, const char *key, const char *filename,
                         const char *content_type, const char *transfer_encoding, const char *data,
                         uint64_t off, size_t size, void *cls);
/* The same for a server that sends the form fields and the files on, never the raw body (the
 * gateway): the raw bytes of a request taking files are let go as its files arrive (not kept up
 * to the body limit as the services keep them), so an upload's body never piles up in memory. */
int http_upload_callback_spooling(const struct _u_request *request, const char *key,
                                  const char *filename, const char *content_type,
                                  const char *transfer_encoding, const char *data, uint64_t off,
                                  size_t size, void *cls);

/* The files request sent (moved to the caller), each finished with its digest and type; NULL
 * when it sent none. Free with http_upload_free. */
struct http_upload *http_upload_take(const struct _u_request *request);
/* Commits file (after its row committed): CS_OK or CS_ERR (blob_write_commit). */
int http_upload_commit(struct http_upload_file *file);
/* Drops every file not committed and frees u. NULL-safe. */
void http_upload_free(struct http_upload *u);
/* Drops the files of request when it ends without its handler having taken them (the client
 * went away mid-way, a timeout): called by the server as each request completes. */
void http_upload_forget(const struct _u_request *request);
/* Drops the files of every request not taken (the server stops). */
void http_upload_drop_all(void);

#endif
