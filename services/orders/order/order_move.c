/* One step of an order (order_move.h). */
#include "order_move.h"

#include <stdio.h>

#include "db.h"

#include "state.h"
#include "status.h"
#include "write.h"

static const char *text(const json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

int orders_event(PGconn *conn, const char *type, const json_t *order,
                 const struct orders_actor *actor, const json_t *extra, struct cs_refusal *err) {
  json_t *data = json_pack(
      "{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:{s:s?, s:s?}}", "order_id",
      json_object_get(order, "id"), "portal_id", json_object_get(order, "portal_id"), "status",
      json_object_get(order, "status"), "order_type", json_object_get(order, "order_type"),
      "customer_company_id", json_object_get(order, "customer_company_id"), "agent_company_id",
      json_object_get(order, "agent_company_id"), "ordered_by",
      json_object_get(order, "ordered_by"), "attestant_id", json_object_get(order, "attestant_id"),
      "order", order, "actor", "id", actor->id, "company_id", actor->company_id);
  if (data != NULL && extra != NULL) json_object_update(data, (json_t *)extra);
  /* write_event steals data, and refuses a NULL one as out of memory */
  return write_event(conn, err, type, text(order, "portal_id"), text(order, "id"), data);
}

int orders_move(PGconn *conn, const json_t *order, const char *action, struct orders_change *ch,
                const struct orders_actor *actor, const char *signature_id, const json_t *detail,
                json_t **after, struct cs_refusal *err) {
  const char *from = text(order, "status"), *id = text(order, "id");
  const struct orders_transition *t = orders_state_find(from, action);
  json_t *doc = NULL;
  int rc = CS_REFUSED;
  if (after != NULL) *after = NULL;
  if (t == NULL) return orders_state_refuse(err, from, action);
  ch->status = t->to;
  if (orders_store_update(conn, id, ch, &doc, err->sqlstate) != CS_OK || doc == NULL) {
    rc = cs_refusal_db(err);
    goto done;
  }
  if (orders_store_history_add(conn, id, actor->id, actor->company_id, action, from, t->to,
                               signature_id, detail) != CS_OK) {
    snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", db_last_sqlstate());
    rc = cs_refusal_db(err);
    goto done;
  }
  /* the event says why an order ended; the rest of detail (a signature's evidence) stays in the
   * history */
  const char *type = orders_state_event(action);
  const json_t *reason = json_object_get(detail, "reason");
  json_t *extra = reason != NULL ? json_pack("{s:O}", "reason", reason) : NULL;
  int ev = type != NULL ? orders_event(conn, type, doc, actor, extra, err) : CS_OK;
  json_decref(extra);
  if (ev != CS_OK) goto done;
  rc = CS_OK;
  if (after != NULL) *after = json_incref(doc);
done:
  json_decref(doc);
  return rc;
}
