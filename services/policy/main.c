/* The policy service: identity, organisations, offices, users, roles and authority decisions.
 * Start, wiring and shutdown only; resources live in their own files.
 *   policy              serve
 *   policy demo-data    load the demo portal into the database, then exit */
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "authority.h"
#include "config.h"
#include "directory.h"
#include "events_cases.h"
#include "jwks.h"
#include "log.h"
#include "org.h"
#include "service.h"
#include "status.h"
#include "store_demo.h"

/* The policy service's own settings, beyond those of every service (svc.cfg); read once here. */
struct policy_config {
  const char *signing_key_file; /* SIGNING_KEY_FILE: the private signing JWK; checked at use */
  long token_ttl_s;             /* TOKEN_TTL_SECONDS (3600): lifetime of issued tokens */
  const char *trusted_proxies;  /* AUTH_TRUSTED_PROXIES: whose X-Forwarded-For names the client */
};

/* CS_OK, or a configuration error said on stderr. */
static int policy_config_read(struct policy_config *c) {
  char err[320];
  c->signing_key_file = config_env("SIGNING_KEY_FILE", NULL);
  c->trusted_proxies = config_env("AUTH_TRUSTED_PROXIES", "");
  if (config_long("TOKEN_TTL_SECONDS", 3600, 60, 86400, &c->token_ttl_s, err, sizeof(err)) !=
      CS_OK) {
    log_error("configuration error: %s", err);
    fprintf(stderr, "policy: configuration error: %s\n", err);
    return CS_ERR_INVALID;
  }
  return CS_OK;
}

int main(int argc, char **argv) {
  struct service svc;
  struct policy_config pc;
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
    policy_directory_routes(&svc);
    policy_org_routes(&svc);
    /* decisions made in-process elsewhere reach the decision log through their events */
    if (policy_events_cases(&svc) != CS_OK) code = 2;
  }
  if (code == 0) {
    code = service_run(&svc);
  }
  service_free(&svc);
  policy_jwks_free();
  return code;
}
