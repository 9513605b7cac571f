/* The policy service's facts for the cases service, read from the authority replica (see
 * policy_facts.h). */
#include "policy_facts.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "replica.h"
#include "status.h"

int cases_policy_failed(struct cs_refusal *err) {
  return cs_refuse(err, PROBLEM_UNAVAILABLE, CASES_POLICY_FAILED_DETAIL);
}

/* A replica result as ours: anything but CS_OK is "could not be read" (logged). */
static int read_result(int rc, const char *what) {
  if (rc == CS_OK) return CS_OK;
  log_error("the authority replica could not be read (%s)", what);
  return CS_ERR_UNAVAILABLE;
}

int cases_policy_authorize(PGconn *conn, const char *user_id, const char *portal_id,
                           const char *action, unsigned case_roles, const long long *amount,
                           struct cases_decision *out) {
  struct authority_decision d;
  memset(out, 0, sizeof(*out));
  int rc = replica_decide(conn, user_id, portal_id, action, case_roles, amount, &d);
  if (rc != CS_OK) return read_result(rc, "decision");
  /* the decision log is the policy service's; a decision not recorded is not made */
  rc = replica_log_decision(conn, user_id, portal_id, action, case_roles, amount, &d);
  if (rc != CS_OK) return read_result(rc, "decision log");
  out->allow = d.allow;
  snprintf(out->reason, sizeof(out->reason), "%s", d.reason);
  if (d.has_limit_remaining) { /* allowed: what is left above the amount; denied: the limit */
    out->has_limit = 1;
    out->limit = d.allow ? d.limit_remaining + (amount != NULL ? *amount : 0) : d.limit_remaining;
  }
  return CS_OK;
}

int cases_policy_authorize_batch(PGconn *conn, const char *user_id, const char *portal_id,
                                 const json_t *actions, unsigned case_roles, json_t **decisions) {
  const json_t *a;
  size_t i;
  struct authority_input in;
  *decisions = NULL;
  int rc = replica_decision_facts(conn, user_id, portal_id, &in);
  if (rc != CS_OK) return read_result(rc, "decisions");
  if ((*decisions = json_array()) == NULL) return CS_ERR_NOMEM;
  in.role_mask = case_roles; /* the facts are read once; each action is decided on them */
  json_array_foreach(actions, i, a) {
    struct authority_decision d;
    const char *action = json_string_value(a);
    in.action = action ? action : "";
    authority_decide(&in, &d);
    json_t *one = json_pack("{s:s, s:b, s:s}", "action", action ? action : "", "allow", d.allow,
                            "reason", d.reason);
    if (one != NULL && d.has_limit_remaining)
      json_object_set_new(one, "limit_remaining", json_integer(d.limit_remaining));
    json_array_append_new(*decisions, one);
  }
  return CS_OK;
}

int cases_policy_portal(PGconn *conn, const char *portal_id, json_t **portal) {
  return read_result(replica_portal(conn, portal_id, portal), "portal");
}

int cases_policy_users(PGconn *conn, const char *portal_id, const json_t *ids, json_t **items) {
  return read_result(replica_users(conn, portal_id, ids, items), "users");
}

int cases_policy_user(PGconn *conn, const char *portal_id, const char *id, json_t **user) {
  return read_result(replica_user(conn, portal_id, id, user), "user");
}

int cases_policy_offices(PGconn *conn, const char *portal_id, const double *lat, const double *lon,
                         int ech_only, json_t **items) {
  return read_result(replica_offices(conn, portal_id, lat, lon, ech_only, items), "offices");
}

int cases_policy_office(PGconn *conn, const char *portal_id, const char *office_id,
                        json_t **office) {
  json_t *items = NULL, *o;
  size_t i;
  *office = NULL;
  int rc = cases_policy_offices(conn, portal_id, NULL, NULL, 0, &items);
  if (rc != CS_OK) return rc;
  json_array_foreach(items, i, o) {
    const char *id = json_string_value(json_object_get(o, "id"));
    if (id != NULL && !strcmp(id, office_id)) {
      *office = json_incref(o);
      break;
    }
  }
  json_decref(items);
  return CS_OK;
}
