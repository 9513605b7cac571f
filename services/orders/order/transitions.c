/* The steps of an order after its create (orders.h): the agent handler's routes through the
 * write runner, and the signed steps and the ticket the other parts of the service report.
 * Separation of duties is decided here, on top of state.c's table of who may move what: the
 * handler who approved never attests for the agent, the orderer never attests for the customer,
 * whatever roles the login holds. */
#include <stdio.h>
#include <string.h>

#include "fields.h"
#include "ids.h"
#include "order_move.h"
#include "order_types.h"
#include "orders.h"
#include "replica.h"
#include "state.h"
#include "status.h"
#include "store_orders.h"

#define NOT_FOUND "no such order"

static const char *text(const json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

static int same(const char *a, const char *b) { return a != NULL && b != NULL && !strcmp(a, b); }

/* ---- who signs which step ------------------------------------------------------------------ */

/* CS_OK when user (of company, holding the org role when has_role) may sign step of order;
 * else the 403. The same rules for the check before the signing starts and for the signed
 * decision, so a signature made by someone who lost the right meanwhile changes nothing. */
static int signer_may(const json_t *order, const char *step, const char *user, const char *company,
                      int has_role, struct cs_refusal *err) {
  if (same(step, "agent_approval")) {
    if (!same(company, text(order, "agent_company_id")) || !has_role ||
        !same(user, text(order, "approved_by")))
      return cs_refuse(err, PROBLEM_FORBIDDEN, "only the agent handler who approved signs it");
    return CS_OK;
  }
  if (same(step, "agent_attest")) {
    if (same(user, text(order, "approved_by")))
      return cs_refuse(err, PROBLEM_SEPARATION_OF_DUTIES,
                       "the agent handler who approved the order may not attest it");
    if (!same(company, text(order, "agent_company_id")) || !has_role ||
        !same(user, text(order, "attestant_id")))
      return cs_refuse(err, PROBLEM_FORBIDDEN, "only the attestant the order names attests it");
    return CS_OK;
  }
  if (same(step, "customer_attest")) {
    if (same(user, text(order, "ordered_by")))
      return cs_refuse(err, PROBLEM_SEPARATION_OF_DUTIES,
                       "the person who placed the order may not attest it");
    if (!same(company, text(order, "customer_company_id")) || !has_role)
      return cs_refuse(err, PROBLEM_FORBIDDEN,
                       "only a customer attestant of the ordering organisation attests it");
    return CS_OK;
  }
  return cs_refuse(err, PROBLEM_INTERNAL, "unknown signing step");
}

/* The org role of step's signer. */
static const char *step_role(const char *step) {
  const char *action = orders_state_step_action(step, "approve");
  const struct orders_transition *t = orders_state_find(orders_state_of_step(step), action);
  return t != NULL ? t->role : NULL;
}

static int decision_known(const char *decision) {
  return same(decision, "approve") || same(decision, "reject");
}

int orders_signing_step(PGconn *conn, const struct orders_caller *c, const char *order_id,
                        const char *decision, const char **step, struct cs_refusal *err) {
  json_t *order = NULL;
  int rc = CS_REFUSED;
  *step = NULL;
  if (!decision_known(decision)) {
    cs_refusal_field(err, "decision", FIELD_NOT_ALLOWED, "must be approve or reject");
    return cs_refusal_validation(err);
  }
  if (!ids_is_uuid(order_id)) return cs_refuse(err, PROBLEM_NOT_FOUND, NOT_FOUND);
  if (orders_store_get(conn, c->portal_id, order_id, 0, &order, err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  if (order == NULL || !orders_visible(c, order)) {
    rc = cs_refuse(err, PROBLEM_NOT_FOUND, NOT_FOUND);
    goto done;
  }
  const char *s = orders_state_signing_step(text(order, "status"));
  if (s == NULL) {
    rc = orders_state_refuse(err, text(order, "status"), "signing");
    goto done;
  }
  if (signer_may(order, s, c->sub, c->company_id, orders_caller_has_role(c, step_role(s)), err) !=
      CS_OK)
    goto done;
  *step = s;
  rc = CS_OK;
done:
  json_decref(order);
  return rc;
}

int orders_step_signed(PGconn *conn, const char *order_id, const char *step, const char *user_id,
                       const char *decision, const char *signature_id, const json_t *evidence,
                       struct cs_refusal *err) {
  const char *state = orders_state_of_step(step),
             *action = orders_state_step_action(step, decision);
  json_t *order = NULL, *detail = NULL;
  int rc = CS_REFUSED;
  if (state == NULL || action == NULL)
    return cs_refuse(err, PROBLEM_INTERNAL, "unknown signing step or decision");
  if (!ids_is_uuid(order_id)) return cs_refuse(err, PROBLEM_NOT_FOUND, NOT_FOUND);
  if (orders_store_get_any(conn, order_id, 1, &order, err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  if (order == NULL) return cs_refuse(err, PROBLEM_NOT_FOUND, NOT_FOUND);
  if (!same(text(order, "status"), state)) {
    rc = orders_state_refuse(err, text(order, "status"), "this signature");
    goto done;
  }
  /* the signer's company is the side the step belongs to: the signing part checked the caller
   * with orders_signing_step; here the same rules hold on the locked row */
  const char *company = same(step, "customer_attest") ? text(order, "customer_company_id")
                                                      : text(order, "agent_company_id");
  if (signer_may(order, step, user_id, company, 1, err) != CS_OK) goto done;
  struct orders_change ch = {0};
  if (same(decision, "approve") && same(step, "agent_attest")) ch.agent_attested_by = user_id;
  if (same(decision, "approve") && same(step, "customer_attest")) ch.customer_attested_by = user_id;
  detail = json_pack("{s:s, s:s, s:O?}", "step", step, "decision", decision, "evidence", evidence);
  if (detail == NULL) {
    rc = cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
    goto done;
  }
  struct orders_actor actor = {user_id, company};
  rc = orders_move(conn, order, action, &ch, &actor, signature_id, detail, NULL, err);
done:
  json_decref(detail);
  json_decref(order);
  return rc;
}

int orders_ticket_opened(PGconn *conn, const char *order_id, const char *ticket_ref,
                         struct cs_refusal *err) {
  json_t *order = NULL, *detail = NULL;
  int rc = CS_REFUSED;
  if (!ids_is_uuid(order_id)) return cs_refuse(err, PROBLEM_NOT_FOUND, NOT_FOUND);
  if (orders_store_get_any(conn, order_id, 1, &order, err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  if (order == NULL) return cs_refuse(err, PROBLEM_NOT_FOUND, NOT_FOUND);
  /* a ticket is opened once: a second report of it (a retry after a crash) changes nothing */
  if (text(order, "ticket_ref") != NULL) {
    rc = CS_OK;
    goto done;
  }
  if (!same(text(order, "status"), "attested")) {
    rc = orders_state_refuse(err, text(order, "status"), "opening a ticket");
    goto done;
  }
  struct orders_change ch = {.ticket_ref = ticket_ref};
  struct orders_actor service = {NULL, NULL};
  detail = json_pack("{s:s}", "ticket_ref", ticket_ref);
  rc = detail != NULL
           ? orders_move(conn, order, "ticket_opened", &ch, &service, NULL, detail, NULL, err)
           : cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
done:
  json_decref(detail);
  json_decref(order);
  return rc;
}

/* ---- the agent handler's routes ------------------------------------------------------------ */

static int order_row(PGconn *conn, struct write_call *w, int for_update, json_t **order) {
  const struct orders_caller *c = w->caller;
  *order = NULL;
  if (orders_store_get(conn, c->portal_id, w->id, for_update, order, w->err.sqlstate) != CS_OK)
    return cs_refusal_db(&w->err);
  if (*order == NULL || !orders_visible(c, *order)) {
    json_decref(*order);
    *order = NULL;
    return cs_refuse(&w->err, PROBLEM_NOT_FOUND, NOT_FOUND);
  }
  return CS_OK;
}

int orders_step_read(PGconn *conn, struct write_call *w, long long *version) {
  struct orders_op *op = w->op;
  *version = WRITE_NO_VERSION;
  json_decref(op->order);
  op->order = NULL;
  if (order_row(conn, w, 0, &op->order) != CS_OK) return CS_REFUSED;
  *version = json_integer_value(json_object_get(op->order, "version"));
  return CS_OK;
}

int orders_step_lock(PGconn *conn, struct write_call *w, long long *version) {
  json_t *order = NULL;
  *version = WRITE_NO_VERSION;
  if (order_row(conn, w, 1, &order) != CS_OK) return CS_REFUSED;
  *version = json_integer_value(json_object_get(order, "version"));
  json_decref(order);
  return CS_OK;
}

/* The attestant the handler names: an active attestant of the handler's own agent in the
 * portal (422 otherwise), never the handler itself (403). */
static int check_attestant(PGconn *conn, const struct orders_caller *c, const char *id,
                           struct cs_refusal *err) {
  json_t *u = NULL;
  if (same(id, c->sub))
    return cs_refuse(err, PROBLEM_SEPARATION_OF_DUTIES,
                     "the agent handler who approves may not be its attestant");
  if (replica_user(conn, c->portal_id, id, &u) != CS_OK)
    return cs_refuse(err, PROBLEM_UNAVAILABLE, "who may attest could not be read; try again");
  const json_t *roles = json_object_get(u, "org_roles"), *r;
  int attestant = 0;
  size_t i;
  json_array_foreach(roles, i, r) attestant |= same(json_string_value(r), "attestant");
  if (u == NULL || !json_is_true(json_object_get(u, "active")) ||
      !json_is_true(json_object_get(u, "in_portal")) ||
      !same(text(u, "company_id"), c->company_id) || !attestant)
    cs_refusal_field(err, "attestant_id", FIELD_NOT_FOUND,
                     "must be an attestant of your own organisation");
  json_decref(u);
  return CS_OK;
}

static const struct http_field reason_fields[] = {{"reason", HTTP_FIELD_STRING, 1, 2000}};
static const struct http_field note_fields[] = {{"note", HTTP_FIELD_STRING, 0, 2000}};

int orders_step_check(PGconn *conn, struct write_call *w) {
  const struct orders_caller *c = w->caller;
  struct orders_op *op = w->op;
  const char *status = text(op->order, "status");
  if (!same(c->company_id, text(op->order, "agent_company_id")) ||
      !orders_caller_has_role(c, "agent_handler"))
    return cs_refuse(&w->err, PROBLEM_FORBIDDEN, "only an agent handler of the order's agent may");
  if (orders_state_find(status, op->action) == NULL)
    return orders_state_refuse(&w->err, status, op->action);
  if (same(op->action, "reject")) {
    fields_check(w->body, reason_fields, 1, &w->err);
    const char *reason = text(w->body, "reason");
    if (reason != NULL && reason[0] == '\0')
      cs_refusal_field(&w->err, "reason", FIELD_FORMAT, "must not be empty");
  } else if (same(op->action, "agent_approval")) {
    json_decref(op->approval);
    orders_approval_check(w->body, &op->approval, &w->err);
    const char *attestant = text(w->body, "attestant_id");
    if (attestant != NULL && ids_is_uuid(attestant)) {
      if (check_attestant(conn, c, attestant, &w->err) != CS_OK) return CS_REFUSED;
      snprintf(op->attestant_id, sizeof(op->attestant_id), "%s", attestant);
    }
  } else if (w->body != NULL) {
    fields_check(w->body, note_fields, 1, &w->err);
  }
  return cs_refusal_validation(&w->err);
}

int orders_step_apply(PGconn *conn, struct write_call *w) {
  const struct orders_caller *c = w->caller;
  struct orders_op *op = w->op;
  struct orders_change ch = {0};
  struct orders_actor actor = {c->sub, c->company_id};
  json_t *detail = NULL, *after = NULL;
  if (same(op->action, "reject")) {
    ch.reject_reason = text(w->body, "reason");
    detail = json_pack("{s:s}", "reason", ch.reject_reason);
  } else if (same(op->action, "agent_approval")) {
    ch.approval = op->approval;
    ch.approved_by = c->sub;
    ch.attestant_id = op->attestant_id;
    detail = json_pack("{s:O, s:s}", "approval", op->approval, "attestant_id", op->attestant_id);
  } else {
    const char *note = text(w->body, "note");
    detail = note != NULL ? json_pack("{s:s}", "note", note) : json_object();
  }
  if (detail == NULL) return cs_refuse(&w->err, PROBLEM_INTERNAL, "out of memory");
  int rc = orders_move(conn, op->order, op->action, &ch, &actor, NULL, detail, &after, &w->err);
  json_decref(detail);
  if (rc != CS_OK) return rc;
  rc = orders_get(conn, c, text(after, "id"), &w->result, &w->err);
  json_decref(after);
  return rc;
}
