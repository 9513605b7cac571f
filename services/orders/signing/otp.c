/* The one-time code of a signature by SMS (otp.h). */
#include "otp.h"

#include <gnutls/crypto.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "status.h"

long orders_otp_from(unsigned long r) {
  /* 4 294 000 000 is the largest multiple of a million below 2^32: the values from it up would
   * give the codes 0..967295 one chance more than the others */
  if ((r & 0xffffffffUL) >= 4294000000UL) return -1;
  return (long)((r & 0xffffffffUL) % 1000000UL);
}

int orders_otp_new(char out[ORDERS_OTP_DIGITS + 1]) {
  for (int tries = 0; tries < 64; tries++) {
    uint32_t r;
    if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r)) return CS_ERR;
    long v = orders_otp_from(r);
    if (v < 0) continue;
    for (int i = ORDERS_OTP_DIGITS - 1; i >= 0; i--, v /= 10) out[i] = (char)('0' + v % 10);
    out[ORDERS_OTP_DIGITS] = '\0';
    return CS_OK;
  }
  return CS_ERR;
}

int orders_otp_well_formed(const char *code) {
  if (code == NULL || strlen(code) != ORDERS_OTP_DIGITS) return 0;
  return strspn(code, "0123456789") == ORDERS_OTP_DIGITS;
}

int orders_otp_hash(const char *signature_id, const char *code, char out[ORDERS_OTP_HASH_LEN + 1]) {
  unsigned char digest[32];
  char salted[96];
  int n = snprintf(salted, sizeof(salted), "%s:%s", signature_id, code);
  int rc = CS_ERR;
  if (n > 0 && (size_t)n < sizeof(salted) &&
      gnutls_hash_fast(GNUTLS_DIG_SHA256, salted, (size_t)n, digest) == 0) {
    for (size_t i = 0; i < sizeof(digest); i++) snprintf(out + 2 * i, 3, "%02x", digest[i]);
    rc = CS_OK;
  }
  explicit_bzero(salted, sizeof(salted));
  return rc;
}

int orders_otp_same(const char *a, const char *b) {
  if (a == NULL || b == NULL) return 0;
  size_t n = strlen(a), m = strlen(b);
  unsigned diff = n != m;
  for (size_t i = 0; i < n && i < m; i++) diff |= (unsigned char)(a[i] ^ b[i]);
  return diff == 0;
}

void orders_otp_mask(const char *mobile, char *out, size_t len) {
  size_t n = mobile != NULL ? strlen(mobile) : 0;
  if (len == 0) return;
  if (n < 6) {
    snprintf(out, len, "***");
    return;
  }
  snprintf(out, len, "%.3s *** ** %s", mobile, mobile + n - 2);
}
