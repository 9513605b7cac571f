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

/* The operator's settings into c: CS_OK, or CS_ERR_INVALID with why in err. */
static int operator_config_read(struct policy_config *c, char *err, size_t errlen) {
  c->operator_id = config_env("PLATFORM_OPERATOR_ID", NULL);
  /* lengths are checked below, with what the id needs */
  if (config_secret("PLATFORM_OPERATOR_SECRET", 0, 0, POLICY_OPERATOR_SECRET_MAX + 1,
                    &c->operator_secret, err, errlen) != CS_OK)
    return CS_ERR_INVALID;
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
  config_secret_free(c->operator_secret);
  memset(c, 0, sizeof(*c));
}

#define POLICY_DEFAULT_DATABASE_URL "host=127.0.0.1 port=5432 dbname=claimsuite user=policy"

int main(int argc, char **argv) {
  struct service svc;
  struct policy_config pc = {0};
  if (argc > 1 && !strcmp(argv[1], "demo-data")) {
    /* a one-off against the database: none of a running service's settings or secrets */
    if (log_init("policy", config_env("LOG_LEVEL", "info")) != CS_OK) return 2;
    int rc = policy_demo_load(config_env("DATABASE_URL", POLICY_DEFAULT_DATABASE_URL));
    log_close();
    return rc == CS_OK ? 0 : 1;
  }
  int code = service_init(&svc, "policy", 8081);
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
