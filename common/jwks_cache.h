/* The key set cache that tokens are verified against: a JWKS fetched with libcurl from the
 * policy service (or a fixed set), parsed into the usable public signing keys of jwt_keys.h.
 * Builds on jwt_keys.h only; jwt.h builds on it. */
#ifndef CLAIMSUITE_JWKS_CACHE_H
#define CLAIMSUITE_JWKS_CACHE_H

#include <rhonabwy.h>

struct jwks_cache;

/* url: where the key set is served; ttl_s: how long a fetched set is trusted. *out is new.
 * Nothing is fetched here: the first jwt_verify fetches (libcurl, http/https only, 2 s connect,
 * 5 s total, 1 MiB cap, no redirects). A set older than ttl_s is refetched; when that refetch
 * fails the old set keeps serving for up to an hour (logged), failed fetches are retried at most
 * once a second, and only one thread fetches at a time. Returns CS_ERR_INVALID for a url that
 * is not http(s) or ttl_s < 1. Call at start, before other threads use libcurl
 * (curl_global_init). */
int jwks_cache_new(const char *url, long ttl_s, struct jwks_cache **out);
/* A fixed key set (JSON text {"keys":[...]}, borrowed), never fetched: for tests and fixed
 * deployments. Keys that are not public EC P-256 / OKP Ed25519 signing keys with a kid are
 * skipped; CS_ERR_INVALID when the text is not a key set or no usable key remains. *out is new. */
int jwks_cache_new_static(const char *jwks_json, struct jwks_cache **out);
void jwks_cache_free(struct jwks_cache *cache); /* NULL-safe */

/* For jwt_verify. The key of kid as a new jwk: a deep copy taken under the cache's read lock,
 * so a concurrent refresh may free the set at any time; the caller frees it with r_jwk_free.
 * cache and kid borrowed. Fetches or refetches as documented at jwks_cache_new (one fetcher at
 * a time). Returns CS_OK, CS_ERR_NOT_FOUND for an unknown kid, CS_ERR_UNAVAILABLE when no
 * usable set could be had; *out is NULL unless CS_OK. Thread-safe. */
int jwks_cache_get_key(struct jwks_cache *cache, const char *kid, jwk_t **out);

#endif
