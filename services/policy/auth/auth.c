/* The rules of issuing tokens: throttling before any password is checked, the same answer and
 * about the same time for every wrong credential, the portal a token is for, and its claims.
 * SQL is in store_auth.c, HTTP in http_auth.c. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth_internal.h"
#include "db.h"
#include "ids.h"
#include "jwks.h"
#include "jwt.h"
#include "log.h"
#include "operators.h"
#include "password.h"
#include "status.h"
#include "store_auth.h"

/* Written once by policy_auth_configure before the server starts, read-only afterwards. */
static struct policy_auth_settings auth_settings = {POLICY_AUTH_TOKEN_TTL_DEFAULT_S};

/* Every 64th failed login also deletes stale throttle rows (random usernames must not pile up). */
static atomic_uint purge_counter;

void policy_auth_configure(const struct policy_auth_settings *s) { auth_settings = *s; }

long policy_auth_token_ttl(void) { return auth_settings.token_ttl_s; }

/* The portal the token is for: the only one the company serves, or the one asked for, which must
 * be among them. *chosen is borrowed from portal_ids. */
static int choose_portal(const json_t *portal_ids, const char *asked, const char **chosen) {
  size_t n = json_array_size(portal_ids), i;
  json_t *id;

  *chosen = NULL;
  if (n == 0) return POLICY_AUTH_NO_PORTAL;
  if (asked == NULL) {
    if (n > 1) return POLICY_AUTH_PORTAL_REQUIRED;
    *chosen = json_string_value(json_array_get(portal_ids, 0));
    return *chosen != NULL ? CS_OK : CS_ERR;
  }
  json_array_foreach(portal_ids, i, id) {
    const char *s = json_string_value(id);
    if (s != NULL && strcasecmp(s, asked) == 0) { /* UUIDs: any case, canonical out */
      *chosen = s;
      return CS_OK;
    }
  }
  return POLICY_AUTH_PORTAL_NOT_SERVED;
}

/* Signs the access token of p for portal_id. *token is new (free()). */
static int sign_token(const struct policy_store_login *p, int is_user, const char *portal_id,
                      char **token) {
  json_int_t now = (json_int_t)time(NULL);
  char jti[37];
  json_t *claims = NULL;
  int rc = CS_ERR_NOMEM;

  ids_uuid_v4(jti);
  claims = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s}", "iss", POLICY_AUTH_ISSUER,
                     "sub", p->id, "kind", is_user ? "user" : "client", "portal_id", portal_id,
                     "company_id", p->company_id, "company_kind", p->company_kind, "iat", now,
                     "exp", now + (json_int_t)auth_settings.token_ttl_s, "jti", jti);
  if (claims == NULL) goto done;
  if (is_user) {
    if (json_object_set_new(claims, "authority_level", json_integer(p->authority_level)) != 0 ||
        json_object_set_new(claims, "email", json_string(p->email)) != 0 ||
        json_object_set_new(claims, "name", json_string(p->name)) != 0)
      goto done;
  } else if (json_object_set_new(claims, "client_id", json_string(p->client_id)) != 0) {
    goto done;
  }
  rc = jwt_sign(policy_signing_key(), claims, token);
  if (rc != CS_OK) log_error("the access token could not be signed (status %d)", rc);
done:
  json_decref(claims);
  return rc;
}

/* Signs the access token of the platform operator p: of kind "operator", naming no portal,
 * company or level, so that nothing of a portal accepts it (operators.h). *token is new. */
static int sign_operator_token(const struct policy_store_login *p, char **token) {
  json_int_t now = (json_int_t)time(NULL);
  char jti[37];
  int rc = CS_ERR_NOMEM;

  ids_uuid_v4(jti);
  json_t *claims =
      json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s}", "iss", POLICY_AUTH_ISSUER, "sub", p->id,
                "kind", POLICY_OPERATOR_KIND, "client_id", p->client_id, "iat", now, "exp",
                now + (json_int_t)auth_settings.token_ttl_s, "jti", jti);
  if (claims == NULL) return rc;
  rc = jwt_sign(policy_signing_key(), claims, token);
  if (rc != CS_OK) log_error("the access token could not be signed (status %d)", rc);
  json_decref(claims);
  return rc;
}

int policy_auth_grant_run(struct db_pool *pool, const struct policy_auth_grant *g, char **token,
                          long *retry_after_s) {
  const int is_user = g->kind == POLICY_GRANT_PASSWORD;
  const char *prefix = is_user ? "user:" : "client:";
  const char *subject = is_user ? g->username : g->client_id;
  const char *secret = is_user ? g->password : g->client_secret;
  const char *portal = NULL;
  struct policy_store_login who;
  PGconn *conn = NULL;
  int found = 0, ok, rc;

  memset(&who, 0, sizeof(who));
  *token = NULL;
  *retry_after_s = 0;
  if ((rc = db_pool_acquire(pool, &conn)) != CS_OK) return rc;

  /* The attempt is counted before any verification, so however many arrive at once, no more
   * than a key's threshold are verified; a blocked subject or address is refused right away: no
   * timing oracle, and a flood of guesses costs no argon2 time. */
  static const struct policy_throttle limits[3] = {
      POLICY_AUTH_SUBJECT_LIMIT, POLICY_AUTH_SUBJECT_ADDRESS_LIMIT, POLICY_AUTH_ADDRESS_LIMIT};
  rc = policy_store_login_attempt(conn, prefix, subject, g->client_ip, limits, POLICY_AUTH_WINDOW_S,
                                  retry_after_s);
  if (rc != CS_OK) goto done;
  if (*retry_after_s > 0) {
    log_info("token refused: too many failed attempts (%s grant, from %s)",
             is_user ? "password" : "client_credentials",
             g->client_ip != NULL ? g->client_ip : "an unknown address");
    rc = POLICY_AUTH_THROTTLED;
    goto done;
  }
  rc = is_user ? policy_store_login_user(conn, subject, &who)
               : policy_store_login_client(conn, subject, &who);
  if (rc == CS_OK)
    found = 1;
  else if (rc != CS_ERR_NOT_FOUND)
    goto done;

  /* argon2id takes tens of milliseconds: no pooled connection is held meanwhile. */
  db_pool_release(pool, conn);
  conn = NULL;
  if (found && who.secret_hash != NULL)
    ok = password_verify(who.secret_hash, secret);
  else
    ok = password_verify_nobody(secret); /* unknown, inactive or no password: same time */

  /* Without a connection now, both outcomes answer 503 alike: the answer tells nothing. */
  if ((rc = db_pool_acquire(pool, &conn)) != CS_OK) goto done;
  if (!ok) { /* the attempt stays counted */
    if ((atomic_fetch_add(&purge_counter, 1) & 63u) == 0)
      (void)policy_store_throttle_purge(conn, POLICY_AUTH_WINDOW_S);
    log_info("token refused: wrong credentials (%s grant, from %s)",
             is_user ? "password" : "client_credentials",
             g->client_ip != NULL ? g->client_ip : "an unknown address");
    rc = POLICY_AUTH_DENIED;
    goto done;
  }

  /* The credentials are right: only now may the answer say anything about the account. The
   * operator works in no portal. A client is bound to its one portal; a portal parameter is not
   * used for it. */
  if (who.is_operator) {
    if ((rc = policy_store_login_succeeded(conn, prefix, subject, g->client_ip)) != CS_OK ||
        (rc = sign_operator_token(&who, token)) != CS_OK)
      goto done;
    log_info("token issued to the platform operator %s", who.id);
    goto done;
  }
  if ((rc = policy_store_login_succeeded(conn, prefix, subject, g->client_ip)) != CS_OK) goto done;
  if ((rc = choose_portal(who.portal_ids, is_user ? g->portal : NULL, &portal)) != CS_OK) goto done;
  if ((rc = sign_token(&who, is_user, portal, token)) != CS_OK) goto done;
  log_info("token issued to %s %s for portal %s", is_user ? "user" : "client", who.id, portal);
done:
  if (conn != NULL) db_pool_release(pool, conn);
  policy_store_login_free(&who);
  return rc;
}

int policy_auth_me(PGconn *conn, const json_t *claims, json_t **out) {
  const char *sub = json_string_value(json_object_get(claims, "sub"));
  const char *kind = json_string_value(json_object_get(claims, "kind"));
  const char *portal = json_string_value(json_object_get(claims, "portal_id"));
  int rc;

  *out = NULL;
  /* Tokens are ours (the signature was verified), but never trust their shape blindly. */
  if (!ids_is_uuid(sub) || !ids_is_uuid(portal) || kind == NULL) return POLICY_AUTH_PRINCIPAL_GONE;
  if (!strcmp(kind, "user"))
    rc = policy_store_me_user(conn, sub, portal, out);
  else if (!strcmp(kind, "client"))
    rc = policy_store_me_client(conn, sub, portal, out);
  else
    return POLICY_AUTH_PRINCIPAL_GONE;
  return rc == CS_ERR_NOT_FOUND ? POLICY_AUTH_PRINCIPAL_GONE : rc;
}
