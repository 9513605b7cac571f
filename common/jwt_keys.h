/* Signing keys (the policy service, keygen, test helpers) and the rules that judge a JWK for our
 * two algorithms, ES256 and EdDSA. The bottom of the JWT module: it includes no other header of
 * it. jwks_cache.h and jwt.h build on it. */
#ifndef CLAIMSUITE_JWT_KEYS_H
#define CLAIMSUITE_JWT_KEYS_H

#include <jansson.h>
#include <string.h>

/* Longest kid we accept, in a token header (jwt.c) and in a key (jwt_keys.c). */
#define JWT_MAX_KID_LEN 256

/* 1 when j is a JSON string equal to s. j and s borrowed. */
static inline int jwt_str_eq(const json_t *j, const char *s) {
  return json_is_string(j) && strcmp(json_string_value(j), s) == 0;
}

/* Reads a private signing JWK (EC P-256 with d, or OKP Ed25519 with d; kid required) from the
 * file at path (at most 64 KiB). *out is a new reference. CS_ERR_NOT_FOUND when the file cannot
 * be read, CS_ERR_INVALID when it is not such a key. Never logs the key. */
int jwt_private_jwk_load(const char *path, json_t **out);

/* The public half of a signing JWK: only kty, crv, x, y (EC), kid, alg, use are copied, so no
 * private member can leak. private_jwk is borrowed; *out is a new reference. CS_ERR_INVALID
 * when private_jwk is not an EC P-256 or OKP Ed25519 key with a kid. */
int jwt_public_jwk(const json_t *private_jwk, json_t **out);

/* A new ES256 key pair as a private JWK {kty EC, crv P-256, x, y, d, kid, alg ES256, use sig}.
 * kid is borrowed, NULL for a random UUID. *out is a new reference. */
int jwt_generate_es256(const char *kid, json_t **out);

/* Signs claims (borrowed, a JSON object) with private_jwk (borrowed): header {alg (ES256 for
 * EC P-256, EdDSA for Ed25519), typ JWT, kid}. *out is a new compact token (free with free()). */
int jwt_sign(const json_t *private_jwk, const json_t *claims, char **out);

/* --- Judging keys: for the key set cache and verification --- */

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

#endif
