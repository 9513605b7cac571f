/* A gateway of the suite's own that can be killed and started again on its ports (see
 * faults.h). */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "faults.h"
#include "tl_gateway.h"
#include "tl_upstream.h"

static void launch(struct fg *g) {
  char bin[600], ready[128];
  snprintf(bin, sizeof(bin), "%s/gateway/gateway", tl_env("BIN_DIR"));
  g->pid = tl_process_start(bin, g->env, g->log);
  assert_true(g->pid > 0);
  snprintf(ready, sizeof(ready), "%s/readyz", g->url);
  if (!tl_wait_200(ready, 15000)) {
    tl_sh("tail -20 '%s' >&2", g->log);
    fail_msg("the suite's gateway did not become ready");
  }
}

void fg_start(struct fg *g, const char *const *env) {
  memset(g, 0, sizeof(*g));
  g->port = tl_free_port();
  g->admin_port = tl_free_port();
  snprintf(g->url, sizeof(g->url), "http://127.0.0.1:%d", g->port);
  snprintf(g->log, sizeof(g->log), "%s/logs/faults-gateway.log", tl_env("STACK_DIR"));
  static char fixed[5][600];
  snprintf(fixed[0], sizeof(fixed[0]), "PORT=%d", g->port);
  snprintf(fixed[1], sizeof(fixed[1]), "ADMIN_PORT=%d", g->admin_port);
  snprintf(fixed[2], sizeof(fixed[2]), "JWKS_URL=%s/v1/auth/jwks", tl_env("POLICY_URL"));
  snprintf(fixed[3], sizeof(fixed[3]), "OPENAPI_DIR=%s", tl_env("SOURCE_DIR"));
  snprintf(fixed[4], sizeof(fixed[4]), "GATEWAY_SPOOL_DIR=%s/faults-spool", tl_env("STACK_DIR"));
  size_t n = 0;
  for (int i = 0; i < 5; i++) g->env[n++] = fixed[i];
  static const char *const settings[] = {"BIND_ADDRESS=127.0.0.1",
                                         "LOG_LEVEL=info",
                                         "UPSTREAM_HEALTH_INTERVAL_MS=200",
                                         "RATE_LIMIT_PER_MINUTE=0",
                                         "RATE_LIMIT_CLIENT_PER_MINUTE=0",
                                         "RATE_LIMIT_ADDRESS_PER_MINUTE=0",
                                         NULL};
  for (size_t i = 0; settings[i] != NULL; i++) g->env[n++] = settings[i];
  /* the test's settings first: the gateway takes the first of two same names */
  for (size_t i = 0; env != NULL && env[i] != NULL; i++) {
    if (i == 8) fail_msg("fg_start: more than 8 settings");
    snprintf(g->lines[i], sizeof(g->lines[i]), "%s", env[i]);
    g->env[n++] = g->lines[i];
  }
  const char *const *stack = tl_gateway_stack_upstreams();
  for (size_t i = 0; stack[i] != NULL; i++) {
    size_t name = strcspn(stack[i], "=");
    int overridden = 0;
    for (size_t j = 0; env != NULL && env[j] != NULL; j++)
      if (!strncmp(env[j], stack[i], name + 1)) overridden = 1;
    if (!overridden) g->env[n++] = stack[i];
  }
  g->env[n] = NULL;
  launch(g);
}

void fg_restart(struct fg *g) { launch(g); }

void fg_kill9(struct fg *g) {
  if (g->pid <= 0) return;
  kill(g->pid, SIGKILL);
  waitpid(g->pid, NULL, 0);
  g->pid = 0;
}

void fg_stop(struct fg *g) {
  if (g->pid > 0) tl_process_stop(g->pid, 5000);
  g->pid = 0;
}
