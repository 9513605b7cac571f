/* The platform operator (operators.h): its configured credential and the check of its tokens.
 * SQL lives in store_operators.c. */
#include "operators.h"

#include <stdio.h>
#include <string.h>

#include "ids.h"
#include "status.h"
#include "store_operators.h"

static int id_char(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

int policy_operator_settings_check(const char *client_id, const char *secret, char *err,
                                   size_t errlen) {
  if (client_id == NULL && secret == NULL) return CS_OK;
  if (client_id == NULL) {
    snprintf(err, errlen, "PLATFORM_OPERATOR_ID is required with the operator's secret");
    return CS_ERR_INVALID;
  }
  size_t n = strlen(client_id);
  int ok = n >= 3 && n <= 64 && strncmp(client_id, "cs_", 3) != 0;
  for (size_t i = 0; ok && i < n; i++) ok = id_char((unsigned char)client_id[i]);
  if (!ok) {
    snprintf(err, errlen,
             "PLATFORM_OPERATOR_ID must be 3 to 64 letters, digits, '.', '_' or '-' and must not "
             "begin with cs_ (the API clients' prefix)");
    return CS_ERR_INVALID;
  }
  if (secret == NULL) {
    snprintf(err, errlen,
             "PLATFORM_OPERATOR_ID needs a secret: PLATFORM_OPERATOR_SECRET or "
             "PLATFORM_OPERATOR_SECRET_FILE");
    return CS_ERR_INVALID;
  }
  n = strlen(secret);
  if (n < POLICY_OPERATOR_SECRET_MIN || n > POLICY_OPERATOR_SECRET_MAX) {
    snprintf(err, errlen, "the platform operator's secret must be %d to %d bytes long",
             POLICY_OPERATOR_SECRET_MIN, POLICY_OPERATOR_SECRET_MAX);
    return CS_ERR_INVALID;
  }
  return CS_OK;
}

int policy_operator_bootstrap(PGconn *conn, const char *client_id, const char *secret_hash) {
  char id[37];
  if (client_id == NULL) return policy_store_operators_deactivate(conn, NULL);
  ids_uuid_v4(id); /* used only when the operator is new: an existing one keeps its id */
  return policy_store_operator_put(conn, id, client_id, secret_hash, NULL);
}

int policy_operator_check(PGconn *conn, const json_t *claims, const char **sub) {
  const char *kind = json_string_value(json_object_get(claims, "kind"));
  int active = 0;
  *sub = NULL;
  if (kind == NULL || strcmp(kind, POLICY_OPERATOR_KIND) != 0) return POLICY_OPERATOR_NOT;
  *sub = json_string_value(json_object_get(claims, "sub"));
  /* the token is ours (its signature was verified), but never trust its shape blindly */
  if (!ids_is_uuid(*sub)) return POLICY_OPERATOR_GONE;
  if (policy_store_operator_active(conn, *sub, &active, NULL) != CS_OK) return CS_ERR_DB;
  return active ? CS_OK : POLICY_OPERATOR_GONE;
}
