/* The policy service: identity, organisations, offices, users, roles and authority decisions.
 * Start, wiring and shutdown only; resources live in their own files.
 *   policy              serve
 *   policy demo-data    load the demo portal into the database, then exit */
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "authority.h"
#include "demo.h"
#include "directory.h"
#include "jwks.h"
#include "org.h"
#include "service.h"
#include "status.h"

int main(int argc, char **argv) {
  struct service svc;
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
  if (code == 0 && policy_jwks_init(&svc) != 0) {
    fprintf(stderr, "policy: the token signing key could not be loaded (see SIGNING_KEY_FILE)\n");
    code = 2;
  }
  if (code == 0) {
    policy_auth_routes(&svc);
    policy_authority_routes(&svc);
    policy_directory_routes(&svc);
    policy_org_routes(&svc);
    code = service_run(&svc);
  }
  service_free(&svc);
  policy_jwks_free();
  return code;
}
