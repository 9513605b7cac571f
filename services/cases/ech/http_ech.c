/* HTTP of the external case handler role and of the caller's allowed actions on a case:
 *   PUT    /v1/cases/{id}/external-case-handler/office  {"office_id"}
 *   PUT    /v1/cases/{id}/external-case-handler/user    {"user_id"}
 *   DELETE /v1/cases/{id}/external-case-handler
 *   GET    /v1/cases/{id}/allowed-actions
 * plus GET /v1/cases/{id}/office-recommendations (http_recommendations.c), registered here.
 * Decode, call the domain (ech.c), answer; no SQL here. Changes answer the whole case document
 * with its ETag; If-Match, when given, refers to the case's ETag. */

#include "cases_routes.h"
#include "ech.h"
#include "http.h"
#include "http_case_op.h"
#include "policy_facts.h"
#include "service.h"
#include "status.h"

static const struct http_field office_fields[] = {{"office_id", HTTP_FIELD_UUID, 1, 0}};
static const struct http_field user_fields[] = {{"user_id", HTTP_FIELD_UUID, 1, 0}};

/* The changes of the role: one table, one callback. */
static const struct cases_op_route changes[] = {
    {"PUT", "/v1/cases/:id/external-case-handler/office", office_fields, 1, NULL,
     CASES_OP_BODY | CASES_OP_IF_MATCH, cases_ech_assign_office, 200, NULL},
    {"PUT", "/v1/cases/:id/external-case-handler/user", user_fields, 1, NULL,
     CASES_OP_BODY | CASES_OP_IF_MATCH, cases_ech_assign_user, 200, NULL},
    {"DELETE", "/v1/cases/:id/external-case-handler", NULL, 0, NULL, CASES_OP_IF_MATCH,
     cases_ech_remove, 200, NULL},
};
#define NCHANGES (sizeof(changes) / sizeof(changes[0]))

static void callback_cases_allowed_actions_get(struct request_ctx *ctx) {
  struct cases_caller caller;
  PGconn *conn = NULL;
  const char *case_id;
  char sqlstate[6] = "";
  unsigned roles = 0;
  json_t *answer = NULL;

  if (cases_http_visible_case(ctx, &caller, &conn, &case_id) != CS_OK) return;
  int rc = cases_roles_of(conn, &caller, case_id, &roles, sqlstate);
  /* the connection goes back before the replica is read (it takes its own) */
  service_db_release(ctx, conn);
  if (rc != CS_OK) {
    service_db_problem(ctx, sqlstate);
    goto done;
  }
  rc = cases_allowed_actions(&caller, case_id, roles, &answer);
  if (rc == CS_ERR_UNAVAILABLE)
    cases_http_policy_failed(ctx);
  else if (rc != CS_OK)
    http_problem(ctx->resp, PROBLEM_INTERNAL, "the request could not be completed");
  else
    http_json(ctx->resp, 200, answer);
done:
  cases_caller_clear(&caller);
}

void cases_ech_routes(struct service *svc) {
  static const struct service_route_def reads[] = {{"GET", "/v1/cases/:id/allowed-actions",
                                                    callback_cases_allowed_actions_get,
                                                    ROUTE_AUTHENTICATED}};
  cases_http_op_routes(svc, changes, NCHANGES, "the external case handler role");
  service_routes(svc, reads, 1, "the allowed actions");
  cases_recommendation_routes(svc);
}
