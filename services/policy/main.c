/* The policy service: identity, organisations, offices, users, roles and authority decisions.
 * Start, wiring and shutdown only; resources live in their own files.
 *   policy              serve
 *   policy demo-data    load the demo portal into the database, then exit */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "authority.h"
#include "config.h"
#include "demo.h"
#include "events_cases.h"
#include "http_operators.h"
#include "http_portals.h"
#include "jwks.h"
#include "log.h"
#include "operators.h"
#include "org.h"
#include "service.h"
#include "status.h"

/* The policy service's own settings, beyond those of every service (svc.cfg); read once here. */
struct policy_config {
  const char *signing_key_file; /* SIGNING_KEY_FILE: the private signing JWK; checked at use */
  long token_ttl_s;             /* TOKEN_TTL_SECONDS (3600): lifetime of issued tokens */
  const char *trusted_proxies;  /* AUTH_TRUSTED_PROXIES: whose X-Forwarded-For names the client */
  /* The platform operator (operators.h): PLATFORM_OPERATOR_ID and its secret, from
   * PLATFORM_OPERATOR_SECRET or the file PLATFORM_OPERATOR_SECRET_FILE (one of them, the file
   * without a final newline); all unset: no operator */
  const char *operator_id;
  char *operator_secret; /* new (free() after wiring: only its hash is kept) */
};

/* The secret in file path (one line; a final newline dropped) into *out (new). */
static int read_secret_file(const char *path, char **out, char *err, size_t errlen) {
  char buf[POLICY_OPERATOR_SECRET_MAX + 2];
  FILE *f = fopen(path, "r");
  size_t n;
  *out = NULL;
  if (f == NULL) {
    snprintf(err, errlen, "PLATFORM_OPERATOR_SECRET_FILE: cannot read %.200s", path);
    return CS_ERR_INVALID;
  }
  n = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  buf[n] = '\0';
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) buf[--n] = '\0';
  if (strlen(buf) != n) {
    snprintf(err, errlen, "PLATFORM_OPERATOR_SECRET_FILE: %.200s holds a NUL byte", path);
    return CS_ERR_INVALID;
  }
  *out = strdup(buf);
  explicit_bzero(buf, sizeof(buf));
  return *out != NULL ? CS_OK : CS_ERR_NOMEM;
}

/* The operator's settings into c: CS_OK, or CS_ERR_INVALID with why in err. */
static int operator_config_read(struct policy_config *c, char *err, size_t errlen) {
  const char *secret = config_env("PLATFORM_OPERATOR_SECRET", NULL);
  const char *file = config_env("PLATFORM_OPERATOR_SECRET_FILE", NULL);
  c->operator_id = config_env("PLATFORM_OPERATOR_ID", NULL);
  if (secret != NULL && file != NULL) {
    snprintf(err, errlen,
             "set PLATFORM_OPERATOR_SECRET or PLATFORM_OPERATOR_SECRET_FILE, not both");
    return CS_ERR_INVALID;
  }
  if (file != NULL && read_secret_file(file, &c->operator_secret, err, errlen) != CS_OK)
    return CS_ERR_INVALID;
  if (secret != NULL && (c->operator_secret = strdup(secret)) == NULL) return CS_ERR_NOMEM;
  return policy_operator_settings_check(c->operator_id, c->operator_secret, err, errlen);
}

/* CS_OK, or a configuration error said on stderr. */
static int policy_config_read(struct policy_config *c) {
  char err[320];
  memset(c, 0, sizeof(*c));
  c->signing_key_file = config_env("SIGNING_KEY_FILE", NULL);
  c->trusted_proxies = config_env("AUTH_TRUSTED_PROXIES", "");
  if (config_long("TOKEN_TTL_SECONDS", 3600, 60, 86400, &c->token_ttl_s, err, sizeof(err)) !=
          CS_OK ||
      operator_config_read(c, err, sizeof(err)) != CS_OK) {
    log_error("configuration error: %s", err);
    fprintf(stderr, "policy: configuration error: %s\n", err);
    return CS_ERR_INVALID;
  }
  return CS_OK;
}

static void policy_config_free(struct policy_config *c) {
  if (c->operator_secret != NULL) {
    explicit_bzero(c->operator_secret, strlen(c->operator_secret));
    free(c->operator_secret);
  }
  memset(c, 0, sizeof(*c));
}

int main(int argc, char **argv) {
  struct service svc;
  struct policy_config pc = {0};
  int code = service_init(&svc, "policy", 8081);
  if (code == 0 && argc > 1 && !strcmp(argv[1], "demo-data")) {
    code = policy_demo_load(svc.cfg.database_url) == CS_OK ? 0 : 1;
    service_free(&svc);
    return code;
  }
  if (code == 0 && argc > 1) {
    fprintf(stderr, "usage: policy [demo-data]\n");
    code = 64;
  }
  if (code == 0 && policy_config_read(&pc) != CS_OK) code = 2;
  if (code == 0 && policy_jwks_init(&svc, pc.signing_key_file) != 0) {
    fprintf(stderr, "policy: the token signing key could not be loaded (see SIGNING_KEY_FILE)\n");
    code = 2;
  }
  if (code == 0) {
    policy_auth_routes(&svc, pc.token_ttl_s, pc.trusted_proxies);
    policy_authority_routes(&svc);
    policy_org_routes(&svc);
    policy_portals_routes(&svc);
    policy_operator_wire(&svc, pc.operator_id, pc.operator_secret);
    policy_config_free(&pc); /* the operator's secret: hashed by now */
    /* decisions made in-process elsewhere reach the decision log through their events */
    if (policy_events_cases(&svc) != CS_OK) code = 2;
  }
  if (code == 0) {
    code = service_run(&svc);
  }
  policy_config_free(&pc);
  service_free(&svc);
  policy_jwks_free();
  return code;
}
