/* The API reference the gateway serves itself (gateway/docs.h), through the stack's gateway:
 * the merged OpenAPI document at /v1/openapi.json (public, every routed path of the five
 * documents, every $ref resolving, ETag and 304), the Redoc page at /docs with its
 * Content-Security-Policy and Redoc's script from the gateway itself, and the refusals (another
 * method, a path next to them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testlib.h"

#define PROBLEM(slug) "urn:claimsuite:problem:" slug

static long get(const char *path, const char *header, struct tl_response *r) {
  return tl_call(tl_env("GATEWAY_URL"), "GET", path, NULL, NULL, header, r);
}

/* Counts the $refs under node that do not resolve inside doc (local refs only: the merged
 * document has no other kind), printing each. */
static int broken_refs(const json_t *doc, const json_t *node) {
  int broken = 0;
  const char *key;
  json_t *v;
  size_t i;
  if (json_is_object(node)) {
    const char *ref = tl_str(node, "$ref");
    if (ref != NULL) {
      char section[64], name[256];
      if (sscanf(ref, "#/components/%63[^/]/%255s", section, name) != 2 ||
          json_object_get(json_object_get(json_object_get(doc, "components"), section), name) ==
              NULL) {
        fprintf(stderr, "unresolved $ref %s\n", ref);
        broken++;
      }
    }
    json_object_foreach((json_t *)node, key, v) broken += broken_refs(doc, v);
  } else if (json_is_array(node)) {
    json_array_foreach(node, i, v) broken += broken_refs(doc, v);
  }
  return broken;
}

static void test_merged_document(void **state) {
  (void)state;
  struct tl_response r;
  assert_int_equal(get("/v1/openapi.json", NULL, &r), 200); /* no token */
  char *type = tl_header(&r, "Content-Type");
  assert_non_null(type);
  assert_non_null(strstr(type, "application/json"));
  free(type);
  assert_non_null(r.json);
  tl_assert_str(r.json, "openapi", "3.1.0");
  const json_t *paths = json_object_get(r.json, "paths");
  /* one path of each document, the gateway's own included */
  static const char *const present[] = {
      "/v1/auth/token", "/v1/cases",        "/v1/cases/{id}", "/v1/customer-portal/login",
      "/v1/orders",     "/v1/openapi.json", "/docs",          "/healthz"};
  for (size_t i = 0; i < sizeof(present) / sizeof(present[0]); i++) {
    if (json_object_get(paths, present[i]) == NULL) fail_msg("no path %s", present[i]);
  }
  /* what the gateway never routes stays out */
  assert_null(json_object_get(paths, "/internal/events"));
  assert_null(json_object_get(paths, "/metrics"));
  assert_true(json_object_size(paths) > 100);
  /* components of every document, clashing names kept apart per service */
  const json_t *schemas = json_object_get(json_object_get(r.json, "components"), "schemas");
  assert_non_null(json_object_get(schemas, "Case"));
  assert_non_null(json_object_get(schemas, "User"));
  assert_non_null(json_object_get(schemas, "Order"));
  assert_non_null(json_object_get(schemas, "CasesProblem"));
  assert_non_null(json_object_get(schemas, "PolicyProblem"));
  assert_int_equal(broken_refs(r.json, r.json), 0);
  /* the documents' default security made explicit per operation: a staff path needs a token */
  const json_t *sec =
      json_object_get(json_object_get(json_object_get(paths, "/v1/cases"), "get"), "security");
  assert_true(json_is_array(sec) && json_array_size(sec) > 0);

  /* revalidation: the same ETag, 304 without a body */
  char *etag = tl_header(&r, "ETag");
  assert_non_null(etag);
  assert_int_equal(etag[0], '"');
  tl_assert_header(&r, "Cache-Control", "no-cache");
  char inm[200];
  snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
  struct tl_response again;
  assert_int_equal(get("/v1/openapi.json", inm, &again), 304);
  assert_int_equal(again.body_len, 0);
  tl_response_free(&again);
  assert_int_equal(get("/v1/openapi.json", "If-None-Match: \"other\"", &again), 200);
  tl_response_free(&again);
  free(etag);
  tl_response_free(&r);
}

static void test_reference_page(void **state) {
  (void)state;
  struct tl_response r;
  assert_int_equal(get("/docs", NULL, &r), 200);
  char *type = tl_header(&r, "Content-Type");
  assert_non_null(type);
  assert_non_null(strstr(type, "text/html"));
  free(type);
  /* the page loads the document and Redoc from the gateway, nothing from elsewhere */
  assert_non_null(strstr(r.body, "spec-url=\"v1/openapi.json\""));
  assert_non_null(strstr(r.body, "src=\"docs/redoc.standalone.js\""));
  assert_null(strstr(r.body, "https://"));
  char *csp = tl_header(&r, "Content-Security-Policy");
  assert_non_null(csp);
  assert_non_null(strstr(csp, "default-src 'none'"));
  assert_non_null(strstr(csp, "script-src 'self';"));
  assert_non_null(strstr(csp, "connect-src 'self'"));
  assert_null(strstr(csp, "http"));
  free(csp);
  tl_assert_header(&r, "X-Content-Type-Options", "nosniff");
  tl_response_free(&r);

  assert_int_equal(get("/docs/redoc.standalone.js", NULL, &r), 200);
  type = tl_header(&r, "Content-Type");
  assert_non_null(type);
  assert_non_null(strstr(type, "text/javascript"));
  free(type);
  assert_true(r.body_len > 500000); /* Redoc's whole bundle, React included */
  assert_non_null(strstr(r.body, "Redoc"));
  tl_response_free(&r);
}

static void test_refusals(void **state) {
  (void)state;
  struct tl_response r;
  tl_call(tl_env("GATEWAY_URL"), "POST", "/v1/openapi.json", NULL, "{}", NULL, &r);
  tl_assert_problem(&r, 405, PROBLEM("method-not-allowed"));
  tl_assert_header(&r, "Allow", "GET, HEAD");
  tl_response_free(&r);
  tl_call(tl_env("GATEWAY_URL"), "DELETE", "/docs", NULL, NULL, NULL, &r);
  tl_assert_problem(&r, 405, PROBLEM("method-not-allowed"));
  tl_response_free(&r);
  /* only the three paths: a neighbour is nobody's */
  get("/docs/other.js", NULL, &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_merged_document),
      cmocka_unit_test(test_reference_page),
      cmocka_unit_test(test_refusals),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
