/* Entity tags for conditional GETs (RFC 9110 8.8.3 and 13.1.2): a strong tag made from an
 * answer's bytes, and the If-None-Match test. Pure; unit-tested in tests/unit/test_etag.c. */
#ifndef CLAIMSUITE_ETAG_H
#define CLAIMSUITE_ETAG_H

#include <stddef.h>

#define ETAG_OF_BODY_LEN 18 /* '"', 16 hex digits, '"' */

/* The strong tag of body (len bytes): a 64-bit hash of its bytes (FNV-1a's step over 64-bit
 * words, ~7 GB/s) in hex, quoted. Equal bodies give equal tags; a collision would only make
 * a client keep a stale copy. Not for adversaries: nobody gains from colliding with their own
 * answers, which are all a tag is compared with. */
void etag_of_body(const void *body, size_t len, char out[ETAG_OF_BODY_LEN + 1]);

/* 1 when the If-None-Match value if_none_match (may be NULL) names etag: "*", or a tag of its
 * comma-separated list equal to etag under the weak comparison (a W/ prefix on either side is
 * ignored, the quoted text must be the same). A malformed list matches only up to where it
 * breaks. 0 otherwise. */
int etag_none_match(const char *if_none_match, const char *etag);

#endif
