/* Companies: the insurer's admin creates partner, customer and agent companies in the portal and
 * changes any company serving it; a company's own admin changes its own. SQL lives in
 * store_org_companies.c. */
#include <string.h>

#include "bus.h"
#include "ids.h"
#include "org_companies.h"
#include "status.h"
#include "store_org_companies.h"

int policy_org_company_get(PGconn *conn, const struct policy_org_caller *c, const char *id,
                           json_t **out, struct cs_refusal *err) {
  int rc = policy_store_org_company_get(conn, c->portal_id, policy_org_scope_company(c), id, 0, out,
                                        err->sqlstate);
  if (rc == CS_ERR_NOT_FOUND) return cs_refuse(err, PROBLEM_NOT_FOUND, "no such company");
  return rc == CS_OK ? CS_OK : cs_refusal_db(err);
}

int policy_org_company_list(PGconn *conn, const struct policy_org_caller *c,
                            const char *const *filter, const struct policy_org_page *pg,
                            json_t **rows, struct cs_refusal *err) {
  if (policy_store_org_company_list(conn, c->portal_id, policy_org_scope_company(c),
                                    filter[POLICY_COMPANY_Q_KIND], pg->updated_since,
                                    pg->after_created_at, pg->after_id, pg->limit, rows,
                                    err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  return CS_OK;
}

void policy_org_company_rules(const json_t *body, struct cs_refusal *err) {
  const json_t *name = json_object_get(body, "name");
  const char *kind = json_string_value(json_object_get(body, "kind"));
  if (json_is_null(name) || (json_is_string(name) && json_string_length(name) == 0))
    cs_refusal_field(err, "name", FIELD_REQUIRED, "must not be empty");
  /* the insurer is made with its portal, never here */
  if (kind != NULL && strcmp(kind, "partner") && strcmp(kind, "customer") && strcmp(kind, "agent"))
    cs_refusal_field(err, "kind", FIELD_NOT_ALLOWED, "must be partner, customer or agent");
}

void policy_org_company_link_rules(const json_t *body, struct cs_refusal *err) {
  const json_t *org = json_object_get(body, "org_number");
  if (json_is_string(org) && json_string_length(org) == 0)
    cs_refusal_field(err, "org_number", FIELD_REQUIRED, "must not be empty");
}

int policy_org_company_create(PGconn *conn, struct write_call *w) {
  const char *kind = json_string_value(json_object_get(w->body, "kind"));
  char id[37];
  if (!policy_org_is_insurer_admin(w->caller))
    return cs_refuse(&w->err, PROBLEM_FORBIDDEN, "only the insurer's admin may create companies");
  ids_uuid_v4(id);
  if (policy_store_org_company_insert(conn, id, kind,
                                      json_string_value(json_object_get(w->body, "name")),
                                      json_string_value(json_object_get(w->body, "org_number")),
                                      policy_org_caller_of(w)->portal_id, w->err.sqlstate) != CS_OK)
    return cs_refusal_db(&w->err);
  return policy_org_write_done(conn, w, "company.created", id, policy_org_company_get);
}

int policy_org_company_patch(PGconn *conn, struct write_call *w) {
  const struct policy_org_caller *c = w->caller;
  json_t *company = NULL;
  int rc;
  rc = policy_store_org_company_get(conn, c->portal_id, policy_org_scope_company(c), w->id, 1,
                                    &company, w->err.sqlstate);
  if (rc == CS_ERR_NOT_FOUND) return cs_refuse(&w->err, PROBLEM_NOT_FOUND, "no such company");
  if (rc != CS_OK) return cs_refusal_db(&w->err);
  /* the id of the row, not of the path: the path may spell the same UUID in capitals */
  const char *company_id = json_string_value(json_object_get(company, "id"));
  if (!policy_org_may_manage(c, company_id)) {
    rc = cs_refuse(&w->err, PROBLEM_FORBIDDEN,
                   "only the company's own admin or the insurer's admin may change it");
    goto done;
  }
  /* The organisation number is what insurers link partners by: only they may change it. */
  if (json_object_get(w->body, "org_number") != NULL && !policy_org_is_insurer_admin(c)) {
    rc = cs_refuse(&w->err, PROBLEM_FORBIDDEN, "only the insurer's admin may change org_number");
    goto done;
  }
  if ((rc = policy_org_precondition(w, company, 1)) != CS_OK) goto done;
  const json_t *name = json_object_get(w->body, "name"),
               *org = json_object_get(w->body, "org_number");
  if (policy_store_org_company_update(conn, company_id, name != NULL, json_string_value(name),
                                      org != NULL, json_string_value(org),
                                      w->err.sqlstate) != CS_OK) {
    rc = cs_refusal_db(&w->err);
    goto done;
  }
  rc = policy_org_write_done(conn, w, "company.updated", company_id, policy_org_company_get);
done:
  json_decref(company);
  return rc;
}

int policy_org_company_link(PGconn *conn, struct write_call *w) {
  const char *org = json_string_value(json_object_get(w->body, "org_number"));
  json_t *company = NULL, *portals = NULL, *data = NULL;
  char id[37];
  int added = 0, rc;
  if (!policy_org_is_insurer_admin(w->caller))
    return cs_refuse(&w->err, PROBLEM_FORBIDDEN,
                     "only the insurer's admin may add a partner to the portal");
  rc = policy_store_org_partner_by_org_number(conn, org, id, w->err.sqlstate);
  if (rc == CS_ERR_NOT_FOUND)
    return cs_refuse(&w->err, PROBLEM_NOT_FOUND,
                     "no partner company with this organisation number");
  if (rc != CS_OK) return cs_refusal_db(&w->err);
  if (policy_store_org_company_link(conn, id, policy_org_caller_of(w)->portal_id, &added,
                                    w->err.sqlstate) != CS_OK ||
      policy_store_org_company_get(conn, policy_org_caller_of(w)->portal_id, NULL, id, 0, &company,
                                   w->err.sqlstate) != CS_OK) {
    rc = cs_refusal_db(&w->err);
    goto done;
  }
  if (added) {
    if (policy_store_org_company_portals(conn, id, &portals, w->err.sqlstate) != CS_OK ||
        (data = policy_org_event_data(company)) == NULL) {
      rc = cs_refusal_db(&w->err);
      goto done;
    }
    json_object_set(data, "portal_ids", portals);
    if (bus_outbox_add(conn, "company.updated", policy_org_caller_of(w)->portal_id, id, data) !=
        CS_OK) {
      rc = cs_refusal_db(&w->err);
      goto done;
    }
  }
  w->status = added ? 201 : 200;
  w->result = company;
  company = NULL;
  rc = CS_OK;
done:
  json_decref(company);
  json_decref(portals);
  json_decref(data);
  return rc;
}
