/* The key set cache of jwt_verify: a JWKS fetched with libcurl (through http_client.h) from the
 * policy service, or a fixed set given at start, parsed into the usable public signing keys.
 *
 * Locking: a rwlock guards the current set (readers copy the one key they need under the read
 * lock, so a refresh can free the old set at any time); a mutex lets one thread fetch at a time,
 * and the others re-check after it. */
#include "jwks_cache.h"

#include <curl/curl.h>
#include <pthread.h>
#include <rhonabwy.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http_client.h"
#include "jwt_keys.h"
#include "log.h"
#include "status.h"

#define JWKS_MAX_BYTES (1024L * 1024L)
#define JWKS_CONNECT_TIMEOUT_MS 2000L
#define JWKS_TOTAL_TIMEOUT_MS 5000L
#define JWKS_UNKNOWN_KID_INTERVAL_MS 5000LL /* an unknown kid refetches at most this often */
#define JWKS_FAILURE_RETRY_MS 1000LL        /* after a failed fetch, no new try before this */
#define JWKS_STALE_MAX_MS 3600000LL          /* an expired set serves this long if refetch fails */

#define NEVER (-(1LL << 60))

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
    pub = jwt_public_signing_copy(k);
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
  static const struct httpc_options options = {
      JWKS_CONNECT_TIMEOUT_MS, JWKS_TOTAL_TIMEOUT_MS, JWKS_MAX_BYTES, NULL, NULL, NULL};
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

/* Declared in jwks_cache.h; used by jwt_verify. The key of kid as a new jwk (r_jwk_free).
 * CS_ERR_NOT_FOUND for an unknown kid, CS_ERR_UNAVAILABLE when no usable set could be had. */
int jwks_cache_get_key(struct jwks_cache *c, const char *kid, jwk_t **out) {
  struct lookup l;
  int want_fetch = 0, rc;

  *out = NULL;
  cache_lookup(c, kid, &l);
  if (l.key != NULL && l.fresh) goto found;
  if (c->url == NULL) goto decide; /* a static set is never fetched */
  if (l.key != NULL && l.usable) {
    /* A stale key that still serves is used while another thread refreshes the set: no request
     * waits on a slow key server when it has an answer at hand. */
    if (pthread_mutex_trylock(&c->fetch_lock) != 0) goto found;
  } else {
    pthread_mutex_lock(&c->fetch_lock);
  }
  r_jwk_free(l.key);
  l.key = NULL;

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
