/* gzip and Brotli on the way out (see compress.h). */
#include "compress.h"

#include <brotli/encode.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "compress_cache.h"
#include "resp_headers.h"
#include "status.h"

/* Levels for answers compressed per request, not once ahead. Measured on the 363 KB
 * services/cases/openapi.yaml: gzip 4 gives 64 KB in 5 ms (6: 59 KB in 14 ms), Brotli 4 gives
 * 56 KB in about 12 ms (5: 51 KB in 24 ms; 11, Brotli's default, is for static files). */
#define GZIP_LEVEL 4
#define BROTLI_QUALITY 4
#define BROTLI_WINDOW 22
/* Bigger bodies (held in memory only when they came without a Content-Length) go as they are:
 * compressing them would hold a worker thread for a second or more */
#define COMPRESS_MAX_BYTES (8L * 1024 * 1024)
/* Answers at least this big are looked up in the cache (their SHA-256 costs a fraction of
 * compressing them); all kept forms together stay under CACHE_BYTES */
#define CACHE_MIN_BYTES (32L * 1024)
#define CACHE_BYTES (16L * 1024 * 1024)

struct gw_compressor {
  long min_bytes;
  struct gw_compress_cache *cache;
  atomic_long responses[GW_ENC_COUNT]; /* [identity] unused */
  atomic_long bytes_in[GW_ENC_COUNT];
  atomic_long bytes_out[GW_ENC_COUNT];
  atomic_long cache_hits;
};

int gw_compressor_new(long min_bytes, struct gw_compressor **out) {
  struct gw_compressor *c = calloc(1, sizeof(*c));
  if (c == NULL) return CS_ERR_NOMEM;
  c->min_bytes = min_bytes;
  if (gw_compress_cache_new(CACHE_BYTES, &c->cache) != CS_OK) {
    free(c);
    return CS_ERR_NOMEM;
  }
  *out = c;
  return CS_OK;
}

void gw_compressor_free(struct gw_compressor *c) {
  if (c == NULL) return;
  gw_compress_cache_free(c->cache);
  free(c);
}

/* A new buffer with in[0..n) gzipped, its length in *out_len; NULL on failure. */
static unsigned char *gzip_bytes(const unsigned char *in, size_t n, size_t *out_len) {
  z_stream z;
  memset(&z, 0, sizeof(z));
  /* windowBits 15 + 16: a gzip wrapper rather than zlib's */
  if (deflateInit2(&z, GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return NULL;
  size_t cap = deflateBound(&z, (uLong)n);
  unsigned char *out = malloc(cap);
  if (out != NULL) {
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) == Z_STREAM_END) {
      *out_len = z.total_out;
    } else {
      free(out);
      out = NULL;
    }
  }
  deflateEnd(&z);
  return out;
}

static unsigned char *brotli_bytes(const unsigned char *in, size_t n, size_t *out_len) {
  size_t cap = BrotliEncoderMaxCompressedSize(n);
  unsigned char *out = cap > 0 ? malloc(cap) : NULL;
  if (out == NULL) return NULL;
  *out_len = cap;
  if (!BrotliEncoderCompress(BROTLI_QUALITY, BROTLI_WINDOW, BROTLI_MODE_GENERIC, n, in, out_len,
                             out)) {
    free(out);
    return NULL;
  }
  return out;
}

/* W/"x" for a strong "x": the compressed bytes are not the bytes the upstream tagged. */
static void weaken_etag(struct _u_map *h) {
  const char *etag = u_map_get_case(h, "ETag");
  if (etag == NULL || etag[0] != '"') return;
  size_t n = strlen(etag) + 3;
  char *weak = malloc(n);
  if (weak == NULL) return;
  snprintf(weak, n, "W/%s", etag);
  gw_header_set(h, "ETag", weak);
  free(weak);
}

/* body (n bytes) in coding e: a new buffer, its length in *out_len; NULL on failure. From the
 * cache when the same bytes were compressed before, into it when they may be kept. */
static unsigned char *encode(struct gw_compressor *c, enum gw_encoding e, const unsigned char *body,
                             size_t n, int keepable, size_t *out_len) {
  unsigned char digest[GW_DIGEST_LEN], *out;
  int cached =
      keepable && n >= (size_t)CACHE_MIN_BYTES && gw_compress_digest(body, n, digest) == CS_OK;
  if (cached && (out = gw_compress_cache_get(c->cache, digest, e, out_len)) != NULL) {
    atomic_fetch_add(&c->cache_hits, 1);
    return out;
  }
  out = e == GW_ENC_BR ? brotli_bytes(body, n, out_len) : gzip_bytes(body, n, out_len);
  if (out != NULL && cached && *out_len < n)
    gw_compress_cache_put(c->cache, digest, e, out, *out_len);
  return out;
}

enum gw_encoding gw_compress_response(struct gw_compressor *c, const struct _u_request *req,
                                      struct _u_response *resp) {
  struct _u_map *h = resp->map_header;
  if (c->min_bytes <= 0 || resp->stream_callback != NULL || resp->binary_body == NULL ||
      resp->binary_body_length < (size_t)c->min_bytes ||
      resp->binary_body_length > (size_t)COMPRESS_MAX_BYTES || resp->status == 206 ||
      resp->status == 304 || u_map_get_case(h, "Content-Encoding") != NULL ||
      !gw_content_type_compressible(u_map_get_case(h, "Content-Type"))) {
    return GW_ENC_IDENTITY;
  }
  const char *cc = u_map_get_case(h, "Cache-Control");
  if (cc != NULL && gw_list_has_token(cc, "no-transform")) return GW_ENC_IDENTITY;
  /* from here the answer depends on Accept-Encoding, whatever this client sent */
  gw_header_add_token(h, "Vary", "Accept-Encoding");
  if (!strcmp(req->http_verb, "HEAD")) return GW_ENC_IDENTITY;
  enum gw_encoding e = gw_encoding_choose(u_map_get_case(req->map_header, "Accept-Encoding"));
  if (e == GW_ENC_IDENTITY) return e;

  /* what a shared cache may not keep is not kept here either */
  int keepable =
      cc == NULL || (!gw_list_has_token(cc, "private") && !gw_list_has_token(cc, "no-store"));
  size_t n = resp->binary_body_length, out_len = 0;
  unsigned char *out = encode(c, e, resp->binary_body, n, keepable, &out_len);
  if (out == NULL || out_len >= n || gw_header_set(h, "Content-Encoding", gw_encoding_name(e))) {
    free(out);
    return GW_ENC_IDENTITY;
  }
  /* ulfius frees the body with o_free (free) when the answer is sent */
  o_free(resp->binary_body);
  resp->binary_body = out;
  resp->binary_body_length = out_len;
  gw_header_remove(h, "Content-Length"); /* libmicrohttpd writes the new one */
  weaken_etag(h);
  atomic_fetch_add(&c->responses[e], 1);
  atomic_fetch_add(&c->bytes_in[e], (long)n);
  atomic_fetch_add(&c->bytes_out[e], (long)out_len);
  return e;
}

void gw_compress_metrics(struct gw_compressor *s, FILE *f) {
  fputs(
      "# HELP gateway_compressed_responses_total Answers the gateway compressed, by coding.\n"
      "# TYPE gateway_compressed_responses_total counter\n",
      f);
  for (int e = GW_ENC_GZIP; e < GW_ENC_COUNT; e++) {
    fprintf(f, "gateway_compressed_responses_total{encoding=\"%s\"} %ld\n", gw_encoding_name(e),
            atomic_load(&s->responses[e]));
  }
  fputs(
      "# HELP gateway_compression_bytes_total Body bytes before (in) and after (out) the "
      "gateway's compression.\n"
      "# TYPE gateway_compression_bytes_total counter\n",
      f);
  for (int e = GW_ENC_GZIP; e < GW_ENC_COUNT; e++) {
    fprintf(f, "gateway_compression_bytes_total{encoding=\"%s\",stage=\"in\"} %ld\n",
            gw_encoding_name(e), atomic_load(&s->bytes_in[e]));
    fprintf(f, "gateway_compression_bytes_total{encoding=\"%s\",stage=\"out\"} %ld\n",
            gw_encoding_name(e), atomic_load(&s->bytes_out[e]));
  }
  fprintf(f,
          "# HELP gateway_compression_cache_hits_total Answers sent in a compressed form kept "
          "from an earlier answer of the same bytes.\n"
          "# TYPE gateway_compression_cache_hits_total counter\n"
          "gateway_compression_cache_hits_total %ld\n",
          atomic_load(&s->cache_hits));
}
