/* Service tokens and event signatures (service_auth.h), on GnuTLS's HMAC-SHA256. */
#include "service_auth.h"

#include <gnutls/crypto.h>
#include <jansson.h>
#include <orcania.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "status.h"

#define MAC_LEN 32
/* {"alg":"HS256","typ":"JWT"}: the only header a service token has */
#define TOKEN_HEADER "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"

struct service_auth {
  char self[SERVICE_NAME_MAX];
  unsigned char token_key[MAC_LEN];
  unsigned char signing_key[MAC_LEN];
};

static const char R_MISSING[] = "a service token is required";
static const char R_MALFORMED[] = "malformed service token";
static const char R_SIGNATURE[] = "service token signature invalid";
static const char R_AUDIENCE[] = "service token is for another service";
static const char R_EXPIRED[] = "service token expired";
static const char R_TIME[] = "service token times not acceptable";

/* Service names travel unescaped in tokens: lower-case letters, digits, '_' and '-'. */
static int name_ok(const char *s) {
  size_t n = s != NULL ? strlen(s) : 0;
  if (n == 0 || n >= SERVICE_NAME_MAX) return 0;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
          s[i] == '-'))
      return 0;
  return 1;
}

static int hmac(const unsigned char *key, size_t keylen, const void *msg, size_t len,
                unsigned char out[MAC_LEN]) {
  return gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, keylen, msg, len, out) == 0 ? CS_OK : CS_ERR;
}

/* out: SERVICE_SIGNATURE_LEN + 1 bytes */
static void mac_text(const unsigned char mac[MAC_LEN], char *out) {
  size_t n = 0;
  o_base64url_encode(mac, MAC_LEN, (unsigned char *)out, &n);
  out[n < SERVICE_SIGNATURE_LEN ? n : SERVICE_SIGNATURE_LEN] = '\0';
}

static int same_text(const char *a, const char *b, size_t n) {
  unsigned char d = 0;
  for (size_t i = 0; i < n; i++) d |= (unsigned char)(a[i] ^ b[i]);
  return d == 0;
}

int service_auth_new(const char *self, const void *secret, size_t len, struct service_auth **out) {
  *out = NULL;
  if (!name_ok(self) || secret == NULL || len < SERVICE_SECRET_MIN || len > SERVICE_SECRET_MAX)
    return CS_ERR_INVALID;
  struct service_auth *a = calloc(1, sizeof(*a));
  if (a == NULL) return CS_ERR_NOMEM;
  snprintf(a->self, sizeof(a->self), "%s", self);
  static const char token_use[] = "claimsuite service token v1";
  static const char signing_use[] = "claimsuite event signature v1";
  if (hmac(secret, len, token_use, strlen(token_use), a->token_key) != CS_OK ||
      hmac(secret, len, signing_use, strlen(signing_use), a->signing_key) != CS_OK) {
    free(a);
    return CS_ERR;
  }
  *out = a;
  return CS_OK;
}

void service_auth_free(struct service_auth *a) {
  if (a == NULL) return;
  memset(a, 0, sizeof(*a));
  free(a);
}

int service_auth_bearer(const struct service_auth *a, const char *audience, char *out, size_t cap) {
  char payload[256], payload64[352], signed_part[400];
  unsigned char mac[MAC_LEN];
  char sig[SERVICE_SIGNATURE_LEN + 1];
  size_t n = 0;
  long long now = (long long)time(NULL);
  if (!name_ok(audience)) return CS_ERR;
  int len = snprintf(payload, sizeof(payload),
                     "{\"iss\":\"" SERVICE_TOKEN_ISSUER
                     "\",\"sub\":\"%s\",\"aud\":\"%s\","
                     "\"iat\":%lld,\"exp\":%lld}",
                     a->self, audience, now, now + SERVICE_TOKEN_TTL_S);
  if (len < 0 || (size_t)len >= sizeof(payload)) return CS_ERR;
  if (!o_base64url_encode((const unsigned char *)payload, (size_t)len, (unsigned char *)payload64,
                          &n))
    return CS_ERR;
  payload64[n] = '\0';
  len = snprintf(signed_part, sizeof(signed_part), TOKEN_HEADER ".%s", payload64);
  if (len < 0 || (size_t)len >= sizeof(signed_part)) return CS_ERR;
  if (hmac(a->token_key, MAC_LEN, signed_part, (size_t)len, mac) != CS_OK) return CS_ERR;
  mac_text(mac, sig);
  len = snprintf(out, cap, "Bearer %s.%s", signed_part, sig);
  return len > 0 && (size_t)len < cap ? CS_OK : CS_ERR;
}

static int fail(const char **reason, const char *why) {
  if (reason != NULL) *reason = why;
  return CS_ERR_INVALID;
}

/* The payload's claims, checked: iss, aud (this service), sub (a service name), iat and exp
 * (now within them, leeway aside; never longer-lived than a token we would mint). */
static int check_claims(const struct service_auth *a, const json_t *c, char *caller,
                        const char **reason) {
  const char *iss = json_string_value(json_object_get(c, "iss"));
  const char *aud = json_string_value(json_object_get(c, "aud"));
  const char *sub = json_string_value(json_object_get(c, "sub"));
  json_t *iat = json_object_get(c, "iat"), *exp = json_object_get(c, "exp");
  long long now = (long long)time(NULL);
  if (iss == NULL || strcmp(iss, SERVICE_TOKEN_ISSUER) != 0 || !name_ok(sub) ||
      !json_is_integer(iat) || !json_is_integer(exp))
    return fail(reason, R_MALFORMED);
  if (aud == NULL || strcmp(aud, a->self) != 0) return fail(reason, R_AUDIENCE);
  if (json_integer_value(exp) + SERVICE_TOKEN_LEEWAY_S <= now) return fail(reason, R_EXPIRED);
  if (json_integer_value(iat) > now + SERVICE_TOKEN_LEEWAY_S ||
      json_integer_value(exp) - json_integer_value(iat) > SERVICE_TOKEN_TTL_S)
    return fail(reason, R_TIME);
  if (caller != NULL) snprintf(caller, SERVICE_NAME_MAX, "%s", sub);
  return CS_OK;
}

int service_auth_check(const struct service_auth *a, const char *authorization, char *caller,
                       const char **reason) {
  unsigned char mac[MAC_LEN], payload[300];
  char expected[SERVICE_SIGNATURE_LEN + 1];
  size_t n = 0;
  if (authorization == NULL || strncasecmp(authorization, "Bearer ", 7) != 0)
    return fail(reason, R_MISSING);
  const char *token = authorization + 7;
  while (*token == ' ') token++;
  size_t hlen = strlen(TOKEN_HEADER), len = strlen(token);
  while (len > 0 && (token[len - 1] == ' ' || token[len - 1] == '\t')) len--;
  const char *dot2 = len > hlen + 1 ? memchr(token + hlen + 1, '.', len - hlen - 1) : NULL;
  if (len > SERVICE_BEARER_MAX || strncmp(token, TOKEN_HEADER ".", hlen + 1) != 0 || dot2 == NULL ||
      (size_t)(token + len - dot2 - 1) != SERVICE_SIGNATURE_LEN)
    return fail(reason, R_MALFORMED);
  if (hmac(a->token_key, MAC_LEN, token, (size_t)(dot2 - token), mac) != CS_OK)
    return fail(reason, R_SIGNATURE);
  mac_text(mac, expected);
  if (!same_text(expected, dot2 + 1, SERVICE_SIGNATURE_LEN)) return fail(reason, R_SIGNATURE);
  const char *p64 = token + hlen + 1;
  size_t p64_len = (size_t)(dot2 - p64);
  if (p64_len == 0 || p64_len > (sizeof(payload) - 1) * 4 / 3 ||
      !o_base64url_decode((const unsigned char *)p64, p64_len, payload, &n))
    return fail(reason, R_MALFORMED);
  json_t *claims = json_loadb((const char *)payload, n, JSON_REJECT_DUPLICATES, NULL);
  int rc = claims != NULL ? check_claims(a, claims, caller, reason) : fail(reason, R_MALFORMED);
  json_decref(claims);
  return rc;
}

int service_auth_sign(const struct service_auth *a, const char *message, size_t len,
                      char sig[SERVICE_SIGNATURE_LEN + 1]) {
  unsigned char mac[MAC_LEN];
  sig[0] = '\0';
  if (hmac(a->signing_key, MAC_LEN, message, len, mac) != CS_OK) return CS_ERR;
  mac_text(mac, sig);
  return CS_OK;
}

int service_auth_signed(const struct service_auth *a, const char *message, size_t len,
                        const char *sig) {
  char expected[SERVICE_SIGNATURE_LEN + 1];
  if (sig == NULL || strlen(sig) != SERVICE_SIGNATURE_LEN) return 0;
  if (service_auth_sign(a, message, len, expected) != CS_OK) return 0;
  return same_text(expected, sig, SERVICE_SIGNATURE_LEN);
}
