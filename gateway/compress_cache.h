/* Compressed forms of answers sent again and again byte for byte (the OpenAPI documents, the API
 * reference page and its script), so they are compressed once rather than per request. An entry
 * is found by the SHA-256 of the uncompressed bytes and the coding: it can only ever stand for
 * the very bytes it was made from, whoever asks. A few entries, at most max_bytes of compressed
 * bytes in all; the least recently used goes first. Thread-safe (one lock; a hit copies the
 * bytes out under it). */
#ifndef CLAIMSUITE_GATEWAY_COMPRESS_CACHE_H
#define CLAIMSUITE_GATEWAY_COMPRESS_CACHE_H

#include <stddef.h>

#define GW_DIGEST_LEN 32 /* SHA-256 */

struct gw_compress_cache;

/* *out is new. CS_OK or CS_ERR_NOMEM. */
int gw_compress_cache_new(size_t max_bytes, struct gw_compress_cache **out);
void gw_compress_cache_free(struct gw_compress_cache *c); /* NULL-safe */

/* The SHA-256 of data into digest. CS_OK or CS_ERR. */
int gw_compress_digest(const void *data, size_t len, unsigned char digest[GW_DIGEST_LEN]);

/* A new copy (free()) of the bytes kept for digest in coding, their length in *len; NULL when
 * none are kept (or out of memory). */
unsigned char *gw_compress_cache_get(struct gw_compress_cache *c,
                                     const unsigned char digest[GW_DIGEST_LEN], int coding,
                                     size_t *len);
/* Keeps a copy of data (len bytes) for digest in coding, unless it is over a quarter of the
 * cache. */
void gw_compress_cache_put(struct gw_compress_cache *c, const unsigned char digest[GW_DIGEST_LEN],
                           int coding, const void *data, size_t len);

#endif
