/* SQL of /v1/companies (schema policy): companies and the portals they serve, as JSON objects.
 * Conventions of store_org_common.h. */
#ifndef CLAIMSUITE_POLICY_STORE_ORG_COMPANIES_H
#define CLAIMSUITE_POLICY_STORE_ORG_COMPANIES_H

#include <jansson.h>
#include <libpq-fe.h>

/* 1 in *visible when company_id is visible with (portal, scope) (POLICY_ORG_VISIBLE). */
int policy_store_org_company_visible(PGconn *conn, const char *portal, const char *scope,
                                     const char *company_id, int *visible, char *sqlstate);

int policy_store_org_company_get(PGconn *conn, const char *portal, const char *scope,
                                 const char *id, int for_update, json_t **out, char *sqlstate);
/* Visible companies in (created_at, id) order; kind and the cursor may be NULL. */
int policy_store_org_company_list(PGconn *conn, const char *portal, const char *scope,
                                  const char *kind, const char *updated_since,
                                  const char *after_created_at, const char *after_id, long limit,
                                  json_t **rows, char *sqlstate);
/* A new company serving portal. org_number may be NULL. */
int policy_store_org_company_insert(PGconn *conn, const char *id, const char *kind,
                                    const char *name, const char *org_number, const char *portal,
                                    char *sqlstate);
/* Changes name (when has_name) and org_number (when has_org_number), bumps the version. */
int policy_store_org_company_update(PGconn *conn, const char *id, int has_name, const char *name,
                                    int has_org_number, const char *org_number, char *sqlstate);
/* The partner company whose org_number equals org_number (the oldest when several): its id into
 * id (37 bytes) or CS_ERR_NOT_FOUND. */
int policy_store_org_partner_by_org_number(PGconn *conn, const char *org_number, char *id,
                                           char *sqlstate);
/* Adds (company_id, portal) to company_portals; *added 1 for a new link (the company's version
 * and updated_at move: it is new to the portal's readers), 0 when it was there. */
int policy_store_org_company_link(PGconn *conn, const char *company_id, const char *portal,
                                  int *added, char *sqlstate);
/* The ids of the portals company_id serves, sorted: a new array in *out. */
int policy_store_org_company_portals(PGconn *conn, const char *company_id, json_t **out,
                                     char *sqlstate);

#endif
