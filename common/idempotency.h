/* Idempotency-Key storage and replay for creates. Runs inside the create's own transaction, so
 * a key is stored exactly when the create commits; a concurrent duplicate waits on the key's
 * row lock and then replays. */
#ifndef CLAIMSUITE_IDEMPOTENCY_H
#define CLAIMSUITE_IDEMPOTENCY_H

#include <libpq-fe.h>
#include <stddef.h>

#define IDEM_KEY_MAX 200

enum idem_outcome {
  IDEM_NEW = 0,      /* go on with the create, then call idem_record before commit */
  IDEM_REPLAY = 1,   /* same key, same request: answer with the stored response */
  IDEM_MISMATCH = 2  /* same key, other request: 422 */
};

struct idem_stored {
  int status;
  char *body;      /* new string (free()) */
  char *location;  /* new string or NULL */
};

/* scope: who the key belongs to (user or client id); the request is identified by method, path
 * and a hash of the body. */
int idem_claim(PGconn *conn, const char *scope, const char *key, const char *method,
               const char *path, const void *body, size_t body_len, enum idem_outcome *outcome,
               struct idem_stored *stored);
int idem_record(PGconn *conn, const char *scope, const char *key, int status, const char *body,
                const char *location);
void idem_stored_clear(struct idem_stored *s);

#endif
