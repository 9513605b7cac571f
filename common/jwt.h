/* JWT verification (rhonabwy) against the key set cache. Only asymmetric algorithms are
 * accepted: ES256 and EdDSA. The top of the JWT module, in three layers whose headers form a
 * line: jwt_keys.h (signing keys, judging keys) <- jwks_cache.h (the key set cache) <- jwt.h
 * (verification). jwt.h includes the other two, so a caller needs only this one. */
#ifndef CLAIMSUITE_JWT_H
#define CLAIMSUITE_JWT_H

#include <jansson.h>

#include "jwks_cache.h"
#include "jwt_keys.h"

/* The issuer (iss) of every access token the policy service signs; no other is accepted. */
#define JWT_ISSUER "claimsuite"

/* Verifies a compact JWT: header alg in {ES256, EdDSA}, kid known (an unknown kid refetches the
 * set, at most once per few seconds), signature, exp present and in the future, nbf/iat not in
 * the future (30 s leeway: clocks of the machines apart), iss JWT_ISSUER. On success *claims is a
 * new reference to the payload. On failure returns CS_ERR_INVALID (token bad) or CS_ERR_UNAVAILABLE
 * (no key set could be had) and *reason (static string) says why, for the problem detail.
 * Thread-safe: any number of threads may verify against one cache. Trailing spaces/tabs after the
 * token are ignored. Reasons: "malformed token", "algorithm not allowed", "unknown key", "key not
 * usable for algorithm", "signature invalid", "token has no exp claim", "token expired", "token not
 * yet valid", "token issued in the future", "token not issued by this platform", "key set
 * unavailable". */
int jwt_verify(struct jwks_cache *cache, const char *token, json_t **claims, const char **reason);

/* The token from "Authorization: Bearer <token>", or NULL. Borrowed from header. The scheme is
 * matched case-insensitively; spaces around the token are skipped (the returned pointer may end
 * in spaces, jwt_verify ignores them). NULL when the credentials are not one token68 value. */
const char *jwt_from_authorization(const char *header);

#endif
