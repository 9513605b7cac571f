/* Users: who may see, create and change which user, and what a change means (offices of the
 * user's own company, levels no higher than the caller's, the insurer-only fields, org roles
 * granted by an admin of the user's own company). SQL lives in store_org_users.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "org_users.h"
#include "password.h"
#include "status.h"
#include "store_org_common.h"
#include "store_org_companies.h"
#include "store_org_users.h"

#define PASSWORD_MIN 8

static const char *const org_roles[] = {"agent_handler", "attestant", "customer_attestant"};

int policy_org_user_get(PGconn *conn, const struct policy_org_caller *c, const char *id,
                        json_t **out, struct cs_refusal *err) {
  int rc = policy_store_org_user_get(conn, c->portal_id, policy_org_scope_company(c), id, 0, out,
                                     err->sqlstate);
  if (rc == CS_ERR_NOT_FOUND) return cs_refuse(err, PROBLEM_NOT_FOUND, "no such user");
  return rc == CS_OK ? CS_OK : cs_refusal_db(err);
}

int policy_org_user_list(PGconn *conn, const struct policy_org_caller *c, const char *const *q,
                         const struct policy_org_page *pg, json_t **rows, struct cs_refusal *err) {
  struct policy_store_org_user_filter f = {q[POLICY_USER_Q_COMPANY],
                                           q[POLICY_USER_Q_OFFICE],
                                           q[POLICY_USER_Q_EXTERNAL_CASE_HANDLER],
                                           q[POLICY_USER_Q_ACTIVE],
                                           q[POLICY_USER_Q_TEXT],
                                           pg->after_created_at,
                                           pg->after_id,
                                           pg->limit,
                                           pg->updated_since};
  if (policy_store_org_user_list(conn, c->portal_id, policy_org_scope_company(c), &f, rows,
                                 err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  return CS_OK;
}

/* ---- checks of values ---------------------------------------------------------------------- */

static int email_ok(const char *s) {
  const char *at = strchr(s, '@');
  if (at == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@') != NULL) return 0;
  for (const char *p = s; *p; p++)
    if ((unsigned char)*p <= ' ') return 0;
  return 1;
}

/* The members a user may not clear: null is refused on them. */
static const char *const not_null[] = {"name", "active", "external_case_handler",
                                       "authority_level"};

void policy_org_user_rules(const json_t *body, struct cs_refusal *err) {
  const json_t *v, *o;
  char field[40];
  size_t i;
  for (i = 0; i < sizeof(not_null) / sizeof(not_null[0]); i++)
    if (json_is_null(json_object_get(body, not_null[i])))
      cs_refusal_field(err, not_null[i], FIELD_REQUIRED, "must not be null");
  v = json_object_get(body, "email");
  if (json_is_string(v) && !email_ok(json_string_value(v)))
    cs_refusal_field(err, "email", FIELD_FORMAT, "must be an email address");
  v = json_object_get(body, "name");
  if (json_is_string(v) && json_string_length(v) == 0)
    cs_refusal_field(err, "name", FIELD_REQUIRED, "must not be empty");
  v = json_object_get(body, "password");
  if (json_is_string(v) && json_string_length(v) < PASSWORD_MIN)
    cs_refusal_field(err, "password", FIELD_FORMAT, "must be at least 8 characters long");
  v = json_object_get(body, "authority_level");
  if (json_is_integer(v) && (json_integer_value(v) < 1 || json_integer_value(v) > 6))
    cs_refusal_field(err, "authority_level", FIELD_OUT_OF_RANGE, "must be between 1 and 6");
  v = json_object_get(body, "budget_limit");
  if (json_is_integer(v) && json_integer_value(v) < 0)
    cs_refusal_field(err, "budget_limit", FIELD_OUT_OF_RANGE, "must be zero or more (minor units)");
  v = json_object_get(body, "offices");
  json_array_foreach(v, i, o) {
    snprintf(field, sizeof(field), "offices/%zu", i);
    if (!json_is_string(o))
      cs_refusal_field(err, field, FIELD_WRONG_TYPE, "must be an office id");
    else if (!ids_is_uuid(json_string_value(o)))
      cs_refusal_field(err, field, FIELD_FORMAT, "must be an office id (a UUID)");
  }
}

void policy_org_user_roles_rules(const json_t *body, struct cs_refusal *err) {
  const json_t *r;
  char field[40];
  size_t i;
  json_array_foreach(json_object_get(body, "roles"), i, r) {
    int known = 0;
    for (size_t j = 0; j < sizeof(org_roles) / sizeof(org_roles[0]); j++)
      known |= json_is_string(r) && strcmp(json_string_value(r), org_roles[j]) == 0;
    snprintf(field, sizeof(field), "roles/%zu", i);
    if (!json_is_string(r))
      cs_refusal_field(err, field, FIELD_WRONG_TYPE, "must be a string");
    else if (!known)
      cs_refusal_field(err, field, FIELD_NOT_ALLOWED,
                       "must be agent_handler, attestant or customer_attestant");
  }
}

/* 403 for the fields only the insurer admin may set, when present in body. */
static int check_insurer_fields(const struct policy_org_caller *c, const json_t *body,
                                struct cs_refusal *err) {
  static const char *const fields[] = {"external_case_handler", "budget_limit"};
  if (policy_org_is_insurer_admin(c)) return CS_OK;
  for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
    if (json_object_get(body, fields[i]) != NULL) {
      cs_refuse(err, PROBLEM_FORBIDDEN, "only the insurer's admin may set %s", fields[i]);
      cs_refusal_field(err, fields[i], FIELD_NOT_ALLOWED, "only the insurer's admin may set this");
      return CS_REFUSED;
    }
  }
  return CS_OK;
}

static int check_level(const struct policy_org_caller *c, const json_t *body,
                       struct cs_refusal *err) {
  const json_t *v = json_object_get(body, "authority_level");
  if (v != NULL && json_integer_value(v) > c->level) {
    cs_refuse(err, PROBLEM_FORBIDDEN, "authority_level may not be higher than your own (%d)",
              c->level);
    cs_refusal_field(err, "authority_level", FIELD_NOT_ALLOWED, "higher than your own level");
    return CS_REFUSED;
  }
  return CS_OK;
}

/* Sets the user's offices from body's "offices" (when present): each must be an office of
 * company_id, else 422. */
static int apply_offices(PGconn *conn, const char *user_id, const char *company_id,
                         const json_t *body, struct cs_refusal *err) {
  const json_t *offices = json_object_get(body, "offices");
  char *literal = NULL;
  long count = 0;
  int rc = CS_OK;
  if (offices == NULL) return CS_OK;
  json_t *unique = json_array();
  size_t i, j;
  const json_t *o, *u;
  json_array_foreach(offices, i, o) {
    int seen = 0;
    json_array_foreach(unique, j, u) seen |= json_equal(o, u);
    if (!seen) json_array_append(unique, (json_t *)o);
  }
  literal = policy_store_org_array_literal(unique);
  if (literal == NULL) {
    rc = CS_ERR_NOMEM;
    goto done;
  }
  if (policy_store_org_offices_in_company(conn, company_id, literal, &count, err->sqlstate) !=
      CS_OK) {
    rc = cs_refusal_db(err);
    goto done;
  }
  if ((size_t)count != json_array_size(unique)) {
    cs_refusal_field(err, "offices", FIELD_INVALID,
                     "every office must belong to the user's company");
    rc = cs_refusal_validation(err);
    goto done;
  }
  if (policy_store_org_user_set_offices(conn, user_id, literal, err->sqlstate) != CS_OK)
    rc = cs_refusal_db(err);
done:
  free(literal);
  json_decref(unique);
  return rc;
}

static const char *bool_text(const json_t *v) {
  return v == NULL || json_is_null(v) ? NULL : json_is_true(v) ? "true" : "false";
}

int policy_org_user_create(PGconn *conn, struct write_call *w) {
  const struct policy_org_caller *c = w->caller;
  const json_t *body = w->body;
  struct policy_store_org_user_values v;
  char id[37], level[8], budget[24], *hash = NULL;
  int rc, taken = 0, visible = 0;

  memset(&v, 0, sizeof(v));
  if (!policy_org_is_admin(c)) {
    rc = cs_refuse(&w->err, PROBLEM_FORBIDDEN, "only a level-6 admin may create users");
    goto done;
  }
  v.company_id = json_string_value(json_object_get(body, "company_id"));
  if (v.company_id == NULL) v.company_id = c->company_id;
  if (policy_store_org_company_visible(conn, c->portal_id, policy_org_scope_company(c),
                                       v.company_id, &visible, w->err.sqlstate) != CS_OK) {
    rc = cs_refusal_db(&w->err);
    goto done;
  }
  if (!visible) {
    cs_refusal_field(&w->err, "company_id", FIELD_NOT_FOUND, "no such company");
    rc = cs_refusal_validation(&w->err);
    goto done;
  }
  if (!policy_org_may_manage(c, v.company_id)) {
    rc = cs_refuse(&w->err, PROBLEM_FORBIDDEN,
                   "only an admin of the user's own company or the insurer's admin may"
                   " create users");
    goto done;
  }
  if ((rc = check_insurer_fields(c, body, &w->err)) != CS_OK ||
      (rc = check_level(c, body, &w->err)) != CS_OK)
    goto done;
  v.email = json_string_value(json_object_get(body, "email"));
  if (policy_store_org_email_taken(conn, v.email, &taken, w->err.sqlstate) != CS_OK) {
    rc = cs_refusal_db(&w->err);
    goto done;
  }
  if (taken) {
    rc = cs_refuse(&w->err, PROBLEM_CONFLICT, "a user with this email exists");
    cs_refusal_field(&w->err, "email", FIELD_NOT_UNIQUE, "is already in use");
    goto done;
  }
  const char *password = json_string_value(json_object_get(body, "password"));
  if (password != NULL && password_hash(password, &hash) != CS_OK) {
    rc = cs_refuse(&w->err, PROBLEM_INTERNAL, "the password could not be hashed");
    goto done;
  }
  snprintf(level, sizeof(level), "%lld",
           (long long)json_integer_value(json_object_get(body, "authority_level")));
  const json_t *b = json_object_get(body, "budget_limit");
  if (b != NULL && !json_is_null(b)) {
    snprintf(budget, sizeof(budget), "%lld", (long long)json_integer_value(b));
    v.budget_limit = budget;
  }
  v.name = json_string_value(json_object_get(body, "name"));
  v.mobile = json_string_value(json_object_get(body, "mobile"));
  v.password_hash = hash;
  v.authority_level = level;
  v.active = bool_text(json_object_get(body, "active"));
  v.external_case_handler = bool_text(json_object_get(body, "external_case_handler"));
  ids_uuid_v4(id);
  if (policy_store_org_user_insert(conn, id, &v, w->err.sqlstate) != CS_OK) {
    if (strcmp(w->err.sqlstate, "23505") == 0) {
      rc = cs_refuse(&w->err, PROBLEM_CONFLICT, "a user with this email exists");
      cs_refusal_field(&w->err, "email", FIELD_NOT_UNIQUE, "is already in use");
    } else {
      rc = cs_refusal_db(&w->err);
    }
    goto done;
  }
  if ((rc = apply_offices(conn, id, v.company_id, body, &w->err)) != CS_OK) goto done;
  rc = policy_org_write_done(conn, w, "user.created", id, policy_org_user_get);
done:
  free(hash);
  return rc;
}

/* Locks the visible user w->id and checks the caller may manage it: CS_OK with *user. */
static int lock_managed(PGconn *conn, struct write_call *w, json_t **user) {
  const struct policy_org_caller *c = w->caller;
  int rc = policy_store_org_user_get(conn, c->portal_id, policy_org_scope_company(c), w->id, 1,
                                     user, w->err.sqlstate);
  if (rc == CS_ERR_NOT_FOUND) return cs_refuse(&w->err, PROBLEM_NOT_FOUND, "no such user");
  if (rc != CS_OK) return cs_refusal_db(&w->err);
  return CS_OK;
}

int policy_org_user_patch(PGconn *conn, struct write_call *w) {
  const struct policy_org_caller *c = w->caller;
  const json_t *body = w->body, *x;
  json_t *user = NULL;
  struct policy_store_org_user_values v;
  char level[8], budget[24];
  int rc;

  memset(&v, 0, sizeof(v));
  if ((rc = lock_managed(conn, w, &user)) != CS_OK) goto done;
  const char *company = json_string_value(json_object_get(user, "company_id"));
  if (!policy_org_may_manage(c, company) ||
      json_integer_value(json_object_get(user, "authority_level")) > c->level) {
    rc = cs_refuse(&w->err, PROBLEM_FORBIDDEN,
                   "only an admin of the user's own company or the insurer's admin may"
                   " change this user");
    goto done;
  }
  if ((rc = check_insurer_fields(c, body, &w->err)) != CS_OK ||
      (rc = check_level(c, body, &w->err)) != CS_OK)
    goto done;
  if ((rc = policy_org_precondition(w, user, 1)) != CS_OK) goto done;
  if ((x = json_object_get(body, "name")) != NULL) {
    v.has_name = 1;
    v.name = json_string_value(x);
  }
  if ((x = json_object_get(body, "mobile")) != NULL) {
    v.has_mobile = 1;
    v.mobile = json_string_value(x);
  }
  if ((x = json_object_get(body, "authority_level")) != NULL) {
    snprintf(level, sizeof(level), "%lld", (long long)json_integer_value(x));
    v.has_authority_level = 1;
    v.authority_level = level;
  }
  if ((x = json_object_get(body, "active")) != NULL) {
    v.has_active = 1;
    v.active = bool_text(x);
  }
  if ((x = json_object_get(body, "external_case_handler")) != NULL) {
    v.has_external_case_handler = 1;
    v.external_case_handler = bool_text(x);
  }
  if ((x = json_object_get(body, "budget_limit")) != NULL) {
    v.has_budget_limit = 1;
    if (!json_is_null(x)) {
      snprintf(budget, sizeof(budget), "%lld", (long long)json_integer_value(x));
      v.budget_limit = budget;
    }
  }
  if (policy_store_org_user_update(conn, w->id, &v, w->err.sqlstate) != CS_OK) {
    rc = cs_refusal_db(&w->err);
    goto done;
  }
  if ((rc = apply_offices(conn, w->id, company, body, &w->err)) != CS_OK) goto done;
  rc = policy_org_write_done(conn, w, "user.updated", w->id, policy_org_user_get);
done:
  json_decref(user);
  return rc;
}

int policy_org_user_put_roles(PGconn *conn, struct write_call *w) {
  const struct policy_org_caller *c = w->caller;
  const json_t *roles = json_object_get(w->body, "roles");
  json_t *user = NULL;
  char *literal = NULL;
  int rc;

  if ((rc = lock_managed(conn, w, &user)) != CS_OK) goto done;
  const char *company = json_string_value(json_object_get(user, "company_id"));
  if (!policy_org_is_admin(c) || strcmp(company, c->company_id) != 0) {
    rc = cs_refuse(&w->err, PROBLEM_FORBIDDEN,
                   "only an admin of the user's own company may grant org roles");
    goto done;
  }
  if ((rc = policy_org_precondition(w, user, 0)) != CS_OK) goto done;
  /* a role named twice is set once: the store's INSERT ... ON CONFLICT DO NOTHING skips it */
  literal = policy_store_org_array_literal(roles);
  if (literal == NULL) {
    rc = CS_ERR_NOMEM;
    goto done;
  }
  if (policy_store_org_user_set_roles(conn, w->id, literal, w->err.sqlstate) != CS_OK) {
    rc = cs_refusal_db(&w->err);
    goto done;
  }
  rc = policy_org_write_done(conn, w, "user.updated", w->id, policy_org_user_get);
done:
  free(literal);
  json_decref(user);
  return rc;
}
