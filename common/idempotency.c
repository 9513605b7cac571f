/* Idempotency-Key: the key row is inserted in the create's transaction, so it exists exactly
 * when the create committed. A concurrent request with the same key blocks on the insert until
 * the first commits (then replays) or rolls back (then proceeds as new). */
#include "idempotency.h"

#include <gnutls/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "status.h"

static int request_hash(const char *method, const char *path, const void *body, size_t len,
                        char hex[65]) {
  gnutls_hash_hd_t h;
  unsigned char digest[32];
  if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0) return CS_ERR;
  gnutls_hash(h, method, strlen(method));
  gnutls_hash(h, "\n", 1);
  gnutls_hash(h, path, strlen(path));
  gnutls_hash(h, "\n", 1);
  if (body != NULL && len > 0) gnutls_hash(h, body, len);
  gnutls_hash_deinit(h, digest);
  for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", digest[i]);
  return CS_OK;
}

int idem_claim(PGconn *conn, const char *scope, const char *key, const char *method,
               const char *path, const void *body, size_t body_len, enum idem_outcome *outcome,
               struct idem_stored *stored) {
  char hash[65];
  PGresult *res = NULL;
  int rc;
  memset(stored, 0, sizeof(*stored));
  if ((rc = request_hash(method, path, body, body_len, hash)) != CS_OK) return rc;
  const char *params[] = {scope, key, method, path, hash};
  if ((rc = db_exec(conn,
                    "INSERT INTO idempotency_keys (scope, key, method, path, request_hash)"
                    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING 1",
                    5, params, &res, NULL)) != CS_OK)
    goto done;
  if (PQntuples(res) == 1) {
    *outcome = IDEM_NEW;
    goto done;
  }
  PQclear(res);
  if ((rc = db_exec(conn,
                    "SELECT request_hash = $3, status, body, location FROM idempotency_keys"
                    " WHERE scope = $1 AND key = $2",
                    3, (const char *const[]){scope, key, hash}, &res, NULL)) != CS_OK)
    goto done;
  if (PQntuples(res) != 1 || PQgetisnull(res, 0, 1)) {
    rc = CS_ERR; /* cannot happen: the key's row is written with its create */
    goto done;
  }
  if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
    *outcome = IDEM_MISMATCH;
    goto done;
  }
  *outcome = IDEM_REPLAY;
  stored->status = atoi(PQgetvalue(res, 0, 1));
  stored->body = strdup(PQgetisnull(res, 0, 2) ? "" : PQgetvalue(res, 0, 2));
  stored->location = PQgetisnull(res, 0, 3) ? NULL : strdup(PQgetvalue(res, 0, 3));
  if (stored->body == NULL) rc = CS_ERR_NOMEM;
done:
  PQclear(res);
  return rc;
}

int idem_record(PGconn *conn, const char *scope, const char *key, int status, const char *body,
                const char *location) {
  char st[16];
  snprintf(st, sizeof(st), "%d", status);
  const char *params[] = {scope, key, st, body, location};
  return db_exec(conn,
                 "UPDATE idempotency_keys SET status = $3, body = $4, location = $5"
                 " WHERE scope = $1 AND key = $2",
                 5, params, NULL, NULL);
}

void idem_stored_clear(struct idem_stored *s) {
  if (s == NULL) return;
  free(s->body);
  free(s->location);
  memset(s, 0, sizeof(*s));
}
