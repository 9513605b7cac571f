/* The domain side of a write (see write.h). */
#include "write.h"

#include "bus.h"
#include "status.h"

/* Per thread: a worker runs one request at a time, and so at most one write transaction. */
static __thread int transaction_open;

int write_event(PGconn *conn, struct cs_refusal *err, const char *type, const char *portal_id,
                const char *aggregate_id, json_t *data) {
  if (data == NULL) return cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
  int rc = bus_outbox_add(conn, type, portal_id, aggregate_id, data);
  json_decref(data);
  return rc == CS_OK ? CS_OK : cs_refusal_db(err);
}

int write_in_transaction(void) { return transaction_open; }

void write_transaction_mark(int open) { transaction_open = open; }
