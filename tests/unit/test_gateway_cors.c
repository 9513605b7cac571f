/* The gateway's CORS rules: reading CORS_ALLOWED_ORIGINS and CORS_PORTAL_ORIGINS, which origin
 * may read which caller's answers, and the preflight's answer. */
#include "../../gateway/cors.c"
#include "../../gateway/resp_headers.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static void test_parse(void **state) {
  (void)state;
  struct gw_cors c;
  char err[256];
  assert_int_equal(
      gw_cors_parse(" http://localhost:3000 , https://app.example,", "", &c, err, sizeof(err)),
      CS_OK);
  assert_int_equal(c.n, 2);
  assert_string_equal(c.rules[0].origin, "http://localhost:3000");
  assert_null(c.rules[0].portal);
  gw_cors_free(&c);
  assert_int_equal(
      gw_cors_parse("", "p1=https://a.example|https://b.example:8443; p2 = https://c.example;", &c,
                    err, sizeof(err)),
      CS_OK);
  assert_int_equal(c.n, 3);
  assert_string_equal(c.rules[1].origin, "https://b.example:8443");
  assert_string_equal(c.rules[1].portal, "p1");
  assert_string_equal(c.rules[2].portal, "p2");
  gw_cors_free(&c);
  gw_cors_free(&c); /* idempotent */
  assert_int_equal(gw_cors_parse("", "", &c, err, sizeof(err)), CS_OK);
  assert_int_equal(c.n, 0);

  /* what is not an origin is refused at start, naming the variable */
  static const char *const bad_global[] = {"*",
                                           "https://a.example/",
                                           "https://a.example/app",
                                           "ftp://a.example",
                                           "a.example",
                                           "https://A.example",
                                           "https://"};
  for (size_t i = 0; i < sizeof(bad_global) / sizeof(bad_global[0]); i++) {
    assert_int_equal(gw_cors_parse(bad_global[i], "", &c, err, sizeof(err)), CS_ERR_INVALID);
    assert_non_null(strstr(err, "CORS_ALLOWED_ORIGINS"));
    assert_int_equal(c.n, 0);
  }
  static const char *const bad_portal[] = {"https://a.example", "=https://a.example",
                                           "p1=https://a.example/x", "p1=https://a.example,p2"};
  for (size_t i = 0; i < sizeof(bad_portal) / sizeof(bad_portal[0]); i++) {
    assert_int_equal(gw_cors_parse("http://ok.example", bad_portal[i], &c, err, sizeof(err)),
                     CS_ERR_INVALID);
    assert_non_null(strstr(err, "CORS_PORTAL_ORIGINS"));
    assert_int_equal(c.n, 0);
  }
}

static void test_allowed(void **state) {
  (void)state;
  struct gw_cors c;
  char err[256];
  assert_int_equal(gw_cors_parse("http://localhost:5173",
                                 "p1=https://a.example;p2=https://b.example", &c, err, sizeof(err)),
                   CS_OK);
  /* a deployment origin: every caller */
  assert_true(gw_cors_allowed(&c, "http://localhost:5173", "p1"));
  assert_true(gw_cors_allowed(&c, "http://localhost:5173", ""));
  assert_true(gw_cors_allowed(&c, "http://localhost:5173", NULL));
  /* a portal's origin: that portal's callers, and answers that carry no portal's data */
  assert_true(gw_cors_allowed(&c, "https://a.example", "p1"));
  assert_false(gw_cors_allowed(&c, "https://a.example", "p2"));
  assert_false(gw_cors_allowed(&c, "https://a.example", ""));
  assert_true(gw_cors_allowed(&c, "https://a.example", NULL));
  /* anything else: never */
  assert_false(gw_cors_allowed(&c, "https://a.example.evil", NULL));
  assert_false(gw_cors_allowed(&c, "http://localhost:5174", NULL));
  assert_false(gw_cors_allowed(&c, "null", NULL));
  assert_false(gw_cors_allowed(&c, NULL, NULL));
  gw_cors_free(&c);
}

static void preflight(const struct gw_cors *c, const char *origin, const char *method,
                      const char *headers, struct _u_response *resp, int *answered) {
  struct _u_request req;
  ulfius_init_request(&req);
  o_free(req.http_verb);
  req.http_verb = o_strdup("OPTIONS");
  if (origin) u_map_put(req.map_header, "Origin", origin);
  if (method) u_map_put(req.map_header, "Access-Control-Request-Method", method);
  if (headers) u_map_put(req.map_header, "Access-Control-Request-Headers", headers);
  ulfius_init_response(resp);
  *answered = gw_cors_preflight(c, &req, resp);
  ulfius_clean_request(&req);
}

static void test_preflight(void **state) {
  (void)state;
  struct gw_cors c;
  struct _u_response resp;
  char err[256];
  int answered;
  assert_int_equal(
      gw_cors_parse("http://localhost:3000", "p1=https://a.example", &c, err, sizeof(err)), CS_OK);
  c.max_age_s = 600;

  preflight(&c, "https://a.example", "PATCH", "authorization, content-type, If-Match", &resp,
            &answered);
  assert_true(answered);
  assert_int_equal(resp.status, 204);
  assert_string_equal(u_map_get_case(resp.map_header, "Access-Control-Allow-Origin"),
                      "https://a.example");
  assert_string_equal(u_map_get_case(resp.map_header, "Access-Control-Allow-Methods"),
                      "GET, POST, PUT, PATCH, DELETE");
  assert_non_null(
      strstr(u_map_get_case(resp.map_header, "Access-Control-Allow-Headers"), "Idempotency-Key"));
  assert_string_equal(u_map_get_case(resp.map_header, "Access-Control-Max-Age"), "600");
  assert_null(u_map_get_case(resp.map_header, "Access-Control-Allow-Credentials"));
  assert_true(gw_list_has_token(u_map_get_case(resp.map_header, "Vary"), "Origin"));
  ulfius_clean_response(&resp);

  /* credentials only when configured */
  c.credentials = 1;
  preflight(&c, "http://localhost:3000", "GET", NULL, &resp, &answered);
  assert_int_equal(resp.status, 204);
  assert_string_equal(u_map_get_case(resp.map_header, "Access-Control-Allow-Credentials"), "true");
  ulfius_clean_response(&resp);
  c.credentials = 0;

  /* an origin nobody configured, a method or a header not allowed: 403, no ACAO */
  const char *refused[][3] = {{"https://evil.example", "GET", NULL},
                              {"https://a.example", "TRACE", NULL},
                              {"https://a.example", "POST", "content-type, x-secret"}};
  for (size_t i = 0; i < 3; i++) {
    preflight(&c, refused[i][0], refused[i][1], refused[i][2], &resp, &answered);
    assert_true(answered);
    assert_int_equal(resp.status, 403);
    assert_string_equal(u_map_get_case(resp.map_header, "Content-Type"),
                        "application/problem+json");
    assert_null(u_map_get_case(resp.map_header, "Access-Control-Allow-Origin"));
    ulfius_clean_response(&resp);
  }

  /* not a preflight: left to the rest of the path */
  preflight(&c, "https://a.example", NULL, NULL, &resp, &answered);
  assert_false(answered);
  ulfius_clean_response(&resp);
  preflight(&c, NULL, "GET", NULL, &resp, &answered);
  assert_false(answered);
  ulfius_clean_response(&resp);
  gw_cors_free(&c);
  /* CORS off: no preflight is answered here */
  preflight(&c, "https://a.example", "GET", NULL, &resp, &answered);
  assert_false(answered);
  ulfius_clean_response(&resp);
}

static void decorate(const struct gw_cors *c, const char *origin, const json_t *claims,
                     struct _u_response *resp) {
  struct _u_request req;
  ulfius_init_request(&req);
  if (origin) u_map_put(req.map_header, "Origin", origin);
  ulfius_init_response(resp);
  u_map_put(resp->map_header, "vary", "Authorization");
  gw_cors_decorate(c, &req, claims, resp);
  ulfius_clean_request(&req);
}

static void test_decorate(void **state) {
  (void)state;
  struct gw_cors c;
  struct _u_response resp;
  char err[256];
  assert_int_equal(
      gw_cors_parse("http://localhost:3000", "p1=https://a.example", &c, err, sizeof(err)), CS_OK);
  json_t *p1 = json_pack("{s:s, s:s}", "sub", "u1", "portal_id", "p1");
  json_t *p2 = json_pack("{s:s, s:s}", "sub", "u2", "portal_id", "p2");
  json_t *operator= json_pack("{s:s, s:s}", "sub", "op", "kind", "operator");

  decorate(&c, "https://a.example", p1, &resp);
  assert_string_equal(u_map_get_case(resp.map_header, "Access-Control-Allow-Origin"),
                      "https://a.example");
  assert_non_null(
      strstr(u_map_get_case(resp.map_header, "Access-Control-Expose-Headers"), "RateLimit-Policy"));
  /* added to the upstream's Vary under its spelling, not beside it */
  assert_string_equal(u_map_get(resp.map_header, "vary"), "Authorization, Origin");
  assert_null(u_map_get(resp.map_header, "Vary"));
  ulfius_clean_response(&resp);

  /* another portal's caller, the operator: not from p1's front end */
  decorate(&c, "https://a.example", p2, &resp);
  assert_null(u_map_get_case(resp.map_header, "Access-Control-Allow-Origin"));
  assert_string_equal(u_map_get_case(resp.map_header, "Vary"), "Authorization, Origin");
  ulfius_clean_response(&resp);
  decorate(&c, "https://a.example", operator, & resp);
  assert_null(u_map_get_case(resp.map_header, "Access-Control-Allow-Origin"));
  ulfius_clean_response(&resp);
  /* the deployment's origin: everyone */
  decorate(&c, "http://localhost:3000", p2, &resp);
  assert_string_equal(u_map_get_case(resp.map_header, "Access-Control-Allow-Origin"),
                      "http://localhost:3000");
  ulfius_clean_response(&resp);
  /* no token verified (a login): any configured origin */
  decorate(&c, "https://a.example", NULL, &resp);
  assert_string_equal(u_map_get_case(resp.map_header, "Access-Control-Allow-Origin"),
                      "https://a.example");
  ulfius_clean_response(&resp);
  decorate(&c, "https://evil.example", NULL, &resp);
  assert_null(u_map_get_case(resp.map_header, "Access-Control-Allow-Origin"));
  assert_null(u_map_get_case(resp.map_header, "Access-Control-Expose-Headers"));
  ulfius_clean_response(&resp);
  gw_cors_free(&c);
  /* CORS off: nothing at all */
  decorate(&c, "https://a.example", p1, &resp);
  assert_null(u_map_get_case(resp.map_header, "Access-Control-Allow-Origin"));
  assert_string_equal(u_map_get_case(resp.map_header, "Vary"), "Authorization");
  ulfius_clean_response(&resp);
  json_decref(p1);
  json_decref(p2);
  json_decref(operator);
}

static void test_header_tokens(void **state) {
  (void)state;
  assert_true(gw_list_has_token("Origin, Accept-Encoding", "accept-encoding"));
  assert_true(gw_list_has_token(" origin ", "Origin"));
  assert_false(gw_list_has_token("Origins", "Origin"));
  assert_false(gw_list_has_token("", "Origin"));
  assert_false(gw_list_has_token(NULL, "Origin"));
  struct _u_map m;
  u_map_init(&m);
  assert_int_equal(gw_header_add_token(&m, "Vary", "Origin"), CS_OK);
  assert_int_equal(gw_header_add_token(&m, "VARY", "origin"), CS_OK);
  assert_string_equal(u_map_get(&m, "Vary"), "Origin");
  u_map_put(&m, "Content-length", "12");
  u_map_put(&m, "content-Length", "12");
  gw_header_remove(&m, "Content-Length");
  assert_null(u_map_get_case(&m, "Content-Length"));
  assert_int_equal(u_map_count(&m), 1);
  u_map_clean(&m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse),         cmocka_unit_test(test_allowed),
      cmocka_unit_test(test_preflight),     cmocka_unit_test(test_decorate),
      cmocka_unit_test(test_header_tokens),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
