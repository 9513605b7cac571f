/* The animated QR data of a BankID order (bankid_qr.h). */
#include "bankid_qr.h"

#include <gnutls/crypto.h>
#include <stdio.h>
#include <string.h>

#include "status.h"

int orders_bankid_qr(const char *qr_start_token, const char *qr_start_secret, long seconds,
                     char *out, size_t len) {
  unsigned char mac[32];
  char time[24], hex[65];
  if (qr_start_token == NULL || qr_start_secret == NULL || seconds < 0 || out == NULL)
    return CS_ERR_INVALID;
  int n = snprintf(time, sizeof(time), "%ld", seconds);
  if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, qr_start_secret, strlen(qr_start_secret), time, (size_t)n,
                       mac) != 0)
    return CS_ERR;
  for (size_t i = 0; i < sizeof(mac); i++) snprintf(hex + 2 * i, 3, "%02x", mac[i]);
  n = snprintf(out, len, "bankid.%s.%s.%s", qr_start_token, time, hex);
  explicit_bzero(mac, sizeof(mac));
  if (n < 0 || (size_t)n >= len) {
    if (len > 0) out[0] = '\0';
    return CS_ERR_INVALID;
  }
  return CS_OK;
}
