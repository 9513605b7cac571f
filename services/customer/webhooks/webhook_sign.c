/* Standard Webhooks secrets and signatures (see webhook_sign.h), on gnutls. */
#include "webhook_sign.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

/* base64 of n bytes into out (room for 4 * ceil(n / 3) + 1). */
static int base64(const unsigned char *bytes, size_t n, char *out, size_t outlen) {
  gnutls_datum_t in = {(unsigned char *)bytes, (unsigned int)n}, b64 = {NULL, 0};
  if (gnutls_base64_encode2(&in, &b64) < 0) return CS_ERR;
  int rc = b64.size < outlen ? CS_OK : CS_ERR;
  if (rc == CS_OK) {
    memcpy(out, b64.data, b64.size);
    out[b64.size] = '\0';
  }
  gnutls_free(b64.data);
  return rc;
}

int webhook_secret_new(char out[WEBHOOK_SECRET_SIZE]) {
  unsigned char key[32];
  memcpy(out, WEBHOOK_SECRET_PREFIX, 6);
  if (gnutls_rnd(GNUTLS_RND_KEY, key, sizeof(key)) < 0) return CS_ERR;
  int rc = base64(key, sizeof(key), out + 6, WEBHOOK_SECRET_SIZE - 6);
  explicit_bzero(key, sizeof(key));
  return rc;
}

int webhook_sign(const char *secret, const char *msg_id, long long timestamp, const char *body,
                 size_t body_len, char out[WEBHOOK_SIGNATURE_SIZE]) {
  unsigned char mac[32];
  char head[320];
  int rc = CS_ERR_INVALID;
  if (secret == NULL || strncmp(secret, WEBHOOK_SECRET_PREFIX, 6) != 0) return CS_ERR_INVALID;
  gnutls_datum_t b64 = {(unsigned char *)secret + 6, (unsigned int)strlen(secret + 6)};
  gnutls_datum_t key = {NULL, 0};
  if (gnutls_base64_decode2(&b64, &key) < 0 || key.size == 0) goto done;
  /* the signed content: "<id>.<timestamp>." then the body, hashed in pieces (no copy of it) */
  int n = snprintf(head, sizeof(head), "%s.%lld.", msg_id, timestamp);
  if (n < 0 || (size_t)n >= sizeof(head)) goto done;
  gnutls_hmac_hd_t h;
  if (gnutls_hmac_init(&h, GNUTLS_MAC_SHA256, key.data, key.size) < 0) goto done;
  gnutls_hmac(h, head, (size_t)n);
  gnutls_hmac(h, body, body_len);
  gnutls_hmac_deinit(h, mac);
  memcpy(out, "v1,", 3);
  rc = base64(mac, sizeof(mac), out + 3, WEBHOOK_SIGNATURE_SIZE - 3) == CS_OK ? CS_OK : CS_ERR;
done:
  if (key.data != NULL) {
    explicit_bzero(key.data, key.size);
    gnutls_free(key.data);
  }
  return rc;
}
