/* The customer's session (portal_session.h): the cookie's token, hashed, looked up. */
#include "portal_session.h"

#include <stdio.h>
#include <string.h>
#include <ulfius.h>

#include "casefile.h"
#include "db.h"
#include "secret_token.h"
#include "settings.h"
#include "status.h"
#include "store_access.h"

#define NO_SESSION "no open session; open the link you were sent again"

static int copy(char *dst, size_t len, const char *src) {
  if (src == NULL || strlen(src) >= len) return CS_ERR_INVALID;
  memcpy(dst, src, strlen(src) + 1);
  return CS_OK;
}

int customer_portal_session_load(PGconn *conn, const struct _u_request *req,
                                 struct customer_portal_session *s, struct cs_refusal *err) {
  char digest[SECRET_TOKEN_DIGEST_LEN + 1];
  json_t *row = NULL;
  int rc = CS_REFUSED;
  memset(s, 0, sizeof(*s));
  const char *token = u_map_get(req->map_cookie, CUSTOMER_PORTAL_COOKIE);
  /* no cookie, a cookie of no shape, unknown, ended, expired or revoked: one answer */
  if (!secret_token_well_formed(token))
    return cs_refuse(err, PROBLEM_INVALID_CREDENTIALS, NO_SESSION);
  if (secret_token_digest(token, digest) != CS_OK)
    return cs_refuse(err, PROBLEM_INTERNAL, "the session could not be read");
  if (customer_store_session_get(conn, digest, &row, err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  if (row == NULL) return cs_refuse(err, PROBLEM_INVALID_CREDENTIALS, NO_SESSION);
  const char *email = json_string_value(json_object_get(row, "contact_email"));
  if (copy(s->session_id, sizeof(s->session_id), json_string_value(json_object_get(row, "id"))) ||
      copy(s->access_id, sizeof(s->access_id),
           json_string_value(json_object_get(row, "access_id"))) ||
      copy(s->case_id, sizeof(s->case_id), json_string_value(json_object_get(row, "case_id"))) ||
      copy(s->portal_id, sizeof(s->portal_id),
           json_string_value(json_object_get(row, "portal_id"))) ||
      copy(s->contact_name, sizeof(s->contact_name),
           json_string_value(json_object_get(row, "contact_name"))) ||
      copy(s->contact_email, sizeof(s->contact_email), email != NULL ? email : "") ||
      copy(s->expires_at, sizeof(s->expires_at),
           json_string_value(json_object_get(row, "expires_at")))) {
    rc = cs_refuse(err, PROBLEM_INTERNAL, "the session could not be read");
    goto done;
  }
  if (customer_casefile_get(conn, s->portal_id, s->case_id, &s->casefile) != CS_OK ||
      (s->casefile != NULL &&
       customer_casefile_settings(conn, s->casefile, &s->settings) != CS_OK)) {
    snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", db_last_sqlstate());
    rc = cs_refusal_db(err);
    goto done;
  }
  if (s->casefile == NULL) {
    rc = cs_refuse(err, PROBLEM_INVALID_CREDENTIALS, NO_SESSION);
    goto done;
  }
  if (!customer_casefile_visible(s->casefile, s->settings)) {
    rc = cs_refuse(err, PROBLEM_GONE, "the case was closed and is no longer shown");
    goto done;
  }
  rc = CS_OK;
done:
  json_decref(row);
  if (rc != CS_OK) customer_portal_session_clear(s);
  return rc;
}

void customer_portal_session_clear(struct customer_portal_session *s) {
  if (s == NULL) return;
  json_decref(s->casefile);
  json_decref(s->settings);
  memset(s, 0, sizeof(*s));
}
