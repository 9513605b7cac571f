/* The outgoing HTTP client of common/ (http_client.c) against a recording upstream on 127.0.0.1
 * (tl_upstream.h): a JSON POST carries its body, Content-Type and the request id, and the same
 * handle sends a GET afterwards on the kept-alive connection; size cap and refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "http_client.h"
#include "log.h"
#include "status.h"
#include "tl_upstream.h"

static const struct httpc_options options = {2000, 5000, 64 * 1024, NULL, NULL, NULL};
static struct tl_upstream *up;

static void url_of(char *buf, size_t len, const char *path) {
  snprintf(buf, len, "http://127.0.0.1:%d%s", tl_upstream_port(up), path);
}

static void expect_header(const struct tl_seen *s, const char *name, const char *value) {
  char *v = tl_seen_header(s, name);
  if (v == NULL || strcmp(v, value) != 0)
    fail_msg("header %s is '%s', expected '%s'", name, v ? v : "(none)", value);
  free(v);
}

static void test_post_then_get(void **state) {
  (void)state;
  CURL *h = httpc_handle_new(&options);
  struct httpc_body body;
  struct tl_seen post, get;
  char url[128], err[256];
  long status = 0;
  const char *json = "{\"ids\":[\"a\",\"b\"],\"n\":1}";

  assert_non_null(h);
  log_set_request_id("req-post-1");
  url_of(url, sizeof(url), "/internal/post-one");
  assert_int_equal(httpc_post_json(h, &options, url, json, &status, &body, err, sizeof(err)),
                   CS_OK);
  assert_int_equal(status, 200);
  assert_non_null(strstr(body.data, "\"method\":\"POST\""));
  free(body.data);
  assert_int_equal(tl_upstream_find(up, "/internal/post-one", &post), 0);
  assert_string_equal(post.method, "POST");
  assert_int_equal(post.body_len, strlen(json));
  assert_string_equal(post.body, json);
  expect_header(&post, "Content-Type", "application/json");
  expect_header(&post, "X-Request-Id", "req-post-1");
  assert_int_equal(tl_seen_header_count(&post, "Expect"), 0);

  /* the same handle is a GET handle again: no body, no Content-Type, same connection */
  log_set_request_id(NULL);
  url_of(url, sizeof(url), "/internal/get-after");
  assert_int_equal(httpc_get(h, &options, url, &status, &body, err, sizeof(err)), CS_OK);
  assert_int_equal(status, 200);
  assert_non_null(strstr(body.data, "\"method\":\"GET\""));
  free(body.data);
  assert_int_equal(tl_upstream_find(up, "/internal/get-after", &get), 0);
  assert_string_equal(get.method, "GET");
  assert_int_equal(get.body_len, 0);
  assert_int_equal(tl_seen_header_count(&get, "Content-Type"), 0);
  assert_int_equal(tl_seen_header_count(&get, "X-Request-Id"), 0);
  assert_int_equal(get.connection_id, post.connection_id);

  /* and POST again after the GET */
  url_of(url, sizeof(url), "/internal/post-two/status/422");
  assert_int_equal(httpc_post_json(h, &options, url, "{}", &status, &body, err, sizeof(err)),
                   CS_OK);
  assert_int_equal(status, 422);
  free(body.data);
  tl_seen_free(&post);
  assert_int_equal(tl_upstream_find(up, "/internal/post-two", &post), 0);
  assert_string_equal(post.method, "POST");
  assert_string_equal(post.body, "{}");
  tl_seen_free(&post);
  tl_seen_free(&get);
  curl_easy_cleanup(h);
}

static void test_failures(void **state) {
  (void)state;
  const struct httpc_options small = {2000, 5000, 100, NULL, NULL, NULL};
  CURL *h = httpc_handle_new(&small);
  struct httpc_body body;
  char url[128], err[256];
  long status = -1;

  assert_non_null(h);
  url_of(url, sizeof(url), "/big/5000");
  assert_int_equal(httpc_post_json(h, &small, url, "{}", &status, &body, err, sizeof(err)),
                   CS_ERR_UNAVAILABLE);
  assert_true(err[0] != '\0'); /* curl's "Maximum file size exceeded" or ours */
  free(body.data);

  snprintf(url, sizeof(url), "http://127.0.0.1:%d/internal/x", tl_free_port());
  assert_int_equal(httpc_post_json(h, &small, url, "{}", &status, &body, err, sizeof(err)),
                   CS_ERR_UNAVAILABLE);
  assert_int_equal(status, 0);
  assert_true(err[0] != '\0');
  free(body.data);
  curl_easy_cleanup(h);
}

static int setup(void **state) {
  (void)state;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  return tl_upstream_start("recorder", &up);
}

static int teardown(void **state) {
  (void)state;
  tl_upstream_stop(up);
  curl_global_cleanup();
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_post_then_get),
      cmocka_unit_test(test_failures),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
