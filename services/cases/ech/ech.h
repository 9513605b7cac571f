/* The external case handler role of a case, the office recommendations of a task type and the
 * caller's allowed actions on a case. Private to services/cases/; owned by the ECH resource
 * (http_ech.c, ech.c, store_ech.c, http_recommendations.c, recommendations.c).
 *
 * The role goes to an office first (only offices with at least one user marked as external
 * case handler): the office's company then sees the case and must pick one of its marked users.
 * From then on that user holds the case role "external_case_handler" in this case only (see
 * cases_roles_of), and the decision (common/decision.h) grants what the portal's role definition
 * says. */
#ifndef CLAIMSUITE_CASES_ECH_H
#define CLAIMSUITE_CASES_ECH_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>

#include "case_actions.h"
#include "case_op.h"

/* ---- changes of the role (cases_op functions, run by cases_http_case_op) ----------------- */

/* PUT .../external-case-handler/office {"office_id"}: insurer only; the office must be a
 * partner office of the portal with a marked user (422 otherwise); a closed case is 409.
 * Clears the user of a previous office. The same office again changes nothing. */
int cases_ech_assign_office(PGconn *conn, struct cases_op *op);
/* PUT .../external-case-handler/user {"user_id"}: the insurer or a user of the company holding
 * the role (403 otherwise); 409 without an office or on a closed case; the user must be
 * active, in the portal, marked and of that company (422 on user_id otherwise). */
int cases_ech_assign_user(PGconn *conn, struct cases_op *op);
/* DELETE .../external-case-handler: insurer only; 409 when nobody holds the role. Allowed on
 * a closed case too: taking access away is never blocked. */
int cases_ech_remove(PGconn *conn, struct cases_op *op);

/* ---- allowed actions --------------------------------------------------------------------- */

/* The actions answered by allowed-actions are case_action_names (common/case_actions.h). */

/* The body of GET /v1/cases/{id}/allowed-actions for the caller holding roles in case_id:
 * *out is a new object {case_id, case_roles, actions, budget_approval_limit_remaining}.
 * CS_OK, CS_ERR_UNAVAILABLE (the replica could not be read) or CS_ERR_NOMEM. */
int cases_allowed_actions(const struct cases_caller *c, const char *case_id, unsigned roles,
                          json_t **out);

/* ---- office recommendations (recommendations.c, pure) ------------------------------------ */

#define CASES_RECOMMENDED_MAX 10

/* 1 when task_type is one a recommendation is asked for: inspection, first_aid, repair,
 * project_management, external_case_handler. NULL-safe. */
int cases_recommendation_task_type_valid(const char *task_type);

/* What the caller is shown of the offices. */
struct cases_recommendation_view {
  const char *task_type; /* a valid task type (borrowed) */
  int has_site;          /* the case has coordinates */
  double latitude, longitude;
  int show_categories; /* the caller may see office categories */
};

/* The damage site of case_id into view's has_site, latitude and longitude (ech.c). CS_OK or
 * CS_ERR_DB with sqlstate. */
int cases_recommendation_site(PGconn *conn, const char *case_id,
                              struct cases_recommendation_view *view, char sqlstate[6]);

/* The answer of office-recommendations from the eligible offices of the replica (borrowed,
 * nearest first): {task_type, damage_site, recommended: at most CASES_RECOMMENDED_MAX offices
 * with a distance, all: every office by name}. A new object, NULL when out of memory. */
json_t *cases_recommendations_answer(const struct cases_recommendation_view *view,
                                     const json_t *offices);

#endif
