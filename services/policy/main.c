/* The policy service: identity, organisations, offices, users, roles and authority decisions.
 * Start, wiring and shutdown only; resources live in their own files. */
#include <stdio.h>

#include "jwks.h"
#include "service.h"

int main(void) {
  struct service svc;
  int code = service_init(&svc, "policy", 8081);
  if (code == 0 && policy_jwks_init(&svc) != 0) {
    fprintf(stderr, "policy: the token signing key could not be loaded (see SIGNING_KEY_FILE)\n");
    code = 2;
  }
  if (code == 0) code = service_run(&svc);
  service_free(&svc);
  policy_jwks_free();
  return code;
}
