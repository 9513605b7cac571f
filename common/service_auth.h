/* What services prove to each other. The services of one deployment share a secret
 * (SERVICE_SECRET or SERVICE_SECRET_FILE, at least 32 bytes); two keys are derived from it, so
 * that a signature of one kind is never valid as the other:
 * - service tokens, on every call of another service's /internal/ routes: compact JWTs (HS256) with
 *   iss SERVICE_TOKEN_ISSUER, sub the calling service, aud the called one, iat, and exp
 *   SERVICE_TOKEN_TTL_S later. The called service accepts only its own name as aud;
 * - signatures of the events the relay publishes on Redis (HMAC-SHA256 of the message), so a
 *   message nobody signed is never applied, whoever could PUBLISH it.
 * Access tokens (ES256/EdDSA, jwt.h) and service tokens (HS256) are never valid as each other.
 * Thread-safe: one struct serves every thread. */
#ifndef CLAIMSUITE_SERVICE_AUTH_H
#define CLAIMSUITE_SERVICE_AUTH_H

#include <stddef.h>

#define SERVICE_SECRET_MIN 32 /* bytes */
#define SERVICE_SECRET_MAX 1024
#define SERVICE_TOKEN_ISSUER "claimsuite-services"
#define SERVICE_TOKEN_TTL_S 60
#define SERVICE_TOKEN_LEEWAY_S 30 /* clocks of the machines apart */
#define SERVICE_NAME_MAX 64
/* "Bearer " and a token: what service_auth_bearer writes fits in this. */
#define SERVICE_BEARER_MAX 512
/* A signature as it travels: unpadded base64url of 32 bytes. */
#define SERVICE_SIGNATURE_LEN 43

struct service_auth;

/* The keys of secret (len bytes, SERVICE_SECRET_MIN to _MAX) for the service named self.
 * *out is new (service_auth_free). CS_OK, CS_ERR_INVALID (length, name) or CS_ERR_NOMEM. */
int service_auth_new(const char *self, const void *secret, size_t len, struct service_auth **out);
void service_auth_free(struct service_auth *a); /* NULL-safe */

/* "Bearer <token>" for a call of audience, valid SERVICE_TOKEN_TTL_S from now. CS_OK or CS_ERR
 * (out too small, audience too long). */
int service_auth_bearer(const struct service_auth *a, const char *audience, char *out, size_t cap);

/* Checks an Authorization header value (may be NULL) for a service token addressed to this
 * service. CS_OK and the caller's name in caller (SERVICE_NAME_MAX bytes, may be NULL), or
 * CS_ERR_INVALID and *reason (a static string) says why. */
int service_auth_check(const struct service_auth *a, const char *authorization, char *caller,
                       const char **reason);

/* The signature of message (len bytes): SERVICE_SIGNATURE_LEN characters and a NUL in sig.
 * CS_OK or CS_ERR. */
int service_auth_sign(const struct service_auth *a, const char *message, size_t len,
                      char sig[SERVICE_SIGNATURE_LEN + 1]);
/* 1 when sig (NUL-terminated) is message's signature, compared in constant time; else 0. */
int service_auth_signed(const struct service_auth *a, const char *message, size_t len,
                        const char *sig);

#endif
