/* Fuzzes the gateway's HTTP/1.x response parser (gateway/upstream_parse.c: what every upstream
 * answer goes through) and its upstream URL parser. The response bytes are parsed twice: fed
 * whole, and in small pieces with counted bodies written through the body window as
 * upstream_client.c does (gw_resp_body_window, gw_resp_commit). Both must give the same verdict,
 * status, headers and body; a keep-alive connection's next responses are parsed after the first.
 *
 * Input: byte 0: bit 0 the request was HEAD, bit 1 a small body limit, bit 2 bodies over 8 bytes
 * are streamed (gw_resp_stream_over), bit 3 the rest is an upstream URL instead; byte 1 seeds
 * the piece sizes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"
#include "upstream_parse.h"

#define MAX_RESPONSES 4

/* What one parse saw, response after response, as one text to compare. */
struct seen {
  struct gw_bytes log;
};

static void note(struct seen *s, const void *p, size_t n) {
  if (gw_bytes_append(&s->log, p, n) != CS_OK) abort();
}

static void note_int(struct seen *s, long long v) { note(s, &v, sizeof(v)); }

static void note_response(struct seen *s, struct gw_resp *r, int rc) {
  note_int(s, rc);
  if (rc != GW_RESP_DONE && rc != GW_RESP_HEADERS) return;
  note_int(s, r->status);
  note_int(s, r->keep_alive);
  if (r->status < 200 || r->status > 999) abort();
  for (size_t i = 0; i < r->nhdrs; i++) {
    if (r->hdrs[i].name >= r->hdr_text.len || r->hdrs[i].value >= r->hdr_text.len) abort();
    note(s, r->hdr_text.data + r->hdrs[i].name, strlen(r->hdr_text.data + r->hdrs[i].name) + 1);
    note(s, r->hdr_text.data + r->hdrs[i].value, strlen(r->hdr_text.data + r->hdrs[i].value) + 1);
  }
  if (rc == GW_RESP_HEADERS) {
    note_int(s, (long long)r->length);
    return;
  }
  size_t len = 0;
  char *body = gw_resp_take_body(r, &len);
  if (len > r->max_body) abort();
  note_int(s, (long long)len);
  if (len > 0) note(s, body, len);
  free(body);
}

/* Feeds [in, in + n) to r from *at in pieces (seed 0: all at once); returns the verdict. */
static int parse_one(struct gw_resp *r, const char *in, size_t n, size_t *at, unsigned *seed) {
  int rc = GW_RESP_MORE;
  while (*at < n && rc == GW_RESP_MORE) {
    size_t piece = n - *at, used = 0;
    if (*seed != 0) {
      *seed = *seed * 1103515245u + 12345u;
      size_t want = 1 + ((*seed >> 16) & 31);
      if (want < piece) piece = want;
      char *window = NULL;
      size_t room = gw_resp_body_window(r, &window);
      if (room > 0) { /* straight into the body, as a recv would */
        if (piece > room) piece = room;
        memcpy(window, in + *at, piece);
        *at += piece;
        rc = gw_resp_commit(r, piece);
        continue;
      }
    }
    rc = gw_resp_feed(r, in + *at, piece, &used);
    if (used > piece) abort();
    *at += used;
    if (rc == GW_RESP_MORE && used != piece) abort();
  }
  if (rc == GW_RESP_MORE) rc = gw_resp_eof(r);
  return rc;
}

static void parse_all(const uint8_t flags, const char *in, size_t n, unsigned seed,
                      struct seen *s) {
  struct gw_resp r;
  size_t at = 0;
  gw_resp_init(&r);
  for (int i = 0; i < MAX_RESPONSES; i++) {
    gw_resp_start(&r, flags & 1, (flags & 2) ? 64 : 1 << 20);
    if (flags & 4) gw_resp_stream_over(&r, 8);
    int rc = parse_one(&r, in, n, &at, &seed);
    note_response(s, &r, rc);
    if (rc != GW_RESP_DONE) break; /* where a broken answer was given up may differ */
    note_int(s, (long long)at);
    if (!r.keep_alive || at == n) break;
  }
  gw_resp_free(&r);
}

static void url(const char *in, size_t n) {
  char text[1024];
  if (n >= sizeof(text)) return;
  memcpy(text, in, n);
  text[n] = '\0';
  struct gw_upstream_url u;
  const char *why = NULL;
  if (gw_upstream_url_parse(text, &u, &why) != CS_OK) {
    if (why == NULL) abort();
    return;
  }
  long port = strtol(u.port, NULL, 10);
  if (u.host[0] == '\0' || port < 1 || port > 65535 || u.authority[0] == '\0') abort();
  size_t plen = strlen(u.path);
  if (plen > 0 && (u.path[0] != '/' || u.path[plen - 1] == '/')) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  const char *in = (const char *)data + 2;
  size_t n = size - 2;
  if (data[0] & 8) {
    url(in, n);
    return 0;
  }
  struct seen whole = {{0}}, pieces = {{0}};
  parse_all(data[0], in, n, 0, &whole);
  parse_all(data[0], in, n, data[1] | 1u, &pieces);
  if (whole.log.len != pieces.log.len || memcmp(whole.log.data, pieces.log.data, whole.log.len))
    abort();
  free(whole.log.data);
  free(pieces.log.data);
  return 0;
}
