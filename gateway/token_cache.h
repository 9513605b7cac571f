/* A small per-thread memory of tokens that passed jwt_verify, so a client that sends the same
 * token again does not pay for the signature check on every request. An entry lives at most
 * GW_TOKEN_CACHE_TTL_S seconds and never past the token's exp. Services behind the gateway
 * verify every token themselves, so a key withdrawn from the JWKS is refused there at once. */
#ifndef CLAIMSUITE_GATEWAY_TOKEN_CACHE_H
#define CLAIMSUITE_GATEWAY_TOKEN_CACHE_H

#include <jansson.h>

#define GW_TOKEN_CACHE_SLOTS 64
#define GW_TOKEN_CACHE_TTL_S 30

/* 1 when this thread verified token (the exact string) recently and it has not expired. */
int gw_token_cache_hit(const char *token);
/* Remembers a verified token; claims (borrowed) gives its exp. Tokens without exp are skipped.
 * The thread's entries are freed when the thread exits. */
void gw_token_cache_put(const char *token, const json_t *claims);

#endif
