/* The gateway's pure request logic: prefix table and GATEWAY_ROUTES, public paths, path
 * canonicalisation (/internal and dot-segment tricks), request ids, hop-by-hop headers. */
#include "../../gateway/routes_table.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static const char *routed(const struct gw_routes *t, const char *path) {
  int i = gw_routes_match(t, path);
  return i < 0 ? NULL : gw_upstream_name(t->r[i].upstream);
}

static void test_default_table(void **state) {
  (void)state;
  struct gw_routes t;
  gw_routes_default(&t);
  static const struct {
    const char *path, *upstream;
  } cases[] = {
      {"/v1/auth/token", "policy"},
      {"/v1/auth/jwks", "policy"},
      {"/v1/companies", "policy"},
      {"/v1/offices/x", "policy"},
      {"/v1/users/1/roles", "policy"},
      {"/v1/roles", "policy"},
      {"/v1/portal", "policy"},
      {"/v1/me", "policy"},
      {"/v1/api-clients/7", "policy"},
      {"/v1/authorize", "policy"},
      {"/v1/cases", "cases"},
      {"/v1/cases/abc/tasks", "cases"},
      {"/v1/temporary-cases/1", "cases"},
      {"/v1/dashboard", "cases"},
      {"/v1/reports/x.csv", "cases"},
      {"/v1/customer", "customer"},
      {"/v1/customer/x", "customer"},
      {"/v1/customer-portal/login", "customer"},
      {"/v1/notifications", "customer"},
      {"/v1/webhooks", "customer"},
      {"/v1/webhooks/x/deliveries", "customer"},
      {"/v1/orders/1", "orders"},
      {"/v1/approvals", "orders"},
      {"/v1/cases/", "cases"},
      {"/v1/events", "customer"},
      {"/v1/portals", "policy"},
      {"/v1/portals/x", "policy"},
      {"/v1/rfqs", "cases"},
      {"/v1/rfq-invitations/t/quotes", "cases"},
      {"/c", "customer"},
      {"/c/", "customer"},
      {"/c/app.js", "customer"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const char *got = routed(&t, cases[i].path);
    if (got == NULL || strcmp(got, cases[i].upstream) != 0) {
      fail_msg("%s routed to %s, expected %s", cases[i].path, got ? got : "(none)",
               cases[i].upstream);
    }
  }
  /* whole segments only */
  assert_null(routed(&t, "/v1/casesx"));
  assert_null(routed(&t, "/cx"));
  assert_null(routed(&t, "/v1/mex"));
  assert_null(routed(&t, "/v1/nope"));
  assert_null(routed(&t, "/v1"));
  assert_null(routed(&t, "/"));
  assert_null(routed(&t, "/internal/events"));
}

static void test_longest_prefix_wins(void **state) {
  (void)state;
  struct gw_routes t;
  char err[256];
  assert_int_equal(
      gw_routes_parse("/v1/a=policy; /v1/a/b = cases ;;/v1/a/b/c=orders", &t, err, sizeof(err)),
      CS_OK);
  assert_int_equal(t.n, 3);
  assert_string_equal(routed(&t, "/v1/a"), "policy");
  assert_string_equal(routed(&t, "/v1/a/x"), "policy");
  assert_string_equal(routed(&t, "/v1/a/b"), "cases");
  assert_string_equal(routed(&t, "/v1/a/b/x"), "cases");
  assert_string_equal(routed(&t, "/v1/a/b/c/d"), "orders");
  assert_string_equal(routed(&t, "/v1/a/bc"), "policy");
  assert_null(routed(&t, "/v1/ab"));
  /* order in the spec does not matter */
  assert_int_equal(gw_routes_parse("/v1/a/b=cases;/v1/a=policy", &t, err, sizeof(err)), CS_OK);
  assert_string_equal(routed(&t, "/v1/a/b/x"), "cases");
  /* a trailing slash in the spec is dropped; "/" routes everything */
  assert_int_equal(gw_routes_parse("/v1/x/=customer;/=orders", &t, err, sizeof(err)), CS_OK);
  assert_string_equal(t.r[0].prefix, "/v1/x");
  assert_string_equal(routed(&t, "/v1/x/1"), "customer");
  assert_string_equal(routed(&t, "/anything"), "orders");
}

static void test_routes_parse_errors(void **state) {
  (void)state;
  struct gw_routes t;
  char err[256];
  static const char *const bad[] = {
      "/v1/a",                    /* no '=' */
      "/v1/a=nobody",             /* unknown upstream */
      "v1/a=policy",              /* not absolute */
      "/v1/a=policy;/v1/a=cases", /* twice */
      "/internal=policy",         /* never routed */
      "/Internal/x=policy",
      "/v1/../x=policy", /* dot segment */
      "/v1//a=policy",   /* empty segment */
      "/v1/a?x=policy",  /* query */
      "/v1/%61=policy",  /* escapes */
      "",                /* nothing */
      " ; ; ",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    err[0] = '\0';
    if (gw_routes_parse(bad[i], &t, err, sizeof(err)) != CS_ERR_INVALID) {
      fail_msg("'%s' was accepted", bad[i]);
    }
    assert_non_null(strstr(err, "GATEWAY_ROUTES"));
    assert_int_equal(t.n, 0);
  }
}

static void test_public_paths(void **state) {
  (void)state;
  struct gw_prefixes l;
  char err[256];
  gw_public_default(&l);
  assert_true(gw_path_is_public(&l, "/v1/auth/token"));
  assert_true(gw_path_is_public(&l, "/v1/auth/jwks"));
  assert_true(gw_path_is_public(&l, "/v1/customer-portal/login"));
  assert_true(gw_path_is_public(&l, "/v1/customer-portal/login/code"));
  assert_true(gw_path_is_public(&l, "/healthz"));
  assert_true(gw_path_is_public(&l, "/readyz"));
  assert_true(gw_path_is_public(&l, "/metrics"));
  assert_true(gw_path_is_public(&l, "/openapi/cases.yaml"));
  assert_true(gw_path_is_public(&l, "/v1/customer-portal/messages"));
  assert_false(gw_path_is_public(&l, "/v1/customer-portalx"));
  assert_false(gw_path_is_public(&l, "/v1/customer/settings"));
  assert_true(gw_path_is_public(&l, "/v1/rfq-invitations/abc"));
  assert_false(gw_path_is_public(&l, "/v1/rfqs"));
  assert_false(gw_path_is_public(&l, "/v1/authx"));
  assert_false(gw_path_is_public(&l, "/v1/cases"));
  assert_false(gw_path_is_public(&l, "/healthz/x"));
  /* the customer page's files open before any session */
  assert_true(gw_path_is_public(&l, "/c/"));
  assert_true(gw_path_is_public(&l, "/c/app.js"));
  assert_false(gw_path_is_public(&l, "/cases"));
  assert_int_equal(gw_public_parse("/v1/open; /v1/also/", &l, err, sizeof(err)), CS_OK);
  assert_true(gw_path_is_public(&l, "/v1/also/x"));
  assert_false(gw_path_is_public(&l, "/v1/auth/token"));
  assert_int_equal(gw_public_parse("/", &l, err, sizeof(err)), CS_ERR_INVALID);
  assert_int_equal(gw_public_parse("x", &l, err, sizeof(err)), CS_ERR_INVALID);
}

static int canon(const char *raw, char *out) { return gw_path_canonical(raw, out, 256); }

static void test_path_canonical(void **state) {
  (void)state;
  char out[256];
  assert_int_equal(canon("/v1/cases/1", out), GW_PATH_OK);
  assert_string_equal(out, "/v1/cases/1");
  assert_int_equal(canon("//v1///cases//1", out), GW_PATH_OK);
  assert_string_equal(out, "/v1/cases/1");
  assert_int_equal(canon("/v1/%63ases", out), GW_PATH_OK);
  assert_string_equal(out, "/v1/cases");
  assert_int_equal(canon("/v1/a%2Fb", out), GW_PATH_OK);
  assert_string_equal(out, "/v1/a/b");
  assert_int_equal(canon("/v1/file.v2..x", out), GW_PATH_OK);

  static const char *const internal[] = {
      "/internal/events",     "//internal/events",   "/internal",      "/INTERNAL/events",
      "/%69nternal/events",   "/%2finternal/events", "/%252finternal", "/%2569nternal/events",
      "/internal;x=1/events", "///internal",
  };
  for (size_t i = 0; i < sizeof(internal) / sizeof(internal[0]); i++) {
    if (canon(internal[i], out) != GW_PATH_INTERNAL) fail_msg("%s is not internal", internal[i]);
  }
  static const char *const bad[] = {
      "/v1/../internal/events",
      "/v1/cases/..",
      "/v1/./cases",
      "/v1/%2e%2e/internal",
      "/v1/%2E%2E/internal",
      "/v1/.%2e/internal",
      "/v1/%252e%252e/internal",
      "/v1/..;/internal",
      "/v1/%00",
      "/v1/%zz",
      "/v1/%2",
      "v1/cases",
      "",
      "*",
      "/v1\\..\\internal",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    if (canon(bad[i], out) != GW_PATH_BAD) fail_msg("%s is not refused", bad[i]);
  }
  /* a path longer than the buffer is refused, not cut */
  char longpath[300];
  memset(longpath, 'a', sizeof(longpath) - 1);
  longpath[0] = '/';
  longpath[sizeof(longpath) - 1] = '\0';
  assert_int_equal(canon(longpath, out), GW_PATH_BAD);
}

static void test_hop_by_hop(void **state) {
  (void)state;
  static const char *const hop[] = {"Connection",
                                    "keep-alive",
                                    "Transfer-Encoding",
                                    "te",
                                    "Trailer",
                                    "Upgrade",
                                    "Host",
                                    "Content-Length",
                                    "Proxy-Authorization",
                                    "proxy-connection"};
  for (size_t i = 0; i < sizeof(hop) / sizeof(hop[0]); i++) {
    if (!gw_header_is_hop_by_hop(hop[i], NULL)) fail_msg("%s passes", hop[i]);
  }
  static const char *const end_to_end[] = {"Authorization", "Content-Type", "Accept",
                                           "Set-Cookie",    "X-Request-Id", "Idempotency-Key",
                                           "If-Match",      "ETag",         "Tea"};
  for (size_t i = 0; i < sizeof(end_to_end) / sizeof(end_to_end[0]); i++) {
    if (gw_header_is_hop_by_hop(end_to_end[i], NULL)) fail_msg("%s is dropped", end_to_end[i]);
  }
  /* names listed in Connection are hop-by-hop too */
  assert_true(gw_header_is_hop_by_hop("X-Secret", "close, x-secret"));
  assert_true(gw_header_is_hop_by_hop("X-Secret", " X-SECRET "));
  assert_false(gw_header_is_hop_by_hop("X-Secret", "close, x-secretive"));
  assert_false(gw_header_is_hop_by_hop("X-Other", "keep-alive"));
}

static void test_upstream_names(void **state) {
  (void)state;
  assert_int_equal(gw_upstream_from_name("cases", 5), GW_UP_CASES);
  assert_int_equal(gw_upstream_from_name("casesx", 5), GW_UP_CASES);
  assert_int_equal(gw_upstream_from_name("case", 4), -1);
  assert_string_equal(gw_upstream_name(GW_UP_ORDERS), "orders");
  assert_null(gw_upstream_name(GW_UP_COUNT));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_default_table),       cmocka_unit_test(test_longest_prefix_wins),
      cmocka_unit_test(test_routes_parse_errors), cmocka_unit_test(test_public_paths),
      cmocka_unit_test(test_path_canonical),      cmocka_unit_test(test_hop_by_hop),
      cmocka_unit_test(test_upstream_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
