/* Routes of the task resource: decode the request, run the change through cases_http_case_op
 * (one transaction on the case row, If-Match against the case's ETag), answer the whole case
 * document. No SQL and no rules here (see tasks.h). */
#include <stdio.h>

#include "cases_routes.h"
#include "http.h"
#include "http_case_op.h"
#include "service.h"
#include "status.h"
#include "tasks.h"

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

static const struct http_field patch_fields[] = {
    {"meeting_at", HTTP_FIELD_TIMESTAMP, 0, 0},
    {"schedule", HTTP_FIELD_OBJECT, 0, 0},
};
static const struct http_field office_fields[] = {{"office_id", HTTP_FIELD_UUID, 1, 0}};
static const struct http_field user_fields[] = {{"user_id", HTTP_FIELD_UUID, 1, 0}};
static const struct http_field status_fields[] = {{"status", HTTP_FIELD_STRING, 1, 8}};

/* Adds the task and points Location at it (once added: the check phase adds nothing). */
static int op_add(PGconn *conn, struct cases_op *op) {
  char task_id[37];
  int rc = cases_task_add(conn, op, task_id);
  if (rc != CS_OK || task_id[0] == '\0') return rc;
  snprintf(op->location, sizeof(op->location), "/v1/cases/%s/tasks/%s", op->case_id, task_id);
  return CS_OK;
}

/* Every change of a task: one table, one callback. */
static const struct cases_op_route routes[] = {
    {"POST", "/v1/cases/:id/tasks", cases_task_add_fields, CASES_TASK_ADD_NFIELDS,
     cases_task_add_rules, CASES_OP_BODY | CASES_OP_IF_MATCH | CASES_OP_IDEMPOTENT, op_add, 201,
     NULL},
    {"DELETE", "/v1/cases/:id/tasks/:task_id", NULL, 0, NULL, CASES_OP_IF_MATCH | CASES_OP_MONEY,
     cases_task_remove, 200, NULL},
    {"PATCH", "/v1/cases/:id/tasks/:task_id", patch_fields, NFIELDS(patch_fields),
     cases_task_patch_rules, CASES_OP_BODY | CASES_OP_IF_MATCH, cases_task_patch, 200, NULL},
    {"PUT", "/v1/cases/:id/tasks/:task_id/office", office_fields, 1, NULL,
     CASES_OP_BODY | CASES_OP_IF_MATCH, cases_task_assign_office, 200, NULL},
    {"PUT", "/v1/cases/:id/tasks/:task_id/user", user_fields, 1, NULL,
     CASES_OP_BODY | CASES_OP_IF_MATCH, cases_task_assign_user, 200, NULL},
    {"POST", "/v1/cases/:id/tasks/:task_id/status", status_fields, 1, cases_task_status_rules,
     CASES_OP_BODY | CASES_OP_IF_MATCH, cases_task_change_status, 200, NULL},
};

void cases_task_routes(struct service *svc) {
  cases_http_op_routes(svc, routes, NFIELDS(routes), "the tasks");
}
