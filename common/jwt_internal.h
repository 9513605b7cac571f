/* What the three files of the JWT module share, and nothing else: not for use outside
 * common/jwt.c (verification), common/jwks_cache.c (the key set cache) and common/jwt_keys.c
 * (signing keys). Everything not declared here stays static in its file. */
#ifndef CLAIMSUITE_JWT_INTERNAL_H
#define CLAIMSUITE_JWT_INTERNAL_H

#include <jansson.h>
#include <rhonabwy.h>
#include <string.h>

#include "jwt.h"

/* Longest kid we accept, in a token header (jwt.c) and in a key (jwt_keys.c). */
#define JWT_MAX_KID_LEN 256

/* 1 when j is a JSON string equal to s. j and s borrowed. */
static inline int jwt_str_eq(const json_t *j, const char *s) {
  return json_is_string(j) && strcmp(json_string_value(j), s) == 0;
}

/* --- owned by jwt_keys.c --- */

/* Our two signing algorithms, as a key is judged for them. */
enum key_kind { KEY_NONE = 0, KEY_ES256, KEY_EDDSA };

/* Which of our two algorithms a JWK is for, judged by kty and crv alone (KEY_NONE for any other
 * key or a non-object). jwk borrowed. Used by jwt_verify to match a key to the header alg. */
enum key_kind jwt_key_kind_of(const json_t *jwk);

/* A copy of jwk's public members (kty, crv, x, y, kid, alg, use) when jwk is an ES256/EdDSA
 * signing key whose members are consistent and that gnutls can load, else NULL. Private members
 * are never copied. jwk borrowed (public or private); returns a new reference. Used by the key
 * set parser (jwks_cache.c) to keep only usable public keys. */
json_t *jwt_public_signing_copy(const json_t *jwk);

/* --- owned by jwks_cache.c --- */

/* The key of kid from the cache as a new jwk: a deep copy taken under the cache's read lock, so
 * a concurrent refresh may free the set at any time; the caller frees it with r_jwk_free.
 * cache and kid borrowed. Fetches or refetches as documented at jwks_cache_new (one fetcher at
 * a time). Returns CS_OK, CS_ERR_NOT_FOUND for an unknown kid, CS_ERR_UNAVAILABLE when no
 * usable set could be had; *out is NULL unless CS_OK. Thread-safe. */
int jwks_cache_get_key(struct jwks_cache *cache, const char *kid, jwk_t **out);

#endif
