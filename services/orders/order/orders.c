/* The orders' create and reads (orders.h); the steps after the create are transitions.c's. */
#include "orders.h"

#include <stdio.h>
#include <string.h>

#include "ids.h"
#include "order_move.h"
#include "order_types.h"
#include "paging.h"
#include "replica.h"
#include "state.h"
#include "status.h"
#include "store_orders.h"

#define NOT_FOUND "no such order"

static const char *text(const json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

static int same(const char *a, const char *b) { return a != NULL && b != NULL && !strcmp(a, b); }

void orders_op_clear(struct orders_op *op) {
  if (op == NULL) return;
  json_decref(op->order);
  json_decref(op->details);
  json_decref(op->approval);
  op->order = op->details = op->approval = NULL;
}

int orders_visible(const struct orders_caller *c, const json_t *order) {
  if (!same(c->portal_id, text(order, "portal_id"))) return 0;
  if (orders_caller_is_kind(c, "customer"))
    return same(c->company_id, text(order, "customer_company_id"));
  if (orders_caller_is_kind(c, "agent"))
    return same(c->company_id, text(order, "agent_company_id"));
  return 0;
}

/* ---- the create ------------------------------------------------------------------------------ */

/* agent_company_id must name an agent organisation serving the portal. */
static int check_agent(PGconn *conn, const struct orders_caller *c, const char *id,
                       struct cs_refusal *err) {
  json_t *company = NULL;
  if (replica_company(conn, c->portal_id, id, &company) != CS_OK)
    return cs_refuse(err, PROBLEM_UNAVAILABLE, "the agent could not be read; try again");
  if (company == NULL || !same(text(company, "kind"), "agent") ||
      !json_is_true(json_object_get(company, "in_portal")))
    cs_refusal_field(err, "agent_company_id", FIELD_NOT_FOUND,
                     "must be an agent organisation serving this portal");
  json_decref(company);
  return CS_OK;
}

int orders_create_check(PGconn *conn, struct write_call *w) {
  const struct orders_caller *c = w->caller;
  struct orders_op *op = w->op;
  if (!orders_caller_is_kind(c, "customer"))
    return cs_refuse(&w->err, PROBLEM_FORBIDDEN,
                     "only a user of a customer organisation places orders");
  json_decref(op->details);
  orders_type_check(w->body, &op->details, &w->err);
  const char *agent = text(w->body, "agent_company_id");
  if (agent != NULL && ids_is_uuid(agent) && check_agent(conn, c, agent, &w->err) != CS_OK)
    return CS_REFUSED;
  if (cs_refusal_validation(&w->err) != CS_OK) return CS_REFUSED;
  if (op->details == NULL) return cs_refuse(&w->err, PROBLEM_INTERNAL, "out of memory");
  return CS_OK;
}

int orders_create_apply(PGconn *conn, struct write_call *w) {
  const struct orders_caller *c = w->caller;
  struct orders_op *op = w->op;
  struct orders_actor actor = {c->sub, c->company_id};
  json_t *doc = NULL;
  char id[37];
  int rc = CS_REFUSED;
  ids_uuid_v4(id);
  if (orders_store_insert(conn, id, c->portal_id, text(w->body, "order_type"), c->company_id,
                          text(w->body, "agent_company_id"), c->sub, op->details, &doc,
                          w->err.sqlstate) != CS_OK ||
      doc == NULL)
    return cs_refusal_db(&w->err);
  if (orders_store_history_add(conn, id, c->sub, c->company_id, "order", NULL, "submitted", NULL,
                               NULL) != CS_OK) {
    rc = cs_refusal_db(&w->err);
    goto done;
  }
  if (orders_event(conn, "order.submitted", doc, &actor, NULL, &w->err) != CS_OK) goto done;
  if (orders_get(conn, c, id, &w->result, &w->err) != CS_OK) goto done;
  snprintf(w->location, sizeof(w->location), "/v1/orders/%s", id);
  rc = CS_OK;
done:
  json_decref(doc);
  return rc;
}

/* ---- the reads --------------------------------------------------------------------------------
 */

/* The order's signing steps from its history (borrowed): a new array (orders.h). */
static json_t *steps_of(const json_t *order, const json_t *history) {
  static const char *const names[] = {"agent_approval", "agent_attest", "customer_attest"};
  const char *status = text(order, "status");
  json_t *steps = json_array();
  for (size_t s = 0; steps != NULL && s < sizeof(names) / sizeof(names[0]); s++) {
    const char *approve = orders_state_step_action(names[s], "approve");
    const char *reject = orders_state_step_action(names[s], "reject");
    const json_t *line = NULL, *h;
    size_t i;
    json_array_foreach(history, i, h) {
      if (same(text(h, "action"), approve) || same(text(h, "action"), reject)) line = h;
    }
    const char *state = line != NULL
                            ? (same(text(line, "action"), approve) ? "approved" : "rejected")
                        : same(status, orders_state_of_step(names[s])) ? "pending"
                        : orders_state_final(status)                   ? "skipped"
                                                                       : "waiting";
    const char *signer = s == 0   ? text(order, "approved_by")
                         : s == 1 ? text(order, "attestant_id")
                                  : NULL;
    json_array_append_new(
        steps, json_pack("{s:s, s:s, s:s?, s:O?, s:O?, s:O?}", "step", names[s], "status", state,
                         "signer_id", signer, "signed_by", json_object_get(line, "actor_id"),
                         "signed_at", json_object_get(line, "at"), "signature_id",
                         json_object_get(line, "signature_id")));
  }
  return steps;
}

/* The order id if c may see it: *order new, or CS_REFUSED 404. */
static int visible_order(PGconn *conn, const struct orders_caller *c, const char *id,
                         json_t **order, struct cs_refusal *err) {
  *order = NULL;
  if (!ids_is_uuid(id)) return cs_refuse(err, PROBLEM_NOT_FOUND, NOT_FOUND);
  if (orders_store_get(conn, c->portal_id, id, 0, order, err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  if (*order != NULL && orders_visible(c, *order)) return CS_OK;
  json_decref(*order);
  *order = NULL;
  return cs_refuse(err, PROBLEM_NOT_FOUND, NOT_FOUND);
}

int orders_get(PGconn *conn, const struct orders_caller *c, const char *id, json_t **out,
               struct cs_refusal *err) {
  json_t *order = NULL, *history = NULL;
  *out = NULL;
  if (visible_order(conn, c, id, &order, err) != CS_OK) return CS_REFUSED;
  if (orders_store_history(conn, id, &history, err->sqlstate) != CS_OK) {
    json_decref(order);
    return cs_refusal_db(err);
  }
  json_object_set_new(order, "steps", steps_of(order, history));
  json_object_set_new(order, "allowed_next", orders_state_allowed_next(text(order, "status")));
  json_decref(history);
  *out = order;
  return CS_OK;
}

int orders_history(PGconn *conn, const struct orders_caller *c, const char *id, json_t **out,
                   struct cs_refusal *err) {
  json_t *order = NULL, *items = NULL;
  *out = NULL;
  if (visible_order(conn, c, id, &order, err) != CS_OK) return CS_REFUSED;
  json_decref(order);
  if (orders_store_history(conn, id, &items, err->sqlstate) != CS_OK) return cs_refusal_db(err);
  *out = json_pack("{s:o, s:n}", "items", items, "next_cursor");
  return *out != NULL ? CS_OK : cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
}

/* The position after an order shown last: its time and id. */
static json_t *page_position(const json_t *last, const void *arg) {
  (void)arg;
  return json_pack("{s:O, s:O}", "at", json_object_get(last, "created_at"), "id",
                   json_object_get(last, "id"));
}

/* c's org roles as a text[] literal: they are policy's fixed names, but only such are kept. */
static void roles_literal(const struct orders_caller *c, char *out, size_t len) {
  size_t i, n = 1;
  const json_t *v;
  snprintf(out, len, "{");
  json_array_foreach(c->org_roles, i, v) {
    const char *r = json_string_value(v);
    if (r == NULL || r[0] == '\0' || strspn(r, "abcdefghijklmnopqrstuvwxyz_") != strlen(r))
      continue;
    n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%s", n > 1 ? "," : "", r);
  }
  if (n + 2 <= len)
    snprintf(out + n, len - n, "}");
  else
    snprintf(out, len, "{}");
}

int orders_list(PGconn *conn, const struct orders_caller *c, const struct orders_query *q,
                json_t **out, struct cs_refusal *err) {
  const char *at = text(q->position, "at"), *id = text(q->position, "id");
  char roles[256];
  json_t *rows = NULL;
  *out = NULL;
  if (q->position != NULL && (!ids_is_timestamp(at) || !ids_is_uuid(id)))
    return cs_refuse(err, PROBLEM_INVALID_PARAMETER, "cursor is not one of this list's");
  int agent = orders_caller_is_kind(c, "agent");
  if (!agent && !orders_caller_is_kind(c, "customer")) {
    /* an insurer's or partner's user takes no part in orders */
    rows = json_array();
  } else {
    roles_literal(c, roles, sizeof(roles));
    struct orders_store_filter f = {.portal_id = c->portal_id,
                                    .company_id = c->company_id,
                                    .agent_side = agent,
                                    .status = q->status,
                                    .action_required = q->action_required,
                                    .user_id = c->sub,
                                    .roles = roles,
                                    .after_at = at,
                                    .after_id = id,
                                    .limit = q->limit + 1,
                                    .updated_since = q->updated_since};
    if (orders_store_list(conn, &f, &rows, err->sqlstate) != CS_OK) return cs_refusal_db(err);
  }
  *out = paging_page(rows, q->limit, page_position, NULL); /* steals rows */
  return *out != NULL ? CS_OK : cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
}
