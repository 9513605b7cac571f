/* Signing keys, for the policy service, keygen and test helpers: loading a private JWK, its
 * public half, generating an ES256 pair, signing. Also judges keys for the rest of the module:
 * jwt_key_kind_of and jwt_public_signing_copy (jwt_keys.h). A private key is never logged. */
#include "jwt_keys.h"
#include "ids.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/abstract.h>
#include <rhonabwy.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "status.h"

#define JWK_FILE_MAX_BYTES 65536

/* ---------------------------------------------------------------- judging keys */

static int nonempty_string(const json_t *j) {
  return json_is_string(j) && json_string_length(j) > 0;
}

/* A public key coordinate of P-256 or Ed25519: 32 bytes in unpadded base64url, 43 characters
 * (an EC coordinate may come without up to two leading zero bytes: min_len 40). */
static int coordinate_ok(const json_t *v, size_t min_len) {
  const char *s = json_string_value(v);
  size_t n = s != NULL ? strlen(s) : 0;
  if (n < min_len || n > 43) return 0;
  for (size_t i = 0; i < n; i++)
    if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_') return 0;
  return 1;
}

/* Declared in jwt_keys.h; also used by jwt_verify. */
enum key_kind jwt_key_kind_of(const json_t *jwk) {
  const json_t *kty = json_object_get(jwk, "kty"), *crv = json_object_get(jwk, "crv");
  if (jwt_str_eq(kty, "EC") && jwt_str_eq(crv, "P-256")) return KEY_ES256;
  if (jwt_str_eq(kty, "OKP") && jwt_str_eq(crv, "Ed25519")) return KEY_EDDSA;
  return KEY_NONE;
}

static const char *kind_alg(enum key_kind kind) {
  return kind == KEY_ES256 ? "ES256" : kind == KEY_EDDSA ? "EdDSA" : NULL;
}

/* Declared in jwt_keys.h; also used by the key set parser (jwks_cache.c). */
json_t *jwt_public_signing_copy(const json_t *jwk) {
  static const char *const members[] = {"kty", "crv", "x", "y", "kid", "alg", "use"};
  enum key_kind kind;
  json_t *copy = NULL, *v;
  gnutls_pubkey_t pub = NULL;
  int type;

  if (!json_is_object(jwk)) return NULL;
  kind = jwt_key_kind_of(jwk);
  if (kind == KEY_NONE) return NULL;
  if (!nonempty_string(json_object_get(jwk, "kid")) ||
      json_string_length(json_object_get(jwk, "kid")) > JWT_MAX_KID_LEN)
    return NULL;
  /* coordinates of the right shape before rhonabwy reads them: it frees what it did not
   * allocate on some malformed ones (a short y, padding in x; found by fuzzing key sets) */
  if (!coordinate_ok(json_object_get(jwk, "x"), kind == KEY_ES256 ? 40 : 43)) return NULL;
  if (kind == KEY_ES256 && !coordinate_ok(json_object_get(jwk, "y"), 40)) return NULL;
  if (kind == KEY_EDDSA && json_object_get(jwk, "y") != NULL) return NULL;
  v = json_object_get(jwk, "use");
  if (v != NULL && !jwt_str_eq(v, "sig")) return NULL;
  v = json_object_get(jwk, "alg");
  if (v != NULL && !jwt_str_eq(v, kind_alg(kind))) return NULL;

  copy = json_object();
  if (copy == NULL) return NULL;
  for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
    if (kind == KEY_EDDSA && strcmp(members[i], "y") == 0) continue;
    v = json_object_get(jwk, members[i]);
    if (v != NULL && json_object_set(copy, members[i], v) != 0) goto fail;
  }
  /* rhonabwy must see a public key that gnutls can load: bad coordinates are caught here. */
  if (r_jwk_is_valid(copy) != RHN_OK) goto fail;
  type = r_jwk_key_type(copy, NULL, R_FLAG_IGNORE_REMOTE);
  if (!(type & R_KEY_TYPE_PUBLIC) ||
      !(type & (kind == KEY_ES256 ? R_KEY_TYPE_EC : R_KEY_TYPE_EDDSA)))
    goto fail;
  pub = r_jwk_export_to_gnutls_pubkey(copy, R_FLAG_IGNORE_REMOTE);
  if (pub == NULL) goto fail;
  gnutls_pubkey_deinit(pub);
  return copy;
fail:
  json_decref(copy);
  return NULL;
}

/* ---------------------------------------------------------------- signing keys */

/* 1 when jwk is a private ES256/EdDSA signing key with a kid that gnutls can load. */
static int is_private_signing_key(const json_t *jwk) {
  json_t *pub;
  gnutls_privkey_t priv;
  int type;

  if (!json_is_object(jwk) || !nonempty_string(json_object_get(jwk, "d"))) return 0;
  pub = jwt_public_signing_copy(jwk);
  if (pub == NULL) return 0;
  json_decref(pub);
  type = r_jwk_key_type((jwk_t *)jwk, NULL, R_FLAG_IGNORE_REMOTE);
  if (!(type & R_KEY_TYPE_PRIVATE)) return 0;
  priv = r_jwk_export_to_gnutls_privkey((jwk_t *)jwk);
  if (priv == NULL) return 0;
  gnutls_privkey_deinit(priv);
  return 1;
}

int jwt_private_jwk_load(const char *path, json_t **out) {
  int fd = -1, rc = CS_ERR_NOT_FOUND;
  struct stat st;
  char *buf = NULL;
  size_t len = 0;
  ssize_t n;
  json_t *jwk = NULL;

  if (out == NULL) return CS_ERR_INVALID;
  *out = NULL;
  if (path == NULL || path[0] == '\0') goto done;
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fstat(fd, &st) != 0) goto done;
  if (!S_ISREG(st.st_mode) || st.st_size > JWK_FILE_MAX_BYTES) {
    rc = CS_ERR_INVALID;
    goto done;
  }
  buf = malloc(JWK_FILE_MAX_BYTES + 1);
  if (buf == NULL) {
    rc = CS_ERR_NOMEM;
    goto done;
  }
  while (len < JWK_FILE_MAX_BYTES + 1 &&
         (n = read(fd, buf + len, JWK_FILE_MAX_BYTES + 1 - len)) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      goto done;
    }
    len += (size_t)n;
  }
  if (len > JWK_FILE_MAX_BYTES) {
    rc = CS_ERR_INVALID;
    goto done;
  }
  jwk = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
  if (!is_private_signing_key(jwk)) {
    rc = CS_ERR_INVALID;
    goto done;
  }
  *out = jwk;
  jwk = NULL;
  rc = CS_OK;
done:
  if (buf != NULL) {
    explicit_bzero(buf, JWK_FILE_MAX_BYTES + 1);
    free(buf);
  }
  if (fd >= 0) close(fd);
  json_decref(jwk);
  return rc;
}

int jwt_public_jwk(const json_t *private_jwk, json_t **out) {
  if (out == NULL) return CS_ERR_INVALID;
  *out = jwt_public_signing_copy(private_jwk);
  return *out != NULL ? CS_OK : CS_ERR_INVALID;
}

int jwt_generate_es256(const char *kid, json_t **out) {
  jwk_t *priv = NULL, *pub = NULL;
  char uuid[37];
  int rc = CS_ERR;

  if (out == NULL) return CS_ERR_INVALID;
  *out = NULL;
  if (kid == NULL) {
    ids_uuid_v4(uuid);
    kid = uuid;
  }
  if (r_jwk_init(&priv) != RHN_OK || r_jwk_init(&pub) != RHN_OK) {
    rc = CS_ERR_NOMEM;
    goto done;
  }
  if (r_jwk_generate_key_pair(priv, pub, R_KEY_TYPE_EC, 256, kid) != RHN_OK ||
      r_jwk_set_property_str(priv, "kid", kid) != RHN_OK ||
      r_jwk_set_property_str(priv, "alg", "ES256") != RHN_OK ||
      r_jwk_set_property_str(priv, "use", "sig") != RHN_OK) {
    log_error("jwt: generating an ES256 key failed");
    goto done;
  }
  if (!is_private_signing_key(priv)) {
    log_error("jwt: the generated key is not a valid ES256 key");
    goto done;
  }
  *out = priv;
  priv = NULL;
  rc = CS_OK;
done:
  r_jwk_free(priv);
  r_jwk_free(pub);
  return rc;
}

int jwt_sign(const json_t *private_jwk, const json_t *claims, char **out) {
  jwt_t *jwt = NULL;
  jwk_t *key = NULL;
  json_t *claims_copy = NULL;
  char *token = NULL;
  enum key_kind kind;
  int rc = CS_ERR_INVALID;

  if (out == NULL) return CS_ERR_INVALID;
  *out = NULL;
  if (!json_is_object(claims) || !is_private_signing_key(private_jwk)) goto done;
  kind = jwt_key_kind_of(private_jwk);
  /* Copies: rhonabwy takes non-const pointers, and the caller's key may be shared by threads. */
  key = json_deep_copy(private_jwk);
  claims_copy = json_deep_copy(claims);
  if (key == NULL || claims_copy == NULL || r_jwt_init(&jwt) != RHN_OK) {
    rc = CS_ERR_NOMEM;
    goto done;
  }
  if (r_jwt_set_sign_alg(jwt, kind == KEY_ES256 ? R_JWA_ALG_ES256 : R_JWA_ALG_EDDSA) != RHN_OK ||
      r_jwt_set_header_str_value(jwt, "typ", "JWT") != RHN_OK ||
      r_jwt_set_header_str_value(jwt, "kid", r_jwk_get_property_str(key, "kid")) != RHN_OK ||
      r_jwt_set_full_claims_json_t(jwt, claims_copy) != RHN_OK) {
    rc = CS_ERR;
    goto done;
  }
  token = r_jwt_serialize_signed(jwt, key, R_FLAG_IGNORE_REMOTE);
  if (token == NULL) {
    log_error("jwt: signing failed");
    rc = CS_ERR;
    goto done;
  }
  *out = strdup(token);
  rc = *out != NULL ? CS_OK : CS_ERR_NOMEM;
done:
  r_free(token);
  r_jwt_free(jwt);
  json_decref(claims_copy);
  r_jwk_free(key);
  return rc;
}
