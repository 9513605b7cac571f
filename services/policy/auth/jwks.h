/* The policy service's token signing key and its published key set, GET /v1/auth/jwks. */
#ifndef CLAIMSUITE_POLICY_JWKS_H
#define CLAIMSUITE_POLICY_JWKS_H

#include <rhonabwy.h>

struct service;

/* Reads the private signing JWK from the file at path (SIGNING_KEY_FILE, read by main.c; NULL
 * when not set; make one with claimsuite-keygen), derives its public half, checks that the two
 * match (signs and verifies a probe token), registers GET /v1/auth/jwks (public) on svc, and
 * replaces svc->jwks with a fixed cache of this key set, so the policy service verifies its own
 * tokens without calling itself over HTTP. Call once, after service_init and before service_run.
 * Returns CS_OK, or an error after logging a message that names SIGNING_KEY_FILE. */
int policy_jwks_init(struct service *svc, const char *path);

/* The private signing key (borrowed, valid until policy_jwks_free; NULL before init). Read-only:
 * pass it to jwt_sign, which copies it. Never log it. */
const jwk_t *policy_signing_key(void);

/* The published public key (borrowed, same lifetime). */
const jwk_t *policy_public_key(void);

/* The key set document served at /v1/auth/jwks, {"keys":[public jwk]} (borrowed). */
const char *policy_jwks_document(void);

/* Releases the keys; NULL-safe to call before init or twice. */
void policy_jwks_free(void);

#endif
