/* Compression of the gateway's answers (gzip through zlib, br through libbrotlienc), the last
 * step before an answer leaves: for a client that accepts it (compress_choice.h), a body held in
 * memory of at least COMPRESS_MIN_BYTES (and at most 8 MiB), of a type not compressed already, not
 * encoded already (Content-Encoding), not a 206 or 304, not a HEAD, not marked Cache-Control:
 * no-transform. The body is replaced (libmicrohttpd writes the new Content-Length), a strong ETag
 * becomes weak (the bytes differ from the upstream's) and Vary names Accept-Encoding. Streamed
 * answers (big files: proxy_stream.h) go out as they come, uncompressed. An answer of 32 KiB or
 * more that caches may keep (no Cache-Control private or no-store) is compressed once: its
 * compressed form is kept by content (compress_cache.h) and sent again to whoever gets the same
 * bytes. */
#ifndef CLAIMSUITE_GATEWAY_COMPRESS_H
#define CLAIMSUITE_GATEWAY_COMPRESS_H

#include <stdio.h>
#include <ulfius.h>

#include "compress_choice.h"

struct gw_compressor;

/* Compresses answers of at least min_bytes (0: compression off), keeping the compressed forms of
 * big answers that may be kept (compress_cache.h). *out is new. CS_OK or CS_ERR_NOMEM. */
int gw_compressor_new(long min_bytes, struct gw_compressor **out);
void gw_compressor_free(struct gw_compressor *c); /* NULL-safe */

/* Compresses resp's body for req when all of the above holds. Returns the coding used
 * (GW_ENC_IDENTITY: the answer is unchanged but for Vary). Out of memory or a body that would
 * not shrink: sent as it is. Called from worker threads. */
enum gw_encoding gw_compress_response(struct gw_compressor *c, const struct _u_request *req,
                                      struct _u_response *resp);

/* Prometheus text: gateway_compressed_responses_total{encoding},
 * gateway_compression_bytes_total{encoding,stage="in|out"} and
 * gateway_compression_cache_hits_total. */
void gw_compress_metrics(struct gw_compressor *c, FILE *f);

#endif
