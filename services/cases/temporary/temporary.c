/* Temporary cases: opened by a partner, converted or connected by the insurer (see
 * temporary.h). */
#include "temporary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "ids.h"
#include "status.h"
#include "store_cases.h"
#include "store_core.h"
#include "store_temporary.h"
#include "tasks.h"

static const char *text(const json_t *o, const char *name) {
  return json_string_value(json_object_get(o, name));
}

static int is(const char *s, const char *want) { return s != NULL && !strcmp(s, want); }

/* ---- the body ------------------------------------------------------------------------------- */

static void tasks_rule(const json_t *tasks, struct cs_refusal *err) {
  const json_t *t;
  size_t i;
  char field[64];
  if (tasks == NULL) return;
  if (json_array_size(tasks) > TEMPORARY_MAX_TASKS) {
    cs_refusal_field(err, "tasks", FIELD_TOO_LONG, "at most 10 tasks are given with the case");
    return;
  }
  json_array_foreach(tasks, i, t) {
    const char *key;
    const json_t *v;
    snprintf(field, sizeof(field), "tasks/%zu", i);
    if (!json_is_object(t)) {
      cs_refusal_field(err, field, FIELD_WRONG_TYPE, "must be an object {type, trade, office_id}");
      continue;
    }
    json_object_foreach((json_t *)t, key, v) {
      if (strcmp(key, "type") && strcmp(key, "trade") && strcmp(key, "office_id")) {
        snprintf(field, sizeof(field), "tasks/%zu/%.30s", i, key);
        cs_refusal_field(err, field, FIELD_UNKNOWN_FIELD, "a task has type, trade and office_id");
      }
    }
    snprintf(field, sizeof(field), "tasks/%zu/type", i);
    if (!is(text(t, "type"), "first_aid") && !is(text(t, "type"), "inspection") &&
        !is(text(t, "type"), "repair"))
      cs_refusal_field(err, field, FIELD_NOT_ALLOWED, "must be first_aid, inspection or repair");
    snprintf(field, sizeof(field), "tasks/%zu/trade", i);
    if (json_object_get(t, "trade") != NULL &&
        (!is(text(t, "type"), "repair") || !cases_code_valid(text(t, "trade"))))
      cs_refusal_field(err, field, FIELD_FORMAT,
                       "is given only for repair tasks, as a code such as carpentry");
    snprintf(field, sizeof(field), "tasks/%zu/office_id", i);
    if (!ids_is_uuid(text(t, "office_id")))
      cs_refusal_field(err, field, FIELD_REQUIRED, "is required: the office given the task");
  }
}

void cases_temporary_rules(const json_t *body, struct cs_refusal *err) {
  /* the case's own members are an ordinary case's (claim number aside: it gets one) */
  json_t *c = json_deep_copy(body);
  json_object_del(c, "office_id");
  json_object_del(c, "tasks");
  if (json_object_get(c, "claim_number") == NULL)
    json_object_set_new(c, "claim_number", json_string("TEMPORARY"));
  cases_case_rules(c, err);
  json_decref(c);
  tasks_rule(json_object_get(body, "tasks"), err);
}

/* ---- who may, and when ---------------------------------------------------------------------- */

/* The office the case is opened by: the body's, which must be one of the caller's, else the
 * caller's first. */
static const char *opening_office(struct cases_op *op) {
  const char *wanted = text(op->body, "office_id");
  const json_t *id;
  size_t i;
  json_array_foreach(op->caller->office_ids, i, id) {
    if (wanted == NULL || is(json_string_value(id), wanted)) return json_string_value(id);
  }
  if (wanted != NULL) {
    cs_refusal_field(&op->err, "office_id", FIELD_NOT_ALLOWED, "is not an office of yours");
    cs_refusal_validation(&op->err);
  } else {
    cs_refuse(&op->err, PROBLEM_FORBIDDEN, "you belong to no office; offices open temporary cases");
  }
  return NULL;
}

/* 403 unless the office may open one now (window: cases_store_temporary_window). */
static int permitted_now(struct cases_op *op, const json_t *window) {
  const char *permission = text(window, "permission"), *name = text(window, "office_name");
  if (is(permission, "always")) return CS_OK;
  if (is(permission, "outside_office_hours") && !json_is_true(json_object_get(window, "inside")))
    return CS_OK;
  if (is(permission, "outside_office_hours"))
    return cs_refuse(&op->err, PROBLEM_FORBIDDEN,
                     "inside office hours, %s–%s %s (now %s): the office %s opens temporary cases "
                     "only outside them",
                     text(window, "start"), text(window, "end"), text(window, "timezone"),
                     text(window, "local"), name != NULL ? name : "?");
  return cs_refuse(&op->err, PROBLEM_FORBIDDEN,
                   "the office %s may not open temporary cases (its setting is never)",
                   name != NULL ? name : "?");
}

/* Without the portal's enhanced temporary cases a partner gives neither the claim number nor
 * tasks for other offices: 422 naming each, never dropped. */
static int enhanced_only(struct cases_op *op, const json_t *window) {
  if (json_is_true(json_object_get(window, "enhanced"))) return CS_OK;
  static const char why[] = "needs the portal's enhanced temporary cases, which it does not have";
  if (json_object_get(op->body, "claim_number") != NULL)
    cs_refusal_field(&op->err, "claim_number", FIELD_NOT_ALLOWED, why);
  if (json_array_size(json_object_get(op->body, "tasks")) > 0)
    cs_refusal_field(&op->err, "tasks", FIELD_NOT_ALLOWED, why);
  return cs_refusal_validation(&op->err);
}

/* ---- create --------------------------------------------------------------------------------- */

/* The tasks of the new case: first aid at the opening office, then the body's (each office
 * checked by cases_task_place in both phases). */
static int place_tasks(PGconn *conn, struct cases_op *op, const char *office_id) {
  char task_id[37];
  const json_t *t;
  size_t i;
  json_t *first_aid = json_pack("{s:s, s:s}", "type", "first_aid", "office_id", office_id);
  int rc = cases_task_place(conn, op, first_aid, task_id);
  json_decref(first_aid);
  json_array_foreach(json_object_get(op->body, "tasks"), i, t) {
    if (rc == CS_OK) rc = cases_task_place(conn, op, t, task_id);
  }
  return rc;
}

/* The case's members as an ordinary create takes them, with its claim number. */
static json_t *case_fields(const json_t *body, const char *claim_number) {
  json_t *f = json_deep_copy(body);
  json_object_del(f, "office_id");
  json_object_del(f, "tasks");
  json_object_set_new(f, "claim_number", json_string(claim_number));
  return f;
}

static int insert(PGconn *conn, struct cases_op *op, const json_t *window, const char *office_id) {
  char number[32];
  const char *claim = text(op->body, "claim_number");
  if (claim == NULL) {
    if (cases_store_temporary_number(conn, number, op->err.sqlstate) != CS_OK)
      return cs_refusal_db(&op->err);
    claim = number;
  }
  json_t *fields = case_fields(op->body, claim),
         *office = json_pack("{s:s, s:O?, s:s}", "id", office_id, "name",
                             json_object_get(window, "office_name"), "company_id",
                             op->caller->company_id);
  ids_uuid_v4(op->new_id);
  op->case_id = op->new_id;
  json_decref(op->current);
  op->current = NULL;
  int rc = cases_store_insert(conn, op->new_id, op->caller->portal_id, op->caller->sub, fields,
                              &op->current, op->err.sqlstate);
  if (rc == CS_OK && op->current != NULL)
    rc = cases_store_temporary_mark(conn, op->new_id, office, op->err.sqlstate);
  json_decref(fields);
  json_decref(office);
  if (rc == CS_OK && op->current != NULL) return CS_OK;
  if (!strcmp(op->err.sqlstate, "23505"))
    return cs_refuse(&op->err, PROBLEM_CONFLICT,
                     "another case of this portal has this claim_number");
  return cs_refusal_db(&op->err);
}

int cases_temporary_create(PGconn *conn, struct cases_op *op) {
  const char *office_id;
  json_t *office = NULL, *window = NULL;
  int rc = CS_OK;

  if (op->caller->is_client || !is(op->caller->company_kind, "partner"))
    return cs_refuse(&op->err, PROBLEM_FORBIDDEN,
                     "partners open temporary cases; the insurer opens cases with POST /v1/cases");
  if ((office_id = opening_office(op)) == NULL) return CS_REFUSED;
  /* until the case exists its tasks' checks see a stand-in: an open case of the portal */
  json_decref(op->current);
  op->current =
      json_pack("{s:s, s:s, s:[]}", "portal_id", op->caller->portal_id, "status", "open", "tasks");
  if (cases_op_office(op, op->caller->portal_id, office_id, &office) != CS_OK) return CS_REFUSED;
  int known = office != NULL;
  json_decref(office);
  if (!known)
    return cs_refuse(&op->err, PROBLEM_FORBIDDEN, "your office does not serve this portal");
  /* the check asks about the tasks' offices; the apply places them once the case exists */
  if (cases_op_checking(op)) return place_tasks(conn, op, office_id);

  /* now, under the transaction: the office's permission against the portal's clock */
  if (cases_store_temporary_window(conn, op->caller->portal_id, office_id, &window,
                                   op->err.sqlstate) != CS_OK)
    return cs_refusal_db(&op->err);
  if ((rc = permitted_now(op, window)) != CS_OK || (rc = enhanced_only(op, window)) != CS_OK ||
      (rc = insert(conn, op, window, office_id)) != CS_OK)
    goto done;
  json_t *created = op->current;
  op->current = NULL;
  if (cases_store_document(conn, op->case_id, &op->current, op->err.sqlstate) != CS_OK ||
      op->current == NULL) {
    json_decref(created);
    rc = cs_refusal_db(&op->err);
    goto done;
  }
  json_decref(created);
  if ((rc = cases_history_add(conn, op, "case.created", NULL, NULL, op->current)) != CS_OK ||
      (rc = cases_event(conn, op, "case.created", json_pack("{s:O}", "case", op->current))) !=
          CS_OK ||
      (rc = cases_event(conn, op, "temporary_case.created",
                        json_pack("{s:s, s:O?}", "office_id", office_id, "office_name",
                                  json_object_get(window, "office_name")))) != CS_OK ||
      (rc = place_tasks(conn, op, office_id)) != CS_OK)
    goto done;
  /* the answer: the case with its tasks (a new case's version stays 1) */
  if (cases_store_document(conn, op->case_id, &op->result, op->err.sqlstate) != CS_OK ||
      op->result == NULL) {
    rc = cs_refusal_db(&op->err);
    goto done;
  }
  snprintf(op->location, sizeof(op->location), "/v1/cases/%s", op->case_id);
done:
  json_decref(window);
  return rc;
}

/* ---- convert and connect -------------------------------------------------------------------- */

/* 409 unless op->current is a temporary case still waiting to be converted or connected. */
static int require_open_temporary(struct cases_op *op) {
  const json_t *t = json_object_get(op->current, "temporary");
  if (t == NULL || json_is_null(t))
    return cs_refuse(&op->err, PROBLEM_WRONG_STATE, "the case is not a temporary case");
  if (!is(text(t, "status"), "open"))
    return cs_refuse(&op->err, PROBLEM_WRONG_STATE, "the temporary case is %s already",
                     text(t, "status"));
  return CS_OK;
}

void cases_temporary_convert_rules(const json_t *body, struct cs_refusal *err) {
  const char *claim = text(body, "claim_number");
  if (claim != NULL && (claim[0] == '\0' || claim[0] == ' ' || claim[strlen(claim) - 1] == ' '))
    cs_refusal_field(err, "claim_number", FIELD_FORMAT,
                     "must not be empty, nor start or end with a space");
}

int cases_temporary_convert(PGconn *conn, struct cases_op *op) {
  const char *claim = text(op->body, "claim_number"), *handler = text(op->body, "case_handler_id");
  json_t *before = NULL;
  int rc;
  if ((rc = cases_require_internal(op, "convert a temporary case")) != CS_OK ||
      (rc = require_open_temporary(op)) != CS_OK)
    return rc;
  if (cases_case_handler_check(op, handler) != CS_OK || cs_refusal_validation(&op->err) != CS_OK)
    return CS_REFUSED;
  if (cases_op_checking(op)) return CS_OK;
  before =
      json_pack("{s:O?, s:O?, s:O?}", "claim_number", json_object_get(op->current, "claim_number"),
                "case_handler_id", json_object_get(op->current, "case_handler_id"), "temporary",
                json_object_get(op->current, "temporary"));
  if (cases_store_temporary_convert(conn, op->case_id, claim, handler, op->err.sqlstate) != CS_OK) {
    json_decref(before);
    if (!strcmp(op->err.sqlstate, "23505"))
      return cs_refuse(&op->err, PROBLEM_CONFLICT,
                       "another case of this portal has this claim_number");
    return cs_refusal_db(&op->err);
  }
  json_t *after = json_pack("{s:s, s:s, s:s}", "claim_number", claim, "case_handler_id", handler,
                            "temporary_status", "converted");
  rc = cases_history_add(conn, op, "temporary_case.converted", NULL, before, after);
  if (rc == CS_OK)
    rc = cases_event(
        conn, op, "temporary_case.converted",
        json_pack("{s:s, s:O?, s:s, s:O?}", "new_claim_number", claim, "previous_claim_number",
                  json_object_get(before, "claim_number"), "case_handler_id", handler, "temporary",
                  json_object_get(op->current, "temporary")));
  json_decref(before);
  json_decref(after);
  return rc;
}

/* The target of a connect, locked: an open ordinary case of the portal other than this one. */
static int connect_target(PGconn *conn, struct cases_op *op, const char *target_id,
                          json_t **target) {
  const json_t *t;
  *target = NULL;
  if (is(target_id, op->case_id)) {
    cs_refusal_field(&op->err, "target_case_id", FIELD_INVALID, "names the temporary case itself");
    return cs_refusal_validation(&op->err);
  }
  if (cases_store_case_for_update(conn, op->caller->portal_id, target_id, target,
                                  op->err.sqlstate) != CS_OK)
    return cs_refusal_db(&op->err);
  if (*target == NULL) {
    cs_refusal_field(&op->err, "target_case_id", FIELD_NOT_FOUND, "is not a case of this portal");
    return cs_refusal_validation(&op->err);
  }
  t = json_object_get(*target, "temporary");
  if (is(text(t, "status"), "open") || is(text(t, "status"), "connected"))
    return cs_refuse(&op->err, PROBLEM_WRONG_STATE,
                     "the target is a temporary case itself; connect to an ordinary case");
  if (is(text(*target, "status"), "closed"))
    return cs_refuse(&op->err, PROBLEM_WRONG_STATE, "the target case is closed");
  return CS_OK;
}

/* The target's history line, pointing back at the temporary case (op's history is its own). */
static int target_history(PGconn *conn, struct cases_op *op, const json_t *target,
                          const json_t *moved) {
  char *after = json_dumps(moved, JSON_COMPACT);
  const struct cases_store_history h = {
      .case_id = text(target, "id"),
      .portal_id = op->caller->portal_id,
      .actor_id = op->caller->sub,
      .actor_kind = cases_actor_kind(op->caller),
      .company_id = op->caller->is_client ? NULL : op->caller->company_id,
      .action = "temporary_case.connected_into",
      .after = after};
  int rc = cases_store_history_add(conn, &h);
  free(after);
  if (rc != CS_OK) return cs_refusal_db(&op->err);
  if (cases_store_bump(conn, text(target, "id"), op->err.sqlstate) != CS_OK)
    return cs_refusal_db(&op->err);
  return CS_OK;
}

int cases_temporary_connect(PGconn *conn, struct cases_op *op) {
  const char *target_id = text(op->body, "target_case_id");
  json_t *target = NULL, *moved = NULL;
  int rc;
  if ((rc = cases_require_internal(op, "connect a temporary case")) != CS_OK ||
      (rc = require_open_temporary(op)) != CS_OK || cases_op_checking(op))
    return rc;
  if ((rc = connect_target(conn, op, target_id, &target)) != CS_OK) goto done;
  /* what moves, named in both histories */
  json_t *tasks = json_array();
  const json_t *t;
  size_t i;
  json_array_foreach(json_object_get(op->current, "tasks"), i, t)
      json_array_append(tasks, json_object_get(t, "id"));
  moved = json_pack("{s:s, s:s, s:O?, s:o}", "temporary_case_id", op->case_id, "target_case_id",
                    target_id, "temporary_claim_number",
                    json_object_get(op->current, "claim_number"), "task_ids", tasks);
  if (cases_store_temporary_connect(conn, op->case_id, target_id, op->err.sqlstate) != CS_OK) {
    rc = cs_refusal_db(&op->err);
    goto done;
  }
  if ((rc = cases_history_add(conn, op, "temporary_case.connected", NULL, NULL, moved)) != CS_OK ||
      (rc = target_history(conn, op, target, moved)) != CS_OK)
    goto done;
  json_t *data = json_deep_copy(moved);
  json_object_set(data, "target_claim_number", json_object_get(target, "claim_number"));
  rc = cases_event(conn, op, "temporary_case.connected", data);
done:
  json_decref(target);
  json_decref(moved);
  return rc;
}
