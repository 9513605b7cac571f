/* SQL of webhooks (see store_webhooks.h). */
#include "store_webhooks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_json.h"
#include "status.h"

int customer_store_webhooks_page(PGconn *conn, const char *portal_id, const char *at,
                                 const char *id, long limit, json_t **rows, char sqlstate[6]) {
  char n[24];
  snprintf(n, sizeof(n), "%ld", limit);
  const char *p[] = {portal_id, at, id, n};
  return db_json_rows_prepared(
      conn, "customer_webhooks_page",
      "SELECT webhook_subscription_document(s) FROM webhook_subscriptions s"
      " WHERE s.portal_id = $1::uuid AND " DB_AFTER_SQL(
          "s.created_at", "s.id", "$2", "$3") " ORDER BY s.created_at, s.id LIMIT $4::int",
      4, p, rows, sqlstate);
}

int customer_store_webhook_insert(PGconn *conn, const char *id, const char *portal_id,
                                  const char *url, const char *event_types_json,
                                  const char *description, int active, const char *secret,
                                  json_t **doc, char sqlstate[6]) {
  const char *p[] = {id, portal_id, url, event_types_json, description, active ? "t" : "f", secret};
  return db_json_row_prepared(
      conn, "customer_webhook_insert",
      "INSERT INTO webhook_subscriptions AS s (id, portal_id, url, event_types, description, "
      "active,"
      " secret) VALUES ($1::uuid, $2::uuid, $3, $4::jsonb, $5, $6::boolean, $7)"
      " RETURNING webhook_subscription_document(s)",
      7, p, doc, sqlstate);
}

int customer_store_webhook_get(PGconn *conn, const char *portal_id, const char *id, int lock,
                               json_t **doc, char sqlstate[6]) {
  const char *p[] = {portal_id, id};
  if (lock)
    return db_json_row_prepared(conn, "customer_webhook_get_lock",
                                "SELECT webhook_subscription_document(s) FROM"
                                " webhook_subscriptions s WHERE s.portal_id = $1::uuid"
                                " AND s.id = $2::uuid FOR UPDATE",
                                2, p, doc, sqlstate);
  return db_json_row_prepared(conn, "customer_webhook_get",
                              "SELECT webhook_subscription_document(s) FROM"
                              " webhook_subscriptions s WHERE s.portal_id = $1::uuid"
                              " AND s.id = $2::uuid",
                              2, p, doc, sqlstate);
}

int customer_store_webhook_update(PGconn *conn, const char *portal_id, const char *id,
                                  const char *url, const char *event_types_json,
                                  const char *description, int active, json_t **doc,
                                  char sqlstate[6]) {
  const char *p[] = {portal_id, id, url, event_types_json, description, active ? "t" : "f"};
  return db_json_row_prepared(
      conn, "customer_webhook_update",
      "UPDATE webhook_subscriptions s SET url = $3, event_types = $4::jsonb, description = $5,"
      " active = $6::boolean, version = s.version + 1, updated_at = clock_timestamp()"
      " WHERE s.portal_id = $1::uuid AND s.id = $2::uuid"
      " RETURNING webhook_subscription_document(s)",
      6, p, doc, sqlstate);
}

int customer_store_webhook_delete(PGconn *conn, const char *portal_id, const char *id, int *deleted,
                                  char sqlstate[6]) {
  const char *p[] = {portal_id, id};
  long n = 0;
  int rc = db_exec_affected(conn, "customer_webhook_delete",
                            "DELETE FROM webhook_subscriptions WHERE portal_id = $1::uuid"
                            " AND id = $2::uuid",
                            2, p, &n, sqlstate);
  *deleted = n > 0;
  return rc;
}

int customer_store_webhook_rotate(PGconn *conn, const char *portal_id, const char *id,
                                  const char *secret, long overlap_s, json_t **doc,
                                  char sqlstate[6]) {
  char o[24];
  snprintf(o, sizeof(o), "%ld", overlap_s);
  const char *p[] = {portal_id, id, secret, o};
  return db_json_row_prepared(
      conn, "customer_webhook_rotate",
      "UPDATE webhook_subscriptions s SET previous_secret = s.secret, secret = $3,"
      " previous_secret_until = clock_timestamp() + $4::bigint * interval '1 second',"
      " version = s.version + 1, updated_at = clock_timestamp()"
      " WHERE s.portal_id = $1::uuid AND s.id = $2::uuid"
      " RETURNING webhook_subscription_document(s)",
      4, p, doc, sqlstate);
}

int customer_store_deliveries_page(PGconn *conn, const char *portal_id, const char *id,
                                   const char *status, const char *at, const char *delivery_id,
                                   long limit, json_t **rows, char sqlstate[6]) {
  char n[24];
  snprintf(n, sizeof(n), "%ld", limit);
  const char *p[] = {portal_id, id, status, at, delivery_id, n};
  return db_json_rows_prepared(conn, "customer_webhook_deliveries_page",
                               "SELECT webhook_delivery_document(d) FROM webhook_deliveries d"
                               " JOIN webhook_subscriptions s ON s.id = d.subscription_id"
                               " WHERE s.portal_id = $1::uuid AND d.subscription_id = $2::uuid"
                               " AND ($3::text IS NULL OR d.status = $3) AND " DB_BEFORE_SQL(
                                   "d.created_at", "d.id", "$4",
                                   "$5") " ORDER BY d.created_at DESC, d.id DESC LIMIT $6::int",
                               6, p, rows, sqlstate);
}

int customer_store_delivery_requeue(PGconn *conn, const char *portal_id, const char *id,
                                    const char *delivery_id, json_t **doc, int *queued,
                                    char sqlstate[6]) {
  const char *p[] = {portal_id, id, delivery_id};
  json_t *row = NULL;
  *doc = NULL;
  *queued = 0;
  /* requeued: whether this statement changed it (a pending one is answered as it is) */
  int rc = db_json_row_prepared(
      conn, "customer_webhook_delivery_requeue",
      "WITH one AS (SELECT d.id, d.status FROM webhook_deliveries d"
      " JOIN webhook_subscriptions s ON s.id = d.subscription_id WHERE s.portal_id = $1::uuid"
      " AND d.subscription_id = $2::uuid AND d.id = $3::uuid FOR UPDATE OF d),"
      " moved AS (UPDATE webhook_deliveries d SET status = 'pending', attempts = 0,"
      " next_attempt_at = clock_timestamp(), queued_at = clock_timestamp(), delivered_at = NULL,"
      " last_error = NULL, last_status = NULL FROM one WHERE d.id = one.id"
      " AND one.status IN ('delivered', 'dead') RETURNING d.*)"
      " SELECT json_build_object('requeued', EXISTS (SELECT 1 FROM moved), 'doc',"
      " coalesce((SELECT webhook_delivery_document(m::webhook_deliveries) FROM moved m),"
      " (SELECT webhook_delivery_document(d) FROM webhook_deliveries d JOIN one ON"
      " d.id = one.id))) FROM one",
      3, p, &row, sqlstate);
  if (rc != CS_OK || row == NULL) return rc;
  *queued = json_is_true(json_object_get(row, "requeued"));
  *doc = json_incref(json_object_get(row, "doc"));
  json_decref(row);
  return CS_OK;
}

int customer_store_deliveries_enqueue(PGconn *conn, const char *portal_id, const char *event_id,
                                      const char *event_type, const char *ordering_key,
                                      const char *payload) {
  const char *p[] = {portal_id, event_id, event_type, ordering_key, payload};
  /* a pattern matches as customer_webhooks_type_matches says: exact, "*", or "<prefix>.*".
   * Sent with the consumer's next statement (its offset) or commit: no round trip of its own
   * for the many events no subscription wants. */
  return db_exec_later(
      conn, "customer_webhook_enqueue",
      "INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, ordering_key,"
      " payload) SELECT gen_random_uuid(), s.id, $2, $3, $4, $5 FROM webhook_subscriptions s"
      " WHERE s.portal_id = $1::uuid AND s.active AND EXISTS (SELECT 1 FROM"
      " jsonb_array_elements_text(s.event_types) t(p) WHERE t.p = $3 OR t.p = '*' OR"
      " (right(t.p, 2) = '.*' AND left($3, length(t.p) - 1) = left(t.p, -1)))"
      " ORDER BY s.id ON CONFLICT (subscription_id, event_id) DO NOTHING",
      5, p);
}

void customer_store_webhook_claimed_clear(struct customer_store_webhook_claimed *c) {
  free(c->id);
  free(c->event_id);
  free(c->payload);
  free(c->url);
  if (c->secret != NULL) explicit_bzero(c->secret, strlen(c->secret));
  free(c->secret);
  if (c->previous_secret != NULL) explicit_bzero(c->previous_secret, strlen(c->previous_secret));
  free(c->previous_secret);
  memset(c, 0, sizeof(*c));
}

static char *dup_value(const PGresult *res, int col) {
  return PQgetisnull(res, 0, col) ? NULL : strdup(PQgetvalue(res, 0, col));
}

int customer_store_webhook_claim(PGconn *conn, long lease_ms,
                                 struct customer_store_webhook_claimed *c, int *found,
                                 char sqlstate[6]) {
  char lease[24];
  snprintf(lease, sizeof(lease), "%ld", lease_ms);
  const char *p[] = {lease};
  PGresult *res = NULL;
  *found = 0;
  memset(c, 0, sizeof(*c));
  /* One statement, one transaction: the claim is committed before the POST. A delivery waits
   * while an earlier one (seq) of its subscription and case is pending or sending: that is what
   * keeps a case's events in order at the receiver, even across retries. SKIP LOCKED lets
   * another instance take the next one instead of waiting. */
  if (db_exec_prepared(
          conn, "customer_webhook_claim",
          "WITH due AS (SELECT d.id FROM webhook_deliveries d JOIN webhook_subscriptions s"
          " ON s.id = d.subscription_id WHERE d.status IN ('pending', 'sending') AND s.active"
          " AND d.next_attempt_at <= clock_timestamp() AND NOT EXISTS (SELECT 1 FROM"
          " webhook_deliveries e WHERE e.subscription_id = d.subscription_id AND"
          " e.ordering_key = d.ordering_key AND e.seq < d.seq AND e.status IN"
          " ('pending', 'sending')) ORDER BY d.next_attempt_at LIMIT 1"
          " FOR UPDATE OF d SKIP LOCKED)"
          " UPDATE webhook_deliveries d SET status = 'sending', attempts = d.attempts + 1,"
          " next_attempt_at = clock_timestamp() + $1::bigint * interval '1 millisecond'"
          " FROM due, webhook_subscriptions s WHERE d.id = due.id AND s.id = d.subscription_id"
          " RETURNING d.id, d.event_id, d.payload, s.url, s.secret, CASE WHEN"
          " s.previous_secret_until > clock_timestamp() THEN s.previous_secret END, d.attempts,"
          " floor(extract(epoch FROM clock_timestamp() - d.queued_at))::bigint",
          1, p, &res, sqlstate) != CS_OK)
    return CS_ERR_DB;
  if (PQntuples(res) == 1) {
    c->id = dup_value(res, 0);
    c->event_id = dup_value(res, 1);
    c->payload = dup_value(res, 2);
    c->url = dup_value(res, 3);
    c->secret = dup_value(res, 4);
    c->previous_secret = dup_value(res, 5);
    c->attempt = atoi(PQgetvalue(res, 0, 6));
    c->queued_s = atoll(PQgetvalue(res, 0, 7));
    *found = 1;
  }
  PQclear(res);
  if (*found && (c->id == NULL || c->event_id == NULL || c->payload == NULL || c->url == NULL ||
                 c->secret == NULL)) {
    customer_store_webhook_claimed_clear(c);
    *found = 0;
    return CS_ERR_NOMEM;
  }
  return CS_OK;
}

int customer_store_webhook_outcome(PGconn *conn, const char *id, int attempt, int delivered,
                                   long retry_ms, long http_status, const char *error, int *changed,
                                   char sqlstate[6]) {
  char a[16], r[24], s[16];
  snprintf(a, sizeof(a), "%d", attempt);
  snprintf(r, sizeof(r), "%ld", delivered ? 0L : retry_ms);
  snprintf(s, sizeof(s), "%ld", http_status);
  const char *p[] = {id, a, delivered ? "t" : "f", r, http_status > 0 ? s : NULL, error};
  long n = 0;
  int rc = db_exec_affected(
      conn, "customer_webhook_outcome",
      "UPDATE webhook_deliveries SET status = CASE WHEN $3::boolean THEN 'delivered' WHEN"
      " $4::bigint < 0 THEN 'dead' ELSE 'pending' END, next_attempt_at = CASE WHEN NOT"
      " $3::boolean AND $4::bigint >= 0 THEN clock_timestamp() + $4::bigint * interval"
      " '1 millisecond' ELSE next_attempt_at END, delivered_at = CASE WHEN $3::boolean THEN"
      " clock_timestamp() END, last_status = $5::int, last_error = left($6, 1000)"
      " WHERE id = $1::uuid AND attempts = $2::int AND status = 'sending'",
      6, p, &n, sqlstate);
  *changed = n > 0;
  return rc;
}

int customer_store_deliveries_purge(PGconn *conn, long keep_s, long *deleted, char sqlstate[6]) {
  char k[24];
  snprintf(k, sizeof(k), "%ld", keep_s);
  const char *p[] = {k};
  /* in batches: one statement never holds many row locks or runs long */
  return db_exec_affected(conn, "customer_webhook_purge",
                          "DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM"
                          " webhook_deliveries WHERE status IN ('delivered', 'dead') AND"
                          " created_at < clock_timestamp() - $1::bigint * interval '1 second'"
                          " ORDER BY created_at LIMIT 1000)",
                          1, p, deleted, sqlstate);
}
