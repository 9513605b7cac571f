/* Who on the staff side may work with a case's customer page (case_staff.h). */
#include "case_staff.h"

#include <string.h>

#include "casefile.h"
#include "decision.h"
#include "problem.h"
#include "replica.h"
#include "status.h"

static const char *str(const json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

/* 1 when c is the case's external case handler: its user, or a user of its office while no
 * user holds the role. */
static int is_external_case_handler(const struct customer_caller *c, const json_t *casefile) {
  const json_t *ech = json_object_get(json_object_get(casefile, "case"), "external_case_handler");
  const char *user = str(json_object_get(ech, "user"), "id");
  const char *office = str(json_object_get(ech, "office"), "id");
  size_t i;
  json_t *o;
  if (c->is_client || ech == NULL || json_is_null(ech)) return 0;
  if (user != NULL) return !strcmp(user, c->sub);
  json_array_foreach(c->office_ids, i, o) {
    if (office != NULL && json_is_string(o) && !strcmp(json_string_value(o), office)) return 1;
  }
  return 0;
}

int customer_case_staff(PGconn *conn, const struct customer_caller *c, const char *case_id,
                        json_t **casefile_out, struct cs_refusal *err) {
  struct authority_decision d = {0};
  json_t *casefile = NULL;
  *casefile_out = NULL;
  if (customer_casefile_get(conn, c->portal_id, case_id, &casefile) != CS_OK)
    return cs_refuse(err, PROBLEM_UNAVAILABLE, "the case could not be read; try again");
  int insurer = c->is_client || !strcmp(c->company_kind, "insurer");
  if (casefile == NULL || (!insurer && !is_external_case_handler(c, casefile))) {
    json_decref(casefile);
    return cs_refuse(err, PROBLEM_NOT_FOUND, "no such case");
  }
  if (!insurer) {
    if (replica_decide(conn, c->sub, c->portal_id, "customer_communication",
                       1u << AUTHORITY_ROLE_EXTERNAL_CASE_HANDLER, NULL, &d) != CS_OK) {
      json_decref(casefile);
      return cs_refuse(err, PROBLEM_UNAVAILABLE, "who may act could not be read; try again");
    }
    if (!d.allow) {
      json_decref(casefile);
      return cs_refuse(err, PROBLEM_FORBIDDEN,
                       "the external case handler's role does not give customer_communication");
    }
  }
  *casefile_out = casefile;
  return CS_OK;
}
