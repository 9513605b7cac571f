/* SQL of the orders (store_orders.h). */
#include "store_orders.h"

#include <stdio.h>
#include <stdlib.h>

#include "db.h"
#include "db_json.h"
#include "status.h"

/* The document of the order row o. */
#define ORDER_DOC                                                                      \
  "json_build_object('id', o.id, 'portal_id', o.portal_id, 'status', o.status,"        \
  " 'order_type', o.order_type, 'customer_company_id', o.customer_company_id,"         \
  " 'agent_company_id', o.agent_company_id, 'ordered_by', o.ordered_by,"               \
  " 'details', o.details, 'approval', o.approval, 'approved_by', o.approved_by,"       \
  " 'attestant_id', o.attestant_id, 'agent_attested_by', o.agent_attested_by,"         \
  " 'customer_attested_by', o.customer_attested_by, 'reject_reason', o.reject_reason," \
  " 'ticket_ref', o.ticket_ref, 'version', o.version, 'created_at', o.created_at,"     \
  " 'updated_at', o.updated_at)::text"

int orders_store_insert(PGconn *conn, const char *id, const char *portal_id, const char *order_type,
                        const char *customer_company_id, const char *agent_company_id,
                        const char *ordered_by, const json_t *details, json_t **doc,
                        char *sqlstate) {
  static const char sql[] =
      "INSERT INTO orders AS o (id, portal_id, order_type, customer_company_id,"
      " agent_company_id, ordered_by, details)"
      " VALUES ($1::uuid, $2::uuid, $3, $4::uuid, $5::uuid, $6::uuid, $7::jsonb)"
      " RETURNING " ORDER_DOC;
  char *text = json_dumps(details, JSON_COMPACT);
  if (text == NULL) return CS_ERR_NOMEM;
  const char *params[] = {id,         portal_id, order_type, customer_company_id, agent_company_id,
                          ordered_by, text};
  int rc = db_json_row_prepared(conn, "orders_insert", sql, 7, params, doc, sqlstate);
  free(text);
  return rc;
}

int orders_store_get(PGconn *conn, const char *portal_id, const char *id, int for_update,
                     json_t **doc, char *sqlstate) {
  static const char sql[] =
      "SELECT " ORDER_DOC " FROM orders o WHERE o.id = $1::uuid AND o.portal_id = $2::uuid";
  static const char sql_lock[] = "SELECT " ORDER_DOC
                                 " FROM orders o WHERE o.id = $1::uuid AND o.portal_id = $2::uuid"
                                 " FOR UPDATE";
  const char *params[] = {id, portal_id};
  return for_update
             ? db_json_row_prepared(conn, "orders_get_lock", sql_lock, 2, params, doc, sqlstate)
             : db_json_row_prepared(conn, "orders_get", sql, 2, params, doc, sqlstate);
}

int orders_store_get_any(PGconn *conn, const char *id, int for_update, json_t **doc,
                         char *sqlstate) {
  static const char sql[] = "SELECT " ORDER_DOC " FROM orders o WHERE o.id = $1::uuid";
  static const char sql_lock[] =
      "SELECT " ORDER_DOC " FROM orders o WHERE o.id = $1::uuid FOR UPDATE";
  const char *params[] = {id};
  return for_update
             ? db_json_row_prepared(conn, "orders_get_any_lock", sql_lock, 1, params, doc, sqlstate)
             : db_json_row_prepared(conn, "orders_get_any", sql, 1, params, doc, sqlstate);
}

int orders_store_update(PGconn *conn, const char *id, const struct orders_change *ch, json_t **doc,
                        char *sqlstate) {
  static const char sql[] =
      "UPDATE orders AS o SET status = $2, approval = coalesce($3::jsonb, o.approval),"
      " approved_by = coalesce($4::uuid, o.approved_by),"
      " attestant_id = coalesce($5::uuid, o.attestant_id),"
      " agent_attested_by = coalesce($6::uuid, o.agent_attested_by),"
      " customer_attested_by = coalesce($7::uuid, o.customer_attested_by),"
      " reject_reason = coalesce($8, o.reject_reason),"
      " ticket_ref = coalesce($9, o.ticket_ref),"
      " version = o.version + 1, updated_at = clock_timestamp()"
      " WHERE o.id = $1::uuid RETURNING " ORDER_DOC;
  char *approval = NULL;
  if (ch->approval != NULL && (approval = json_dumps(ch->approval, JSON_COMPACT)) == NULL)
    return CS_ERR_NOMEM;
  const char *params[] = {id,
                          ch->status,
                          approval,
                          ch->approved_by,
                          ch->attestant_id,
                          ch->agent_attested_by,
                          ch->customer_attested_by,
                          ch->reject_reason,
                          ch->ticket_ref};
  int rc = db_json_row_prepared(conn, "orders_update", sql, 9, params, doc, sqlstate);
  free(approval);
  return rc;
}

int orders_store_history_add(PGconn *conn, const char *order_id, const char *actor_id,
                             const char *actor_company, const char *action, const char *from_status,
                             const char *to_status, const char *signature_id,
                             const json_t *detail) {
  static const char sql[] =
      "INSERT INTO order_history (order_id, actor_id, actor_company, action, from_status,"
      " to_status, signature_id, detail)"
      " VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, $6, $7, coalesce($8::jsonb, '{}'))";
  char *text = NULL;
  if (detail != NULL && (text = json_dumps(detail, JSON_COMPACT)) == NULL) return CS_ERR_NOMEM;
  const char *params[] = {order_id,    actor_id,  actor_company, action,
                          from_status, to_status, signature_id,  text};
  int rc = db_exec_later(conn, "orders_history_add", sql, 8, params);
  free(text);
  return rc;
}

int orders_store_history(PGconn *conn, const char *id, json_t **items, char *sqlstate) {
  static const char sql[] =
      "SELECT coalesce(json_agg(json_build_object('at', h.at, 'actor_id', h.actor_id,"
      " 'actor_company', h.actor_company, 'action', h.action, 'from_status', h.from_status,"
      " 'to_status', h.to_status, 'signature_id', h.signature_id, 'detail', h.detail)"
      " ORDER BY h.id), '[]'::json)::text FROM order_history h WHERE h.order_id = $1::uuid";
  const char *params[] = {id};
  int rc = db_json_row_prepared(conn, "orders_history", sql, 1, params, items, sqlstate);
  if (rc == CS_OK && !json_is_array(*items)) {
    json_decref(*items);
    *items = json_array();
    if (*items == NULL) rc = CS_ERR_NOMEM;
  }
  return rc;
}

/* $1 portal, $2 company, $3 status or NULL, $4 'true' for what waits for $5 (the caller, with
 * the org roles $6), $7/$8 the cursor, $9 the limit. What waits for whom: orders.h. */
/* clang-format off */
#define LIST_SQL(company_col, waits)                                                     \
  "SELECT " ORDER_DOC " FROM orders o"                                                   \
  " WHERE o.portal_id = $1::uuid AND o." company_col " = $2::uuid"                       \
  "   AND ($3::text IS NULL OR o.status = $3)"                                           \
  "   AND (NOT $4::boolean OR (" waits "))"                                              \
  "   AND ($10::timestamptz IS NULL OR o.updated_at >= $10::timestamptz)"                \
  "   AND " DB_BEFORE_SQL("o.created_at", "o.id", "$7", "$8")                            \
  " ORDER BY o.created_at DESC, o.id DESC LIMIT $9::int"
#define AGENT_WAITS                                                                      \
  "('agent_handler' = ANY($6::text[]) AND (o.status IN ('submitted', 'ticket_opened',"   \
  "   'connection_started') OR (o.status = 'agent_signing' AND o.approved_by = $5::uuid)))" \
  " OR ('attestant' = ANY($6::text[]) AND o.status = 'agent_attest'"                     \
  "     AND o.attestant_id = $5::uuid)"
#define CUSTOMER_WAITS                                                                   \
  "'customer_attestant' = ANY($6::text[]) AND o.status = 'customer_attest'"              \
  " AND o.ordered_by <> $5::uuid"
/* clang-format on */

int orders_store_list(PGconn *conn, const struct orders_store_filter *f, json_t **rows,
                      char *sqlstate) {
  static const char sql_agent[] = LIST_SQL("agent_company_id", AGENT_WAITS);
  static const char sql_customer[] = LIST_SQL("customer_company_id", CUSTOMER_WAITS);
  char limit[24];
  snprintf(limit, sizeof(limit), "%ld", f->limit);
  const char *params[] = {
      f->portal_id, f->company_id,   f->status,   f->action_required ? "true" : "false",
      f->user_id,   f->roles,        f->after_at, f->after_id,
      limit,        f->updated_since};
  return f->agent_side ? db_json_rows_prepared(conn, "orders_list_agent", sql_agent, 10, params,
                                               rows, sqlstate)
                       : db_json_rows_prepared(conn, "orders_list_customer", sql_customer, 10,
                                               params, rows, sqlstate);
}
