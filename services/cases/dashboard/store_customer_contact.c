/* SQL of the customer's unread messages per case (see store_customer_contact.h). The rule
 * "the newest event wins" is the database function's (migrations/0022_customer_contact.sql),
 * so that every writer of the row keeps it. */
#include "store_customer_contact.h"

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "status.h"

int cases_store_customer_contact_apply(PGconn *conn, const struct cases_customer_contact *e,
                                       int *applied, char sqlstate[6]) {
  char unread[24], seq[24];
  PGresult *res = NULL;
  *applied = 0;
  snprintf(unread, sizeof(unread), "%lld", e->unread);
  snprintf(seq, sizeof(seq), "%lld", e->seq);
  const char *params[] = {e->case_id,         e->portal_id, unread,
                          e->last_message_at, seq,          e->occurred_at};
  int rc = db_exec_prepared(conn, "cases_customer_contact_apply",
                            "SELECT customer_contact_apply($1::uuid, $2::uuid, $3::integer,"
                            " $4::timestamptz, $5::bigint, $6::timestamptz)",
                            6, params, &res, sqlstate);
  if (rc != CS_OK) return rc;
  *applied = PQntuples(res) == 1 && !strcmp(PQgetvalue(res, 0, 0), "t");
  PQclear(res);
  return CS_OK;
}
