/* Companies of a portal (/v1/companies): the insurer's admin creates partner, customer and
 * agent companies and links partners by organisation number (org_companies.c). Conventions of
 * org_write.h / org_list.h. */
#ifndef CLAIMSUITE_POLICY_ORG_COMPANIES_H
#define CLAIMSUITE_POLICY_ORG_COMPANIES_H

#include "org_list.h"
#include "org_write.h"

/* The filters of the list, in the order of its filter array. */
enum policy_org_company_filter { POLICY_COMPANY_Q_KIND, POLICY_COMPANY_Q_COUNT };

int policy_org_company_get(PGconn *conn, const struct policy_org_caller *c, const char *id,
                           json_t **out, struct cs_refusal *err);
int policy_org_company_list(PGconn *conn, const struct policy_org_caller *c,
                            const char *const *filter, const struct policy_org_page *pg,
                            json_t **rows, struct cs_refusal *err);

/* The rules of a company body (create, patch) and of a link body. */
void policy_org_company_rules(const json_t *body, struct cs_refusal *err);
void policy_org_company_link_rules(const json_t *body, struct cs_refusal *err);

int policy_org_company_create(PGconn *conn, struct write_call *w);
int policy_org_company_patch(PGconn *conn, struct write_call *w);
/* POST /v1/companies/links: the insurer's admin adds the partner company with the body's
 * org_number to the token's portal; w->status 201 for a new link, 200 when already linked. */
int policy_org_company_link(PGconn *conn, struct write_call *w);

#endif
