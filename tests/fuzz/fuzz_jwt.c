/* Fuzzes access token verification (common/jwt.c, jwt_keys.c, jwks_cache.c) against a fixed key
 * set of one ES256 and one Ed25519 key. Four ways in, by byte 0 (bits 0-1):
 *   0  the rest is a token as it arrives in a request
 *   1  the rest is "<JOSE header JSON>\n<claims JSON>": encoded and signed here with the key
 *      byte 0 bit 2 picks, so the fuzzer gets past the signature to the header and claims checks
 *   2  the rest is a key set document (JWKS) for the static cache, then asked for a token
 *   3  the rest is an Authorization header value (jwt_from_authorization)
 * A token that verifies must satisfy every rule jwt.h promises: our algorithms, the key of its
 * kid, exp in the future, iss ours, claims exactly the signed payload. */
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <jansson.h>
#include <orcania.h>
#include <rhonabwy.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "jwt.h"
#include "status.h"
#include "fuzz_text.h"

static const char ES256_JWK[] =
    "{\"kty\":\"EC\",\"x\":\"76hsIkmliJMxbkrEfXw5DnCO6Sa60LuUgRahVztLvH0\","
    "\"y\":\"1Xb_nQqhiLUfyKtmsifGSnPWaMTQl8g3c0-uQcvfFQY\","
    "\"d\":\"7xAPDwzG6mydume698ITAf3tPcFlOO3VdAEWZwO0Vf8\",\"crv\":\"P-256\",\"kid\":\"fuzz-"
    "es256\"}";
static const char ED25519_JWK[] =
    "{\"kty\":\"OKP\",\"x\":\"y6c98NlDzdB5yi7Zm6IU9Y_UrnWKRnk3cPSQ3803__I\","
    "\"d\":\"XbnIPsMYObgfQ7dS7Cjydex0j2V54-DJq9k6Kz_Y-vI\",\"crv\":\"Ed25519\","
    "\"kid\":\"fuzz-ed25519\"}";

struct signer {
  gnutls_privkey_t key;
  gnutls_sign_algorithm_t alg;
  const char *kid;
};

static struct jwks_cache *cache;
static struct signer signers[2];
static char *good_token; /* one ES256 token that verifies against the fixed set */

static void load_signer(const char *jwk_text, gnutls_sign_algorithm_t alg, struct signer *s,
                        json_t *keys) {
  json_t *priv = json_loads(jwk_text, 0, NULL), *pub = NULL;
  jwk_t *jwk = NULL;
  if (priv == NULL || jwt_public_jwk(priv, &pub) != CS_OK) abort();
  json_array_append_new(keys, pub);
  if (r_jwk_init(&jwk) != RHN_OK || r_jwk_import_from_json_t(jwk, priv) != RHN_OK) abort();
  if ((s->key = r_jwk_export_to_gnutls_privkey(jwk)) == NULL) abort();
  s->alg = alg;
  s->kid = alg == GNUTLS_SIGN_EDDSA_ED25519 ? "fuzz-ed25519" : "fuzz-es256";
  r_jwk_free(jwk);
  json_decref(priv);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  json_t *set = json_pack("{s:[]}", "keys");
  load_signer(ES256_JWK, GNUTLS_SIGN_ECDSA_SHA256, &signers[0], json_object_get(set, "keys"));
  load_signer(ED25519_JWK, GNUTLS_SIGN_EDDSA_ED25519, &signers[1], json_object_get(set, "keys"));
  char *text = json_dumps(set, 0);
  if (jwks_cache_new_static(text, &cache) != CS_OK) abort();
  free(text);
  json_decref(set);
  json_t *priv = json_loads(ES256_JWK, 0, NULL);
  json_t *claims = json_pack("{s:s, s:s, s:I}", "iss", JWT_ISSUER, "sub", "fuzz", "exp",
                             (json_int_t)time(NULL) + 86400 * 365);
  if (jwt_sign(priv, claims, &good_token) != CS_OK) abort();
  json_decref(priv);
  json_decref(claims);
  return 0;
}

/* Unpadded base64url of n bytes: a new string. */
static char *b64url(const void *p, size_t n) {
  unsigned char *out = malloc(n * 4 / 3 + 8);
  size_t len = 0;
  if (!o_base64url_encode(p, n, out, &len)) len = 0;
  out[len] = '\0';
  return (char *)out;
}

/* A fixed-size big-endian integer of a DER signature's r or s, left-padded to 32 bytes. */
static int fixed32(const gnutls_datum_t *v, unsigned char out[32]) {
  size_t n = v->size, skip = 0;
  while (n - skip > 32 && v->data[skip] == 0) skip++;
  if (n - skip > 32) return 0;
  memset(out, 0, 32);
  memcpy(out + 32 - (n - skip), v->data + skip, n - skip);
  return 1;
}

/* header.payload signed by s: a new compact token. */
static char *sign(const struct signer *s, const char *header, size_t hlen, const char *claims,
                  size_t clen) {
  char *h = b64url(header, hlen), *c = b64url(claims, clen), *sig = NULL, *token = NULL;
  size_t input_len = strlen(h) + 1 + strlen(c);
  char *input = malloc(input_len + 1);
  snprintf(input, input_len + 1, "%s.%s", h, c);
  gnutls_datum_t data = {(unsigned char *)input, (unsigned)input_len}, der = {NULL, 0};
  gnutls_datum_t r = {NULL, 0}, sv = {NULL, 0};
  unsigned char raw[64];
  unsigned flags = s->alg == GNUTLS_SIGN_EDDSA_ED25519 ? 0 : GNUTLS_PRIVKEY_FLAG_REPRODUCIBLE;
  if (gnutls_privkey_sign_data2(s->key, s->alg, flags, &data, &der) < 0) abort();
  if (s->alg == GNUTLS_SIGN_EDDSA_ED25519) {
    if (der.size != 64) abort();
    memcpy(raw, der.data, 64);
  } else if (gnutls_decode_rs_value(&der, &r, &sv) < 0 || !fixed32(&r, raw) ||
             !fixed32(&sv, raw + 32)) {
    abort();
  }
  sig = b64url(raw, 64);
  token = malloc(input_len + 1 + strlen(sig) + 1);
  sprintf(token, "%s.%s", input, sig);
  gnutls_free(der.data);
  gnutls_free(r.data);
  gnutls_free(sv.data);
  free(h);
  free(c);
  free(input);
  free(sig);
  return token;
}

/* What jwt.h promises of a token that verified with claims. */
static void check_accepted(const char *token, const json_t *claims) {
  const char *dot = strchr(token, '.');
  size_t hlen = (size_t)(dot - token);
  struct _o_datum raw = {0, NULL};
  if (dot == NULL || !o_base64url_decode_alloc((const unsigned char *)token, hlen, &raw)) abort();
  json_t *header = json_loadb((const char *)raw.data, raw.size, JSON_REJECT_DUPLICATES, NULL);
  const char *alg = json_string_value(json_object_get(header, "alg"));
  const char *kid = json_string_value(json_object_get(header, "kid"));
  if (alg == NULL || kid == NULL) abort();
  if (!(strcmp(alg, "ES256") == 0 && strcmp(kid, "fuzz-es256") == 0) &&
      !(strcmp(alg, "EdDSA") == 0 && strcmp(kid, "fuzz-ed25519") == 0))
    abort();
  const char *forbidden[] = {"crit", "jku", "jwk", "x5u", "x5c", "cty", "enc", "zip"};
  for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++)
    if (json_object_get(header, forbidden[i]) != NULL) abort();
  const json_t *exp = json_object_get(claims, "exp");
  if (!json_is_object(claims) || !json_is_number(exp) ||
      json_number_value(exp) + 30 <= (double)time(NULL) ||
      !jwt_str_eq(json_object_get(claims, "iss"), JWT_ISSUER))
    abort();
  json_decref(header);
  o_free(raw.data);
}

static void verify(const char *token) {
  json_t *claims = NULL;
  const char *reason = NULL;
  int rc = jwt_verify(cache, token, &claims, &reason);
  if (rc == CS_OK) {
    if (claims == NULL) abort();
    check_accepted(token, claims);
  } else if (claims != NULL || reason == NULL || rc != CS_ERR_INVALID) {
    abort(); /* a fixed set is never unavailable */
  }
  json_decref(claims);
}

static void signed_token(const char *text, size_t n, int which) {
  const char *nl = memchr(text, '\n', n);
  if (nl == NULL) return;
  char *token =
      sign(&signers[which], text, (size_t)(nl - text), nl + 1, n - (size_t)(nl - text) - 1);
  json_t *claims = NULL;
  const char *reason = NULL;
  int rc = jwt_verify(cache, token, &claims, &reason);
  if (rc != CS_OK && (rc != CS_ERR_INVALID || reason == NULL || claims != NULL)) abort();
  if (rc == CS_OK) {
    json_t *payload = json_loadb(nl + 1, n - (size_t)(nl - text) - 1, JSON_REJECT_DUPLICATES, NULL);
    if (!json_equal(payload, claims)) abort(); /* exactly what was signed */
    check_accepted(token, claims);
    json_decref(payload);
  }
  json_decref(claims);
  free(token);
}

static void key_set(const char *text) {
  struct jwks_cache *c = NULL;
  json_t *claims = NULL;
  const char *reason = NULL;
  if (jwks_cache_new_static(text, &c) != CS_OK) return;
  int rc = jwt_verify(c, good_token, &claims, &reason);
  if (rc != CS_OK && rc != CS_ERR_INVALID) abort();
  if (rc == CS_OK) check_accepted(good_token, claims);
  json_decref(claims);
  jwks_cache_free(c);
}

static void authorization(const char *header) {
  const char *token = jwt_from_authorization(header);
  if (token == NULL) return;
  if (token < header || token >= header + strlen(header)) abort();
  verify(token);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 20000) return 0;
  char *text = fuzz_text_after_selector(data, size);
  switch (data[0] & 3) {
    case 0: verify(text); break;
    case 1: signed_token(text, size - 1, (data[0] >> 2) & 1); break;
    case 2: key_set(text); break;
    case 3: authorization(text); break;
  }
  free(text);
  return 0;
}
