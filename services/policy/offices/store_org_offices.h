/* SQL of /v1/offices (schema policy): offices, their categories (per portal) and the filters of
 * the list, as JSON objects. Conventions of store_org_common.h. */
#ifndef CLAIMSUITE_POLICY_STORE_ORG_OFFICES_H
#define CLAIMSUITE_POLICY_STORE_ORG_OFFICES_H

#include <jansson.h>
#include <libpq-fe.h>

/* The columns an office write sets, in this order. */
enum policy_store_org_office_column {
  POLICY_OFFICE_NAME,
  POLICY_OFFICE_STREET,
  POLICY_OFFICE_POSTAL_CODE,
  POLICY_OFFICE_CITY,
  POLICY_OFFICE_COUNTRY,
  POLICY_OFFICE_LATITUDE,
  POLICY_OFFICE_LONGITUDE,
  POLICY_OFFICE_TEMPORARY_CASES,
  POLICY_OFFICE_NCOLUMNS
};
/* Values as text (NULL: SQL NULL); has[i] says whether column i changes (updates). */
struct policy_store_org_office_values {
  const char *value[POLICY_OFFICE_NCOLUMNS];
  int has[POLICY_OFFICE_NCOLUMNS];
};

/* One visible office; with_categories adds "categories" ([{id, name}] of portal's categories).
 * for_update locks it. */
int policy_store_org_office_get(PGconn *conn, const char *portal, const char *scope, const char *id,
                                int for_update, int with_categories, json_t **out, char *sqlstate);

struct policy_store_org_office_filter {
  const char *company_id, *category, *has_ech /* "1" or NULL */, *temporary_cases;
  const char *after_created_at, *after_id;
  long limit;
  const char *updated_since; /* RFC 3339: offices changed at or after it */
};
int policy_store_org_office_list(PGconn *conn, const char *portal, const char *scope,
                                 int with_categories,
                                 const struct policy_store_org_office_filter *f, json_t **rows,
                                 char *sqlstate);

/* Inserts with the values given (NULL country or temporary_cases: the column default). */
int policy_store_org_office_insert(PGconn *conn, const char *id, const char *company_id,
                                   const struct policy_store_org_office_values *v, char *sqlstate);
int policy_store_org_office_update(PGconn *conn, const char *id,
                                   const struct policy_store_org_office_values *v, char *sqlstate);

/* Replaces the office's categories of portal with the ones named in refs (array literal of
 * category ids or names; unknown names are created in the portal). *unknown_ids receives how
 * many refs look like ids but name no category of the portal (nothing is changed then). */
int policy_store_org_office_set_categories(PGconn *conn, const char *portal, const char *id,
                                           const char *refs, long *unknown_ids, char *sqlstate);

#endif
