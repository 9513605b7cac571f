/* Uploads through the gateway, spooled to disk as nginx's proxy_request_buffering does: the
 * files of a multipart/form-data POST to a path that needs a token are written to a blob store
 * in GATEWAY_SPOOL_DIR as they arrive (common/http_upload.h: each at most UPLOAD_MAX_FILE_BYTES,
 * the token verified before the first byte, the raw body let go chunk by chunk). Once the body
 * is in, the request is sent on with its body encoded anew: the form fields (from memory: at most
 * GW_UPLOAD_FORM_BYTES), then each file read back from disk through a bounded buffer, under its
 * field and file name, typed application/octet-stream (the service decides the type from the
 * content), with a Content-Length. The files go once forwarded, refused, or when the request
 * ends without its handler (a client gone mid-way). Other requests keep the usual path. */
#ifndef CLAIMSUITE_GATEWAY_PROXY_UPLOAD_H
#define CLAIMSUITE_GATEWAY_PROXY_UPLOAD_H

#include <ulfius.h>

#include "gw_config.h"
#include "proxy.h"

/* The room an upload has besides its files: its form fields and the multipart framing. */
#define GW_UPLOAD_FORM_BYTES (1024L * 1024)

struct gw_spool;
struct http_server;
struct http_upload;

/* Opens the spool store in cfg->spool_dir and has srv spool the files of multipart POSTs to the
 * routed paths that need a token. cfg and srv are borrowed and outlive the spool; one spool per
 * process. CS_OK with *out new, or CS_ERR (logged). Before srv starts. */
int gw_spool_new(const struct gw_config *cfg, struct http_server *srv, struct gw_spool **out);
/* After srv has stopped. NULL-safe. */
void gw_spool_free(struct gw_spool *s);

/* The largest body a multipart POST may declare: every file at its most, and the form. */
long long gw_spool_max_body(const struct gw_config *cfg);

/* The files req spooled, moved to the caller (http_upload_free drops them), or NULL when it
 * spooled none: then its raw body is whole in memory and it goes the usual way. */
struct http_upload *gw_spool_take(const struct _u_request *req);

/* Forwards req with its form fields and the files of u, as gw_proxy_forward does, or refuses it
 * into resp: 413 (a file above UPLOAD_MAX_FILE_BYTES, more than HTTP_UPLOAD_MAX_FILES files,
 * form fields above GW_UPLOAD_FORM_BYTES), 503 (a file could not be spooled or read back). u is
 * stolen: its files are gone when this returns. CS_OK when resp holds an answer (the upstream's
 * or the refusal); otherwise gw_proxy_forward's failures, with *detail. */
int gw_spool_forward(struct gw_spool *s, const struct _u_request *req, struct http_upload *u,
                     const struct gw_forward *f, struct _u_response *resp, const char **detail);

#endif
