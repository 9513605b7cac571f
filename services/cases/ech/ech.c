/* The rules of the external case handler role (see ech.h): who may give it, to which office and
 * user, what each change records (history, events), and the caller's allowed actions on a
 * case. SQL lives in store_ech.c, HTTP in http_ech.c. */
#include <stdio.h>
#include <string.h>

#include "ech.h"
#include "policy_facts.h"
#include "status.h"
#include "store_core.h"
#include "store_ech.h"

/* ---- helpers ------------------------------------------------------------------------------- */

/* The case's "external_case_handler" member (borrowed): NULL when nobody holds the role. */
static const json_t *current_role(const struct cases_op *op) {
  const json_t *ech = json_object_get(op->current, "external_case_handler");
  return json_is_object(ech) ? ech : NULL;
}

static const char *member_text(const json_t *o, const char *name) {
  return json_string_value(json_object_get(o, name));
}

static int refuse_closed(struct cases_op *op) {
  if (strcmp(member_text(op->current, "status") ?: "", "closed") != 0) return CS_OK;
  return cs_refuse(&op->err, PROBLEM_WRONG_STATE,
                   "the case is closed; reopen it to change the external case handler");
}

/* An office as events carry it: {id, name, company_id, company_name}. A new object. */
static json_t *office_event_view(const json_t *office) {
  if (!json_is_object(office)) return json_null();
  return json_pack("{s:O?, s:O?, s:O?, s:O?}", "id", json_object_get(office, "id"), "name",
                   json_object_get(office, "name"), "company_id",
                   json_object_get(office, "company_id"), "company_name",
                   json_object_get(office, "company_name"));
}

/* A user as events carry it: {id, name}, or null. A new reference. */
static json_t *user_event_view(const json_t *user) {
  if (!json_is_object(user)) return json_null();
  return json_pack("{s:O?, s:O?}", "id", json_object_get(user, "id"), "name",
                   json_object_get(user, "name"));
}

/* A store failure of the change: the database's SQLSTATE decides the answer. */
static int store_failed(struct cases_op *op) { return cs_refusal_db(&op->err); }

/* History and event of one change: before/after borrowed, data stolen. */
static int record(PGconn *conn, struct cases_op *op, const char *type, const json_t *before,
                  const json_t *after, json_t *data) {
  if (cases_history_add(conn, op, type, NULL, before, after) != CS_OK) {
    json_decref(data);
    return CS_REFUSED;
  }
  return cases_event(conn, op, type, data);
}

/* ---- the office ---------------------------------------------------------------------------- */

/* The eligible office office_id (a new reference in *office) or a 422 telling why it is not:
 * no marked user, or not a partner office serving the portal at all. */
static int eligible_office(struct cases_op *op, const char *office_id, json_t **office) {
  if (cases_op_office(op, op->caller->portal_id, office_id, office) != CS_OK) return CS_REFUSED;
  if (json_integer_value(json_object_get(*office, "external_case_handler_users")) > 0) return CS_OK;
  if (*office != NULL)
    cs_refusal_field(&op->err, "office_id", FIELD_NOT_ALLOWED,
                     "office has no user marked as external case handler");
  else
    cs_refusal_field(&op->err, "office_id", FIELD_NOT_FOUND,
                     "is not a partner office serving this portal");
  json_decref(*office);
  *office = NULL;
  return cs_refusal_validation(&op->err);
}

int cases_ech_assign_office(PGconn *conn, struct cases_op *op) {
  const char *office_id = member_text(op->body, "office_id");
  const json_t *before = current_role(op);
  struct cases_store_ech_office row;
  json_t *office = NULL, *after = NULL;
  int rc;

  if ((rc = cases_require_internal(op, "assign the external case handler role")) != CS_OK ||
      (rc = refuse_closed(op)) != CS_OK)
    return rc;
  /* PUT of what is already there: nothing changes, the user picked stays */
  if (before != NULL &&
      !strcmp(member_text(json_object_get(before, "office"), "id") ?: "", office_id))
    return CS_OK;
  if ((rc = eligible_office(op, office_id, &office)) != CS_OK || cases_op_checking(op)) goto done;
  /* the names as the replica has them now, kept for display */
  row = (struct cases_store_ech_office){member_text(office, "id"), member_text(office, "name"),
                                        member_text(office, "company_id"),
                                        member_text(office, "company_name")};
  if (cases_store_ech_set_office(conn, op->case_id, &row, &after, op->err.sqlstate) != CS_OK) {
    rc = store_failed(op);
    goto done;
  }
  /* json_object_get(NULL, ...) is NULL: no previous holder gives nulls */
  rc = record(
      conn, op, "external_case_handler.office_assigned", before, after,
      json_pack("{s:o, s:o, s:o}", "office", office_event_view(json_object_get(after, "office")),
                "previous_office", office_event_view(json_object_get(before, "office")),
                "previous_user", user_event_view(json_object_get(before, "user"))));
done:
  json_decref(office);
  json_decref(after);
  return rc;
}

/* ---- the user ------------------------------------------------------------------------------ */

/* The user user_id as the replica knows it now (a new reference in *user), or a 422 on
 * user_id saying why it cannot hold the role for company_id. */
static int eligible_user(struct cases_op *op, const char *user_id, const char *company_id,
                         json_t **user) {
  json_t *u = NULL;
  const char *why = NULL;
  enum field_code code = FIELD_NOT_ALLOWED;
  *user = NULL;
  if (cases_op_user(op, op->caller->portal_id, user_id, &u) != CS_OK) return CS_REFUSED;
  if (u == NULL || !json_is_true(json_object_get(u, "in_portal"))) {
    why = "is not a user of this portal";
    code = FIELD_NOT_FOUND;
  } else if (!json_is_true(json_object_get(u, "active")))
    why = "the user is not active";
  else if (!json_is_true(json_object_get(u, "external_case_handler")))
    why = "the user is not marked as external case handler";
  else if (strcmp(member_text(u, "company_id") ?: "", company_id) != 0)
    why = "the user is not of the company holding the external case handler role";
  if (why == NULL) {
    *user = u;
    return CS_OK;
  }
  json_decref(u);
  cs_refusal_field(&op->err, "user_id", code, why);
  return cs_refusal_validation(&op->err);
}

/* The insurer, or the supplier: a user of the company the role's office belongs to. */
static int require_supplier(struct cases_op *op, const char *company_id) {
  if (cases_caller_is_internal(op->caller) || !strcmp(op->caller->company_id, company_id))
    return CS_OK;
  return cs_refuse(&op->err, PROBLEM_FORBIDDEN,
                   "only the insurer or the company holding the external case handler role "
                   "may assign its user");
}

int cases_ech_assign_user(PGconn *conn, struct cases_op *op) {
  const char *user_id = member_text(op->body, "user_id");
  const json_t *before = current_role(op);
  const json_t *office = json_object_get(before, "office");
  const char *company_id = member_text(office, "company_id");
  json_t *user = NULL, *after = NULL;
  int rc;

  if ((rc = refuse_closed(op)) != CS_OK) return rc;
  if (before == NULL || company_id == NULL)
    return cs_refuse(&op->err, PROBLEM_WRONG_STATE,
                     "no office holds the external case handler role; assign an office first");
  if ((rc = require_supplier(op, company_id)) != CS_OK) return rc;
  const json_t *held = json_object_get(before, "user");
  if (!strcmp(member_text(held, "id") ?: "", user_id)) return CS_OK; /* already this user */
  if ((rc = eligible_user(op, user_id, company_id, &user)) != CS_OK || cases_op_checking(op))
    goto done;
  if (cases_store_ech_set_user(conn, op->case_id, user_id, member_text(user, "name"), &after,
                               op->err.sqlstate) != CS_OK) {
    rc = store_failed(op);
    goto done;
  }
  rc = record(conn, op, "external_case_handler.assigned", before, after,
              json_pack("{s:o, s:o, s:o}", "office", office_event_view(office), "user",
                        user_event_view(json_object_get(after, "user")), "previous_user",
                        user_event_view(held)));
done:
  json_decref(user);
  json_decref(after);
  return rc;
}

/* ---- removal ------------------------------------------------------------------------------- */

int cases_ech_remove(PGconn *conn, struct cases_op *op) {
  const json_t *before = current_role(op);
  int rc;
  if ((rc = cases_require_internal(op, "remove the external case handler role")) != CS_OK)
    return rc;
  if (before == NULL)
    return cs_refuse(&op->err, PROBLEM_WRONG_STATE,
                     "nobody holds the external case handler role in this case");
  if (cases_op_checking(op)) return CS_OK;
  if (cases_store_ech_clear(conn, op->case_id, op->err.sqlstate) != CS_OK) return store_failed(op);
  return record(
      conn, op, "external_case_handler.removed", before, NULL,
      json_pack("{s:o, s:o}", "office", office_event_view(json_object_get(before, "office")),
                "user", user_event_view(json_object_get(before, "user"))));
}

/* ---- allowed actions ----------------------------------------------------------------------- */

static json_t *action_names(void) {
  json_t *a = json_array();
  for (size_t i = 0; a != NULL && i < CASE_ACTION_COUNT; i++)
    json_array_append_new(a, json_string(case_action_names[i]));
  return a;
}

/* An API client acts for the insurer of its portal: everything, no personal budget limit. */
static json_t *client_decisions(void) {
  json_t *a = json_array();
  for (size_t i = 0; a != NULL && i < CASE_ACTION_COUNT; i++)
    json_array_append_new(a, json_pack("{s:s, s:b, s:s}", "action", case_action_names[i], "allow",
                                       1, "reason", "API client of the portal's insurer"));
  return a;
}

/* The body from the policy's decisions (borrowed, in the order of case_action_names): a new
 * object, NULL when decisions do not match. */
static json_t *allowed_actions_from(const char *case_id, unsigned roles, const json_t *decisions) {
  json_t *actions = json_array(), *limit = json_null();
  if (actions == NULL || json_array_size(decisions) != CASE_ACTION_COUNT) goto fail;
  for (size_t i = 0; i < CASE_ACTION_COUNT; i++) {
    const json_t *d = json_array_get(decisions, i);
    int allowed = json_is_true(json_object_get(d, "allow"));
    const char *reason = member_text(d, "reason");
    json_array_append_new(
        actions, json_pack("{s:s, s:b, s:s}", "action", case_action_names[i], "allowed", allowed,
                           "reason", reason != NULL ? reason : ""));
    /* the policy gives the remaining limit once approve_budget itself is held */
    const json_t *left = json_object_get(d, "limit_remaining");
    if (allowed && !strcmp(case_action_names[i], "approve_budget") && json_is_integer(left)) {
      json_decref(limit);
      limit = json_incref((json_t *)left);
    }
  }
  return json_pack("{s:s, s:o, s:o, s:o}", "case_id", case_id, "case_roles",
                   authority_roles_json(roles), "actions", actions,
                   "budget_approval_limit_remaining", limit);
fail:
  json_decref(actions);
  json_decref(limit);
  return NULL;
}

int cases_allowed_actions(const struct cases_caller *c, const char *case_id, unsigned roles,
                          json_t **out) {
  json_t *names = NULL, *decisions = NULL;
  int rc = CS_OK;
  *out = NULL;
  if (c->is_client) {
    decisions = client_decisions();
  } else if ((names = action_names()) == NULL ||
             cases_policy_authorize_batch(NULL, c->sub, c->portal_id, names, roles, &decisions) !=
                 CS_OK) {
    rc = names == NULL ? CS_ERR_NOMEM : CS_ERR_UNAVAILABLE;
    goto done;
  }
  *out = allowed_actions_from(case_id, roles, decisions);
  if (*out == NULL) rc = CS_ERR_NOMEM;
done:
  json_decref(names);
  json_decref(decisions);
  return rc;
}

/* ---- the damage site of the office recommendations ----------------------------------------- */

int cases_recommendation_site(PGconn *conn, const char *case_id,
                              struct cases_recommendation_view *view, char sqlstate[6]) {
  json_t *doc = NULL;
  if (cases_store_document(conn, case_id, &doc, sqlstate) != CS_OK) return CS_ERR_DB;
  const json_t *site = json_object_get(doc, "address");
  const json_t *lat = json_object_get(site, "latitude"), *lon = json_object_get(site, "longitude");
  view->has_site = json_is_number(lat) && json_is_number(lon);
  view->latitude = json_number_value(lat);
  view->longitude = json_number_value(lon);
  json_decref(doc);
  return CS_OK;
}
