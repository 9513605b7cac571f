/* SQL of /v1/users (schema policy): users with their offices and order-workflow roles, as JSON
 * objects without the password hash. Conventions of store_org_common.h: conn borrowed, CS_OK,
 * CS_ERR_NOT_FOUND or CS_ERR_DB with sqlstate; *out and *rows are new references.
 * portal and scope are the visibility parameters of POLICY_ORG_VISIBLE. */
#ifndef CLAIMSUITE_POLICY_STORE_ORG_USERS_H
#define CLAIMSUITE_POLICY_STORE_ORG_USERS_H

#include <jansson.h>
#include <libpq-fe.h>

/* One visible user; for_update locks the row. */
int policy_store_org_user_get(PGconn *conn, const char *portal, const char *scope, const char *id,
                              int for_update, json_t **out, char *sqlstate);

/* Filters of the list; NULL members do not filter. */
struct policy_store_org_user_filter {
  const char *company_id, *office_id, *external_case_handler /* "true"/"false" */,
      *active /* "true"/"false" */, *q;
  const char *after_created_at, *after_id; /* keyset cursor */
  long limit;                              /* rows to return (the page plus one) */
  const char *updated_since;               /* RFC 3339: users changed at or after it */
};
/* Visible users in (created_at, id) order. */
int policy_store_org_user_list(PGconn *conn, const char *portal, const char *scope,
                               const struct policy_store_org_user_filter *f, json_t **rows,
                               char *sqlstate);

/* 1 in *taken when a user has this email (case-insensitively). */
int policy_store_org_email_taken(PGconn *conn, const char *email, int *taken, char *sqlstate);

/* Column values as text (NULL: SQL NULL). For updates, has_* says which columns change. */
struct policy_store_org_user_values {
  const char *company_id, *email, *name, *mobile, *password_hash, *authority_level, *active,
      *external_case_handler, *budget_limit;
  int has_name, has_mobile, has_authority_level, has_active, has_external_case_handler,
      has_budget_limit;
};
int policy_store_org_user_insert(PGconn *conn, const char *id,
                                 const struct policy_store_org_user_values *v, char *sqlstate);
/* Changes the has_* columns, bumps version and updated_at. */
int policy_store_org_user_update(PGconn *conn, const char *id,
                                 const struct policy_store_org_user_values *v, char *sqlstate);

/* How many of offices (array literal of UUIDs) belong to company_id. */
int policy_store_org_offices_in_company(PGconn *conn, const char *company_id, const char *offices,
                                        long *count, char *sqlstate);
/* Replaces the user's offices / org roles (array literals). */
int policy_store_org_user_set_offices(PGconn *conn, const char *id, const char *offices,
                                      char *sqlstate);
int policy_store_org_user_set_roles(PGconn *conn, const char *id, const char *roles,
                                    char *sqlstate);

#endif
