/* Capability links' secrets: a random token handed out once (an outside partner's RFQ link, a
 * customer's access link) and the digest that is stored in its place, so that a copy of the
 * database opens nothing. Pure: no HTTP, no database. */
#ifndef CLAIMSUITE_SECRET_TOKEN_H
#define CLAIMSUITE_SECRET_TOKEN_H

#include <stddef.h>

/* A token's text: 32 random bytes as unpadded base64url, 43 characters. */
#define SECRET_TOKEN_LEN 43
/* A digest's text: SHA-256 as lower-case hex, 64 characters. */
#define SECRET_TOKEN_DIGEST_LEN 64

/* A new random token into out (SECRET_TOKEN_LEN + 1 bytes). CS_OK or CS_ERR. */
int secret_token_new(char out[SECRET_TOKEN_LEN + 1]);
/* 1 when s has the shape of a token (SECRET_TOKEN_LEN base64url characters). NULL-safe. */
int secret_token_well_formed(const char *s);
/* The SHA-256 of token as hex into out (SECRET_TOKEN_DIGEST_LEN + 1 bytes). CS_OK or CS_ERR. */
int secret_token_digest(const char *token, char out[SECRET_TOKEN_DIGEST_LEN + 1]);

#endif
