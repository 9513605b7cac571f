/* Tasks of a case and their assignment: adding and removing, the partner office and the
 * responsible user, meeting time and schedule, and the status codes. Private to
 * services/cases/; owned by the task resource (http_tasks.c, tasks.c, task_status.c,
 * store_tasks.c).
 *
 * Status codes: 0 not yet assigned, 1 assigned to an office, 2 user assigned/accepted,
 * 3 started, 4 reported complete, A approved. Who moves a task where:
 *   0 -> 1, 1 -> 1   PUT .../office   the insurer, or a holder of allocate_partners
 *   1 -> 2, 2 -> 2   PUT .../user     the insurer, or a user of the company holding the task
 *   2 -> 3 start     POST .../status  the task's user, its company or the insurer; for an
 *                                     inspection anyone but its user needs start_inspection
 *   3 -> 4 complete  POST .../status  the task's company or the insurer
 *   4 -> A approve   POST .../status  approve_tasks (the insurer always)
 *   4 -> 3 reopen    POST .../status  approve_tasks (the insurer always)
 * Every change of a task answers the whole case document; a closed case's tasks do not
 * change (409). */
#ifndef CLAIMSUITE_CASES_TASKS_H
#define CLAIMSUITE_CASES_TASKS_H

#include <jansson.h>

#include "fields.h"
#include <libpq-fe.h>

#include "case_op.h"

/* ---- the status codes (task_status.c, pure) ---------------------------------------------- */

/* The endpoint that makes a transition. */
enum cases_task_via {
  CASES_TASK_VIA_OFFICE, /* PUT /v1/cases/{id}/tasks/{task_id}/office */
  CASES_TASK_VIA_USER,   /* PUT /v1/cases/{id}/tasks/{task_id}/user */
  CASES_TASK_VIA_STATUS  /* POST /v1/cases/{id}/tasks/{task_id}/status */
};

/* The meaning of a transition, for the authority rules of tasks.c. */
enum cases_task_move {
  CASES_TASK_MOVE_NONE = 0, /* not a transition */
  CASES_TASK_MOVE_ASSIGN_OFFICE,
  CASES_TASK_MOVE_ASSIGN_USER,
  CASES_TASK_MOVE_START,
  CASES_TASK_MOVE_COMPLETE,
  CASES_TASK_MOVE_APPROVE,
  CASES_TASK_MOVE_REOPEN
};

/* 1 when s is one of the six status codes. NULL-safe. */
int cases_task_status_known(const char *s);
/* 1 when s is a status POST .../status may ask for: 2, 3, 4 or A. NULL-safe. */
int cases_task_status_requestable(const char *s);
/* The move from -> to through via, CASES_TASK_MOVE_NONE when not allowed. NULL-safe. */
enum cases_task_move cases_task_move_of(const char *from, const char *to, enum cases_task_via via);
/* The statuses via may move a task in status from to, in table order: a new array of
 * strings (empty when none). */
json_t *cases_task_allowed_targets(const char *from, enum cases_task_via via);
/* 1 when a task in status may be removed: work has not started (0, 1, 2). */
int cases_task_removable(const char *status);
/* A short English name of a status code ("started"), "unknown" otherwise. Static. */
const char *cases_task_status_name(const char *status);

/* 1 when s is a task type: inspection, first_aid, repair, project_management. NULL-safe. */
int cases_task_type_known(const char *s);
/* 1 when s matches ^[a-z][a-z_]{0,39}$: a code such as a repair trade or a damage type.
 * NULL-safe. */
int cases_code_valid(const char *s);
/* The instant of an RFC 3339 timestamp (ids_is_timestamp's syntax) in microseconds since
 * 1970-01-01 UTC: CS_OK, or CS_ERR_INVALID when s is not one. */
int cases_task_timestamp_us(const char *s, long long *out);

/* ---- body rules (case_op.h: pure, run by the routes before anything else) -------------- */

/* The fields of a new task ({type, trade?, office_id?, meeting_at?, schedule?}). */
#define CASES_TASK_ADD_NFIELDS 5
extern const struct http_field cases_task_add_fields[CASES_TASK_ADD_NFIELDS];
#define CASES_MAX_PLANNED_TASKS 20

/* POST .../tasks: a known type, a trade only for repairs and in code form, the schedule. */
void cases_task_add_rules(const json_t *body, struct cs_refusal *err);
/* The tasks of a case created with them (POST /v1/cases "tasks"): at most 20, each checked as
 * a POST of a task, its errors named tasks/<i>/<field>. */
void cases_task_plans_rules(const json_t *tasks, struct cs_refusal *err);
/* PATCH .../tasks/{task_id}: meeting_at, schedule or both; the schedule's bounds in order. */
void cases_task_patch_rules(const json_t *body, struct cs_refusal *err);
/* POST .../tasks/{task_id}/status: a status that may be asked for (2, 3, 4 or A). */
void cases_task_status_rules(const json_t *body, struct cs_refusal *err);

/* ---- changes (cases_op functions for cases_http_case_op; see the table above) -----------
 * Each takes op->body as checked by its route: the field table and the body rules above. */

/* POST .../tasks {type, trade?, office_id?, meeting_at?, schedule?}: add_remove_tasks (and
 * allocate_partners with office_id); 409 on a closed case or a second project_management
 * task. task_id_out (37 bytes) receives the new task's id. */
int cases_task_add(PGconn *conn, struct cases_op *op, char task_id_out[37]);
/* The same with plan (checked by cases_task_add_rules) in place of op->body: a task of a case
 * created with its tasks. */
int cases_task_add_plan(PGconn *conn, struct cases_op *op, const json_t *plan,
                        char task_id_out[37]);
/* The same for plan ({type, trade?, office_id?, meeting_at?, schedule?}, checked by
 * cases_task_add_rules), for a change whose caller has shown another right to add it (a
 * temporary case's tasks). */
int cases_task_place(PGconn *conn, struct cases_op *op, const json_t *plan, char task_id_out[37]);
/* DELETE .../tasks/{task_id}: add_remove_tasks; 409 once work has started (3, 4, A) or once
 * the task has budgets, invoices, cash offers or reports (op->money). */
int cases_task_remove(PGconn *conn, struct cases_op *op);
/* PATCH .../tasks/{task_id} {meeting_at?, schedule?}: the insurer or the task's company.
 * Absent members stay; null clears; schedule is replaced as a whole. */
int cases_task_patch(PGconn *conn, struct cases_op *op);
/* PUT .../tasks/{task_id}/office {office_id}: the office must be a partner office serving the
 * portal (422 otherwise). The same office again changes nothing. */
int cases_task_assign_office(PGconn *conn, struct cases_op *op);
/* The same for task (a document of op->current, borrowed), for a change whose caller has shown
 * another right to give it (an RFQ's decision). */
int cases_task_give_office(PGconn *conn, struct cases_op *op, const json_t *task,
                           const char *office_id);
/* PUT .../tasks/{task_id}/user {user_id}: the user must be active, in the portal and of the
 * company holding the task (any of its offices; 422 otherwise). The same user again changes
 * nothing. */
int cases_task_assign_user(PGconn *conn, struct cases_op *op);
/* POST .../tasks/{task_id}/status {status}: 409 with "allowed_transitions" and
 * "current_status" on a transition the table does not hold. */
int cases_task_change_status(PGconn *conn, struct cases_op *op);

#endif
