/* Compression of answers at the gateway (gateway/compress.h), end to end:
 *   - the stack's own gateway, with the default threshold (COMPRESS_MIN_BYTES 1024): the
 *     OpenAPI documents (its own answers) and a list of cases (a service's answer with its
 *     ETag), gzip and br, decoded by Debian's gzip and brotli programs to the very bytes of the
 *     uncompressed answer;
 *   - a gateway started here in front of a recording upstream (tl_upstream.h) with a threshold
 *     of 200 bytes: small answers, binary types and HEAD stay as they are. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testlib.h"
#include "tl_gateway.h"
#include "tl_upstream.h"
#include "tl_world.h"

static struct tl_upstream *up;
static struct tl_gateway own; /* the compressing gateway of this test */
static struct tl_world w;

static void gateway_start(void) {
  char upstream_env[64];
  snprintf(upstream_env, sizeof(upstream_env), "UPSTREAM_POLICY=http://127.0.0.1:%d",
           tl_upstream_port(up));
  const char *env[] = {upstream_env, "GATEWAY_ROUTES=/v1/u=policy", "GATEWAY_PUBLIC_PATHS=/v1/u",
                       "COMPRESS_MIN_BYTES=200", NULL};
  tl_gateway_start(&own, "test-gateway-compress", env);
}

/* GET (or method) base+path with Accept-Encoding accept (NULL: none) and up to two more header
 * lines (NULL: none). */
static long fetch2(const char *method, const char *base, const char *path, const char *accept,
                   const char *extra, const char *extra2, struct tl_response *r) {
  char url[1024], ae[128];
  const char *h[4] = {NULL, NULL, NULL, NULL};
  size_t n = 0;
  snprintf(url, sizeof(url), "%s%s", base, path);
  if (accept != NULL) {
    snprintf(ae, sizeof(ae), "Accept-Encoding: %s", accept);
    h[n++] = ae;
  }
  if (extra != NULL) h[n++] = extra;
  if (extra2 != NULL) h[n++] = extra2;
  assert_int_equal(tl_http(method, url, h, NULL, 0, 0, r), 0);
  return r->status;
}

static long fetch(const char *method, const char *base, const char *path, const char *accept,
                  const char *extra, struct tl_response *r) {
  return fetch2(method, base, path, accept, extra, NULL, r);
}

/* body decoded by program ("gzip" or "brotli") into a new buffer, its length in *len. */
static char *decode(const char *program, const struct tl_response *r, size_t *len) {
  char in[600], out[600];
  static int n;
  snprintf(in, sizeof(in), "%s/compress-%d.in", tl_env("STACK_DIR"), ++n);
  snprintf(out, sizeof(out), "%s/compress-%d.out", tl_env("STACK_DIR"), n);
  FILE *f = fopen(in, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(r->body, 1, r->body_len, f), r->body_len);
  fclose(f);
  if (tl_sh("%s -dc '%s' > '%s'", program, in, out) != 0) fail_msg("%s -d failed", program);
  f = fopen(out, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *data = malloc((size_t)size + 1);
  assert_int_equal(fread(data, 1, (size_t)size, f), (size_t)size);
  fclose(f);
  remove(in);
  remove(out);
  *len = (size_t)size;
  return data;
}

static int header_has(const struct tl_response *r, const char *name, const char *needle) {
  char *v = tl_header(r, name);
  int has = v != NULL && strstr(v, needle) != NULL;
  free(v);
  return has;
}

static void assert_no_header(const struct tl_response *r, const char *name) {
  char *v = tl_header(r, name);
  if (v != NULL) fail_msg("unexpected %s: %s", name, v);
}

/* Expects r to be plain's bytes in coding (gzip or br), smaller, and says Vary. */
static void assert_encoded(const struct tl_response *r, const struct tl_response *plain,
                           const char *coding) {
  tl_expect(r, 200);
  tl_assert_header(r, "Content-Encoding", coding);
  assert_true(header_has(r, "Vary", "Accept-Encoding"));
  assert_true(r->body_len < plain->body_len / 2);
  char *cl = tl_header(r, "Content-Length");
  assert_non_null(cl);
  assert_int_equal(strtol(cl, NULL, 10), (long)r->body_len);
  free(cl);
  size_t len;
  char *data = decode(!strcmp(coding, "br") ? "brotli" : "gzip", r, &len);
  assert_int_equal(len, plain->body_len);
  assert_memory_equal(data, plain->body, len);
  free(data);
}

static void test_openapi_document(void **state) {
  (void)state;
  const char *gw = tl_env("GATEWAY_URL");
  struct tl_response plain, r;
  fetch("GET", gw, "/openapi/cases.yaml", NULL, NULL, &plain);
  tl_expect(&plain, 200);
  assert_true(plain.body_len > 50000);
  assert_no_header(&plain, "Content-Encoding");
  /* a cache must know the answer depends on Accept-Encoding even when none was sent */
  assert_true(header_has(&plain, "Vary", "Accept-Encoding"));

  fetch("GET", gw, "/openapi/cases.yaml", "gzip", NULL, &r);
  assert_encoded(&r, &plain, "gzip");
  tl_response_free(&r);
  fetch("GET", gw, "/openapi/cases.yaml", "br", NULL, &r);
  assert_encoded(&r, &plain, "br");
  tl_response_free(&r);
  /* what a browser sends: br preferred on a tie, q-values obeyed */
  fetch("GET", gw, "/openapi/cases.yaml", "gzip, deflate, br, zstd", NULL, &r);
  assert_encoded(&r, &plain, "br");
  tl_response_free(&r);
  fetch("GET", gw, "/openapi/cases.yaml", "br;q=0.5, gzip", NULL, &r);
  assert_encoded(&r, &plain, "gzip");
  tl_response_free(&r);
  static const char *const none[] = {"identity", "gzip;q=0, br;q=0", "deflate", "*;q=0"};
  for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
    fetch("GET", gw, "/openapi/cases.yaml", none[i], NULL, &r);
    tl_expect(&r, 200);
    assert_no_header(&r, "Content-Encoding");
    assert_int_equal(r.body_len, plain.body_len);
    tl_response_free(&r);
  }
  /* HEAD: no body to compress, the identity length said */
  fetch("HEAD", gw, "/openapi/cases.yaml", "gzip, br", NULL, &r);
  tl_expect(&r, 200);
  assert_no_header(&r, "Content-Encoding");
  char *cl = tl_header(&r, "Content-Length");
  assert_non_null(cl);
  assert_int_equal(strtol(cl, NULL, 10), (long)plain.body_len);
  free(cl);
  tl_response_free(&r);
  tl_response_free(&plain);
}

/* A service's answer with its ETag: compressed, the ETag weak (other bytes), still revalidated. */
static void test_service_answer_and_etag(void **state) {
  (void)state;
  const char *gw = tl_env("GATEWAY_URL");
  char bearer[2048], inm[256];
  struct tl_response plain, r;
  snprintf(bearer, sizeof(bearer), "Authorization: Bearer %s", w.ia_handler.token);
  fetch("GET", gw, "/v1/cases?limit=200", NULL, bearer, &plain);
  tl_expect(&plain, 200);
  assert_true(plain.body_len > 1024);
  char *strong = tl_header(&plain, "ETag");
  assert_non_null(strong);
  assert_int_equal(strong[0], '"');

  fetch("GET", gw, "/v1/cases?limit=200", "gzip", bearer, &r);
  assert_encoded(&r, &plain, "gzip");
  char *weak = tl_header(&r, "ETag");
  assert_non_null(weak);
  assert_true(!strncmp(weak, "W/", 2) && !strcmp(weak + 2, strong));
  tl_response_free(&r);

  /* the weak tag revalidates (If-None-Match compares weakly) */
  snprintf(inm, sizeof(inm), "If-None-Match: %s", weak);
  fetch2("GET", gw, "/v1/cases?limit=200", "gzip", bearer, inm, &r);
  assert_int_equal(r.status, 304);
  assert_int_equal(r.body_len, 0);
  assert_no_header(&r, "Content-Encoding");
  tl_response_free(&r);
  free(weak);
  free(strong);
  tl_response_free(&plain);
}

static void test_what_stays_uncompressed(void **state) {
  (void)state;
  struct tl_response r;
  /* a small answer (about 120 bytes, under 200) */
  fetch("GET", own.url, "/v1/u/small", "gzip, br", NULL, &r);
  tl_expect(&r, 200);
  assert_string_equal(tl_str(r.json, "upstream"), "alpha");
  assert_true(r.body_len < 200);
  assert_no_header(&r, "Content-Encoding");
  assert_no_header(&r, "Vary");
  tl_response_free(&r);
  /* binary bytes over the threshold: application/octet-stream is not compressed again */
  fetch("GET", own.url, "/v1/u/binary", "gzip, br", NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(r.body_len, 256);
  assert_no_header(&r, "Content-Encoding");
  for (int i = 0; i < 256; i++) assert_int_equal((unsigned char)r.body[i], i);
  tl_response_free(&r);
  /* text over the threshold is, through the proxy too */
  struct tl_response plain;
  fetch("GET", own.url, "/v1/u/big/5000", NULL, NULL, &plain);
  tl_expect(&plain, 200);
  assert_int_equal(plain.body_len, 5000);
  fetch("GET", own.url, "/v1/u/big/5000", "gzip", NULL, &r);
  assert_encoded(&r, &plain, "gzip");
  tl_response_free(&r);
  fetch("GET", own.url, "/v1/u/big/5000", "br", NULL, &r);
  assert_encoded(&r, &plain, "br");
  tl_response_free(&r);
  tl_response_free(&plain);
}

/* The same big bytes again: compressed once, the kept form sent after. */
static void test_compressed_once(void **state) {
  (void)state;
  struct tl_response plain, first, again;
  fetch("GET", own.url, "/openapi/policy.yaml", NULL, NULL, &plain);
  tl_expect(&plain, 200);
  assert_true(plain.body_len > 32 * 1024);
  fetch("GET", own.url, "/openapi/policy.yaml", "br", NULL, &first);
  assert_encoded(&first, &plain, "br");
  fetch("GET", own.url, "/openapi/policy.yaml", "br", NULL, &again);
  assert_encoded(&again, &plain, "br");
  assert_int_equal(again.body_len, first.body_len);
  assert_memory_equal(again.body, first.body, first.body_len);
  tl_response_free(&first);
  tl_response_free(&again);
  /* gzip is an entry of its own */
  fetch("GET", own.url, "/openapi/policy.yaml", "gzip", NULL, &again);
  assert_encoded(&again, &plain, "gzip");
  tl_response_free(&again);
  tl_response_free(&plain);
}

static void test_metrics(void **state) {
  (void)state;
  struct tl_response r;
  char url[128];
  snprintf(url, sizeof(url), "%s/metrics", own.admin_url);
  assert_int_equal(tl_http("GET", url, NULL, NULL, 0, 0, &r), 0);
  tl_expect(&r, 200);
  /* exactly what test_what_stays_uncompressed (big/5000: gzip, br) and test_compressed_once
   * (br twice, the second from the cache; gzip once) had compressed */
  assert_non_null(strstr(r.body, "gateway_compressed_responses_total{encoding=\"gzip\"} 2\n"));
  assert_non_null(strstr(r.body, "gateway_compressed_responses_total{encoding=\"br\"} 3\n"));
  assert_non_null(strstr(r.body, "gateway_compression_cache_hits_total 1\n"));
  assert_non_null(strstr(r.body, "# TYPE gateway_compressed_responses_total counter"));
  tl_response_free(&r);
}

static int setup(void **state) {
  (void)state;
  char id[37];
  if (tl_upstream_start("alpha", &up) != 0) return -1;
  gateway_start();
  tl_world_create(&w);
  for (int i = 0; i < 6; i++) tl_world_case(&w, 0, 0, id);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  tl_gateway_stop(&own);
  tl_upstream_stop(up);
  tl_world_free(&w);
  tl_sql_close();
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_openapi_document),
      cmocka_unit_test(test_service_answer_and_etag),
      cmocka_unit_test(test_what_stays_uncompressed),
      cmocka_unit_test(test_compressed_once),
      cmocka_unit_test(test_metrics),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
