/* Fuzzes the gateway's HTTP/1.1 request framing (common/http_frame.c, what gateway/edge.c feeds
 * every client byte through). The bytes are fed twice: whole, and in small pieces of sizes drawn
 * from the input. Where one request ends must never depend on how the bytes arrived, so both
 * feedings must release the same bytes and reach the same verdict; what is released is never more
 * than what came in, and a refused connection stays refused.
 *
 * Input: byte 0 picks the limits, byte 1 seeds the piece sizes; the rest is what a client sends. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_frame.h"

struct run {
  int status;
  char *out;
  size_t len, cap;
};

static void feed(const struct http_frame_limits *limits, const char *in, size_t n, unsigned seed,
                 struct run *r) {
  struct http_frame f;
  memset(r, 0, sizeof(*r));
  http_frame_init(&f, limits);
  size_t at = 0;
  while (at < n && r->status == 0) {
    size_t piece = n - at;
    if (seed != 0) { /* a small linear congruential walk: 1..16 bytes a read */
      seed = seed * 1103515245u + 12345u;
      size_t want = 1 + ((seed >> 16) & 15);
      if (want < piece) piece = want;
    }
    r->status = http_frame_feed(&f, in + at, piece, &r->out, &r->len, &r->cap);
    at += piece;
  }
  if (r->status != 0) {
    if (f.state != HTTP_FRAME_REFUSED || f.detail == NULL || f.status != r->status) abort();
    char *none = NULL;
    size_t none_len = 0, none_cap = 0;
    if (http_frame_feed(&f, "GET / HTTP/1.1\r\n", 16, &none, &none_len, &none_cap) != r->status ||
        none_len != 0)
      abort();
    free(none);
  }
  if (r->len > n) abort();
  http_frame_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  struct http_frame_limits limits = {
      .max_head = (data[0] & 1) ? 256 : 8192,
      .max_target = (data[0] & 2) ? 32 : 4096,
      .max_body = (data[0] & 4) ? 16 : 1 << 20,
      .max_upload_body = (data[0] & 8) ? 64 : 0,
  };
  const char *in = (const char *)data + 2;
  size_t n = size - 2;
  struct run whole, pieces;
  feed(&limits, in, n, 0, &whole);
  feed(&limits, in, n, data[1] | 1u, &pieces);
  if (whole.status != pieces.status || whole.len != pieces.len ||
      (whole.len > 0 && memcmp(whole.out, pieces.out, whole.len) != 0))
    abort();
  free(whole.out);
  free(pieces.out);
  return 0;
}
