/* Capability links' secrets (see secret_token.h). */
#include "secret_token.h"

#include <gnutls/crypto.h>
#include <string.h>
#include <sys/random.h>

#include "status.h"

#define TOKEN_BYTES 32

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int secret_token_new(char out[SECRET_TOKEN_LEN + 1]) {
  unsigned char raw[TOKEN_BYTES + 1] = {0}; /* one byte of padding for the last group */
  size_t o = 0;
  if (getrandom(raw, TOKEN_BYTES, 0) != TOKEN_BYTES) return CS_ERR;
  for (size_t i = 0; i < TOKEN_BYTES; i += 3) {
    unsigned v =
        (unsigned)raw[i] << 16 | (unsigned)raw[i + 1] << 8 | (i + 2 < TOKEN_BYTES ? raw[i + 2] : 0);
    for (int k = 18; k >= 0 && o < SECRET_TOKEN_LEN; k -= 6) out[o++] = b64url[(v >> k) & 63];
  }
  out[o] = '\0';
  explicit_bzero(raw, sizeof(raw));
  return o == SECRET_TOKEN_LEN ? CS_OK : CS_ERR;
}

int secret_token_well_formed(const char *s) {
  if (s == NULL || strlen(s) != SECRET_TOKEN_LEN) return 0;
  for (size_t i = 0; i < SECRET_TOKEN_LEN; i++)
    if (strchr(b64url, s[i]) == NULL || s[i] == '\0') return 0;
  return 1;
}

int secret_token_digest(const char *token, char out[SECRET_TOKEN_DIGEST_LEN + 1]) {
  unsigned char d[32];
  static const char hex[] = "0123456789abcdef";
  if (token == NULL || gnutls_hash_fast(GNUTLS_DIG_SHA256, token, strlen(token), d) < 0)
    return CS_ERR;
  for (size_t i = 0; i < sizeof(d); i++) {
    out[2 * i] = hex[d[i] >> 4];
    out[2 * i + 1] = hex[d[i] & 15];
  }
  out[SECRET_TOKEN_DIGEST_LEN] = '\0';
  return CS_OK;
}
