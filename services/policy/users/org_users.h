/* Users of the organisations (/v1/users), with their offices and order-workflow roles: who may
 * see, create and change which user (org_users.c). Conventions of org_write.h / org_list.h. */
#ifndef CLAIMSUITE_POLICY_ORG_USERS_H
#define CLAIMSUITE_POLICY_ORG_USERS_H

#include "org_list.h"
#include "org_write.h"

/* The filters of the list, in the order of its filter array. */
enum policy_org_user_filter {
  POLICY_USER_Q_COMPANY,
  POLICY_USER_Q_OFFICE,
  POLICY_USER_Q_EXTERNAL_CASE_HANDLER, /* "true"/"false" */
  POLICY_USER_Q_ACTIVE,                /* "true"/"false" */
  POLICY_USER_Q_TEXT,                  /* in the name or email */
  POLICY_USER_Q_COUNT
};

int policy_org_user_get(PGconn *conn, const struct policy_org_caller *c, const char *id,
                        json_t **out, struct cs_refusal *err);
int policy_org_user_list(PGconn *conn, const struct policy_org_caller *c, const char *const *filter,
                         const struct policy_org_page *pg, json_t **rows, struct cs_refusal *err);

/* The rules of a user body (create and patch) and of an org-roles body. */
void policy_org_user_rules(const json_t *body, struct cs_refusal *err);
void policy_org_user_roles_rules(const json_t *body, struct cs_refusal *err);

int policy_org_user_create(PGconn *conn, struct write_call *w);
int policy_org_user_patch(PGconn *conn, struct write_call *w);
int policy_org_user_put_roles(PGconn *conn, struct write_call *w);

#endif
