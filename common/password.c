/* argon2id hashing of passwords and client secrets. */
#include "password.h"

#include <argon2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "status.h"

#define SALT_LEN 16
#define HASH_LEN 32

int password_hash(const char *password, char **encoded) {
  unsigned char salt[SALT_LEN];
  *encoded = NULL;
  if (getrandom(salt, sizeof(salt), 0) != (ssize_t)sizeof(salt)) return CS_ERR;
  size_t len = argon2_encodedlen(PASSWORD_T_COST, PASSWORD_M_COST_KIB, PASSWORD_PARALLELISM,
                                 SALT_LEN, HASH_LEN, Argon2_id);
  char *out = malloc(len);
  if (out == NULL) return CS_ERR_NOMEM;
  if (argon2id_hash_encoded(PASSWORD_T_COST, PASSWORD_M_COST_KIB, PASSWORD_PARALLELISM, password,
                            strlen(password), salt, SALT_LEN, HASH_LEN, out, len) != ARGON2_OK) {
    free(out);
    return CS_ERR;
  }
  *encoded = out;
  return CS_OK;
}

int password_verify(const char *encoded, const char *password) {
  if (encoded == NULL || password == NULL || strncmp(encoded, "$argon2id$", 10) != 0) return 0;
  return argon2id_verify(encoded, password, strlen(password)) == ARGON2_OK;
}

static pthread_once_t nobody_once = PTHREAD_ONCE_INIT;
static char *nobody_hash;

static void make_nobody_hash(void) { password_hash("no such account", &nobody_hash); }

int password_verify_nobody(const char *password) {
  pthread_once(&nobody_once, make_nobody_hash);
  if (nobody_hash != NULL) (void)password_verify(nobody_hash, password);
  return 0;
}
