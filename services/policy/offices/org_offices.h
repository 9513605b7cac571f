/* Offices of the organisations (/v1/offices): who may see, create and change which office;
 * categories are the insurer's labels (org_offices.c). Conventions of org_write.h /
 * org_list.h. */
#ifndef CLAIMSUITE_POLICY_ORG_OFFICES_H
#define CLAIMSUITE_POLICY_ORG_OFFICES_H

#include "org_list.h"
#include "org_write.h"

/* The filters of the list, in the order of its filter array. */
enum policy_org_office_filter {
  POLICY_OFFICE_Q_COMPANY,
  POLICY_OFFICE_Q_CATEGORY, /* a category id or name: insurer users and clients only */
  POLICY_OFFICE_Q_HAS_ROLE, /* "external_case_handler" */
  POLICY_OFFICE_Q_TEMPORARY_CASES,
  POLICY_OFFICE_Q_COUNT
};

int policy_org_office_get(PGconn *conn, const struct policy_org_caller *c, const char *id,
                          json_t **out, struct cs_refusal *err);
int policy_org_office_list(PGconn *conn, const struct policy_org_caller *c,
                           const char *const *filter, const struct policy_org_page *pg,
                           json_t **rows, struct cs_refusal *err);

/* The rules of an office body (create and patch). */
void policy_org_office_rules(const json_t *body, struct cs_refusal *err);

int policy_org_office_create(PGconn *conn, struct write_call *w);
int policy_org_office_patch(PGconn *conn, struct write_call *w);

#endif
