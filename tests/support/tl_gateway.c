/* A gateway of the test's own (see tl_gateway.h). */
#include "tl_gateway.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "testlib.h"
#include "tl_upstream.h"

#define MAX_ENV 24

void tl_gateway_start(struct tl_gateway *g, const char *name, const char *const *env) {
  char port_env[32], admin_env[32], jwks_env[600], openapi_env[600], log[512], bin[600], ready[128];
  int port = tl_free_port(), admin = tl_free_port();
  snprintf(g->url, sizeof(g->url), "http://127.0.0.1:%d", port);
  snprintf(g->admin_url, sizeof(g->admin_url), "http://127.0.0.1:%d", admin);
  snprintf(port_env, sizeof(port_env), "PORT=%d", port);
  snprintf(admin_env, sizeof(admin_env), "ADMIN_PORT=%d", admin);
  snprintf(jwks_env, sizeof(jwks_env), "JWKS_URL=%s/v1/auth/jwks", tl_env("POLICY_URL"));
  snprintf(openapi_env, sizeof(openapi_env), "OPENAPI_DIR=%s", tl_env("SOURCE_DIR"));
  const char *all[MAX_ENV + 8] = {port_env,
                                  admin_env,
                                  jwks_env,
                                  openapi_env,
                                  "BIND_ADDRESS=127.0.0.1",
                                  "LOG_LEVEL=info",
                                  "UPSTREAM_HEALTH_INTERVAL_MS=200"};
  size_t n = 7;
  for (size_t i = 0; env[i] != NULL; i++) {
    if (i == MAX_ENV) fail_msg("tl_gateway_start: more than %d settings", MAX_ENV);
    all[n++] = env[i];
  }
  all[n] = NULL;
  snprintf(log, sizeof(log), "%s/logs/%s.log", tl_env("STACK_DIR"), name);
  snprintf(bin, sizeof(bin), "%s/gateway/gateway", tl_env("BIN_DIR"));
  g->pid = tl_process_start(bin, all, log);
  assert_true(g->pid > 0);
  snprintf(ready, sizeof(ready), "%s/readyz", g->url);
  if (!tl_wait_200(ready, 15000)) {
    tl_sh("tail -20 '%s' >&2", log);
    fail_msg("gateway %s did not become ready", name);
  }
}

void tl_gateway_stop(struct tl_gateway *g) {
  if (g->pid > 0) tl_process_stop(g->pid, 5000);
  g->pid = 0;
}

const char *const *tl_gateway_stack_upstreams(void) {
  static char lines[4][600];
  static const char *const env[5] = {lines[0], lines[1], lines[2], lines[3], NULL};
  static const char *const var[4] = {"UPSTREAM_POLICY", "UPSTREAM_CASES", "UPSTREAM_CUSTOMER",
                                     "UPSTREAM_ORDERS"};
  static const char *const url[4] = {"POLICY_URL", "CASES_URL", "CUSTOMER_URL", "ORDERS_URL"};
  for (int i = 0; i < 4; i++) snprintf(lines[i], sizeof(lines[i]), "%s=%s", var[i], tl_env(url[i]));
  return env;
}
