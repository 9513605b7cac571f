/* The gateway's upstream HTTP/1.1 client: base URLs, the response parser fed in any pieces
 * (status line, headers, Content-Length and chunked bodies, framing errors, caps), and the
 * exchange itself against a scripted server on 127.0.0.1 (request bytes, timeouts, refusals,
 * keep-alive). */
#include "../../gateway/routes_table.c"
#include "../../gateway/upstream_parse.c"
#include "../../gateway/upstream_client.c"
#include "../../gateway/upstream_pool.c"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

/* ------------------------------------------------------------------------------------------ */
/* helpers                                                                                     */

#define MAX_BODY 4096

/* Feeds len bytes in pieces of at most piece bytes (then EOF when eof): the parser's verdict.
 * *consumed: bytes taken when it said DONE. */
static int feed_pieces(struct gw_resp *r, const char *data, size_t len, size_t piece, int eof,
                       size_t *consumed) {
  size_t pos = 0;
  int rc = GW_RESP_MORE;
  while (pos < len) {
    size_t n = len - pos < piece ? len - pos : piece, used = 0;
    /* a private copy of exactly n bytes: reading past a piece would show up under ASan */
    char *copy = malloc(n);
    assert_non_null(copy);
    memcpy(copy, data + pos, n);
    rc = gw_resp_feed(r, copy, n, &used);
    free(copy);
    if (rc != GW_RESP_MORE) {
      if (consumed != NULL) *consumed = pos + used;
      return rc;
    }
    assert_int_equal(used, n);
    pos += n;
  }
  if (consumed != NULL) *consumed = pos;
  return eof ? gw_resp_eof(r) : rc;
}

/* Feeds data split once at every position, and byte by byte: every way must give rc, and for
 * GW_RESP_DONE the same status and body. */
static void expect_everywhere(const char *data, int head, int eof, int rc, int status,
                              const char *body, size_t body_len) {
  size_t len = strlen(data);
  for (size_t cut = 0; cut <= len + 1; cut++) {
    struct gw_resp r;
    gw_resp_init(&r);
    gw_resp_start(&r, head, MAX_BODY);
    int got;
    if (cut == len + 1) {
      got = feed_pieces(&r, data, len, 1, eof, NULL);
    } else {
      got = cut > 0 ? feed_pieces(&r, data, cut, cut, 0, NULL) : GW_RESP_MORE;
      if (got == GW_RESP_MORE) got = feed_pieces(&r, data + cut, len - cut, len + 1, eof, NULL);
    }
    if (got != rc) fail_msg("split at %zu: %d, expected %d", cut, got, rc);
    if (rc == GW_RESP_DONE) {
      assert_int_equal(r.status, status);
      assert_int_equal(r.body.len, body_len);
      if (body_len > 0) assert_memory_equal(r.body.data, body, body_len);
    }
    gw_resp_free(&r);
  }
}

static const char *header(const struct gw_resp *r, const char *name) {
  for (size_t i = 0; i < r->nhdrs; i++) {
    if (!strcasecmp(r->hdr_text.data + r->hdrs[i].name, name)) {
      return r->hdr_text.data + r->hdrs[i].value;
    }
  }
  return NULL;
}

/* Parses data in one piece (then EOF when eof); returns the verdict, r filled. */
static int parse_once(struct gw_resp *r, const char *data, int head, int eof) {
  gw_resp_init(r);
  gw_resp_start(r, head, MAX_BODY);
  return feed_pieces(r, data, strlen(data), strlen(data) + 1, eof, NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* base URLs                                                                                   */

static void test_url_parse(void **state) {
  (void)state;
  struct gw_upstream_url u;
  const char *why = NULL;
  assert_int_equal(gw_upstream_url_parse("http://policy:8081", &u, &why), CS_OK);
  assert_string_equal(u.host, "policy");
  assert_string_equal(u.port, "8081");
  assert_string_equal(u.authority, "policy:8081");
  assert_string_equal(u.path, "");
  assert_int_equal(gw_upstream_url_parse("HTTP://127.0.0.1", &u, &why), CS_OK);
  assert_string_equal(u.host, "127.0.0.1");
  assert_string_equal(u.port, "80");
  assert_string_equal(u.authority, "127.0.0.1");
  assert_int_equal(gw_upstream_url_parse("http://[::1]:9000/base//", &u, &why), CS_OK);
  assert_string_equal(u.host, "::1");
  assert_string_equal(u.port, "9000");
  assert_string_equal(u.authority, "[::1]:9000");
  assert_string_equal(u.path, "/base");
  assert_int_equal(gw_upstream_url_parse("http://cases/", &u, &why), CS_OK);
  assert_string_equal(u.path, "");
  /* a port written with leading zeros is still its number (found by fuzz_upstream_parse: it
   * did not fit the port's buffer and was lost) */
  assert_int_equal(gw_upstream_url_parse("http://cases:000000008082/v", &u, &why), CS_OK);
  assert_string_equal(u.port, "8082");
  assert_string_equal(u.authority, "cases:000000008082");

  assert_int_equal(gw_upstream_url_parse("https://policy:8443", &u, &why), CS_ERR_INVALID);
  assert_non_null(strstr(why, "https"));
  static const char *const bad[] = {
      "ftp://x", "policy:8081", "http://", "http://:80", "http:///x", "http://x:0",
      "http://x:65536", "http://x:8a", "http://x:", "http://u:p@x", "http://x?q=1", "http://x#f",
      "http://[::1", "http://[::1]x", "http://[]:80", "http:// x", "http://x/a b",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    why = NULL;
    if (gw_upstream_url_parse(bad[i], &u, &why) != CS_ERR_INVALID) fail_msg("%s accepted", bad[i]);
    assert_non_null(why);
  }
  char long_host[400] = "http://";
  memset(long_host + 7, 'h', 300);
  assert_int_equal(gw_upstream_url_parse(long_host, &u, &why), CS_ERR_INVALID);
}

/* ------------------------------------------------------------------------------------------ */
/* the parser                                                                                  */

static void test_status_line_and_headers(void **state) {
  (void)state;
  struct gw_resp r;
  const char *resp = "HTTP/1.1 201 Created\r\n"
                     "Content-Type:  application/json \r\n"
                     "X-Empty:\r\n"
                     "Set-Cookie: a=1\r\n"
                     "set-cookie: b=2\r\n"
                     "No-Colon-Line\r\n"
                     " folded continuation\r\n"
                     "Content-Length: 7\r\n"
                     "\r\n"
                     "{\"a\":1}";
  assert_int_equal(parse_once(&r, resp, 0, 0), GW_RESP_DONE);
  assert_int_equal(r.status, 201);
  assert_int_equal(r.keep_alive, 1);
  assert_int_equal(r.nhdrs, 5);
  assert_string_equal(header(&r, "content-type"), "application/json");
  assert_string_equal(header(&r, "X-Empty"), "");
  assert_string_equal(r.hdr_text.data + r.hdrs[2].value, "a=1");
  assert_string_equal(r.hdr_text.data + r.hdrs[3].name, "set-cookie");
  assert_string_equal(r.hdr_text.data + r.hdrs[3].value, "b=2");
  size_t len = 0;
  char *body = gw_resp_take_body(&r, &len);
  assert_int_equal(len, 7);
  assert_memory_equal(body, "{\"a\":1}", 7);
  free(body);
  assert_null(r.body.data);
  gw_resp_free(&r);

  expect_everywhere(resp, 0, 0, GW_RESP_DONE, 201, "{\"a\":1}", 7);
  /* bare LF line ends, no reason phrase, HTTP/1.0 */
  expect_everywhere("HTTP/1.0 404\nContent-Length: 2\n\nno", 0, 0, GW_RESP_DONE, 404, "no", 2);
  expect_everywhere("HTTP/1.1 999 Odd\r\nContent-Length: 0\r\n\r\n", 0, 0, GW_RESP_DONE, 999, NULL, 0);
}

static void test_bad_status_lines(void **state) {
  (void)state;
  static const char *const bad[] = {
      "HTTP/2 200 OK\r\n\r\n",       "HTTP/1.1 20 OK\r\n\r\n",  "HTTP/1.1 2000 OK\r\n\r\n",
      "HTTP/1.1 abc OK\r\n\r\n",     "ICY 200 OK\r\n\r\n",      "http/1.1 200 OK\r\n\r\n",
      "\r\nHTTP/1.1 200 OK\r\n\r\n", "HTTP/1.1 099 X\r\n\r\n",  "HTTP/1.1  200 OK\r\n\r\n",
      "HTTP/1.x 200 OK\r\n\r\n",     "<html>\r\n\r\n",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    struct gw_resp r;
    int rc = parse_once(&r, bad[i], 0, 0);
    if (rc != GW_RESP_BAD_STATUS) fail_msg("'%s': %d", bad[i], rc);
    gw_resp_free(&r);
  }
  /* switching protocols cannot be relayed */
  expect_everywhere("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", 0, 0,
                    GW_RESP_BAD_STATUS, 0, NULL, 0);
}

static void test_interim_answers_are_skipped(void **state) {
  (void)state;
  const char *resp = "HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\n"
                     "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
                     "HTTP/1.1 200 OK\r\nX-Final: 1\r\nContent-Length: 3\r\n\r\nabc";
  struct gw_resp r;
  assert_int_equal(parse_once(&r, resp, 0, 0), GW_RESP_DONE);
  assert_int_equal(r.status, 200);
  assert_null(header(&r, "X-Interim"));
  assert_null(header(&r, "Link"));
  assert_string_equal(header(&r, "X-Final"), "1");
  gw_resp_free(&r);
  expect_everywhere(resp, 0, 0, GW_RESP_DONE, 200, "abc", 3);
}

static void test_bodiless_answers(void **state) {
  (void)state;
  struct gw_resp r;
  size_t used = 0;
  const char *head = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
  gw_resp_init(&r);
  gw_resp_start(&r, 1, MAX_BODY);
  assert_int_equal(gw_resp_feed(&r, head, strlen(head), &used), GW_RESP_DONE);
  assert_int_equal(used, strlen(head));
  assert_int_equal(r.body.len, 0);
  assert_int_equal(r.keep_alive, 1);
  gw_resp_free(&r);
  expect_everywhere("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", 0, 0, GW_RESP_DONE,
                    204, NULL, 0);
  expect_everywhere("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", 0, 0,
                    GW_RESP_DONE, 304, NULL, 0);
  /* HEAD with a chunked announcement: nothing follows either */
  expect_everywhere("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 1, 0, GW_RESP_DONE,
                    200, NULL, 0);
}

static void test_chunked(void **state) {
  (void)state;
  const char *resp = "HTTP/1.1 200 OK\r\n"
                     "Transfer-Encoding: gzip, Chunked\r\n"
                     "\r\n"
                     "5;name=value;other\r\nhello\r\n"
                     "1A \r\n abcdefghijklmnopqrstuvwxy\r\n"
                     "1\r\n\n\r\n"
                     "0\r\n"
                     "X-Trailer: t\r\n"
                     "\r\n";
  const char *body = "hello abcdefghijklmnopqrstuvwxy\n";
  struct gw_resp r;
  assert_int_equal(parse_once(&r, resp, 0, 0), GW_RESP_DONE);
  assert_int_equal(r.keep_alive, 1);
  assert_null(header(&r, "X-Trailer")); /* trailers are not headers */
  gw_resp_free(&r);
  expect_everywhere(resp, 0, 0, GW_RESP_DONE, 200, body, strlen(body));
  /* an empty chunked body; LF-only lines */
  expect_everywhere("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n0\n\n", 0, 0, GW_RESP_DONE,
                    200, NULL, 0);
  /* chunked and Content-Length: the chunks frame it, the connection is not reused */
  const char *both = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "2\r\nok\r\n0\r\n\r\n";
  assert_int_equal(parse_once(&r, both, 0, 0), GW_RESP_DONE);
  assert_int_equal(r.body.len, 2);
  assert_int_equal(r.keep_alive, 0);
  gw_resp_free(&r);
  expect_everywhere(both, 0, 0, GW_RESP_DONE, 200, "ok", 2);
}

static void test_chunked_errors(void **state) {
  (void)state;
  static const char *const bad[] = {
      "zz\r\nab\r\n0\r\n\r\n",                 /* not hex */
      "\r\n",                                   /* no size */
      "2 x\r\nab\r\n0\r\n\r\n",                 /* junk after the size */
      "2\r\nabX\r\n0\r\n\r\n",                  /* no CRLF after the data */
      "fffffffffffffffff\r\n",                  /* overflows */
      "-1\r\n",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char resp[256];
    snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%s", bad[i]);
    expect_everywhere(resp, 0, 0, GW_RESP_BAD, 0, NULL, 0);
  }
  /* broken off inside the chunks */
  expect_everywhere("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", 0, 1,
                    GW_RESP_BAD, 0, NULL, 0);
  /* above the cap: by a chunk's announced size already */
  expect_everywhere("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1001\r\n", 0, 0,
                    GW_RESP_TOO_LARGE, 0, NULL, 0);
  /* a chunk-size line cannot grow without end */
  struct gw_resp r;
  gw_resp_init(&r);
  gw_resp_start(&r, 0, MAX_BODY);
  const char *h = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;";
  assert_int_equal(gw_resp_feed(&r, h, strlen(h), NULL), GW_RESP_MORE);
  char ext[1024];
  memset(ext, 'e', sizeof(ext));
  int rc = GW_RESP_MORE;
  for (int i = 0; i < 10 && rc == GW_RESP_MORE; i++) rc = gw_resp_feed(&r, ext, sizeof(ext), NULL);
  assert_int_equal(rc, GW_RESP_BAD);
  gw_resp_free(&r);
}

static void test_content_length_rules(void **state) {
  (void)state;
  expect_everywhere("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 0, 0,
                    GW_RESP_DONE, 200, "abc", 3);
  expect_everywhere("HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc", 0, 0, GW_RESP_DONE, 200,
                    "abc", 3);
  static const char *const bad[] = {
      "Content-Length: 3\r\nContent-Length: 4\r\n", "Content-Length: 3, 4\r\n",
      "Content-Length: 1x\r\n", "Content-Length: -1\r\n", "Content-Length:\r\n",
      "Content-Length: ,\r\n", "Content-Length: 99999999999999999999999\r\n",
      "Content-Length: 0x10\r\n",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char resp[256];
    snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\n%s\r\nabc", bad[i]);
    expect_everywhere(resp, 0, 0, GW_RESP_BAD, 0, NULL, 0);
  }
  expect_everywhere("HTTP/1.1 200 OK\r\nContent-Length: 4097\r\n\r\n", 0, 0, GW_RESP_TOO_LARGE, 0,
                    NULL, 0);
  expect_everywhere("HTTP/1.1 200 OK\r\nContent-Length: 4096\r\n\r\n", 0, 0, GW_RESP_MORE, 0, NULL,
                    0);
  /* broken off before the announced length */
  expect_everywhere("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc", 0, 1, GW_RESP_BAD, 0, NULL, 0);
  /* what comes after the body is left alone */
  struct gw_resp r;
  size_t used = 0;
  const char *two = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\n";
  gw_resp_init(&r);
  gw_resp_start(&r, 0, MAX_BODY);
  assert_int_equal(gw_resp_feed(&r, two, strlen(two), &used), GW_RESP_DONE);
  assert_int_equal(used, strlen("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na"));
  gw_resp_free(&r);
}

static void test_connection_reuse_rules(void **state) {
  (void)state;
  static const struct {
    const char *resp;
    int eof, keep_alive;
  } cases[] = {
      {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 1},
      {"HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Close\r\nContent-Length: 0\r\n\r\n", 0, 0},
      {"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 0},
      {"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", 0, 1},
      {"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nuntil the end", 1, 0},
      {"HTTP/1.1 200 OK\r\n\r\nuntil the end", 1, 0},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nuntil the end", 1, 0},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct gw_resp r;
    assert_int_equal(parse_once(&r, cases[i].resp, 0, cases[i].eof), GW_RESP_DONE);
    if (r.keep_alive != cases[i].keep_alive) fail_msg("case %zu: keep_alive %d", i, r.keep_alive);
    gw_resp_free(&r);
  }
  expect_everywhere("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nclose-delimited", 0, 1,
                    GW_RESP_DONE, 200, "close-delimited", 15);
  /* a body until EOF is capped too */
  char big[MAX_BODY + 200];
  int n = snprintf(big, sizeof(big), "HTTP/1.0 200 OK\r\n\r\n");
  memset(big + n, 'x', MAX_BODY + 1);
  big[n + MAX_BODY + 1] = '\0';
  expect_everywhere(big, 0, 1, GW_RESP_TOO_LARGE, 0, NULL, 0);
}

static void test_header_block_limits(void **state) {
  (void)state;
  /* 64 KiB of headers: refused, whether it comes in one piece or many */
  size_t len = GW_RESP_HEAD_MAX + 100;
  char *resp = malloc(len + 1);
  assert_non_null(resp);
  size_t n = (size_t)snprintf(resp, len + 1, "HTTP/1.1 200 OK\r\n");
  while (n + 43 < len) n += (size_t)snprintf(resp + n, len + 1 - n, "X-Filler: %028zu\r\n", n);
  memcpy(resp + n, "\r\n", 3);
  struct gw_resp r;
  assert_int_equal(parse_once(&r, resp, 0, 0), GW_RESP_BAD);
  gw_resp_free(&r);
  gw_resp_init(&r);
  gw_resp_start(&r, 0, MAX_BODY);
  assert_int_equal(feed_pieces(&r, resp, strlen(resp), 7, 0, NULL), GW_RESP_BAD);
  gw_resp_free(&r);
  /* one endless line */
  memset(resp, 'a', len);
  resp[len] = '\0';
  memcpy(resp, "HTTP/1.1 200 OK\r\nX: ", 20);
  assert_int_equal(parse_once(&r, resp, 0, 0), GW_RESP_BAD);
  gw_resp_free(&r);
  free(resp);
  /* a NUL inside a header */
  const char nul[] = "HTTP/1.1 200 OK\r\nX-A: a\0b\r\nContent-Length: 0\r\n\r\n";
  gw_resp_init(&r);
  gw_resp_start(&r, 0, MAX_BODY);
  assert_int_equal(gw_resp_feed(&r, nul, sizeof(nul) - 1, NULL), GW_RESP_BAD);
  gw_resp_free(&r);
  /* nothing at all, or only part of the headers, then EOF */
  expect_everywhere("", 0, 1, GW_RESP_BAD, 0, NULL, 0);
  expect_everywhere("HTTP/1.1 200 OK\r\nContent-Le", 0, 1, GW_RESP_BAD, 0, NULL, 0);
}

static void test_body_window(void **state) {
  (void)state;
  struct gw_resp r;
  char *at = NULL;
  const char *head = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123";
  gw_resp_init(&r);
  gw_resp_start(&r, 0, MAX_BODY);
  assert_int_equal(gw_resp_feed(&r, head, strlen(head), NULL), GW_RESP_MORE);
  assert_int_equal(gw_resp_body_window(&r, &at), 6);
  memcpy(at, "45", 2);
  assert_int_equal(gw_resp_commit(&r, 2), GW_RESP_MORE);
  assert_int_equal(gw_resp_body_window(&r, &at), 4);
  memcpy(at, "6789", 4);
  assert_int_equal(gw_resp_commit(&r, 4), GW_RESP_DONE);
  assert_int_equal(gw_resp_body_window(&r, &at), 0);
  size_t len = 0;
  char *body = gw_resp_take_body(&r, &len);
  assert_int_equal(len, 10);
  assert_memory_equal(body, "0123456789", 10);
  free(body);
  /* the same state reused for a chunked answer: windows inside chunks only */
  const char *chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n";
  gw_resp_start(&r, 0, MAX_BODY);
  assert_int_equal(gw_resp_body_window(&r, &at), 0);
  assert_int_equal(gw_resp_feed(&r, chunked, strlen(chunked), NULL), GW_RESP_MORE);
  assert_int_equal(gw_resp_body_window(&r, &at), 3);
  memcpy(at, "abc", 3);
  assert_int_equal(gw_resp_commit(&r, 3), GW_RESP_MORE);
  assert_int_equal(gw_resp_body_window(&r, &at), 0);
  assert_int_equal(gw_resp_feed(&r, "\r\n0\r\n\r\n", 7, NULL), GW_RESP_DONE);
  assert_int_equal(r.body.len, 3);
  assert_int_equal(r.status, 200);
  gw_resp_free(&r);
}

/* Mutations of valid answers and plain noise, in random pieces: any verdict, never a crash or
 * an out-of-bounds access (the sanitizer build watches). */
static void test_noise_never_crashes(void **state) {
  (void)state;
  static const char *const seeds[] = {
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n",
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 204 No\r\n\r\n",
      "HTTP/1.0 200 OK\r\n\r\nuntil eof",
  };
  unsigned long long x = 88172645463325252ULL;
  char buf[512];
  for (int iter = 0; iter < 20000; iter++) {
    const char *seed = seeds[iter % 4];
    size_t len = strlen(seed);
    memcpy(buf, seed, len);
    int mutations = 1 + (int)(x % 4);
    for (int m = 0; m < mutations; m++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      size_t at = (size_t)(x % len);
      switch ((x >> 20) % 4) {
        case 0: buf[at] = (char)(x >> 32); break;                   /* flip a byte */
        case 1: if (len > 1) memmove(buf + at, buf + at + 1, len - at - 1), len--; break;
        case 2: if (len < sizeof(buf)) memmove(buf + at + 1, buf + at, len - at), buf[at] = (char)(x >> 40), len++; break;
        default: buf[at] = "0123456789abcdefABCDEF:;\r\n \t,"[(x >> 24) % 30]; break;
      }
    }
    if (iter % 97 == 0) { /* pure noise now and then */
      for (size_t i = 0; i < len; i++) buf[i] = (char)(x >> (i % 56)), x = x * 6364136223846793005ULL + 1;
    }
    struct gw_resp r;
    gw_resp_init(&r);
    gw_resp_start(&r, (int)(x & 1) && iter % 5 == 0, 64);
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    size_t piece = 1 + (size_t)(x % 17);
    int rc = feed_pieces(&r, buf, len, piece, (int)((x >> 8) & 1), NULL);
    assert_true(rc == GW_RESP_DONE || rc == GW_RESP_MORE || rc == GW_RESP_BAD ||
                rc == GW_RESP_TOO_LARGE || rc == GW_RESP_BAD_STATUS);
    if (rc == GW_RESP_DONE) assert_true(r.status >= 100 && r.status <= 999 && r.body.len <= 64);
    gw_resp_free(&r);
  }
}

/* ------------------------------------------------------------------------------------------ */
/* the exchange, against a scripted server                                                     */

struct script {
  int listen_fd, port;
  const char *answer;  /* written after each request; NULL: read the request, answer nothing */
  int close_after;     /* close the connection after answering */
  long delay_ms;       /* before answering */
  int max_requests;    /* then stop */
  char got[8192];      /* the last request, head and body */
  size_t got_len;
  int requests, connections;
  pthread_t thread;
};

/* Reads one request (head + Content-Length body), then copies it to s->got: 1, or 0 at EOF. */
static int read_request(struct script *s, int fd) {
  char buf[sizeof(s->got)];
  size_t len = 0;
  for (;;) {
    buf[len] = '\0';
    char *end = strstr(buf, "\r\n\r\n");
    if (end != NULL) {
      const char *cl = strstr(buf, "\r\nContent-Length: ");
      size_t want = (size_t)(end + 4 - buf) + (cl != NULL && cl < end ? strtoul(cl + 18, NULL, 10) : 0);
      if (len >= want) {
        memcpy(s->got, buf, len + 1);
        s->got_len = len;
        return 1;
      }
    }
    ssize_t n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
    if (n <= 0) return 0;
    len += (size_t)n;
  }
}

static void *script_main(void *arg) {
  struct script *s = arg;
  while (s->requests < s->max_requests) {
    int fd = accept(s->listen_fd, NULL, NULL);
    if (fd < 0) return NULL;
    s->connections++;
    while (s->requests < s->max_requests && read_request(s, fd)) {
      s->requests++;
      if (s->delay_ms > 0) usleep((useconds_t)s->delay_ms * 1000);
      if (s->answer == NULL) break;
      if (send(fd, s->answer, strlen(s->answer), MSG_NOSIGNAL) < 0 || s->close_after) break;
    }
    close(fd);
  }
  return NULL;
}

static void script_start(struct script *s) {
  struct sockaddr_in a;
  socklen_t alen = sizeof(a);
  s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  assert_true(s->listen_fd >= 0);
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(s->listen_fd, (struct sockaddr *)&a, sizeof(a)), 0);
  assert_int_equal(listen(s->listen_fd, 8), 0);
  assert_int_equal(getsockname(s->listen_fd, (struct sockaddr *)&a, &alen), 0);
  s->port = ntohs(a.sin_port);
  assert_int_equal(pthread_create(&s->thread, NULL, script_main, s), 0);
}

static void script_stop(struct script *s) {
  shutdown(s->listen_fd, SHUT_RDWR);
  pthread_join(s->thread, NULL);
  close(s->listen_fd);
}

/* Points every upstream at 127.0.0.1:port (with base path) and (re)starts the client. */
static void client_for(int port, const char *path, long timeout_ms) {
  static char url[128];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
  struct gw_upstream_settings s = {500, timeout_ms, MAX_BODY, {url, url, url, url}, 0};
  assert_int_equal(gw_upstream_init(&s), CS_OK);
}

static int exchange(const char *method, const char *target, const char *body, int send_length,
                    struct gw_upstream_answer *a, const char **detail) {
  struct gw_upstream_call *c = NULL;
  int rc = gw_upstream_begin(GW_UP_CASES, method, target, &c);
  if (rc != CS_OK) return rc;
  assert_int_equal(gw_upstream_add_header(c, "X-Request-Id", "rid-1", NULL), CS_OK);
  assert_int_equal(gw_upstream_add_header(c, "X-Forwarded-For", "10.0.0.1", ", 10.0.0.2"), CS_OK);
  assert_int_equal(gw_upstream_add_header(c, "X-Empty", "", NULL), CS_OK);
  assert_int_equal(gw_upstream_add_header(c, "X-Split", "a\r\nInjected: yes", NULL), CS_OK);
  assert_int_equal(gw_upstream_add_header(c, "Bad Name", "x", NULL), CS_OK);
  return gw_upstream_exchange(c, body, body ? strlen(body) : 0, send_length, a, detail);
}

static void test_exchange_request_bytes_and_keep_alive(void **state) {
  (void)state;
  struct script s = {.answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Up: 1\r\n\r\nok",
                     .max_requests = 3};
  script_start(&s);
  client_for(s.port, "/base/", 2000);
  struct gw_upstream_answer a;
  const char *detail = NULL;
  assert_int_equal(exchange("POST", "/v1/x?a=1#frag", "body!", 1, &a, &detail), CS_OK);
  assert_int_equal(a.status, 200);
  assert_int_equal(a.body_len, 2);
  assert_memory_equal(a.body, "ok", 2);
  assert_int_equal(a.nhdrs, 2);
  assert_string_equal(a.hdr_text + a.hdrs[1].name, "X-Up");
  free(a.body);
  char expect[512];
  snprintf(expect, sizeof(expect),
           "POST /base/v1/x?a=1%%23frag HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-Request-Id: rid-1\r\n"
           "X-Forwarded-For: 10.0.0.1, 10.0.0.2\r\nX-Empty:\r\nContent-Length: 5\r\n\r\nbody!",
           s.port);
  assert_string_equal(s.got, expect);

  /* no body, no Content-Length; the same connection */
  assert_int_equal(exchange("GET", "/v1/y", NULL, 0, &a, &detail), CS_OK);
  free(a.body);
  snprintf(expect, sizeof(expect),
           "GET /base/v1/y HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-Request-Id: rid-1\r\n"
           "X-Forwarded-For: 10.0.0.1, 10.0.0.2\r\nX-Empty:\r\n\r\n",
           s.port);
  assert_string_equal(s.got, expect);
  /* an empty body that must be announced */
  assert_int_equal(exchange("PUT", "/v1/z", "", 1, &a, &detail), CS_OK);
  free(a.body);
  assert_non_null(strstr(s.got, "\r\nContent-Length: 0\r\n\r\n"));
  script_stop(&s);
  assert_int_equal(s.connections, 1);
  assert_int_equal(s.requests, 3);

  /* what cannot be sent is refused before anything goes out */
  assert_int_equal(exchange("GET", "/with space", NULL, 0, &a, &detail), CS_ERR_INVALID);
  assert_int_equal(exchange("GE T", "/x", NULL, 0, &a, &detail), CS_ERR_INVALID);
  gw_upstream_cleanup();
}

static void test_exchange_failures(void **state) {
  (void)state;
  struct gw_upstream_answer a;
  const char *detail = NULL;
  struct timespec t0, t1;

  /* nobody listening */
  struct script closed = {.max_requests = 0};
  script_start(&closed);
  int port = closed.port;
  script_stop(&closed);
  client_for(port, "", 2000);
  assert_int_equal(exchange("GET", "/x", NULL, 0, &a, &detail), CS_ERR_UNAVAILABLE);
  assert_string_equal(detail, "the upstream service is not reachable");
  gw_upstream_cleanup();

  /* too slow: the deadline holds */
  struct script slow = {.answer = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", .delay_ms = 600,
                        .max_requests = 1};
  script_start(&slow);
  client_for(slow.port, "", 200);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  assert_int_equal(exchange("GET", "/x", NULL, 0, &a, &detail), CS_ERR_TIMEOUT);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  assert_string_equal(detail, "the upstream service did not answer in time");
  double took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  assert_true(took >= 0.19 && took < 0.5);
  script_stop(&slow);
  gw_upstream_cleanup();

  /* a new connection closed without an answer: a bad answer, not retried */
  struct script mute = {.answer = NULL, .max_requests = 1};
  script_start(&mute);
  client_for(mute.port, "", 2000);
  assert_int_equal(exchange("GET", "/x", NULL, 0, &a, &detail), CS_ERR);
  script_stop(&mute);
  assert_int_equal(mute.requests, 1);
  gw_upstream_cleanup();

  /* oversized and malformed */
  struct script big = {.answer = "HTTP/1.1 200 OK\r\nContent-Length: 4097\r\n\r\n", .max_requests = 1};
  script_start(&big);
  client_for(big.port, "", 2000);
  assert_int_equal(exchange("GET", "/x", NULL, 0, &a, &detail), CS_ERR);
  assert_string_equal(detail, "the upstream service's answer is too large");
  script_stop(&big);
  gw_upstream_cleanup();
  struct script junk = {.answer = "SSH-2.0-OpenSSH\r\n\r\n", .max_requests = 1};
  script_start(&junk);
  client_for(junk.port, "", 2000);
  assert_int_equal(exchange("GET", "/x", NULL, 0, &a, &detail), CS_ERR);
  assert_string_equal(detail, "the upstream service sent no valid HTTP status");
  script_stop(&junk);
  gw_upstream_cleanup();
}

static void test_exchange_after_the_upstream_closed(void **state) {
  (void)state;
  struct gw_upstream_answer a;
  const char *detail = NULL;
  /* the upstream answers, then closes (no Connection: close said): the next request notices
   * before sending and opens a new connection, POST included */
  struct script s = {.answer = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", .close_after = 1,
                     .max_requests = 3};
  script_start(&s);
  client_for(s.port, "", 2000);
  assert_int_equal(exchange("GET", "/1", NULL, 0, &a, &detail), CS_OK);
  usleep(50 * 1000);
  assert_int_equal(exchange("POST", "/2", "x", 1, &a, &detail), CS_OK);
  usleep(50 * 1000);
  assert_int_equal(exchange("GET", "/3", NULL, 0, &a, &detail), CS_OK);
  script_stop(&s);
  assert_int_equal(s.connections, 3);
  assert_int_equal(s.requests, 3);
  gw_upstream_cleanup();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_url_parse),
      cmocka_unit_test(test_status_line_and_headers),
      cmocka_unit_test(test_bad_status_lines),
      cmocka_unit_test(test_interim_answers_are_skipped),
      cmocka_unit_test(test_bodiless_answers),
      cmocka_unit_test(test_chunked),
      cmocka_unit_test(test_chunked_errors),
      cmocka_unit_test(test_content_length_rules),
      cmocka_unit_test(test_connection_reuse_rules),
      cmocka_unit_test(test_header_block_limits),
      cmocka_unit_test(test_body_window),
      cmocka_unit_test(test_noise_never_crashes),
      cmocka_unit_test(test_exchange_request_bytes_and_keep_alive),
      cmocka_unit_test(test_exchange_failures),
      cmocka_unit_test(test_exchange_after_the_upstream_closed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
