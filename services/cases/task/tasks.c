/* The task resource's rules: who may add, remove, schedule, assign and move a task, what a
 * valid task is, and the history and events each change leaves (see tasks.h). SQL in
 * store_tasks.c, HTTP in http_tasks.c, the status table in task_status.c.
 *
 * Order of the checks: the body's own rules run first, in the route (the body rules: every
 * invalid field in one 422, before anything is read or asked); then in every change the task
 * exists in this case (404), the caller may do it (403), the case and the task are in a state
 * that allows it (409), then the facts of other services (an eligible office, a user of the
 * company: 422). */
#include <stdio.h>
#include <string.h>

#include "tasks.h"
#include "ids.h"
#include "status.h"
#include "store_tasks.h"

/* ---- reading documents ------------------------------------------------------------------ */

static const char *text(const json_t *o, const char *name) {
  return json_string_value(json_object_get(o, name));
}

/* The company holding the task (NULL in status 0). Borrowed. */
static const char *task_company(const json_t *task) {
  return text(json_object_get(task, "office"), "company_id");
}

static const char *task_user(const json_t *task) {
  return text(json_object_get(task, "user"), "id");
}

static int is_type(const json_t *task, const char *type) {
  const char *t = text(task, "type");
  return t != NULL && !strcmp(t, type);
}

static int same_text(const char *a, const char *b) {
  return a != NULL && b != NULL && !strcmp(a, b);
}

/* dst[name] = src[name], JSON null when absent. */
static void copy_member(json_t *dst, const char *name, const json_t *src) {
  json_t *v = json_object_get(src, name);
  json_object_set_new(dst, name, v != NULL ? json_incref(v) : json_null());
}

/* {task_id, task_type, trade} of a task document: the start of every event's data. */
static json_t *task_facts(const json_t *task) {
  json_t *data = json_object();
  if (data == NULL) return NULL;
  json_object_set_new(data, "task_id", json_string(text(task, "id")));
  json_object_set_new(data, "task_type", json_string(text(task, "type")));
  copy_member(data, "trade", task);
  return data;
}

/* ---- refusals --------------------------------------------------------------------------- */

/* The task of the path, as the case document has it (read before check; the lock before apply
 * finds the same version, so it still holds): *task a new reference. No database is asked, so
 * the check phase needs no connection. */
static int load_task(struct cases_op *op, json_t **task) {
  *task = json_incref((json_t *)cases_case_task(op->current, op->sub_id));
  if (*task != NULL) return CS_OK;
  return cs_refuse(&op->err, PROBLEM_NOT_FOUND, "no such task in this case");
}

static int refuse_closed_case(struct cases_op *op) { return cases_op_refuse_closed(op, "tasks"); }

/* The insurer (users and API clients) or a user of the company holding the task. */
static int require_insurer_or_supplier(struct cases_op *op, const json_t *task, const char *what) {
  if (cases_caller_is_internal(op->caller) || same_text(task_company(task), op->caller->company_id))
    return CS_OK;
  return cs_refuse(&op->err, PROBLEM_FORBIDDEN,
                   "only the insurer or the company holding the task may %s", what);
}

/* 409 naming the current status, with the statuses via could move the task to. */
static int refuse_transition(struct cases_op *op, const json_t *task, const char *to,
                             enum cases_task_via via) {
  const char *from = text(task, "status");
  cs_refuse(&op->err, PROBLEM_WRONG_STATE,
            "a task in status %s (%s) cannot move to %s (%s) this way", from,
            cases_task_status_name(from), to, cases_task_status_name(to));
  op->err.extra = json_pack("{s:o, s:s}", "allowed_transitions",
                            cases_task_allowed_targets(from, via), "current_status", from);
  return CS_REFUSED;
}

/* ---- facts of the policy service (replica)------------------------------------------------ */

/* The snapshot {id, name, company_id, company_name} of office_id when it is a partner office
 * serving the case's portal (*office new); 422 on office_id otherwise. */
static int eligible_office(struct cases_op *op, const char *office_id, json_t **office) {
  json_t *o = NULL;
  *office = NULL;
  if (cases_op_office(op, text(op->current, "portal_id"), office_id, &o) != CS_OK)
    return CS_REFUSED;
  if (o != NULL && json_is_string(json_object_get(o, "company_id"))) {
    *office = json_object();
    json_object_set_new(*office, "id", json_string(office_id));
    copy_member(*office, "name", o);
    copy_member(*office, "company_id", o);
    copy_member(*office, "company_name", o);
  }
  json_decref(o);
  if (*office != NULL) return CS_OK;
  cs_refusal_field(&op->err, "office_id", FIELD_NOT_FOUND,
                   "is not an office of a partner serving this portal");
  return cs_refusal_validation(&op->err);
}

/* {id, name} of user_id when it is an active user, in the case's portal, of company_id
 * (*user new); 422 on user_id otherwise. */
static int company_user(struct cases_op *op, const char *user_id, const char *company_id,
                        json_t **user) {
  json_t *u = NULL;
  *user = NULL;
  if (cases_op_user(op, text(op->current, "portal_id"), user_id, &u) != CS_OK) return CS_REFUSED;
  if (u != NULL && same_text(text(u, "id"), user_id) &&
      json_is_true(json_object_get(u, "active")) && json_is_true(json_object_get(u, "in_portal")) &&
      same_text(text(u, "company_id"), company_id)) {
    const char *name = text(u, "name") != NULL ? text(u, "name") : text(u, "email");
    *user = json_pack("{s:s, s:s?}", "id", user_id, "name", name);
  }
  json_decref(u);
  if (*user != NULL) return CS_OK;
  cs_refusal_field(&op->err, "user_id", FIELD_NOT_FOUND,
                   "must be a user of the company holding the task");
  return cs_refusal_validation(&op->err);
}

/* ---- meeting time and schedule ---------------------------------------------------------- */

/* 1 when a and b (RFC 3339 or NULL) are the same instant, or both NULL. */
static int same_instant(const char *a, const char *b) {
  long long ta, tb;
  if (a == NULL || b == NULL) return a == b;
  return cases_task_timestamp_us(a, &ta) == CS_OK && cases_task_timestamp_us(b, &tb) == CS_OK &&
         ta == tb;
}

/* One member of the schedule object: a required RFC 3339 timestamp. */
static const char *schedule_bound(const json_t *schedule, const char *name, const char *field,
                                  struct cs_refusal *err) {
  const json_t *v = json_object_get(schedule, name);
  if (v == NULL || json_is_null(v)) {
    cs_refusal_field(err, field, FIELD_REQUIRED, "is required");
    return NULL;
  }
  if (!json_is_string(v) || !ids_is_timestamp(json_string_value(v))) {
    cs_refusal_field(err, field, FIELD_FORMAT, "must be an RFC 3339 timestamp");
    return NULL;
  }
  return json_string_value(v);
}

/* The meeting_at and schedule of a body that passed its rules, into t (borrowed strings):
 * a member absent stays, null clears. */
static void times_of(const json_t *body, struct cases_store_task_times *t) {
  const json_t *schedule = json_object_get(body, "schedule");
  memset(t, 0, sizeof(*t));
  t->set_meeting = json_object_get(body, "meeting_at") != NULL;
  t->meeting_at = text(body, "meeting_at");
  t->set_schedule = schedule != NULL;
  t->schedule_start = text(schedule, "start");
  t->schedule_end = text(schedule, "end");
}

/* The rules of meeting_at (its form is the field table's) and schedule: null (cleared) or
 * {start, end} with end not before start. */
static void check_times(const json_t *body, struct cs_refusal *err) {
  const json_t *schedule = json_object_get(body, "schedule");
  const char *key, *start, *end;
  const json_t *v;
  char field[64];
  long long start_us, end_us;

  if (!json_is_object(schedule)) return; /* absent, null, or named by the field table */
  json_object_foreach((json_t *)schedule, key, v) {
    (void)v;
    if (strcmp(key, "start") != 0 && strcmp(key, "end") != 0) {
      snprintf(field, sizeof(field), "schedule/%.40s", key);
      cs_refusal_field(err, field, FIELD_UNKNOWN_FIELD, "a schedule holds only start and end");
    }
  }
  start = schedule_bound(schedule, "start", "schedule/start", err);
  end = schedule_bound(schedule, "end", "schedule/end", err);
  if (start != NULL && end != NULL && cases_task_timestamp_us(start, &start_us) == CS_OK &&
      cases_task_timestamp_us(end, &end_us) == CS_OK && end_us < start_us)
    cs_refusal_field(err, "schedule/end", FIELD_OUT_OF_RANGE, "must not be before schedule.start");
}

/* Keeps in t only what differs from the task document. */
static void keep_changes(const json_t *task, struct cases_store_task_times *t) {
  const json_t *schedule = json_object_get(task, "schedule");
  if (t->set_meeting && same_instant(t->meeting_at, text(task, "meeting_at"))) t->set_meeting = 0;
  if (t->set_schedule && same_instant(t->schedule_start, text(schedule, "start")) &&
      same_instant(t->schedule_end, text(schedule, "end")))
    t->set_schedule = 0;
}

/* {task_id, task_type, trade, <member>, office, company_id} of a changed task. */
static json_t *times_event(const json_t *task, const char *member) {
  json_t *data = task_facts(task);
  if (data == NULL) return NULL;
  copy_member(data, member, task);
  copy_member(data, "office", task);
  json_object_set_new(data, "company_id",
                      task_company(task) ? json_string(task_company(task)) : json_null());
  return data;
}

/* ---- the changes ------------------------------------------------------------------------ */

/* The end of every change of a task: stored, the store call's result (with after given, the call
 * must also have returned the task as it is now), then the history entry of action with the
 * task before (borrowed) and after. CS_OK or CS_REFUSED. */
static int recorded(PGconn *conn, struct cases_op *op, int stored, const char *action,
                    const json_t *before, json_t *const *after) {
  if (stored != CS_OK || (after != NULL && *after == NULL)) return cs_refusal_db(&op->err);
  return cases_history_add(conn, op, action, op->sub_id, before, after != NULL ? *after : NULL);
}

void cases_task_add_rules(const json_t *body, struct cs_refusal *err) {
  const char *type = text(body, "type");
  const json_t *trade = json_object_get(body, "trade");
  if (json_is_string(json_object_get(body, "type")) && !cases_task_type_known(type))
    cs_refusal_field(err, "type", FIELD_NOT_ALLOWED,
                     "must be one of inspection, first_aid, repair, "
                     "project_management");
  if (json_is_string(trade)) {
    if (type != NULL && strcmp(type, "repair") != 0)
      cs_refusal_field(err, "trade", FIELD_NOT_ALLOWED, "is given only for repair tasks");
    else if (!cases_code_valid(json_string_value(trade)))
      cs_refusal_field(err, "trade", FIELD_FORMAT,
                       "must match ^[a-z][a-z_]{0,39}$ (e.g. carpentry)");
  }
  check_times(body, err);
}

const struct http_field cases_task_add_fields[CASES_TASK_ADD_NFIELDS] = {
    {"type", HTTP_FIELD_STRING, 1, 40},    {"trade", HTTP_FIELD_STRING, 0, 40},
    {"office_id", HTTP_FIELD_UUID, 0, 0},  {"meeting_at", HTTP_FIELD_TIMESTAMP, 0, 0},
    {"schedule", HTTP_FIELD_OBJECT, 0, 0},
};

void cases_task_plans_rules(const json_t *tasks, struct cs_refusal *err) {
  const json_t *plan;
  size_t i;
  char field[64];
  int managed = 0;
  if (json_array_size(tasks) > CASES_MAX_PLANNED_TASKS)
    cs_refusal_field(err, "tasks", FIELD_TOO_LONG, "at most 20 tasks");
  json_array_foreach(tasks, i, plan) {
    snprintf(field, sizeof(field), "tasks/%zu", i);
    if (!json_is_object(plan)) {
      cs_refusal_field(err, field, FIELD_WRONG_TYPE, "must be an object");
      continue;
    }
    if (is_type(plan, "project_management") && managed++) {
      char type_field[80];
      snprintf(type_field, sizeof(type_field), "%s/type", field);
      cs_refusal_field(err, type_field, FIELD_NOT_ALLOWED,
                       "a case has one project_management task at most");
    }
    /* checked as a POST of the task, then its errors named under tasks/<i>/ */
    struct cs_refusal one = {0};
    fields_check(plan, cases_task_add_fields, CASES_TASK_ADD_NFIELDS, &one);
    cases_task_add_rules(plan, &one);
    const json_t *e;
    size_t k;
    json_array_foreach(one.errors, k, e) {
      json_t *named = json_deep_copy(e);
      json_object_set_new(
          named, "field",
          json_sprintf("%s/%s", field, json_string_value(json_object_get(e, "field"))));
      if (err->errors == NULL) err->errors = json_array();
      json_array_append_new(err->errors, named);
    }
    cs_refusal_clear(&one);
  }
}

void cases_task_patch_rules(const json_t *body, struct cs_refusal *err) {
  if (json_object_get(body, "meeting_at") == NULL && json_object_get(body, "schedule") == NULL)
    cs_refusal_field(err, "meeting_at", FIELD_INVALID, "give meeting_at, schedule or both");
  check_times(body, err);
}

void cases_task_status_rules(const json_t *body, struct cs_refusal *err) {
  if (json_is_string(json_object_get(body, "status")) &&
      !cases_task_status_requestable(text(body, "status")))
    cs_refusal_field(err, "status", FIELD_NOT_ALLOWED, "must be 2, 3, 4 or A");
}

/* A case holds one project_management task at most (counted in the case document). */
static int refuse_second_project_management(struct cases_op *op, const char *type) {
  size_t i, count = 0;
  json_t *t;
  if (strcmp(type, "project_management") != 0) return CS_OK;
  json_array_foreach(json_object_get(op->current, "tasks"), i, t) {
    count += same_text(text(t, "type"), type);
  }
  if (count == 0) return CS_OK;
  return cs_refuse(&op->err, PROBLEM_CONFLICT, "the case already has a project_management task");
}

/* task.added with the whole plan of the task; task.office_assigned too when it has one. */
static int added_events(PGconn *conn, struct cases_op *op, const json_t *task) {
  json_t *data = task_facts(task);
  if (data != NULL) {
    const char *members[] = {"status", "office", "user", "meeting_at", "schedule"};
    for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++)
      copy_member(data, members[i], task);
  }
  if (cases_event(conn, op, "task.added", data) != CS_OK) return CS_REFUSED;
  if (task_company(task) == NULL) return CS_OK;
  data = task_facts(task);
  if (data != NULL) {
    copy_member(data, "office", task);
    json_object_set_new(data, "previous_office", json_null());
  }
  return cases_event(conn, op, "task.office_assigned", data);
}

int cases_task_add(PGconn *conn, struct cases_op *op, char task_id_out[37]) {
  return cases_task_add_plan(conn, op, op->body, task_id_out);
}

int cases_task_add_plan(PGconn *conn, struct cases_op *op, const json_t *plan,
                        char task_id_out[37]) {
  const char *office_id = text(plan, "office_id");
  int rc;
  task_id_out[0] = '\0';
  if ((rc = cases_require(op, "add_remove_tasks", NULL)) != CS_OK ||
      (office_id != NULL && (rc = cases_require(op, "allocate_partners", NULL)) != CS_OK))
    return rc;
  return cases_task_place(conn, op, plan, task_id_out);
}

int cases_task_place(PGconn *conn, struct cases_op *op, const json_t *plan, char task_id_out[37]) {
  struct cases_store_task_times times;
  struct cases_store_new_task row;
  const char *office_id = text(plan, "office_id");
  json_t *office = NULL, *task = NULL;
  int rc;

  task_id_out[0] = '\0';
  times_of(plan, &times);
  if ((rc = refuse_closed_case(op)) != CS_OK ||
      (rc = refuse_second_project_management(op, text(plan, "type"))) != CS_OK ||
      (office_id != NULL && (rc = eligible_office(op, office_id, &office)) != CS_OK) ||
      cases_op_checking(op))
    goto done;
  ids_uuid_v4(task_id_out);
  row = (struct cases_store_new_task){.id = task_id_out,
                                      .case_id = op->case_id,
                                      .portal_id = text(op->current, "portal_id"),
                                      .type = text(plan, "type"),
                                      .trade = text(plan, "trade"),
                                      .meeting_at = times.meeting_at,
                                      .schedule_start = times.schedule_start,
                                      .schedule_end = times.schedule_end,
                                      .office = office};
  if (cases_store_task_insert(conn, &row, &task, op->err.sqlstate) != CS_OK || task == NULL) {
    rc = cs_refusal_db(&op->err);
    goto done;
  }
  if ((rc = cases_history_add(conn, op, "task.added", task_id_out, NULL, task)) != CS_OK) goto done;
  rc = added_events(conn, op, task);
done:
  json_decref(office);
  json_decref(task);
  return rc;
}

int cases_task_remove(PGconn *conn, struct cases_op *op) {
  json_t *task = NULL, *data = NULL;
  const char *status;
  int rc;

  if ((rc = load_task(op, &task)) != CS_OK ||
      (rc = cases_require(op, "add_remove_tasks", NULL)) != CS_OK ||
      (rc = refuse_closed_case(op)) != CS_OK)
    goto done;
  status = text(task, "status");
  if (!cases_task_removable(status)) {
    rc = cs_refuse(&op->err, PROBLEM_WRONG_STATE,
                   "a task in status %s (%s) cannot be removed once work has started", status,
                   cases_task_status_name(status));
    goto done;
  }
  /* money, reports and RFQs stay with the task they are of (op->money) */
  if (json_integer_value(json_object_get(json_object_get(op->money, op->sub_id), "linked_items"))) {
    rc = cs_refuse(&op->err, PROBLEM_WRONG_STATE,
                   "the task has budgets, invoices, cash offers, reports or RFQs; it cannot be "
                   "removed");
    goto done;
  }
  if (cases_op_checking(op)) goto done;
  if ((rc = recorded(conn, op, cases_store_task_delete(conn, op->sub_id, op->err.sqlstate),
                     "task.removed", task, NULL)) != CS_OK)
    goto done;
  if ((data = task_facts(task)) != NULL) {
    copy_member(data, "status", task);
    copy_member(data, "office", task);
    copy_member(data, "user", task);
  }
  if ((rc = cases_event(conn, op, "task.removed", data)) != CS_OK) goto done;
  /* the case loses its project manager with the task */
  if (is_type(task, "project_management") && task_user(task) != NULL)
    rc = cases_event(conn, op, "project_manager.changed",
                     json_pack("{s:s, s:n, s:O}", "task_id", op->sub_id, "user", "previous_user",
                               json_object_get(task, "user")));
done:
  json_decref(task);
  return rc;
}

int cases_task_patch(PGconn *conn, struct cases_op *op) {
  struct cases_store_task_times times;
  json_t *task = NULL, *after = NULL;
  int rc;

  if ((rc = load_task(op, &task)) != CS_OK ||
      (rc = require_insurer_or_supplier(op, task, "change its meeting time or schedule")) != CS_OK)
    goto done;
  if ((rc = refuse_closed_case(op)) != CS_OK) goto done;
  times_of(op->body, &times);
  keep_changes(task, &times);
  if (!times.set_meeting && !times.set_schedule) goto done; /* nothing changes: no history */
  if (cases_op_checking(op)) goto done;
  if ((rc = recorded(conn, op,
                     cases_store_task_set_times(conn, op->sub_id, &times, &after, op->err.sqlstate),
                     "task.updated", task, &after)) != CS_OK ||
      (times.set_meeting && (rc = cases_event(conn, op, "meeting_time.changed",
                                              times_event(after, "meeting_at"))) != CS_OK) ||
      (times.set_schedule &&
       (rc = cases_event(conn, op, "schedule.changed", times_event(after, "schedule"))) != CS_OK))
    goto done;
done:
  json_decref(task);
  json_decref(after);
  return rc;
}

/* Gives task (borrowed) to office_id: the transition, the office, the history line and the
 * event. The caller has checked who may. */
static int give_office(PGconn *conn, struct cases_op *op, const json_t *task,
                       const char *office_id) {
  json_t *office = NULL, *after = NULL, *data;
  int rc;

  if ((rc = refuse_closed_case(op)) != CS_OK) goto done;
  if (cases_task_move_of(text(task, "status"), "1", CASES_TASK_VIA_OFFICE) ==
      CASES_TASK_MOVE_NONE) {
    rc = refuse_transition(op, task, "1", CASES_TASK_VIA_OFFICE);
    goto done;
  }
  if ((rc = eligible_office(op, office_id, &office)) != CS_OK) goto done;
  if (same_text(text(json_object_get(task, "office"), "id"), office_id)) goto done; /* as is */
  if (cases_op_checking(op)) goto done;
  const char *task_id = text(task, "id"); /* not always the path's: an RFQ awards its task */
  if (cases_store_task_set_office(conn, task_id, office, &after, op->err.sqlstate) != CS_OK ||
      after == NULL) {
    rc = cs_refusal_db(&op->err);
    goto done;
  }
  if ((rc = cases_history_add(conn, op, "task.office_assigned", task_id, task, after)) != CS_OK)
    goto done;
  if ((data = task_facts(after)) != NULL) {
    copy_member(data, "office", after);
    json_object_set(data, "previous_office", json_object_get(task, "office"));
  }
  rc = cases_event(conn, op, "task.office_assigned", data);
done:
  json_decref(office);
  json_decref(after);
  return rc;
}

int cases_task_assign_office(PGconn *conn, struct cases_op *op) {
  json_t *task = NULL;
  int rc;
  if ((rc = load_task(op, &task)) == CS_OK &&
      (rc = cases_require(op, "allocate_partners", NULL)) == CS_OK)
    rc = give_office(conn, op, task, text(op->body, "office_id"));
  json_decref(task);
  return rc;
}

int cases_task_give_office(PGconn *conn, struct cases_op *op, const json_t *task,
                           const char *office_id) {
  return give_office(conn, op, task, office_id);
}

/* task.user_assigned, and project_manager.changed for a project_management task. */
static int user_events(PGconn *conn, struct cases_op *op, const json_t *before,
                       const json_t *after) {
  json_t *data = task_facts(after);
  if (data != NULL) {
    copy_member(data, "user", after);
    copy_member(data, "office", after);
    json_object_set_new(data, "company_id", json_string(task_company(after)));
  }
  if (cases_event(conn, op, "task.user_assigned", data) != CS_OK) return CS_REFUSED;
  if (!is_type(after, "project_management")) return CS_OK;
  return cases_event(
      conn, op, "project_manager.changed",
      json_pack("{s:s, s:O, s:O}", "task_id", op->sub_id, "user", json_object_get(after, "user"),
                "previous_user", json_object_get(before, "user")));
}

int cases_task_assign_user(PGconn *conn, struct cases_op *op) {
  const char *user_id = text(op->body, "user_id");
  json_t *task = NULL, *user = NULL, *after = NULL;
  int rc;

  if ((rc = load_task(op, &task)) != CS_OK ||
      (rc = require_insurer_or_supplier(op, task, "assign its responsible user")) != CS_OK ||
      (rc = refuse_closed_case(op)) != CS_OK)
    goto done;
  if (cases_task_move_of(text(task, "status"), "2", CASES_TASK_VIA_USER) == CASES_TASK_MOVE_NONE) {
    rc = refuse_transition(op, task, "2", CASES_TASK_VIA_USER);
    goto done;
  }
  if ((rc = company_user(op, user_id, task_company(task), &user)) != CS_OK) goto done;
  if (same_text(task_user(task), user_id)) goto done; /* as is */
  if (cases_op_checking(op)) goto done;
  if ((rc = recorded(conn, op,
                     cases_store_task_set_user(conn, op->sub_id, user_id, text(user, "name"),
                                               &after, op->err.sqlstate),
                     "task.user_assigned", task, &after)) != CS_OK)
    goto done;
  rc = user_events(conn, op, task, after);
done:
  json_decref(task);
  json_decref(user);
  json_decref(after);
  return rc;
}

/* Who may make move on task (see the table in tasks.h). */
static int require_mover(struct cases_op *op, const json_t *task, enum cases_task_move move) {
  int holder = !op->caller->is_client && same_text(task_user(task), op->caller->sub);
  switch (move) {
    case CASES_TASK_MOVE_START:
      if (holder) return CS_OK;
      /* an inspection started by anyone but its inspector is the start_inspection right */
      if (is_type(task, "inspection")) return cases_require(op, "start_inspection", NULL);
      return require_insurer_or_supplier(op, task, "start it");
    case CASES_TASK_MOVE_COMPLETE:
      return require_insurer_or_supplier(op, task, "report it complete");
    case CASES_TASK_MOVE_APPROVE:
    case CASES_TASK_MOVE_REOPEN: return cases_require(op, "approve_tasks", NULL);
    default: return cs_refuse(&op->err, PROBLEM_WRONG_STATE, "not a status change");
  }
}

/* task.status_changed, and inspection.started / inspection.completed for an inspection. */
static int status_events(PGconn *conn, struct cases_op *op, const char *from, const json_t *after,
                         enum cases_task_move move) {
  json_t *data = task_facts(after);
  if (data != NULL) {
    json_object_set_new(data, "from", json_string(from));
    json_object_set(data, "to", json_object_get(after, "status"));
    copy_member(data, "office", after);
    copy_member(data, "user", after);
  }
  if (cases_event(conn, op, "task.status_changed", data) != CS_OK) return CS_REFUSED;
  if (!is_type(after, "inspection") ||
      (move != CASES_TASK_MOVE_START && move != CASES_TASK_MOVE_COMPLETE))
    return CS_OK;
  if ((data = task_facts(after)) != NULL) {
    copy_member(data, "office", after);
    copy_member(data, "user", after);
    json_object_set(data, "at", json_object_get(after, "updated_at"));
  }
  return cases_event(conn, op,
                     move == CASES_TASK_MOVE_START ? "inspection.started" : "inspection.completed",
                     data);
}

int cases_task_change_status(PGconn *conn, struct cases_op *op) {
  const char *to = text(op->body, "status");
  json_t *task = NULL, *after = NULL;
  enum cases_task_move move;
  char from[2] = "";
  int rc;

  if ((rc = load_task(op, &task)) != CS_OK || (rc = refuse_closed_case(op)) != CS_OK) goto done;
  snprintf(from, sizeof(from), "%s", text(task, "status"));
  if ((move = cases_task_move_of(from, to, CASES_TASK_VIA_STATUS)) == CASES_TASK_MOVE_NONE) {
    rc = refuse_transition(op, task, to, CASES_TASK_VIA_STATUS);
    goto done;
  }
  if ((rc = require_mover(op, task, move)) != CS_OK || cases_op_checking(op)) goto done;
  if ((rc = recorded(conn, op,
                     cases_store_task_set_status(conn, op->sub_id, to, &after, op->err.sqlstate),
                     "task.status_changed", task, &after)) != CS_OK)
    goto done;
  rc = status_events(conn, op, from, after, move);
done:
  json_decref(task);
  json_decref(after);
  return rc;
}
