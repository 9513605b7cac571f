/* Which POSTs of the customer service take files (see http_uploads.h). */
#include "http_uploads.h"

#include <string.h>

#include "db.h"
#include "http_upload.h"
#include "portal_session.h"
#include "status.h"

/* /v1/customer/cases/{uuid}/messages */
static int staff_messages(const char *path) {
  static const char cases[] = "/v1/customer/cases/", messages[] = "/messages";
  const size_t c = sizeof(cases) - 1;
  return strncmp(path, cases, c) == 0 && strlen(path) == c + 36 + sizeof(messages) - 1 &&
         !strcmp(path + c + 36, messages);
}

static int takes_files(const char *path) {
  if (!strcmp(path, "/v1/customer-portal/messages")) return HTTP_UPLOAD_OWN;
  if (!strcmp(path, "/v1/customer/settings/logo") || staff_messages(path))
    return HTTP_UPLOAD_BEARER;
  return HTTP_UPLOAD_NONE;
}

/* 1 when the request carries an open customer session (its handler checks it again). */
static int session_ok(const struct _u_request *request, void *arg) {
  struct service *svc = arg;
  struct customer_portal_session s = {0};
  struct cs_refusal err = {0};
  PGconn *conn = NULL;
  if (db_pool_acquire(svc->pool, &conn) != CS_OK) return 0;
  int ok = customer_portal_session_load(conn, request, &s, &err) == CS_OK;
  db_pool_release(svc->pool, conn);
  customer_portal_session_clear(&s);
  cs_refusal_clear(&err);
  return ok;
}

void customer_uploads_wire(struct service *svc, struct blob_store *blobs) {
  service_uploads(svc, blobs, CUSTOMER_MAX_FILE_BYTES, takes_files);
  service_uploads_own_credential(svc, session_ok, svc);
}
