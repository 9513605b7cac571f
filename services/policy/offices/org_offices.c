/* Offices: who may see, create and change which office; categories are the insurer's labels,
 * shown to and set by insurer users only. SQL lives in store_org_offices.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "org_offices.h"
#include "status.h"
#include "store_org_common.h"
#include "store_org_companies.h"
#include "store_org_offices.h"

/* Body member names, in enum policy_store_org_office_column order. */
static const char *const columns[POLICY_OFFICE_NCOLUMNS] = {
    "name", "street", "postal_code", "city", "country", "latitude", "longitude", "temporary_cases"};

static int is_insurer_user(const struct policy_org_caller *c) {
  return !c->is_client && policy_org_sees_portal(c);
}

/* Categories are shown to insurer users and API clients (the insurer's integrations). */
static int shows_categories(const struct policy_org_caller *c) { return policy_org_sees_portal(c); }

int policy_org_office_get(PGconn *conn, const struct policy_org_caller *c, const char *id,
                          json_t **out, struct cs_refusal *err) {
  int rc = policy_store_org_office_get(conn, c->portal_id, policy_org_scope_company(c), id, 0,
                                       shows_categories(c), out, err->sqlstate);
  if (rc == CS_ERR_NOT_FOUND) return cs_refuse(err, PROBLEM_NOT_FOUND, "no such office");
  return rc == CS_OK ? CS_OK : cs_refusal_db(err);
}

int policy_org_office_list(PGconn *conn, const struct policy_org_caller *c, const char *const *q,
                           const struct policy_org_page *pg, json_t **rows,
                           struct cs_refusal *err) {
  struct policy_store_org_office_filter f = {q[POLICY_OFFICE_Q_COMPANY],
                                             q[POLICY_OFFICE_Q_CATEGORY],
                                             q[POLICY_OFFICE_Q_HAS_ROLE] != NULL ? "1" : NULL,
                                             q[POLICY_OFFICE_Q_TEMPORARY_CASES],
                                             pg->after_created_at,
                                             pg->after_id,
                                             pg->limit,
                                             pg->updated_since};
  if (f.category != NULL && !shows_categories(c)) {
    cs_refuse(err, PROBLEM_INVALID_PARAMETER, "office categories are not shown to you");
    cs_refusal_field(err, "category", FIELD_NOT_ALLOWED, "not available to your company");
    return CS_REFUSED;
  }
  if (policy_store_org_office_list(conn, c->portal_id, policy_org_scope_company(c),
                                   shows_categories(c), &f, rows, err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  return CS_OK;
}

/* The members an office may not clear: null is refused on them. */
static const char *const not_null[] = {"name", "country", "temporary_cases"};

void policy_org_office_rules(const json_t *body, struct cs_refusal *err) {
  const json_t *v;
  char field[40];
  size_t i;
  for (i = 0; i < sizeof(not_null) / sizeof(not_null[0]); i++)
    if (json_is_null(json_object_get(body, not_null[i])))
      cs_refusal_field(err, not_null[i], FIELD_REQUIRED, "must not be null");
  v = json_object_get(body, "name");
  if (json_is_string(v) && json_string_length(v) == 0)
    cs_refusal_field(err, "name", FIELD_REQUIRED, "must not be empty");
  v = json_object_get(body, "latitude");
  if (json_is_number(v) && (json_number_value(v) < -90 || json_number_value(v) > 90))
    cs_refusal_field(err, "latitude", FIELD_OUT_OF_RANGE, "must be between -90 and 90");
  v = json_object_get(body, "longitude");
  if (json_is_number(v) && (json_number_value(v) < -180 || json_number_value(v) > 180))
    cs_refusal_field(err, "longitude", FIELD_OUT_OF_RANGE, "must be between -180 and 180");
  const char *tc = json_string_value(json_object_get(body, "temporary_cases"));
  if (tc != NULL && strcmp(tc, "never") && strcmp(tc, "outside_office_hours") &&
      strcmp(tc, "always"))
    cs_refusal_field(err, "temporary_cases", FIELD_NOT_ALLOWED,
                     "must be never, outside_office_hours or always");
  const char *country = json_string_value(json_object_get(body, "country"));
  if (country != NULL && (strlen(country) != 2 || country[0] < 'A' || country[0] > 'Z' ||
                          country[1] < 'A' || country[1] > 'Z'))
    cs_refusal_field(err, "country", FIELD_FORMAT, "must be an ISO 3166-1 alpha-2 code, e.g. SE");
  json_array_foreach(json_object_get(body, "categories"), i, v) {
    snprintf(field, sizeof(field), "categories/%zu", i);
    if (!json_is_string(v))
      cs_refusal_field(err, field, FIELD_WRONG_TYPE, "must be a category id or name");
    else if (json_string_length(v) == 0)
      cs_refusal_field(err, field, FIELD_REQUIRED, "must not be empty");
    else if (json_string_length(v) > 100)
      cs_refusal_field(err, field, FIELD_TOO_LONG, "must be at most 100 bytes long");
  }
}

/* The columns of a valid body into v (numbers formatted into nums). */
static void read_values(const json_t *body, struct policy_store_org_office_values *v,
                        char nums[2][40]) {
  memset(v, 0, sizeof(*v));
  for (int i = 0; i < POLICY_OFFICE_NCOLUMNS; i++) {
    const json_t *x = json_object_get(body, columns[i]);
    if (x == NULL) continue;
    v->has[i] = 1;
    if (json_is_null(x)) continue;
    if (i == POLICY_OFFICE_LATITUDE || i == POLICY_OFFICE_LONGITUDE) {
      snprintf(nums[i - POLICY_OFFICE_LATITUDE], 40, "%.9g", json_number_value(x));
      v->value[i] = nums[i - POLICY_OFFICE_LATITUDE];
    } else {
      v->value[i] = json_string_value(x);
    }
  }
}

static int apply_categories(PGconn *conn, struct write_call *w, const char *id) {
  const json_t *cats = json_object_get(w->body, "categories");
  long unknown = 0;
  int rc = CS_OK;
  if (cats == NULL) return CS_OK;
  char *literal = policy_store_org_array_literal(cats);
  if (literal == NULL) return CS_ERR_NOMEM;
  if (policy_store_org_office_set_categories(conn, policy_org_caller_of(w)->portal_id, id, literal,
                                             &unknown, w->err.sqlstate) != CS_OK) {
    rc = cs_refusal_db(&w->err);
  } else if (unknown > 0) {
    cs_refusal_field(&w->err, "categories", FIELD_NOT_FOUND,
                     "names a category id this portal does not have");
    rc = cs_refusal_validation(&w->err);
  }
  free(literal);
  return rc;
}

/* What only the insurer gives an office: its categories (the insurer's labels) and whether it
 * may open temporary cases (a partner's admin must not grant that to its own offices). */
static int check_categories_allowed(struct write_call *w) {
  static const char *const insurers[] = {"categories", "temporary_cases"};
  if (is_insurer_user(w->caller)) return CS_OK;
  for (size_t i = 0; i < sizeof(insurers) / sizeof(insurers[0]); i++)
    if (json_object_get(w->body, insurers[i]) != NULL)
      cs_refusal_field(&w->err, insurers[i], FIELD_NOT_ALLOWED, "only insurer users may set this");
  if (json_array_size(w->err.errors) == 0) return CS_OK;
  cs_refuse(&w->err, PROBLEM_FORBIDDEN,
            "only insurer users may set an office's categories and temporary cases");
  return CS_REFUSED;
}

int policy_org_office_create(PGconn *conn, struct write_call *w) {
  const struct policy_org_caller *c = w->caller;
  struct policy_store_org_office_values v;
  char nums[2][40], id[37];
  int rc, visible = 0;

  read_values(w->body, &v, nums);
  if (!policy_org_is_admin(c))
    return cs_refuse(&w->err, PROBLEM_FORBIDDEN, "only a level-6 admin may create offices");
  const char *company = json_string_value(json_object_get(w->body, "company_id"));
  if (company == NULL) company = c->company_id;
  if (policy_store_org_company_visible(conn, c->portal_id, policy_org_scope_company(c), company,
                                       &visible, w->err.sqlstate) != CS_OK)
    return cs_refusal_db(&w->err);
  if (!visible) {
    cs_refusal_field(&w->err, "company_id", FIELD_NOT_FOUND, "no such company");
    return cs_refusal_validation(&w->err);
  }
  if (!policy_org_may_manage(c, company))
    return cs_refuse(&w->err, PROBLEM_FORBIDDEN,
                     "only an admin of the office's company or the insurer's admin may"
                     " create offices");
  if ((rc = check_categories_allowed(w)) != CS_OK) return rc;
  ids_uuid_v4(id);
  if (policy_store_org_office_insert(conn, id, company, &v, w->err.sqlstate) != CS_OK)
    return cs_refusal_db(&w->err);
  if ((rc = apply_categories(conn, w, id)) != CS_OK) return rc;
  /* the event carries categories only when the writer may see them (an insurer): consumers of
   * the portal's events are the insurer's services */
  return policy_org_write_done(conn, w, "office.created", id, policy_org_office_get);
}

int policy_org_office_patch(PGconn *conn, struct write_call *w) {
  const struct policy_org_caller *c = w->caller;
  struct policy_store_org_office_values v;
  char nums[2][40];
  json_t *office = NULL;
  int rc;

  read_values(w->body, &v, nums);
  rc = policy_store_org_office_get(conn, c->portal_id, policy_org_scope_company(c), w->id, 1, 0,
                                   &office, w->err.sqlstate);
  if (rc == CS_ERR_NOT_FOUND) return cs_refuse(&w->err, PROBLEM_NOT_FOUND, "no such office");
  if (rc != CS_OK) return cs_refusal_db(&w->err);
  if (!policy_org_may_manage(c, json_string_value(json_object_get(office, "company_id")))) {
    rc = cs_refuse(&w->err, PROBLEM_FORBIDDEN,
                   "only an admin of the office's company or the insurer's admin may"
                   " change it");
    goto done;
  }
  if ((rc = check_categories_allowed(w)) != CS_OK) goto done;
  if ((rc = policy_org_precondition(w, office, 1)) != CS_OK) goto done;
  if (policy_store_org_office_update(conn, w->id, &v, w->err.sqlstate) != CS_OK) {
    rc = cs_refusal_db(&w->err);
    goto done;
  }
  if ((rc = apply_categories(conn, w, w->id)) != CS_OK) goto done;
  rc = policy_org_write_done(conn, w, "office.updated", w->id, policy_org_office_get);
done:
  json_decref(office);
  return rc;
}
