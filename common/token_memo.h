/* A small per-thread memory of tokens that passed jwt_verify, with their claims, so a client
 * that sends the same token again does not pay for the signature check (an ECDSA verification,
 * the largest cost of a cached read) on every request. An entry lives at most
 * TOKEN_MEMO_TTL_S seconds and never past the token's exp. A key withdrawn from the JWKS is
 * refused once the key set is fetched again (JWKS_CACHE_SECONDS, 300 by default), which is
 * longer than an entry lives: the memo does not lengthen how long a withdrawn key is trusted.
 * Used by the HTTP server core for the gateway and every service. */
#ifndef CLAIMSUITE_TOKEN_MEMO_H
#define CLAIMSUITE_TOKEN_MEMO_H

#include <jansson.h>

#define TOKEN_MEMO_SLOTS 64
#define TOKEN_MEMO_TTL_S 30

/* 1 when this thread verified token (the exact string) recently and it has not expired; then
 * *claims (when claims is not NULL) is a new reference to its verified claims (read only). */
int token_memo_hit(const char *token, json_t **claims);
/* Remembers a verified token with its claims (borrowed; a reference is kept); exp gives its
 * end, tokens without exp are skipped. The thread's entries are freed when the thread exits. */
void token_memo_put(const char *token, json_t *claims);

#endif
