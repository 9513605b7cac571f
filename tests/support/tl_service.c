/* What the tests send as another service of the stack would: service tokens for /internal/
 * routes and signed bus messages, made with the stack's service secret (SERVICE_SECRET_FILE). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bus.h"
#include "service_auth.h"
#include "status.h"
#include "testlib.h"

/* The stack's keys, as a service named "tests" holds them. */
static struct service_auth *stack_auth(void) {
  static struct service_auth *auth;
  if (auth != NULL) return auth;
  char secret[SERVICE_SECRET_MAX + 2];
  FILE *f = fopen(tl_env("SERVICE_SECRET_FILE"), "rb");
  assert_non_null(f);
  size_t n = fread(secret, 1, sizeof(secret) - 1, f);
  fclose(f);
  while (n > 0 && (secret[n - 1] == '\n' || secret[n - 1] == '\r')) n--;
  assert_int_equal(service_auth_new("tests", secret, n, &auth), CS_OK);
  return auth;
}

const char *tl_service_authorization(const char *service) {
  static char line[SERVICE_BEARER_MAX + 32];
  char bearer[SERVICE_BEARER_MAX];
  assert_int_equal(service_auth_bearer(stack_auth(), service, bearer, sizeof(bearer)), CS_OK);
  snprintf(line, sizeof(line), "Authorization: %s", bearer);
  return line;
}

long tl_service_call(const char *base, const char *service, const char *method, const char *path,
                     const char *body, struct tl_response *r) {
  char url[1024];
  const char *h[] = {tl_service_authorization(service),
                     body != NULL ? "Content-Type: application/json" : NULL, NULL};
  snprintf(url, sizeof(url), "%s%s", base, path);
  assert_int_equal(tl_http(method, url, h, body, body != NULL ? strlen(body) : 0, 0, r), 0);
  return r->status;
}

char *tl_signed_message(const char *text) {
  char *message = NULL;
  assert_int_equal(bus_message_sign(stack_auth(), text, &message), CS_OK);
  return message;
}
