/* W3C Trace Context. See trace.h. */
#include "trace.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define RESERVE_BYTES 512

static const char hex[] = "0123456789abcdef";

static __thread struct {
  unsigned char bytes[RESERVE_BYTES];
  size_t used, len;
  uint64_t fallback; /* splitmix64 state, only when getrandom fails */
} reserve;

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1; /* uppercase is invalid too: the specification asks for lowercase */
}

/* 1 when s[0..n) is lowercase hex and, with nonzero, not all zeros. */
static int hex_field(const char *s, size_t n, int nonzero) {
  int any = 0;
  for (size_t i = 0; i < n; i++) {
    int v = hex_value(s[i]);
    if (v < 0) return 0;
    any |= v;
  }
  return !nonzero || any;
}

int trace_parse(const char *h, char trace_id[TRACE_ID_HEX + 1], char parent_id[TRACE_SPAN_HEX + 1],
                unsigned *flags) {
  if (h == NULL) return 0;
  size_t n = strnlen(h, TRACEPARENT_LEN + 1);
  if (n < TRACEPARENT_LEN || !hex_field(h, 2, 0)) return 0;
  if (h[0] == 'f' && h[1] == 'f') return 0; /* version ff is forbidden */
  int v00 = h[0] == '0' && h[1] == '0';
  /* version 00 is exactly 55 characters; a later one may carry more fields after a '-' */
  if (n > TRACEPARENT_LEN && (v00 || h[TRACEPARENT_LEN] != '-')) return 0;
  if (h[2] != '-' || h[35] != '-' || h[52] != '-') return 0;
  if (!hex_field(h + 3, TRACE_ID_HEX, 1) || !hex_field(h + 36, TRACE_SPAN_HEX, 1) ||
      !hex_field(h + 53, 2, 0))
    return 0;
  if (trace_id != NULL) {
    memcpy(trace_id, h + 3, TRACE_ID_HEX);
    trace_id[TRACE_ID_HEX] = '\0';
  }
  if (parent_id != NULL) {
    memcpy(parent_id, h + 36, TRACE_SPAN_HEX);
    parent_id[TRACE_SPAN_HEX] = '\0';
  }
  if (flags != NULL) *flags = (unsigned)(hex_value(h[53]) * 16 + hex_value(h[54]));
  return 1;
}

/* Only when the kernel gives no random bytes (interrupted, or no entropy yet at boot): ids
 * that are unique enough to join log lines, not secrets. */
static unsigned char fallback_byte(void) {
  if (reserve.fallback == 0) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    reserve.fallback = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^
                       (uint64_t)(uintptr_t)&reserve ^ (uint64_t)pthread_self();
  }
  uint64_t z = (reserve.fallback += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return (unsigned char)(z ^ (z >> 31));
}

static void random_bytes(unsigned char *out, size_t n) {
  if (reserve.len - reserve.used < n) {
    ssize_t got = getrandom(reserve.bytes, sizeof(reserve.bytes), GRND_NONBLOCK);
    reserve.len = got > 0 ? (size_t)got : 0;
    reserve.used = 0;
  }
  if (reserve.len - reserve.used < n) {
    for (size_t i = 0; i < n; i++) out[i] = fallback_byte();
    return;
  }
  memcpy(out, reserve.bytes + reserve.used, n);
  memset(reserve.bytes + reserve.used, 0, n); /* a used id is not kept around */
  reserve.used += n;
}

void trace_random_hex(char *out, size_t n) {
  unsigned char b[32];
  if (n > sizeof(b)) n = sizeof(b);
  int any;
  do { /* all zeros is an invalid id: draw again (once in 2^64 at worst) */
    random_bytes(b, n);
    any = 0;
    for (size_t i = 0; i < n; i++) any |= b[i];
  } while (!any);
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = hex[b[i] >> 4];
    out[2 * i + 1] = hex[b[i] & 0x0f];
  }
  out[2 * n] = '\0';
}

void trace_begin(const char *header, struct trace_context *out) {
  if (!trace_parse(header, out->trace_id, out->parent_id, &out->flags)) {
    trace_random_hex(out->trace_id, TRACE_ID_HEX / 2);
    out->parent_id[0] = '\0';
    out->flags = 0x01; /* every request is logged: recorded */
  }
  trace_random_hex(out->span_id, TRACE_SPAN_HEX / 2);
}

void trace_format(const struct trace_context *c, char out[TRACEPARENT_LEN + 1]) {
  memcpy(out, "00-", 3);
  memcpy(out + 3, c->trace_id, TRACE_ID_HEX);
  out[35] = '-';
  memcpy(out + 36, c->span_id, TRACE_SPAN_HEX);
  out[52] = '-';
  out[53] = hex[(c->flags >> 4) & 0x0f];
  out[54] = hex[c->flags & 0x0f];
  out[55] = '\0';
}
