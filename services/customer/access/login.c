/* The customer's login (login.h). */
#include "login.h"

#include <stdio.h>
#include <string.h>

#include "access_rules.h"
#include "access_send.h"
#include "casefile.h"
#include "db.h"
#include "fields.h"
#include "log.h"
#include "portal_session.h"
#include "settings.h"
#include "status.h"
#include "store_access.h"

/* One answer for every link that opens nothing: unknown, malformed and revoked look alike. */
#define NO_SUCH_LINK "the link is not valid; ask your case handler for a new one"
#define MAX_TOKEN 100
#define MAX_CODE 32

void customer_login_clear(struct customer_login *l) {
  if (l == NULL) return;
  json_decref(l->session);
  explicit_bzero(l, sizeof(*l));
}

static const char *text(const json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

/* What a login works with: the grant of the token, its case and the case's settings. */
struct opened {
  json_t *grant, *casefile, *settings;
};

static void opened_clear(struct opened *o) {
  json_decref(o->grant);
  json_decref(o->casefile);
  json_decref(o->settings);
  memset(o, 0, sizeof(*o));
}

static int db_failed(struct cs_refusal *err) {
  snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", db_last_sqlstate());
  return cs_refusal_db(err);
}

static int refuse_link(struct cs_refusal *err, const char *why) {
  log_info("customer login refused: %s", why);
  return cs_refuse(err, PROBLEM_INVALID_CREDENTIALS, NO_SUCH_LINK);
}

/* The live grant of body.token with its case, the case still shown: CS_OK, or refused. */
static int open_link(PGconn *conn, const json_t *body, const struct http_field *fields,
                     size_t nfields, struct opened *o, struct cs_refusal *err) {
  char digest[SECRET_TOKEN_DIGEST_LEN + 1];
  memset(o, 0, sizeof(*o));
  fields_check(body, fields, nfields, err);
  if (cs_refusal_validation(err) != CS_OK) return CS_REFUSED;
  const char *token = text(body, "token");
  if (!secret_token_well_formed(token)) return refuse_link(err, "a malformed link token");
  if (secret_token_digest(token, digest) != CS_OK)
    return cs_refuse(err, PROBLEM_INTERNAL, "the link could not be checked");
  if (customer_store_access_by_token(conn, digest, &o->grant, err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  if (o->grant == NULL) return refuse_link(err, "an unknown or revoked link token");
  if (customer_casefile_get(conn, text(o->grant, "portal_id"), text(o->grant, "case_id"),
                            &o->casefile) != CS_OK ||
      (o->casefile != NULL && customer_casefile_settings(conn, o->casefile, &o->settings) != CS_OK))
    return db_failed(err);
  if (o->casefile == NULL) {
    log_error("access %s names a case this service does not know", text(o->grant, "id"));
    return refuse_link(err, "the grant's case is unknown");
  }
  if (!customer_casefile_visible(o->casefile, o->settings)) {
    log_info("customer login refused: access %s: the case is no longer shown",
             text(o->grant, "id"));
    return cs_refuse(err, PROBLEM_GONE, "the case was closed and is no longer shown");
  }
  return CS_OK;
}

/* Opens a session of o's grant into out, inside the caller's transaction (or on its own). */
static int open_session(PGconn *conn, const struct opened *o, struct customer_login *out,
                        struct cs_refusal *err) {
  char digest[SECRET_TOKEN_DIGEST_LEN + 1];
  if (secret_token_new(out->session_token) != CS_OK ||
      secret_token_digest(out->session_token, digest) != CS_OK)
    return cs_refuse(err, PROBLEM_INTERNAL, "a session could not be made");
  if (customer_store_session_insert(conn, digest, text(o->grant, "id"), text(o->grant, "case_id"),
                                    text(o->grant, "portal_id"), CUSTOMER_ACCESS_SESSION_TTL_S,
                                    &out->session, err->sqlstate) != CS_OK ||
      out->session == NULL)
    return cs_refusal_db(err);
  json_object_del(out->session, "id");
  out->max_age = CUSTOMER_ACCESS_SESSION_TTL_S;
  return CS_OK;
}

static int too_many(struct cs_refusal *err, long retry_after, const char *detail) {
  cs_refuse(err, PROBLEM_TOO_MANY_ATTEMPTS, "%s", detail);
  err->extra = json_pack("{s:I}", "retry_after", (json_int_t)(retry_after > 0 ? retry_after : 1));
  return CS_REFUSED;
}

/* Sends a new code for o's grant (the token makes its digest): in one transaction with the
 * grant locked, so that two logins at once are counted one after the other. */
static int send_code(PGconn *conn, const struct opened *o, const char *token,
                     struct customer_login *out, struct cs_refusal *err) {
  char code[CUSTOMER_ACCESS_CODE_DIGITS + 1], salted[SECRET_TOKEN_LEN + 16];
  char digest[SECRET_TOKEN_DIGEST_LEN + 1];
  const char *id = text(o->grant, "id"), *phone = text(o->grant, "contact_phone");
  const char *channel = phone != NULL ? "sms" : "email";
  const char *recipient = phone != NULL ? phone : text(o->grant, "contact_email");
  json_t *locked = NULL;
  long since_last, last_hour;
  int last_live, rc = CS_REFUSED;
  if (db_begin(conn) != CS_OK) return db_failed(err);
  if (customer_store_access_get(conn, text(o->grant, "portal_id"), text(o->grant, "case_id"), id, 1,
                                &locked, err->sqlstate) != CS_OK ||
      customer_store_code_sends(conn, id, &since_last, &last_live, &last_hour, err->sqlstate) !=
          CS_OK) {
    rc = cs_refusal_db(err);
    goto done;
  }
  long wait = customer_access_code_wait(since_last, last_live, last_hour);
  if (wait > 0) {
    log_info("customer login refused: access %s asked for codes too often", id);
    rc = too_many(err, wait, "a code was sent a moment ago; use it, or wait before asking again");
    goto done;
  }
  if (customer_access_code_new(code) != CS_OK ||
      snprintf(salted, sizeof(salted), "%s:%s", token, code) >= (int)sizeof(salted) ||
      secret_token_digest(salted, digest) != CS_OK) {
    rc = cs_refuse(err, PROBLEM_INTERNAL, "a code could not be made");
    goto done;
  }
  if (customer_store_code_insert(conn, id, digest, channel, CUSTOMER_ACCESS_CODE_TTL_S,
                                 CUSTOMER_ACCESS_CODE_TRIES, err->sqlstate) != CS_OK) {
    rc = cs_refusal_db(err);
    goto done;
  }
  int sent = customer_access_send_code(conn, o->casefile, customer_access_language(o->settings),
                                       channel, recipient, text(o->grant, "contact_name"), code);
  if (sent == CS_ERR_DB) {
    rc = db_failed(err);
    goto done;
  }
  if (sent != CS_OK) {
    rc = cs_refuse(err, PROBLEM_INTERNAL, "the code could not be sent");
    goto done;
  }
  if (db_commit(conn) != CS_OK) {
    rc = db_failed(err);
    goto done;
  }
  out->code_required = 1;
  out->expires_in = CUSTOMER_ACCESS_CODE_TTL_S;
  customer_access_mask(channel, recipient, out->sent_to, sizeof(out->sent_to));
  rc = CS_OK;
done:
  if (rc != CS_OK) db_rollback(conn);
  explicit_bzero(code, sizeof(code));
  explicit_bzero(salted, sizeof(salted));
  json_decref(locked);
  return rc;
}

int customer_login_open(PGconn *conn, const json_t *body, struct customer_login *out,
                        struct cs_refusal *err) {
  static const struct http_field fields[] = {{"token", HTTP_FIELD_STRING, 1, MAX_TOKEN}};
  struct opened o;
  int rc;
  memset(out, 0, sizeof(*out));
  if ((rc = open_link(conn, body, fields, 1, &o, err)) != CS_OK) goto done;
  if (json_is_true(json_object_get(o.settings, "sms_security_code")))
    rc = send_code(conn, &o, text(body, "token"), out, err);
  else
    rc = open_session(conn, &o, out, err);
done:
  opened_clear(&o);
  return rc;
}

/* 1 when a and b (hex digests) are equal, in a time that does not depend on where they differ. */
static int same_digest(const char *a, const char *b) {
  size_t n = strlen(a);
  unsigned diff = n != strlen(b);
  for (size_t i = 0; i < n && i < strlen(b); i++) diff |= (unsigned char)(a[i] ^ b[i]);
  return diff == 0;
}

int customer_login_code(PGconn *conn, const json_t *body, struct customer_login *out,
                        struct cs_refusal *err) {
  static const struct http_field fields[] = {{"token", HTTP_FIELD_STRING, 1, MAX_TOKEN},
                                             {"code", HTTP_FIELD_STRING, 1, MAX_CODE}};
  char salted[SECRET_TOKEN_LEN + MAX_CODE + 2], digest[SECRET_TOKEN_DIGEST_LEN + 1];
  struct opened o;
  json_t *code = NULL;
  long tries_left, since_last, last_hour;
  int last_live, rc;
  memset(out, 0, sizeof(*out));
  if ((rc = open_link(conn, body, fields, 2, &o, err)) != CS_OK) goto done;
  const char *id = text(o.grant, "id");
  snprintf(salted, sizeof(salted), "%s:%s", text(body, "token"), text(body, "code"));
  if (secret_token_digest(salted, digest) != CS_OK) {
    rc = cs_refuse(err, PROBLEM_INTERNAL, "the code could not be checked");
    goto done;
  }
  rc = CS_REFUSED;
  if (db_begin(conn) != CS_OK) {
    rc = db_failed(err);
    goto done;
  }
  /* the newest code, locked: two tries at once each take their own try */
  if (customer_store_code_latest(conn, id, &code, err->sqlstate) != CS_OK) {
    rc = cs_refusal_db(err);
    goto done;
  }
  if (code == NULL || json_is_true(json_object_get(code, "used"))) {
    log_info("customer login refused: access %s: %s", id, code ? "a used code" : "no code sent");
    rc = cs_refuse(err, PROBLEM_INVALID_CREDENTIALS,
                   "this code cannot be used; open the link again for a new code");
    goto done;
  }
  if (json_integer_value(json_object_get(code, "tries_left")) <= 0) {
    log_info("customer login refused: access %s: a code tried too often", id);
    if (customer_store_code_sends(conn, id, &since_last, &last_live, &last_hour, err->sqlstate) !=
        CS_OK) {
      rc = cs_refusal_db(err);
      goto done;
    }
    rc = too_many(err, customer_access_code_wait(since_last, last_live, last_hour),
                  "the code was tried too often; open the link again for a new code");
    goto done;
  }
  if (json_is_true(json_object_get(code, "expired"))) {
    log_info("customer login refused: access %s: an expired code", id);
    rc = cs_refuse(err, PROBLEM_GONE, "the code has expired; open the link again for a new code");
    goto done;
  }
  int right = same_digest(digest, text(code, "code_sha256"));
  if (customer_store_code_try(conn, text(code, "id"), right, &tries_left, err->sqlstate) != CS_OK) {
    rc = cs_refusal_db(err);
    goto done;
  }
  if (right && open_session(conn, &o, out, err) != CS_OK) goto done;
  if (db_commit(conn) != CS_OK) {
    rc = db_failed(err);
    goto done;
  }
  if (!right) {
    log_info("customer login refused: access %s: a wrong code (%ld tries left)", id, tries_left);
    cs_refuse(err, PROBLEM_INVALID_CREDENTIALS, "the code is not right");
    err->extra = json_pack("{s:I}", "tries_left", (json_int_t)tries_left);
    goto done;
  }
  rc = CS_OK;
done:
  if (db_in_transaction(conn)) db_rollback(conn);
  if (rc != CS_OK) customer_login_clear(out);
  explicit_bzero(salted, sizeof(salted));
  json_decref(code);
  opened_clear(&o);
  return rc;
}

int customer_login_end(PGconn *conn, const char *session_token, struct cs_refusal *err) {
  char digest[SECRET_TOKEN_DIGEST_LEN + 1];
  if (!secret_token_well_formed(session_token)) return CS_OK;
  if (secret_token_digest(session_token, digest) != CS_OK)
    return cs_refuse(err, PROBLEM_INTERNAL, "the session could not be read");
  if (customer_store_session_end(conn, digest, err->sqlstate) != CS_OK) return cs_refusal_db(err);
  return CS_OK;
}
