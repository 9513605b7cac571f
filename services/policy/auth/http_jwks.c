/* GET /v1/auth/jwks: the public half of the token signing key, for every service and the gateway
 * to verify tokens with. The private key is read once at start from SIGNING_KEY_FILE and never
 * leaves this process: the published key is built from a whitelist of public members. */
#include "jwks.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "jwt.h"
#include "log.h"
#include "service.h"
#include "status.h"

#define JWKS_CACHE_CONTROL "public, max-age=300"

/* Built at start, read-only afterwards: safe to read from every worker thread. */
static struct {
  json_t *private_jwk;
  json_t *public_jwk;
  char *document; /* {"keys":[public_jwk]} */
} policy_keys;

const jwk_t *policy_signing_key(void) { return policy_keys.private_jwk; }

const jwk_t *policy_public_key(void) { return policy_keys.public_jwk; }

const char *policy_jwks_document(void) { return policy_keys.document; }

void policy_jwks_free(void) {
  json_decref(policy_keys.private_jwk);
  json_decref(policy_keys.public_jwk);
  free(policy_keys.document);
  memset(&policy_keys, 0, sizeof(policy_keys));
}

static void callback_policy_jwks_get(struct request_ctx *ctx) {
  ulfius_set_string_body_response(ctx->resp, 200, policy_keys.document);
  u_map_put(ctx->resp->map_header, "Content-Type", "application/json");
  u_map_put(ctx->resp->map_header, "Cache-Control", JWKS_CACHE_CONTROL);
}

/* Signs a short-lived probe token and verifies it against the published set: proves that the
 * public half matches the private one before anyone is handed a token. *cache is new. */
static int self_test(struct jwks_cache **cache) {
  json_t *claims = NULL, *verified = NULL;
  char *token = NULL;
  const char *reason = NULL;
  int rc;

  *cache = NULL;
  claims = json_pack("{s:s, s:s, s:I}", "iss", JWT_ISSUER, "sub", "policy-signing-key-self-test",
                     "exp", (json_int_t)time(NULL) + 60);
  if (claims == NULL) return CS_ERR_NOMEM;
  if ((rc = jwt_sign(policy_keys.private_jwk, claims, &token)) != CS_OK) goto done;
  if ((rc = jwks_cache_new_static(policy_keys.document, cache)) != CS_OK) goto done;
  rc = jwt_verify(*cache, token, &verified, &reason);
done:
  if (rc != CS_OK) {
    jwks_cache_free(*cache);
    *cache = NULL;
  }
  json_decref(verified);
  free(token);
  json_decref(claims);
  return rc;
}

int policy_jwks_init(struct service *svc, const char *path) {
  json_t *doc = NULL;
  struct jwks_cache *own = NULL;
  struct stat st;
  int rc;

  policy_jwks_free();
  if (path == NULL) {
    log_error(
        "SIGNING_KEY_FILE is not set: it must name the policy service's private signing "
        "JWK (create one with claimsuite-keygen FILE)");
    return CS_ERR_INVALID;
  }
  rc = jwt_private_jwk_load(path, &policy_keys.private_jwk);
  if (rc == CS_ERR_NOT_FOUND) {
    log_error("SIGNING_KEY_FILE %s cannot be read", path);
    goto done;
  }
  if (rc != CS_OK) {
    log_error(
        "SIGNING_KEY_FILE %s does not hold an ES256 (EC P-256) or EdDSA (Ed25519) private "
        "JWK with a kid (create one with claimsuite-keygen FILE)",
        path);
    goto done;
  }
  if (stat(path, &st) == 0 && (st.st_mode & 077) != 0)
    log_warning("SIGNING_KEY_FILE %s can be read by group or others; make it mode 0600", path);

  if ((rc = jwt_public_jwk(policy_keys.private_jwk, &policy_keys.public_jwk)) != CS_OK) {
    log_error("SIGNING_KEY_FILE %s: the public key could not be derived", path);
    goto done;
  }
  if (json_object_get(policy_keys.public_jwk, "d") != NULL) { /* never, by construction */
    log_error("SIGNING_KEY_FILE %s: refusing to publish a private member", path);
    rc = CS_ERR;
    goto done;
  }
  doc = json_pack("{s:[O]}", "keys", policy_keys.public_jwk);
  policy_keys.document = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
  if (policy_keys.document == NULL) {
    rc = CS_ERR_NOMEM;
    goto done;
  }
  if ((rc = self_test(&own)) != CS_OK) {
    log_error(
        "SIGNING_KEY_FILE %s: a token signed with this key does not verify with its public "
        "part; the key file is inconsistent",
        path);
    goto done;
  }
  if ((rc = service_route(svc, "GET", "/v1/auth/jwks", callback_policy_jwks_get, ROUTE_PUBLIC)) !=
      CS_OK) {
    log_error("cannot register GET /v1/auth/jwks");
    goto done;
  }
  /* The policy service is the issuer: it verifies with its own key set, never over HTTP to
   * itself (a fetch would need a free worker thread while others wait for it). */
  jwks_cache_free(svc->jwks);
  svc->jwks = own;
  own = NULL;
  log_info("token signing key %s loaded",
           json_string_value(json_object_get(policy_keys.public_jwk, "kid")));
  rc = CS_OK;
done:
  jwks_cache_free(own);
  json_decref(doc);
  if (rc != CS_OK) policy_jwks_free();
  return rc;
}
