/* JWT verification (rhonabwy) against a JWKS fetched with libcurl from the policy service and
 * cached. Only asymmetric algorithms are accepted: ES256 and EdDSA.
 * Implemented in three files: jwks_cache.c (the key set cache), jwt.c (verification),
 * jwt_keys.c (signing keys); what they share is in jwt_internal.h, private to them. */
#ifndef CLAIMSUITE_JWT_H
#define CLAIMSUITE_JWT_H

#include <jansson.h>

struct jwks_cache;

/* url: where the key set is served; ttl_s: how long a fetched set is trusted. *out is new.
 * Nothing is fetched here: the first jwt_verify fetches (libcurl, http/https only, 2 s connect,
 * 5 s total, 1 MiB cap, no redirects). A set older than ttl_s is refetched; when that refetch
 * fails the old set keeps serving for up to an hour (logged), failed fetches are retried at most
 * once a second, and only one thread fetches at a time. Returns CS_ERR_INVALID for a url that
 * is not http(s) or ttl_s < 1. Call at start, before other threads use libcurl
 * (curl_global_init). */
int jwks_cache_new(const char *url, long ttl_s, struct jwks_cache **out);
/* A fixed key set (JSON text {"keys":[...]}, borrowed), never fetched: for tests and fixed
 * deployments. Keys that are not public EC P-256 / OKP Ed25519 signing keys with a kid are
 * skipped; CS_ERR_INVALID when the text is not a key set or no usable key remains. *out is new. */
int jwks_cache_new_static(const char *jwks_json, struct jwks_cache **out);
void jwks_cache_free(struct jwks_cache *cache); /* NULL-safe */

/* Verifies a compact JWT: header alg in {ES256, EdDSA}, kid known (an unknown kid refetches the
 * set, at most once per few seconds), signature, exp present and in the future, nbf/iat not in
 * the future (30 s leeway). On success *claims is a new reference to the payload.
 * On failure returns CS_ERR_INVALID (token bad) or CS_ERR_UNAVAILABLE (no key set could be had)
 * and *reason (static string) says why, for the problem detail. Thread-safe: any number of
 * threads may verify against one cache. Trailing spaces/tabs after the token are ignored.
 * Reasons: "malformed token", "algorithm not allowed", "unknown key", "key not usable for
 * algorithm", "signature invalid", "token has no exp claim", "token expired",
 * "token not yet valid", "token issued in the future", "key set unavailable". */
int jwt_verify(struct jwks_cache *cache, const char *token, json_t **claims, const char **reason);

/* The token from "Authorization: Bearer <token>", or NULL. Borrowed from header. The scheme is
 * matched case-insensitively; spaces around the token are skipped (the returned pointer may end
 * in spaces, jwt_verify ignores them). NULL when the credentials are not one token68 value. */
const char *jwt_from_authorization(const char *header);

/* --- Signing keys (the policy service, keygen, test helpers) --- */

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

#endif
