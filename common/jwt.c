/* JWT verification against a cached JWKS, and the signing-key helpers of the policy service.
 *
 * Verification decodes the JOSE header itself before rhonabwy sees the token: only ES256 and
 * EdDSA pass, so "none", HS256-with-the-public-key and friends never reach a verifier. The key
 * comes only from our key set, chosen by kid; rhonabwy parses with R_PARSE_NONE and
 * R_FLAG_IGNORE_REMOTE, so no jku/x5u/jwk/x5c of a token is ever fetched or trusted.
 *
 * The key set cache: a rwlock guards the current set (readers copy the one key they need under
 * the read lock, so a refresh can free the old set at any time); a mutex lets one thread fetch
 * at a time, and the others re-check after it. */
#include "jwt.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/abstract.h>
#include <orcania.h>
#include <pthread.h>
#include <rhonabwy.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "http_client.h"
#include "log.h"
#include "status.h"

#define JWT_LEEWAY_S 30
#define JWT_MAX_TOKEN_LEN 16384
#define JWT_SIGNATURE_B64_LEN 86 /* 64 bytes (ES256 r||s, Ed25519) in unpadded base64url */
#define JWT_MAX_KID_LEN 256

#define JWKS_MAX_BYTES (1024L * 1024L)
#define JWKS_CONNECT_TIMEOUT_MS 2000L
#define JWKS_TOTAL_TIMEOUT_MS 5000L
#define JWKS_UNKNOWN_KID_INTERVAL_MS 5000LL /* an unknown kid refetches at most this often */
#define JWKS_FAILURE_RETRY_MS 1000LL        /* after a failed fetch, no new try before this */
#define JWKS_STALE_MAX_MS 3600000LL          /* an expired set serves this long if refetch fails */

#define JWK_FILE_MAX_BYTES 65536

#define NEVER (-(1LL << 60))

static const char R_MALFORMED[] = "malformed token";
static const char R_ALG[] = "algorithm not allowed";
static const char R_UNKNOWN_KEY[] = "unknown key";
static const char R_KEY_MISMATCH[] = "key not usable for algorithm";
static const char R_SIGNATURE[] = "signature invalid";
static const char R_NO_EXP[] = "token has no exp claim";
static const char R_EXPIRED[] = "token expired";
static const char R_NBF[] = "token not yet valid";
static const char R_IAT[] = "token issued in the future";
static const char R_UNAVAILABLE[] = "key set unavailable";
static const char R_NOMEM[] = "out of memory";

struct jwks_cache {
  char *url;                  /* NULL for a static set */
  long ttl_s;
  int curl_initialised;

  pthread_rwlock_t lock;      /* guards set and fetched_ms */
  jwks_t *set;                /* NULL until the first successful fetch */
  long long fetched_ms;       /* monotonic */

  pthread_mutex_t fetch_lock; /* one fetcher at a time; guards the two below */
  long long last_attempt_ms;
  long long last_failure_ms;
};

/* ---------------------------------------------------------------- small helpers */

static long long mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000LL + ts.tv_nsec / 1000000L;
}

static int str_eq(const json_t *j, const char *s) {
  return json_is_string(j) && strcmp(json_string_value(j), s) == 0;
}

static int nonempty_string(const json_t *j) {
  return json_is_string(j) && json_string_length(j) > 0;
}

static int is_b64url_char(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

/* Decodes one unpadded base64url segment holding a JSON object. NULL when it is not one. */
static json_t *b64url_json_object(const char *seg, size_t len) {
  struct _o_datum dat = {0, NULL};
  json_t *obj = NULL;

  if (len == 0 || len % 4 == 1) goto done;
  if (!o_base64url_decode_alloc((const unsigned char *)seg, len, &dat)) goto done;
  obj = json_loadb((const char *)dat.data, dat.size, JSON_REJECT_DUPLICATES, NULL);
  if (!json_is_object(obj)) {
    json_decref(obj);
    obj = NULL;
  }
done:
  o_free(dat.data);
  return obj;
}

enum key_kind { KEY_NONE = 0, KEY_ES256, KEY_EDDSA };

/* Which of our two algorithms a JWK is for, judged by kty and crv. */
static enum key_kind key_kind_of(const json_t *jwk) {
  const json_t *kty = json_object_get(jwk, "kty"), *crv = json_object_get(jwk, "crv");
  if (str_eq(kty, "EC") && str_eq(crv, "P-256")) return KEY_ES256;
  if (str_eq(kty, "OKP") && str_eq(crv, "Ed25519")) return KEY_EDDSA;
  return KEY_NONE;
}

static const char *kind_alg(enum key_kind kind) {
  return kind == KEY_ES256 ? "ES256" : kind == KEY_EDDSA ? "EdDSA" : NULL;
}

/* A copy of jwk's public members (kty, crv, x, y, kid, alg, use) when jwk is an ES256/EdDSA
 * signing key whose members are consistent, else NULL. Private members are never copied. */
static json_t *public_signing_copy(const json_t *jwk) {
  static const char *const members[] = {"kty", "crv", "x", "y", "kid", "alg", "use"};
  enum key_kind kind;
  json_t *copy = NULL, *v;
  gnutls_pubkey_t pub = NULL;
  int type;

  if (!json_is_object(jwk)) return NULL;
  kind = key_kind_of(jwk);
  if (kind == KEY_NONE) return NULL;
  if (!nonempty_string(json_object_get(jwk, "kid")) ||
      json_string_length(json_object_get(jwk, "kid")) > JWT_MAX_KID_LEN)
    return NULL;
  if (!nonempty_string(json_object_get(jwk, "x"))) return NULL;
  if (kind == KEY_ES256 && !nonempty_string(json_object_get(jwk, "y"))) return NULL;
  if (kind == KEY_EDDSA && json_object_get(jwk, "y") != NULL) return NULL;
  v = json_object_get(jwk, "use");
  if (v != NULL && !str_eq(v, "sig")) return NULL;
  v = json_object_get(jwk, "alg");
  if (v != NULL && !str_eq(v, kind_alg(kind))) return NULL;

  copy = json_object();
  if (copy == NULL) return NULL;
  for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
    if (kind == KEY_EDDSA && strcmp(members[i], "y") == 0) continue;
    v = json_object_get(jwk, members[i]);
    if (v != NULL && json_object_set(copy, members[i], v) != 0) goto fail;
  }
  /* rhonabwy must see a public key that gnutls can load: bad coordinates are caught here. */
  if (r_jwk_is_valid(copy) != RHN_OK) goto fail;
  type = r_jwk_key_type(copy, NULL, R_FLAG_IGNORE_REMOTE);
  if (!(type & R_KEY_TYPE_PUBLIC) ||
      !(type & (kind == KEY_ES256 ? R_KEY_TYPE_EC : R_KEY_TYPE_EDDSA)))
    goto fail;
  pub = r_jwk_export_to_gnutls_pubkey(copy, R_FLAG_IGNORE_REMOTE);
  if (pub == NULL) goto fail;
  gnutls_pubkey_deinit(pub);
  return copy;
fail:
  json_decref(copy);
  return NULL;
}

/* Parses a key set document; keeps the usable public signing keys (first of a kid wins).
 * *out is new; *nkeys how many were kept. CS_ERR_INVALID when text is not {"keys":[...]}. */
static int jwks_from_text(const char *text, size_t len, jwks_t **out, size_t *nkeys) {
  json_t *doc = NULL, *keys, *k;
  jwks_t *set = NULL;
  size_t i, kept = 0, skipped = 0;
  int rc = CS_ERR_INVALID;

  *out = NULL;
  *nkeys = 0;
  doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
  keys = json_object_get(doc, "keys");
  if (!json_is_object(doc) || !json_is_array(keys)) goto done;
  if (r_jwks_init(&set) != RHN_OK) {
    rc = CS_ERR_NOMEM;
    goto done;
  }
  json_array_foreach(keys, i, k) {
    json_t *pub;
    jwk_t *dup;
    if (json_is_object(k) && json_object_get(k, "d") != NULL) {
      skipped++; /* a private key has no business in a published set */
      continue;
    }
    pub = public_signing_copy(k);
    if (pub == NULL) {
      skipped++;
      continue;
    }
    dup = r_jwks_get_by_kid(set, json_string_value(json_object_get(pub, "kid"))); /* a copy */
    if (dup != NULL) { /* the first key of a kid wins */
      r_jwk_free(dup);
      json_decref(pub);
      skipped++;
      continue;
    }
    if (r_jwks_append_jwk(set, pub) != RHN_OK) { /* increfs */
      json_decref(pub);
      rc = CS_ERR_NOMEM;
      goto done;
    }
    json_decref(pub);
    kept++;
  }
  if (skipped > 0)
    log_warning("jwks: skipped %zu key(s): not ES256/EdDSA public signing keys", skipped);
  *out = set;
  set = NULL;
  *nkeys = kept;
  rc = CS_OK;
done:
  r_jwks_free(set);
  json_decref(doc);
  return rc;
}

/* ---------------------------------------------------------------- fetching */

/* Fetches and parses the key set at url. *out is new. CS_ERR_UNAVAILABLE on any failure. */
static int jwks_fetch(const char *url, jwks_t **out) {
  static const struct httpc_options options = {JWKS_CONNECT_TIMEOUT_MS, JWKS_TOTAL_TIMEOUT_MS,
                                               JWKS_MAX_BYTES, NULL, NULL};
  struct httpc_body buf = {0};
  char err[128];
  long status = 0;
  size_t nkeys = 0;
  int rc = CS_ERR_UNAVAILABLE;

  *out = NULL;
  /* a fetch is rare (ttl, unknown kid): a handle of its own each time is fine */
  CURL *h = httpc_handle_new(&options);
  if (h == NULL) goto done;
  if (httpc_get(h, &options, url, &status, &buf, err, sizeof(err)) != CS_OK) {
    log_warning("jwks: fetching %s failed: %s", url, err);
    goto done;
  }
  if (status != 200) {
    log_warning("jwks: fetching %s answered HTTP %ld", url, status);
    goto done;
  }
  rc = jwks_from_text(buf.data != NULL ? buf.data : "", buf.len, out, &nkeys);
  if (rc == CS_ERR_NOMEM) goto done;
  if (rc != CS_OK) {
    log_warning("jwks: %s did not answer a JSON key set", url);
    rc = CS_ERR_UNAVAILABLE;
    goto done;
  }
  if (nkeys == 0) {
    log_warning("jwks: %s holds no usable ES256/EdDSA key", url);
    r_jwks_free(*out);
    *out = NULL;
    rc = CS_ERR_UNAVAILABLE;
    goto done;
  }
  log_info("jwks: fetched %zu key(s) from %s", nkeys, url);
done:
  if (h != NULL) curl_easy_cleanup(h);
  free(buf.data);
  return rc;
}

/* ---------------------------------------------------------------- the cache */

static int cache_alloc(struct jwks_cache **out) {
  struct jwks_cache *c = calloc(1, sizeof(*c));
  if (c == NULL) return CS_ERR_NOMEM;
  if (pthread_rwlock_init(&c->lock, NULL) != 0) {
    free(c);
    return CS_ERR;
  }
  if (pthread_mutex_init(&c->fetch_lock, NULL) != 0) {
    pthread_rwlock_destroy(&c->lock);
    free(c);
    return CS_ERR;
  }
  c->fetched_ms = NEVER;
  c->last_attempt_ms = NEVER;
  c->last_failure_ms = NEVER;
  *out = c;
  return CS_OK;
}

int jwks_cache_new(const char *url, long ttl_s, struct jwks_cache **out) {
  struct jwks_cache *c = NULL;
  int rc;

  if (out == NULL) return CS_ERR_INVALID;
  *out = NULL;
  if (url == NULL || ttl_s < 1 ||
      (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)) {
    log_error("jwks: the key set URL must be http(s) and the cache time at least 1 s");
    return CS_ERR_INVALID;
  }
  if ((rc = cache_alloc(&c)) != CS_OK) return rc;
  c->url = strdup(url);
  if (c->url == NULL) {
    jwks_cache_free(c);
    return CS_ERR_NOMEM;
  }
  c->ttl_s = ttl_s;
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    log_error("jwks: curl_global_init failed");
    jwks_cache_free(c);
    return CS_ERR;
  }
  c->curl_initialised = 1;
  *out = c;
  return CS_OK;
}

int jwks_cache_new_static(const char *jwks_json, struct jwks_cache **out) {
  struct jwks_cache *c = NULL;
  jwks_t *set = NULL;
  size_t nkeys = 0;
  int rc;

  if (out == NULL) return CS_ERR_INVALID;
  *out = NULL;
  if (jwks_json == NULL) return CS_ERR_INVALID;
  rc = jwks_from_text(jwks_json, strlen(jwks_json), &set, &nkeys);
  if (rc != CS_OK) goto done;
  if (nkeys == 0) {
    rc = CS_ERR_INVALID;
    goto done;
  }
  if ((rc = cache_alloc(&c)) != CS_OK) goto done;
  c->set = set;
  set = NULL;
  c->fetched_ms = mono_ms();
  *out = c;
done:
  r_jwks_free(set);
  return rc;
}

void jwks_cache_free(struct jwks_cache *cache) {
  if (cache == NULL) return;
  r_jwks_free(cache->set);
  pthread_rwlock_destroy(&cache->lock);
  pthread_mutex_destroy(&cache->fetch_lock);
  if (cache->curl_initialised) curl_global_cleanup();
  free(cache->url);
  free(cache);
}

struct lookup {
  jwk_t *key;    /* a private copy, or NULL when the kid is not in the set */
  int have_set;
  int fresh;     /* younger than ttl (always for a static set) */
  int usable;    /* fresh, or expired but within the stale window */
};

static void cache_lookup(struct jwks_cache *c, const char *kid, struct lookup *l) {
  long long now = mono_ms();
  memset(l, 0, sizeof(*l));
  pthread_rwlock_rdlock(&c->lock);
  if (c->set != NULL) {
    l->have_set = 1;
    l->key = r_jwks_get_by_kid(c->set, kid); /* deep copy, ours */
    if (c->url == NULL) {
      l->fresh = 1;
    } else {
      long long age = now - c->fetched_ms;
      l->fresh = age < (long long)c->ttl_s * 1000LL;
      l->usable = age < (long long)c->ttl_s * 1000LL + JWKS_STALE_MAX_MS;
    }
    if (l->fresh) l->usable = 1;
  }
  pthread_rwlock_unlock(&c->lock);
}

/* The key of kid as a new jwk (r_jwk_free). CS_ERR_NOT_FOUND for an unknown kid,
 * CS_ERR_UNAVAILABLE when no usable set could be had. */
static int cache_get_key(struct jwks_cache *c, const char *kid, jwk_t **out) {
  struct lookup l;
  int want_fetch = 0, rc;

  *out = NULL;
  cache_lookup(c, kid, &l);
  if (l.key != NULL && l.fresh) goto found;
  if (c->url == NULL) goto decide; /* a static set is never fetched */
  r_jwk_free(l.key);
  l.key = NULL;

  pthread_mutex_lock(&c->fetch_lock);
  /* Another thread may have refreshed the set while we waited for the lock. */
  cache_lookup(c, kid, &l);
  if (!(l.key != NULL && l.fresh)) {
    long long now = mono_ms();
    if (!l.have_set || !l.fresh) {
      want_fetch = now - c->last_failure_ms >= JWKS_FAILURE_RETRY_MS;
    } else { /* fresh set, unknown kid: maybe the key was rotated */
      want_fetch = now - c->last_attempt_ms >= JWKS_UNKNOWN_KID_INTERVAL_MS;
    }
    if (want_fetch) {
      jwks_t *set = NULL;
      c->last_attempt_ms = now;
      rc = jwks_fetch(c->url, &set);
      if (rc == CS_OK) {
        jwks_t *old;
        pthread_rwlock_wrlock(&c->lock);
        old = c->set;
        c->set = set;
        c->fetched_ms = mono_ms();
        pthread_rwlock_unlock(&c->lock);
        r_jwks_free(old);
      } else {
        c->last_failure_ms = mono_ms();
        if (l.have_set && l.usable)
          log_warning("jwks: refresh failed, the previous key set keeps serving");
      }
      r_jwk_free(l.key);
      cache_lookup(c, kid, &l);
    }
  }
  pthread_mutex_unlock(&c->fetch_lock);

decide:
  if (!l.have_set || !l.usable) {
    r_jwk_free(l.key);
    return CS_ERR_UNAVAILABLE;
  }
  if (l.key == NULL) return CS_ERR_NOT_FOUND;
found:
  *out = l.key;
  return CS_OK;
}

/* ---------------------------------------------------------------- verification */

static int fail(const char **reason, const char *why, int rc) {
  *reason = why;
  return rc;
}

/* A NumericDate claim: 1 present and numeric (*v set), 0 absent, -1 present but not a number. */
static int numeric_claim(const json_t *claims, const char *name, double *v) {
  const json_t *j = json_object_get(claims, name);
  if (j == NULL) return 0;
  if (!json_is_number(j)) return -1;
  *v = json_number_value(j);
  return 1;
}

int jwt_verify(struct jwks_cache *cache, const char *token, json_t **claims, const char **reason) {
  const char *dot1, *dot2, *alg, *kid;
  size_t len, i;
  json_t *header = NULL, *payload = NULL, *typ;
  jwk_t *key = NULL;
  jwt_t *jwt = NULL;
  enum key_kind want;
  jwa_alg want_alg;
  double exp, nbf, iat, now;
  int rc, has;
  const char *dummy_reason;

  if (reason == NULL) reason = &dummy_reason;
  *reason = NULL;
  if (claims != NULL) *claims = NULL;
  if (cache == NULL || token == NULL || claims == NULL) {
    rc = fail(reason, R_MALFORMED, CS_ERR_INVALID);
    goto done;
  }

  /* 1. Shape: three unpadded base64url segments, bounded length. */
  len = strnlen(token, JWT_MAX_TOKEN_LEN + 1);
  while (len > 0 && (token[len - 1] == ' ' || token[len - 1] == '\t')) len--;
  if (len == 0 || len > JWT_MAX_TOKEN_LEN) {
    rc = fail(reason, R_MALFORMED, CS_ERR_INVALID);
    goto done;
  }
  dot1 = memchr(token, '.', len);
  dot2 = dot1 != NULL ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
  if (dot1 == NULL || dot2 == NULL || dot1 == token || dot2 == dot1 + 1) {
    rc = fail(reason, R_MALFORMED, CS_ERR_INVALID);
    goto done;
  }
  for (i = 0; i < len; i++) {
    if (token + i == dot1 || token + i == dot2) continue;
    if (!is_b64url_char((unsigned char)token[i])) { /* also catches a fourth dot */
      rc = fail(reason, R_MALFORMED, CS_ERR_INVALID);
      goto done;
    }
  }

  /* 2. The header, decoded by us: algorithm and key id before anything else. */
  header = b64url_json_object(token, (size_t)(dot1 - token));
  if (header == NULL) {
    rc = fail(reason, R_MALFORMED, CS_ERR_INVALID);
    goto done;
  }
  alg = json_string_value(json_object_get(header, "alg"));
  if (alg != NULL && strcmp(alg, "ES256") == 0) {
    want = KEY_ES256;
    want_alg = R_JWA_ALG_ES256;
  } else if (alg != NULL && strcmp(alg, "EdDSA") == 0) {
    want = KEY_EDDSA;
    want_alg = R_JWA_ALG_EDDSA;
  } else {
    rc = fail(reason, R_ALG, CS_ERR_INVALID);
    goto done;
  }
  typ = json_object_get(header, "typ");
  if (typ != NULL && !(json_is_string(typ) && strcasecmp(json_string_value(typ), "JWT") == 0)) {
    rc = fail(reason, R_MALFORMED, CS_ERR_INVALID);
    goto done;
  }
  /* Nested tokens, critical extensions and keys carried by the token itself: never ours. */
  if (json_object_get(header, "cty") != NULL || json_object_get(header, "crit") != NULL ||
      json_object_get(header, "jku") != NULL || json_object_get(header, "jwk") != NULL ||
      json_object_get(header, "x5u") != NULL || json_object_get(header, "x5c") != NULL ||
      json_object_get(header, "enc") != NULL || json_object_get(header, "zip") != NULL) {
    rc = fail(reason, R_MALFORMED, CS_ERR_INVALID);
    goto done;
  }
  kid = json_string_value(json_object_get(header, "kid"));
  if (kid == NULL || kid[0] == '\0' || strlen(kid) > JWT_MAX_KID_LEN) {
    rc = fail(reason, R_UNKNOWN_KEY, CS_ERR_INVALID);
    goto done;
  }
  if ((size_t)(token + len - (dot2 + 1)) != JWT_SIGNATURE_B64_LEN) {
    rc = fail(reason, R_SIGNATURE, CS_ERR_INVALID);
    goto done;
  }
  payload = b64url_json_object(dot1 + 1, (size_t)(dot2 - dot1 - 1));
  if (payload == NULL) {
    rc = fail(reason, R_MALFORMED, CS_ERR_INVALID);
    goto done;
  }

  /* 3. The key: only from our set, by kid, of the kind the algorithm needs. */
  rc = cache_get_key(cache, kid, &key);
  if (rc == CS_ERR_NOT_FOUND) {
    rc = fail(reason, R_UNKNOWN_KEY, CS_ERR_INVALID);
    goto done;
  }
  if (rc != CS_OK) {
    rc = fail(reason, R_UNAVAILABLE, CS_ERR_UNAVAILABLE);
    goto done;
  }
  if (key_kind_of(key) != want ||
      (json_object_get(key, "alg") != NULL && !str_eq(json_object_get(key, "alg"), alg))) {
    rc = fail(reason, R_KEY_MISMATCH, CS_ERR_INVALID);
    goto done;
  }

  /* 4. The signature, by rhonabwy, with header keys and remote fetches disabled. */
  if (r_jwt_init(&jwt) != RHN_OK) {
    rc = fail(reason, R_NOMEM, CS_ERR_NOMEM);
    goto done;
  }
  if (r_jwt_advanced_parsen(jwt, token, len, R_PARSE_NONE, R_FLAG_IGNORE_REMOTE) != RHN_OK ||
      r_jwt_get_type(jwt) != R_JWT_TYPE_SIGN) {
    rc = fail(reason, R_MALFORMED, CS_ERR_INVALID);
    goto done;
  }
  if (r_jwt_get_sign_alg(jwt) != want_alg) {
    rc = fail(reason, R_ALG, CS_ERR_INVALID);
    goto done;
  }
  if (r_jwt_verify_signature(jwt, key, R_FLAG_IGNORE_REMOTE) != RHN_OK) {
    rc = fail(reason, R_SIGNATURE, CS_ERR_INVALID);
    goto done;
  }

  /* 5. Time claims. */
  now = (double)time(NULL);
  has = numeric_claim(payload, "exp", &exp);
  if (has == 0) {
    rc = fail(reason, R_NO_EXP, CS_ERR_INVALID);
    goto done;
  }
  if (has < 0) {
    rc = fail(reason, R_MALFORMED, CS_ERR_INVALID);
    goto done;
  }
  if (exp + JWT_LEEWAY_S <= now) {
    rc = fail(reason, R_EXPIRED, CS_ERR_INVALID);
    goto done;
  }
  has = numeric_claim(payload, "nbf", &nbf);
  if (has < 0 || (has > 0 && nbf > now + JWT_LEEWAY_S)) {
    rc = fail(reason, has < 0 ? R_MALFORMED : R_NBF, CS_ERR_INVALID);
    goto done;
  }
  has = numeric_claim(payload, "iat", &iat);
  if (has < 0 || (has > 0 && iat > now + JWT_LEEWAY_S)) {
    rc = fail(reason, has < 0 ? R_MALFORMED : R_IAT, CS_ERR_INVALID);
    goto done;
  }

  /* The payload as we decoded it (duplicate keys refused) is exactly the signed one. */
  *claims = payload;
  payload = NULL;
  rc = CS_OK;
done:
  r_jwt_free(jwt);
  r_jwk_free(key);
  json_decref(payload);
  json_decref(header);
  return rc;
}

const char *jwt_from_authorization(const char *header) {
  const char *tok;
  size_t n;

  if (header == NULL) return NULL;
  while (*header == ' ' || *header == '\t') header++;
  if (strncasecmp(header, "Bearer", 6) != 0) return NULL;
  header += 6;
  if (*header != ' ' && *header != '\t') return NULL;
  while (*header == ' ' || *header == '\t') header++;
  tok = header;
  /* token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
  n = strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/");
  if (n == 0) return NULL;
  header = tok + n;
  while (*header == '=') header++;
  while (*header == ' ' || *header == '\t') header++;
  if (*header != '\0') return NULL;
  return tok;
}

/* ---------------------------------------------------------------- signing keys */

/* 1 when jwk is a private ES256/EdDSA signing key with a kid that gnutls can load. */
static int is_private_signing_key(const json_t *jwk) {
  json_t *pub;
  gnutls_privkey_t priv;
  int type;

  if (!json_is_object(jwk) || !nonempty_string(json_object_get(jwk, "d"))) return 0;
  pub = public_signing_copy(jwk);
  if (pub == NULL) return 0;
  json_decref(pub);
  type = r_jwk_key_type((jwk_t *)jwk, NULL, R_FLAG_IGNORE_REMOTE);
  if (!(type & R_KEY_TYPE_PRIVATE)) return 0;
  priv = r_jwk_export_to_gnutls_privkey((jwk_t *)jwk);
  if (priv == NULL) return 0;
  gnutls_privkey_deinit(priv);
  return 1;
}

int jwt_private_jwk_load(const char *path, json_t **out) {
  int fd = -1, rc = CS_ERR_NOT_FOUND;
  struct stat st;
  char *buf = NULL;
  size_t len = 0;
  ssize_t n;
  json_t *jwk = NULL;

  if (out == NULL) return CS_ERR_INVALID;
  *out = NULL;
  if (path == NULL || path[0] == '\0') goto done;
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fstat(fd, &st) != 0) goto done;
  if (!S_ISREG(st.st_mode) || st.st_size > JWK_FILE_MAX_BYTES) {
    rc = CS_ERR_INVALID;
    goto done;
  }
  buf = malloc(JWK_FILE_MAX_BYTES + 1);
  if (buf == NULL) {
    rc = CS_ERR_NOMEM;
    goto done;
  }
  while (len < JWK_FILE_MAX_BYTES + 1 &&
         (n = read(fd, buf + len, JWK_FILE_MAX_BYTES + 1 - len)) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      goto done;
    }
    len += (size_t)n;
  }
  if (len > JWK_FILE_MAX_BYTES) {
    rc = CS_ERR_INVALID;
    goto done;
  }
  jwk = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
  if (!is_private_signing_key(jwk)) {
    rc = CS_ERR_INVALID;
    goto done;
  }
  *out = jwk;
  jwk = NULL;
  rc = CS_OK;
done:
  if (buf != NULL) {
    explicit_bzero(buf, JWK_FILE_MAX_BYTES + 1);
    free(buf);
  }
  if (fd >= 0) close(fd);
  json_decref(jwk);
  return rc;
}

int jwt_public_jwk(const json_t *private_jwk, json_t **out) {
  if (out == NULL) return CS_ERR_INVALID;
  *out = public_signing_copy(private_jwk);
  return *out != NULL ? CS_OK : CS_ERR_INVALID;
}

int jwt_generate_es256(const char *kid, json_t **out) {
  jwk_t *priv = NULL, *pub = NULL;
  char uuid[37];
  int rc = CS_ERR;

  if (out == NULL) return CS_ERR_INVALID;
  *out = NULL;
  if (kid == NULL) {
    http_uuid_v4(uuid);
    kid = uuid;
  }
  if (r_jwk_init(&priv) != RHN_OK || r_jwk_init(&pub) != RHN_OK) {
    rc = CS_ERR_NOMEM;
    goto done;
  }
  if (r_jwk_generate_key_pair(priv, pub, R_KEY_TYPE_EC, 256, kid) != RHN_OK ||
      r_jwk_set_property_str(priv, "kid", kid) != RHN_OK ||
      r_jwk_set_property_str(priv, "alg", "ES256") != RHN_OK ||
      r_jwk_set_property_str(priv, "use", "sig") != RHN_OK) {
    log_error("jwt: generating an ES256 key failed");
    goto done;
  }
  if (!is_private_signing_key(priv)) {
    log_error("jwt: the generated key is not a valid ES256 key");
    goto done;
  }
  *out = priv;
  priv = NULL;
  rc = CS_OK;
done:
  r_jwk_free(priv);
  r_jwk_free(pub);
  return rc;
}

int jwt_sign(const json_t *private_jwk, const json_t *claims, char **out) {
  jwt_t *jwt = NULL;
  jwk_t *key = NULL;
  json_t *claims_copy = NULL;
  char *token = NULL;
  enum key_kind kind;
  int rc = CS_ERR_INVALID;

  if (out == NULL) return CS_ERR_INVALID;
  *out = NULL;
  if (!json_is_object(claims) || !is_private_signing_key(private_jwk)) goto done;
  kind = key_kind_of(private_jwk);
  /* Copies: rhonabwy takes non-const pointers, and the caller's key may be shared by threads. */
  key = json_deep_copy(private_jwk);
  claims_copy = json_deep_copy(claims);
  if (key == NULL || claims_copy == NULL || r_jwt_init(&jwt) != RHN_OK) {
    rc = CS_ERR_NOMEM;
    goto done;
  }
  if (r_jwt_set_sign_alg(jwt, kind == KEY_ES256 ? R_JWA_ALG_ES256 : R_JWA_ALG_EDDSA) != RHN_OK ||
      r_jwt_set_header_str_value(jwt, "typ", "JWT") != RHN_OK ||
      r_jwt_set_header_str_value(jwt, "kid", r_jwk_get_property_str(key, "kid")) != RHN_OK ||
      r_jwt_set_full_claims_json_t(jwt, claims_copy) != RHN_OK) {
    rc = CS_ERR;
    goto done;
  }
  token = r_jwt_serialize_signed(jwt, key, R_FLAG_IGNORE_REMOTE);
  if (token == NULL) {
    log_error("jwt: signing failed");
    rc = CS_ERR;
    goto done;
  }
  *out = strdup(token);
  rc = *out != NULL ? CS_OK : CS_ERR_NOMEM;
done:
  r_free(token);
  r_jwt_free(jwt);
  json_decref(claims_copy);
  r_jwk_free(key);
  return rc;
}
