/* SQL of the ticket worker (see store_ticket.h). */
#include "store_ticket.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "status.h"

void orders_store_ticket_claimed_clear(struct orders_store_ticket_claimed *c) {
  if (c == NULL) return;
  free(c->order_id);
  free(c->document);
  memset(c, 0, sizeof(*c));
}

/* One statement: FOR UPDATE SKIP LOCKED lets a second instance take the next order instead of
 * waiting for this one, and the lease (ticket_next_attempt_at in the future) keeps every
 * instance from taking this one again until the call has surely ended. The ticket is built in
 * the same statement, from the order and the organisations as the replica knows them. */
static const char claim_sql[] =
    "WITH due AS (SELECT id FROM orders WHERE status = 'attested' AND ticket_ref IS NULL"
    " AND (ticket_next_attempt_at IS NULL OR ticket_next_attempt_at <= clock_timestamp())"
    " ORDER BY ticket_next_attempt_at NULLS FIRST LIMIT 1 FOR UPDATE SKIP LOCKED)"
    " UPDATE orders o SET ticket_attempts = o.ticket_attempts + 1,"
    " ticket_next_attempt_at = clock_timestamp() + $1::bigint * interval '1 millisecond'"
    " FROM due WHERE o.id = due.id"
    " RETURNING o.id, o.ticket_attempts, json_build_object("
    "'order_id', o.id, 'portal_id', o.portal_id, 'order_type', o.order_type,"
    " 'customer_organisation', json_build_object('id', o.customer_company_id,"
    " 'name', (SELECT name FROM replica_company WHERE id = o.customer_company_id),"
    " 'org_number', (SELECT org_number FROM replica_company WHERE id = o.customer_company_id)),"
    " 'agent_organisation', json_build_object('id', o.agent_company_id,"
    " 'name', (SELECT name FROM replica_company WHERE id = o.agent_company_id),"
    " 'org_number', (SELECT org_number FROM replica_company WHERE id = o.agent_company_id)),"
    " 'service', o.details->'service', 'contact', o.details->'contact', 'details', o.details,"
    " 'attested_at', (SELECT max(h.at) FROM order_history h WHERE h.order_id = o.id"
    " AND h.to_status = 'attested'))::text";

int orders_store_ticket_claim(PGconn *conn, long lease_ms, struct orders_store_ticket_claimed *c,
                              int *found, char sqlstate[6]) {
  char lease[24];
  snprintf(lease, sizeof(lease), "%ld", lease_ms);
  const char *p[] = {lease};
  PGresult *res = NULL;
  *found = 0;
  memset(c, 0, sizeof(*c));
  if (db_exec_prepared(conn, "orders_ticket_claim", claim_sql, 1, p, &res, sqlstate) != CS_OK)
    return CS_ERR_DB;
  if (PQntuples(res) == 1) {
    c->order_id = strdup(PQgetvalue(res, 0, 0));
    c->attempt = atoi(PQgetvalue(res, 0, 1));
    c->document = strdup(PQgetvalue(res, 0, 2));
    *found = 1;
  }
  PQclear(res);
  if (*found && (c->order_id == NULL || c->document == NULL)) {
    orders_store_ticket_claimed_clear(c);
    *found = 0;
    return CS_ERR_NOMEM;
  }
  return CS_OK;
}

int orders_store_ticket_failed(PGconn *conn, const char *order_id, int attempt, long retry_ms,
                               const char *error, int *changed, char sqlstate[6]) {
  char a[16], r[24];
  snprintf(a, sizeof(a), "%d", attempt);
  snprintf(r, sizeof(r), "%ld", retry_ms);
  const char *p[] = {order_id, a, r, error};
  long n = 0;
  int rc = db_exec_affected(conn, "orders_ticket_failed",
                            "UPDATE orders SET ticket_last_error = left($4, 1000),"
                            " ticket_next_attempt_at = clock_timestamp() + $3::bigint *"
                            " interval '1 millisecond' WHERE id = $1::uuid"
                            " AND ticket_attempts = $2::int AND status = 'attested'"
                            " AND ticket_ref IS NULL",
                            4, p, &n, sqlstate);
  *changed = n > 0;
  return rc;
}
