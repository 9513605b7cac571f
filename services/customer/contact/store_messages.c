/* SQL of the customer contact's messages (store_messages.h). Parameterised only. */
#include "store_messages.h"

#include <stdio.h>
#include <stdlib.h>

#include "db.h"
#include "db_json.h"
#include "status.h"

int customer_store_contact_lock(PGconn *conn, const char *case_id, char sqlstate[6]) {
  const char *p[] = {case_id};
  return db_exec_prepared(conn, "customer_contact_lock",
                          "SELECT pg_advisory_xact_lock(hashtext('customer.contact/' || $1))", 1, p,
                          NULL, sqlstate);
}

int customer_store_contact_insert(PGconn *conn, const struct customer_store_contact_message *m,
                                  const char *viewer, json_t **doc, char sqlstate[6]) {
  const char *p[] = {m->id,          m->portal_id, m->case_id,         m->direction,
                     m->text,        m->sender_id, m->sender_name,     m->sender_email,
                     m->file_sha256, m->file_name, m->file_media_type, m->file_size,
                     viewer};
  return db_json_row_prepared(
      conn, "customer_contact_insert",
      "INSERT INTO messages AS m (id, portal_id, case_id, direction, text, sender_id, sender_name,"
      " sender_email, file_sha256, file_name, file_media_type, file_size)"
      " VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, $6, $7, $8, $9, $10, $11, $12::bigint)"
      " RETURNING contact_message_document(m, $13)",
      13, p, doc, sqlstate);
}

int customer_store_contact_page(PGconn *conn, const char *case_id, const char *viewer,
                                const char *before_at, const char *before_id, long limit,
                                json_t **rows, char sqlstate[6]) {
  char n[24];
  snprintf(n, sizeof(n), "%ld", limit);
  const char *p[] = {case_id, viewer, before_at, before_id, n};
  return db_json_rows_prepared(
      conn, "customer_contact_page",
      "SELECT contact_message_document(m, $2) FROM messages m WHERE m.case_id = $1::uuid"
      " AND " DB_BEFORE_SQL("m.created_at", "m.id", "$3",
                            "$4") " ORDER BY m.created_at DESC, m.id DESC LIMIT $5::int",
      5, p, rows, sqlstate);
}

/* The messages viewer has not read, as a condition on m. */
#define UNREAD_SQL                                                                \
  "CASE $2 WHEN 'staff' THEN m.direction = 'from_customer' AND m.read_at IS NULL" \
  " ELSE m.direction = 'to_customer' AND m.read_by_customer_at IS NULL END"

int customer_store_contact_unread(PGconn *conn, const char *case_id, const char *viewer,
                                  long long *count, char sqlstate[6]) {
  const char *p[] = {case_id, viewer};
  PGresult *res = NULL;
  *count = 0;
  if (db_exec_prepared(conn, "customer_contact_unread",
                       "SELECT count(*) FROM messages m WHERE m.case_id = $1::uuid AND " UNREAD_SQL,
                       2, p, &res, sqlstate) != CS_OK)
    return CS_ERR_DB;
  *count = atoll(PQgetvalue(res, 0, 0));
  PQclear(res);
  return CS_OK;
}

int customer_store_contact_read_all(PGconn *conn, const char *case_id, const char *viewer,
                                    const char *by, long long *count, char sqlstate[6]) {
  const char *p[] = {case_id, viewer, by};
  long n = 0;
  int rc =
      db_exec_affected(conn, "customer_contact_read_all",
                       "UPDATE messages m SET"
                       " read_at = CASE $2 WHEN 'staff' THEN clock_timestamp() ELSE m.read_at END,"
                       " read_by = CASE $2 WHEN 'staff' THEN $3 ELSE m.read_by END,"
                       " read_by_customer_at = CASE $2 WHEN 'staff' THEN m.read_by_customer_at"
                       " ELSE clock_timestamp() END"
                       " WHERE m.case_id = $1::uuid AND " UNREAD_SQL,
                       3, p, &n, sqlstate);
  *count = n;
  return rc;
}

int customer_store_contact_file(PGconn *conn, const char *case_id, const char *id, json_t **file,
                                char sqlstate[6]) {
  const char *p[] = {case_id, id};
  return db_json_row_prepared(
      conn, "customer_contact_file",
      "SELECT json_build_object('file_sha256', m.file_sha256, 'file_name', m.file_name,"
      " 'file_media_type', m.file_media_type) FROM messages m"
      " WHERE m.case_id = $1::uuid AND m.id = $2::uuid AND m.file_sha256 IS NOT NULL",
      2, p, file, sqlstate);
}

int customer_store_contact_state(PGconn *conn, const char *case_id, json_t **state,
                                 char sqlstate[6]) {
  const char *p[] = {case_id};
  return db_json_row_prepared(
      conn, "customer_contact_state",
      "SELECT json_build_object('unread_from_customer', count(*) FILTER (WHERE m.read_at IS NULL),"
      " 'last_message_at', to_char(max(m.created_at) AT TIME ZONE 'UTC',"
      " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'))"
      " FROM messages m WHERE m.case_id = $1::uuid AND m.direction = 'from_customer'",
      1, p, state, sqlstate);
}
