/* Test helper: tokens signed with the stack's signing key (SIGNING_KEY_FILE of the stack
 * environment), exactly as the policy service would sign them. */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "jwt.h"
#include "status.h"
#include "testlib.h"

static json_t *key; /* read once, kept for the life of the executable */
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void load_key(void) {
  const char *path = tl_env("SIGNING_KEY_FILE");
  int rc = jwt_private_jwk_load(path, &key);
  if (rc != CS_OK) {
    fprintf(stderr, "tl_token: cannot load the signing key %s (status %d)\n", path, rc);
    abort();
  }
}

char *tl_token(const char *sub, long ttl_s, const json_t *extra) {
  json_t *claims = NULL;
  char *token = NULL;
  json_int_t now = (json_int_t)time(NULL);
  int rc;

  pthread_once(&key_once, load_key);
  claims = json_pack("{s:s, s:s, s:I, s:I}", "iss", "claimsuite", "sub", sub != NULL ? sub : "",
                     "iat", now, "exp", now + (json_int_t)ttl_s);
  /* extra comes last, so a test may replace any standard claim (or null it) on purpose */
  if (claims == NULL || (extra != NULL && json_object_update(claims, (json_t *)extra) != 0)) {
    fprintf(stderr, "tl_token: cannot build the claims\n");
    abort();
  }
  if ((rc = jwt_sign(key, claims, &token)) != CS_OK) {
    fprintf(stderr, "tl_token: signing failed (status %d)\n", rc);
    abort();
  }
  json_decref(claims);
  return token;
}
