/* GET /v1/cases/{id}/office-recommendations?task_type=...: the offices a task of that type (or
 * the external case handler role) can be given to, nearest to the damage site first, and all of
 * them by name. Who may ask: the insurer, or a holder of allocate_partners in this case; office
 * categories only to the insurer or a holder of show_office_categories. The offices and their
 * distances come from the replica (policy_facts.h); the answer's shape from recommendations.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases_routes.h"
#include "ech.h"
#include "http.h"
#include "http_case_op.h"
#include "policy_facts.h"
#include "service.h"
#include "status.h"

/* What the caller may do here: CS_OK with *show_categories, or answered (403/503). */
static int authorize(struct request_ctx *ctx, const struct cases_caller *c, unsigned roles,
                     int *show_categories) {
  struct cases_decision d;
  *show_categories = 1;
  if (cases_caller_is_internal(c)) return CS_OK;
  if (cases_policy_authorize(NULL, c->sub, c->portal_id, "allocate_partners", roles, NULL, &d) !=
      CS_OK)
    goto unavailable;
  if (!d.allow) {
    char detail[256];
    snprintf(detail, sizeof(detail), "allocate_partners is not allowed: %s", d.reason);
    http_problem(ctx->resp, PROBLEM_FORBIDDEN, detail);
    return CS_ERR_INVALID;
  }
  if (cases_policy_authorize(NULL, c->sub, c->portal_id, "show_office_categories", roles, NULL,
                             &d) != CS_OK)
    goto unavailable;
  *show_categories = d.allow;
  return CS_OK;
unavailable:
  cases_http_policy_failed(ctx);
  return CS_ERR_INVALID;
}

/* The damage site and the caller's roles, read on the held connection, which goes back here:
 * nothing holds two pooled connections while the replica is read. CS_OK or answered. */
static int read_case(struct request_ctx *ctx, PGconn *conn, const struct cases_caller *c,
                     const char *case_id, struct cases_recommendation_view *view, unsigned *roles) {
  char sqlstate[6] = "";
  int rc = cases_recommendation_site(conn, case_id, view, sqlstate);
  if (rc == CS_OK) rc = cases_roles_of(conn, c, case_id, roles, sqlstate);
  service_db_release(ctx, conn);
  if (rc != CS_OK) service_db_problem(ctx, sqlstate);
  return rc;
}

static void bad_task_type(struct request_ctx *ctx) {
  http_problem_full(
      ctx->resp, PROBLEM_INVALID_PARAMETER, "one or more query parameters are invalid",
      json_pack("[o]", problem_field_error("task_type", FIELD_NOT_ALLOWED,
                                           "is required: one of inspection, first_aid, "
                                           "repair, project_management, "
                                           "external_case_handler")),
      NULL);
}

static void callback_cases_office_recommendations_get(struct request_ctx *ctx) {
  struct cases_caller caller;
  struct cases_recommendation_view view;
  PGconn *conn = NULL;
  const char *case_id;
  unsigned roles = 0;
  json_t *offices = NULL;

  memset(&view, 0, sizeof(view));
  /* visibility first: a case the caller may not see is 404 whatever the query says */
  if (cases_http_visible_case(ctx, &caller, &conn, &case_id) != CS_OK) return;
  view.task_type = u_map_get(ctx->req->map_url, "task_type");
  if (!cases_recommendation_task_type_valid(view.task_type)) {
    service_db_release(ctx, conn);
    bad_task_type(ctx);
    goto done;
  }
  if (read_case(ctx, conn, &caller, case_id, &view, &roles) != CS_OK ||
      authorize(ctx, &caller, roles, &view.show_categories) != CS_OK)
    goto done;
  if (cases_policy_offices(NULL, caller.portal_id, view.has_site ? &view.latitude : NULL,
                           view.has_site ? &view.longitude : NULL,
                           !strcmp(view.task_type, "external_case_handler"), &offices) != CS_OK) {
    cases_http_policy_failed(ctx);
    goto done;
  }
  json_t *answer = cases_recommendations_answer(&view, offices);
  if (answer == NULL)
    http_problem(ctx->resp, PROBLEM_INTERNAL, "the request could not be completed");
  else
    http_json(ctx->resp, 200, answer);
done:
  json_decref(offices);
  cases_caller_clear(&caller);
}

void cases_recommendation_routes(struct service *svc) {
  static const struct service_route_def routes[] = {{"GET", "/v1/cases/:id/office-recommendations",
                                                     callback_cases_office_recommendations_get,
                                                     ROUTE_AUTHENTICATED}};
  service_routes(svc, routes, 1, "the office recommendations");
}
