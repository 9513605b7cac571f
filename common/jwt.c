/* JWT verification against the cached key set (jwks_cache.c).
 *
 * Verification decodes the JOSE header itself before rhonabwy sees the token: only ES256 and
 * EdDSA pass, so "none", HS256-with-the-public-key and friends never reach a verifier. The key
 * comes only from our key set, chosen by kid; rhonabwy parses with R_PARSE_NONE and
 * R_FLAG_IGNORE_REMOTE, so no jku/x5u/jwk/x5c of a token is ever fetched or trusted. */
#include "jwt.h"

#include <orcania.h>
#include <rhonabwy.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "status.h"

#define JWT_LEEWAY_S 30
#define JWT_MAX_TOKEN_LEN 16384
#define JWT_SIGNATURE_B64_LEN 86 /* 64 bytes (ES256 r||s, Ed25519) in unpadded base64url */

static const char R_MALFORMED[] = "malformed token";
static const char R_ALG[] = "algorithm not allowed";
static const char R_UNKNOWN_KEY[] = "unknown key";
static const char R_KEY_MISMATCH[] = "key not usable for algorithm";
static const char R_SIGNATURE[] = "signature invalid";
static const char R_NO_EXP[] = "token has no exp claim";
static const char R_EXPIRED[] = "token expired";
static const char R_NBF[] = "token not yet valid";
static const char R_IAT[] = "token issued in the future";
static const char R_ISSUER[] = "token not issued by this platform";
static const char R_UNAVAILABLE[] = "key set unavailable";
static const char R_NOMEM[] = "out of memory";

/* ---------------------------------------------------------------- small helpers */

static int is_b64url_char(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

/* Decodes one unpadded base64url segment holding a JSON object. NULL when it is not one. */
static json_t *b64url_json_object(const char *seg, size_t len) {
  struct _o_datum dat = {0, NULL};
  json_t *obj = NULL;

  if (len == 0 || len % 4 == 1) goto done;
  if (!o_base64url_decode_alloc((const unsigned char *)seg, len, &dat)) goto done;
  obj = json_loadb((const char *)dat.data, dat.size, JSON_REJECT_DUPLICATES, NULL);
  if (!json_is_object(obj)) {
    json_decref(obj);
    obj = NULL;
  }
done:
  o_free(dat.data);
  return obj;
}

/* ---------------------------------------------------------------- verification */

static int fail(const char **reason, const char *why, int rc) {
  *reason = why;
  return rc;
}

/* A NumericDate claim: 1 present and numeric (*v set), 0 absent, -1 present but not a number. */
static int numeric_claim(const json_t *claims, const char *name, double *v) {
  const json_t *j = json_object_get(claims, name);
  if (j == NULL) return 0;
  if (!json_is_number(j)) return -1;
  *v = json_number_value(j);
  return 1;
}

int jwt_verify(struct jwks_cache *cache, const char *token, json_t **claims, const char **reason) {
  const char *dot1, *dot2, *alg, *kid;
  size_t len, i;
  json_t *header = NULL, *payload = NULL, *typ;
  jwk_t *key = NULL;
  jwt_t *jwt = NULL;
  enum key_kind want;
  jwa_alg want_alg;
  double exp, nbf, iat, now;
  int rc, has;
  const char *dummy_reason;

  if (reason == NULL) reason = &dummy_reason;
  *reason = NULL;
  if (claims != NULL) *claims = NULL;
  if (cache == NULL || token == NULL || claims == NULL) {
    rc = fail(reason, R_MALFORMED, CS_ERR_INVALID);
    goto done;
  }

  /* 1. Shape: three unpadded base64url segments, bounded length. */
  len = strnlen(token, JWT_MAX_TOKEN_LEN + 1);
  while (len > 0 && (token[len - 1] == ' ' || token[len - 1] == '\t')) len--;
  if (len == 0 || len > JWT_MAX_TOKEN_LEN) {
    rc = fail(reason, R_MALFORMED, CS_ERR_INVALID);
    goto done;
  }
  dot1 = memchr(token, '.', len);
  dot2 = dot1 != NULL ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
  if (dot1 == NULL || dot2 == NULL || dot1 == token || dot2 == dot1 + 1) {
    rc = fail(reason, R_MALFORMED, CS_ERR_INVALID);
    goto done;
  }
  for (i = 0; i < len; i++) {
    if (token + i == dot1 || token + i == dot2) continue;
    if (!is_b64url_char((unsigned char)token[i])) { /* also catches a fourth dot */
      rc = fail(reason, R_MALFORMED, CS_ERR_INVALID);
      goto done;
    }
  }

  /* 2. The header, decoded by us: algorithm and key id before anything else. */
  header = b64url_json_object(token, (size_t)(dot1 - token));
  if (header == NULL) {
    rc = fail(reason, R_MALFORMED, CS_ERR_INVALID);
    goto done;
  }
  alg = json_string_value(json_object_get(header, "alg"));
  if (alg != NULL && strcmp(alg, "ES256") == 0) {
    want = KEY_ES256;
    want_alg = R_JWA_ALG_ES256;
  } else if (alg != NULL && strcmp(alg, "EdDSA") == 0) {
    want = KEY_EDDSA;
    want_alg = R_JWA_ALG_EDDSA;
  } else {
    rc = fail(reason, R_ALG, CS_ERR_INVALID);
    goto done;
  }
  typ = json_object_get(header, "typ");
  if (typ != NULL && !(json_is_string(typ) && strcasecmp(json_string_value(typ), "JWT") == 0)) {
    rc = fail(reason, R_MALFORMED, CS_ERR_INVALID);
    goto done;
  }
  /* Nested tokens, critical extensions and keys carried by the token itself: never ours. */
  if (json_object_get(header, "cty") != NULL || json_object_get(header, "crit") != NULL ||
      json_object_get(header, "jku") != NULL || json_object_get(header, "jwk") != NULL ||
      json_object_get(header, "x5u") != NULL || json_object_get(header, "x5c") != NULL ||
      json_object_get(header, "enc") != NULL || json_object_get(header, "zip") != NULL) {
    rc = fail(reason, R_MALFORMED, CS_ERR_INVALID);
    goto done;
  }
  kid = json_string_value(json_object_get(header, "kid"));
  if (kid == NULL || kid[0] == '\0' || strlen(kid) > JWT_MAX_KID_LEN) {
    rc = fail(reason, R_UNKNOWN_KEY, CS_ERR_INVALID);
    goto done;
  }
  if ((size_t)(token + len - (dot2 + 1)) != JWT_SIGNATURE_B64_LEN) {
    rc = fail(reason, R_SIGNATURE, CS_ERR_INVALID);
    goto done;
  }
  payload = b64url_json_object(dot1 + 1, (size_t)(dot2 - dot1 - 1));
  if (payload == NULL) {
    rc = fail(reason, R_MALFORMED, CS_ERR_INVALID);
    goto done;
  }

  /* 3. The key: only from our set, by kid, of the kind the algorithm needs. */
  rc = jwks_cache_get_key(cache, kid, &key);
  if (rc == CS_ERR_NOT_FOUND) {
    rc = fail(reason, R_UNKNOWN_KEY, CS_ERR_INVALID);
    goto done;
  }
  if (rc != CS_OK) {
    rc = fail(reason, R_UNAVAILABLE, CS_ERR_UNAVAILABLE);
    goto done;
  }
  if (jwt_key_kind_of(key) != want ||
      (json_object_get(key, "alg") != NULL && !jwt_str_eq(json_object_get(key, "alg"), alg))) {
    rc = fail(reason, R_KEY_MISMATCH, CS_ERR_INVALID);
    goto done;
  }

  /* 4. The signature, by rhonabwy, with header keys and remote fetches disabled. */
  if (r_jwt_init(&jwt) != RHN_OK) {
    rc = fail(reason, R_NOMEM, CS_ERR_NOMEM);
    goto done;
  }
  if (r_jwt_advanced_parsen(jwt, token, len, R_PARSE_NONE, R_FLAG_IGNORE_REMOTE) != RHN_OK ||
      r_jwt_get_type(jwt) != R_JWT_TYPE_SIGN) {
    rc = fail(reason, R_MALFORMED, CS_ERR_INVALID);
    goto done;
  }
  if (r_jwt_get_sign_alg(jwt) != want_alg) {
    rc = fail(reason, R_ALG, CS_ERR_INVALID);
    goto done;
  }
  if (r_jwt_verify_signature(jwt, key, R_FLAG_IGNORE_REMOTE) != RHN_OK) {
    rc = fail(reason, R_SIGNATURE, CS_ERR_INVALID);
    goto done;
  }

  /* 5. Time claims. */
  now = (double)time(NULL);
  has = numeric_claim(payload, "exp", &exp);
  if (has == 0) {
    rc = fail(reason, R_NO_EXP, CS_ERR_INVALID);
    goto done;
  }
  if (has < 0) {
    rc = fail(reason, R_MALFORMED, CS_ERR_INVALID);
    goto done;
  }
  if (exp + JWT_LEEWAY_S <= now) {
    rc = fail(reason, R_EXPIRED, CS_ERR_INVALID);
    goto done;
  }
  has = numeric_claim(payload, "nbf", &nbf);
  if (has < 0 || (has > 0 && nbf > now + JWT_LEEWAY_S)) {
    rc = fail(reason, has < 0 ? R_MALFORMED : R_NBF, CS_ERR_INVALID);
    goto done;
  }
  has = numeric_claim(payload, "iat", &iat);
  if (has < 0 || (has > 0 && iat > now + JWT_LEEWAY_S)) {
    rc = fail(reason, has < 0 ? R_MALFORMED : R_IAT, CS_ERR_INVALID);
    goto done;
  }

  /* A token signed with our key but not as one of our access tokens is not one. */
  if (!json_is_string(json_object_get(payload, "iss")) ||
      strcmp(json_string_value(json_object_get(payload, "iss")), JWT_ISSUER) != 0) {
    rc = fail(reason, R_ISSUER, CS_ERR_INVALID);
    goto done;
  }

  /* The payload as we decoded it (duplicate keys refused) is exactly the signed one. */
  *claims = payload;
  payload = NULL;
  rc = CS_OK;
done:
  r_jwt_free(jwt);
  r_jwk_free(key);
  json_decref(payload);
  json_decref(header);
  return rc;
}

const char *jwt_from_authorization(const char *header) {
  const char *tok;
  size_t n;

  if (header == NULL) return NULL;
  while (*header == ' ' || *header == '\t') header++;
  if (strncasecmp(header, "Bearer", 6) != 0) return NULL;
  header += 6;
  if (*header != ' ' && *header != '\t') return NULL;
  while (*header == ' ' || *header == '\t') header++;
  tok = header;
  /* token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
  n = strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/");
  if (n == 0) return NULL;
  header = tok + n;
  while (*header == '=') header++;
  while (*header == ' ' || *header == '\t') header++;
  if (*header != '\0') return NULL;
  return tok;
}
