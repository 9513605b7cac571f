/* SQL of notifications (see store_notify.h). */
#include "store_notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_json.h"
#include "status.h"

int customer_store_notification_insert(PGconn *conn, const struct customer_store_notification *n,
                                       char sqlstate[6]) {
  const char *p[] = {n->id,   n->portal_id, n->user_id, n->kind,           n->title,
                     n->body, n->data_json, n->link,    n->source_event_id};
  return db_exec_prepared(conn, "customer_notification_insert",
                          "INSERT INTO notifications (id, portal_id, user_id, kind, title, body,"
                          " data, link, source_event_id) VALUES ($1::uuid, $2::uuid, $3, $4, $5,"
                          " coalesce($6, ''), coalesce($7::jsonb, '{}'), $8, $9)"
                          " ON CONFLICT (user_id, kind, source_event_id) DO NOTHING",
                          9, p, NULL, sqlstate);
}

int customer_store_inbox_page(PGconn *conn, const char *portal_id, const char *user_id,
                              const char *before_at, const char *before_id, long limit,
                              json_t **rows, char sqlstate[6]) {
  char n[24];
  snprintf(n, sizeof(n), "%ld", limit);
  const char *p[] = {portal_id, user_id, before_at, before_id, n};
  return db_json_rows_prepared(
      conn, "customer_inbox_page",
      "SELECT notification_document(n) FROM notifications n WHERE n.portal_id = $1::uuid"
      " AND n.user_id = $2 AND " DB_BEFORE_SQL(
          "n.created_at", "n.id", "$3",
          "$4") " ORDER BY n.created_at DESC, n.id DESC LIMIT $5::int",
      5, p, rows, sqlstate);
}

int customer_store_inbox_unread(PGconn *conn, const char *portal_id, const char *user_id,
                                long long *count, char sqlstate[6]) {
  const char *p[] = {portal_id, user_id};
  PGresult *res = NULL;
  *count = 0;
  if (db_exec_prepared(conn, "customer_inbox_unread",
                       "SELECT count(*) FROM notifications WHERE portal_id = $1::uuid"
                       " AND user_id = $2 AND read_at IS NULL",
                       2, p, &res, sqlstate) != CS_OK)
    return CS_ERR_DB;
  *count = atoll(PQgetvalue(res, 0, 0));
  PQclear(res);
  return CS_OK;
}

int customer_store_inbox_read_one(PGconn *conn, const char *portal_id, const char *user_id,
                                  const char *id, json_t **doc, char sqlstate[6]) {
  const char *p[] = {portal_id, user_id, id};
  return db_json_row(conn,
                     "UPDATE notifications n SET read_at = coalesce(n.read_at, clock_timestamp())"
                     " WHERE n.id = $3::uuid AND n.portal_id = $1::uuid AND n.user_id = $2"
                     " RETURNING notification_document(n)",
                     3, p, doc, sqlstate);
}

int customer_store_inbox_read_all(PGconn *conn, const char *portal_id, const char *user_id,
                                  long long *count, char sqlstate[6]) {
  const char *p[] = {portal_id, user_id};
  long n = 0;
  int rc = db_exec_affected(conn, NULL,
                            "UPDATE notifications SET read_at = clock_timestamp()"
                            " WHERE portal_id = $1::uuid AND user_id = $2 AND read_at IS NULL",
                            2, p, &n, sqlstate);
  *count = n;
  return rc;
}

int customer_store_message_queue(PGconn *conn, const struct customer_store_message *m, int *queued,
                                 char sqlstate[6]) {
  const char *p[] = {m->id,   m->channel,    m->recipient,         m->subject,
                     m->body, m->dedupe_key, m->secret ? "1" : "0"};
  long n = 0;
  /* ON CONFLICT: the same event turned into a message twice is queued once; a NULL key never
   * conflicts */
  int rc = db_exec_affected(conn, "customer_message_queue",
                            "INSERT INTO outgoing_messages (id, channel, recipient, subject, body,"
                            " dedupe_key, secret) VALUES ($1::uuid, $2, $3, $4, $5, $6, $7 = '1')"
                            " ON CONFLICT (dedupe_key) DO NOTHING",
                            7, p, &n, sqlstate);
  *queued = n > 0;
  return rc;
}

void customer_store_claimed_clear(struct customer_store_claimed *c) {
  free(c->id);
  free(c->channel);
  free(c->recipient);
  free(c->subject);
  free(c->body);
  memset(c, 0, sizeof(*c));
}

static char *dup_value(const PGresult *res, int col) {
  return PQgetisnull(res, 0, col) ? NULL : strdup(PQgetvalue(res, 0, col));
}

int customer_store_message_claim(PGconn *conn, long lease_ms, struct customer_store_claimed *c,
                                 int *found, char sqlstate[6]) {
  char lease[24];
  snprintf(lease, sizeof(lease), "%ld", lease_ms);
  const char *p[] = {lease};
  PGresult *res = NULL;
  *found = 0;
  memset(c, 0, sizeof(*c));
  /* One statement, one transaction: the claim (status, attempt, lease) is committed before the
   * provider is called. SKIP LOCKED lets another instance claim the next row instead of
   * waiting; the lease keeps it from claiming this one again until it has run out. */
  if (db_exec_prepared(conn, "customer_message_claim",
                       "WITH due AS (SELECT id FROM outgoing_messages"
                       " WHERE status IN ('pending', 'sending') AND next_attempt_at <="
                       " clock_timestamp() ORDER BY next_attempt_at LIMIT 1"
                       " FOR UPDATE SKIP LOCKED)"
                       " UPDATE outgoing_messages m SET status = 'sending', attempts ="
                       " m.attempts + 1, next_attempt_at = clock_timestamp() + $1::bigint *"
                       " interval '1 millisecond' FROM due WHERE m.id = due.id"
                       " RETURNING m.id, m.channel, m.recipient, m.subject, m.body, m.attempts",
                       1, p, &res, sqlstate) != CS_OK)
    return CS_ERR_DB;
  if (PQntuples(res) == 1) {
    c->id = dup_value(res, 0);
    c->channel = dup_value(res, 1);
    c->recipient = dup_value(res, 2);
    c->subject = dup_value(res, 3);
    c->body = dup_value(res, 4);
    c->attempt = atoi(PQgetvalue(res, 0, 5));
    *found = 1;
  }
  PQclear(res);
  if (*found && (c->id == NULL || c->channel == NULL || c->recipient == NULL || c->body == NULL)) {
    customer_store_claimed_clear(c);
    *found = 0;
    return CS_ERR_NOMEM;
  }
  return CS_OK;
}

int customer_store_message_sent(PGconn *conn, const char *id, int attempt, int *changed,
                                char sqlstate[6]) {
  char a[16];
  snprintf(a, sizeof(a), "%d", attempt);
  const char *p[] = {id, a};
  long n = 0;
  int rc = db_exec_affected(conn, "customer_message_sent",
                            "UPDATE outgoing_messages SET status = 'sent', sent_at ="
                            " clock_timestamp(), last_error = NULL, body = CASE WHEN secret"
                            " THEN '' ELSE body END WHERE id = $1::uuid"
                            " AND attempts = $2::int AND status = 'sending'",
                            2, p, &n, sqlstate);
  *changed = n > 0;
  return rc;
}

int customer_store_message_failed(PGconn *conn, const char *id, int attempt, long retry_ms,
                                  const char *error, int *changed, char sqlstate[6]) {
  char a[16], r[24];
  snprintf(a, sizeof(a), "%d", attempt);
  snprintf(r, sizeof(r), "%ld", retry_ms);
  const char *p[] = {id, a, r, error};
  long n = 0;
  int rc = db_exec_affected(conn, "customer_message_failed",
                            "UPDATE outgoing_messages SET status = CASE WHEN $3::bigint < 0 THEN"
                            " 'dead' ELSE 'pending' END, next_attempt_at = CASE WHEN $3::bigint"
                            " < 0 THEN next_attempt_at ELSE clock_timestamp() + $3::bigint *"
                            " interval '1 millisecond' END, last_error = left($4, 1000),"
                            " body = CASE WHEN secret AND $3::bigint < 0 THEN '' ELSE body END"
                            " WHERE id = $1::uuid AND attempts = $2::int AND status = 'sending'",
                            4, p, &n, sqlstate);
  *changed = n > 0;
  return rc;
}
