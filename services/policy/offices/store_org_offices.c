/* SQL of /v1/offices. SQL only; the rules live in org_offices.c. */
#include <stdio.h>

#include "db.h"
#include "db_json.h"
#include "status.h"
#include "store_org_common.h"
#include "store_org_offices.h"

/* $1 portal, $2 scope, $3 '1' to include categories */
#define OFFICE_JSON \
  "(json_build_object('id', o.id, 'company_id', o.company_id, 'name', o.name,"                \
  " 'street', o.street, 'postal_code', o.postal_code, 'city', o.city, 'country', o.country,"  \
  " 'latitude', o.latitude, 'longitude', o.longitude, 'temporary_cases', o.temporary_cases,"  \
  " 'version', o.version, 'created_at', " POLICY_ORG_TS("o.created_at") ","                   \
  " 'updated_at', " POLICY_ORG_TS("o.updated_at") ")::jsonb"                                  \
  " || CASE WHEN $3 = '1' THEN jsonb_build_object('categories', COALESCE((SELECT"             \
  "   jsonb_agg(jsonb_build_object('id', oc.id, 'name', oc.name) ORDER BY oc.name)"           \
  "   FROM office_category_links ol JOIN office_categories oc ON oc.id = ol.category_id"      \
  "   WHERE ol.office_id = o.id AND oc.portal_id = $1::uuid), '[]'::jsonb))"                  \
  "   ELSE '{}'::jsonb END)::text"

static const struct policy_store_org_get office_get = POLICY_ORG_GET(
    "SELECT " OFFICE_JSON
    " FROM offices o WHERE o.id = $4::uuid AND " POLICY_ORG_VISIBLE("o.company_id", "1", "2"),
    "o");

int policy_store_org_office_get(PGconn *conn, const char *portal, const char *scope, const char *id,
                                int for_update, int with_categories, json_t **out, char *sqlstate) {
  const char *p[] = {portal, scope, with_categories ? "1" : "0", id};
  return policy_store_org_get(conn, &office_get, for_update, 4, p, out, sqlstate);
}

int policy_store_org_office_list(PGconn *conn, const char *portal, const char *scope,
                                 int with_categories,
                                 const struct policy_store_org_office_filter *f, json_t **rows,
                                 char *sqlstate) {
  char lim[24];
  snprintf(lim, sizeof(lim), "%ld", f->limit);
  const char *p[] = {portal,
                     scope,
                     with_categories ? "1" : "0",
                     f->company_id,
                     f->category,
                     f->has_ech,
                     f->temporary_cases,
                     f->after_created_at,
                     f->after_id,
                     lim,
                     f->updated_since};
  return db_json_rows(
      conn,
      "SELECT " OFFICE_JSON " FROM offices o WHERE " POLICY_ORG_VISIBLE("o.company_id", "1", "2")
      " AND ($4::uuid IS NULL OR o.company_id = $4::uuid)"
      " AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM office_category_links fl"
      "      JOIN office_categories fc ON fc.id = fl.category_id"
      "      WHERE fl.office_id = o.id AND fc.portal_id = $1::uuid"
      "        AND (fc.id::text = lower($5) OR fc.name = $5)))"
      " AND ($6::text IS NULL OR EXISTS (SELECT 1 FROM user_offices hu"
      "      JOIN users hx ON hx.id = hu.user_id"
      "      WHERE hu.office_id = o.id AND hx.active AND hx.external_case_handler))"
      " AND ($7::text IS NULL OR o.temporary_cases = $7)"
      /* planned with the values (unnamed statement): a given $11 is a range of offices_updated */
      " AND ($11::timestamptz IS NULL OR o.updated_at >= $11::timestamptz)"
      " AND " DB_AFTER_SQL("o.created_at", "o.id", "$8", "$9")
      " ORDER BY o.created_at, o.id LIMIT $10::int",
      11, p, rows, sqlstate);
}

int policy_store_org_office_insert(PGconn *conn, const char *id, const char *company_id,
                                   const struct policy_store_org_office_values *v, char *sqlstate) {
  const char *const *x = v->value;
  const char *p[] = {id, company_id, x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]};
  return policy_store_org_exec(
      conn,
      "INSERT INTO offices (id, company_id, name, street, postal_code, city, country, latitude,"
      " longitude, temporary_cases) VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7, 'SE'),"
      " $8::double precision, $9::double precision, COALESCE($10, 'never'))",
      10, p, NULL, sqlstate);
}

int policy_store_org_office_update(PGconn *conn, const char *id,
                                   const struct policy_store_org_office_values *v, char *sqlstate) {
  const char *p[1 + 2 * POLICY_OFFICE_NCOLUMNS];
  p[0] = id;
  for (int i = 0; i < POLICY_OFFICE_NCOLUMNS; i++) {
    p[1 + 2 * i] = v->has[i] ? "1" : "0";
    p[2 + 2 * i] = v->value[i];
  }
  return policy_store_org_exec(
      conn,
      "UPDATE offices SET"
      " name = CASE WHEN $2 = '1' THEN $3 ELSE name END,"
      " street = CASE WHEN $4 = '1' THEN $5 ELSE street END,"
      " postal_code = CASE WHEN $6 = '1' THEN $7 ELSE postal_code END,"
      " city = CASE WHEN $8 = '1' THEN $9 ELSE city END,"
      " country = CASE WHEN $10 = '1' THEN $11 ELSE country END,"
      " latitude = CASE WHEN $12 = '1' THEN $13::double precision ELSE latitude END,"
      " longitude = CASE WHEN $14 = '1' THEN $15::double precision ELSE longitude END,"
      " temporary_cases = CASE WHEN $16 = '1' THEN $17 ELSE temporary_cases END,"
      " version = version + 1, updated_at = now() WHERE id = $1::uuid",
      1 + 2 * POLICY_OFFICE_NCOLUMNS, p, NULL, sqlstate);
}

int policy_store_org_office_set_categories(PGconn *conn, const char *portal, const char *id,
                                           const char *refs, long *unknown_ids, char *sqlstate) {
  const char *p[] = {portal, id, refs};
  json_t *row = NULL;
  *unknown_ids = 0;
  int rc = policy_store_org_row(
      conn,
      "SELECT count(*)::text FROM unnest($3::text[]) r"
      " WHERE r ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'"
      " AND NOT EXISTS (SELECT 1 FROM office_categories c"
      "   WHERE c.portal_id = $1::uuid AND c.id::text = lower(r)) AND $2::uuid IS NOT NULL",
      3, p + 0, &row, sqlstate);
  if (rc != CS_OK) return rc;
  *unknown_ids = (long)json_integer_value(row);
  json_decref(row);
  if (*unknown_ids > 0) return CS_OK;
  if (policy_store_org_exec(
          conn,
          "INSERT INTO office_categories (id, portal_id, name)"
          " SELECT gen_random_uuid(), $1::uuid, r FROM unnest($3::text[]) r"
          " WHERE r !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'"
          " AND $2::uuid IS NOT NULL ON CONFLICT (portal_id, name) DO NOTHING",
          3, p, NULL, sqlstate) != CS_OK)
    return CS_ERR_DB;
  if (policy_store_org_exec(conn,
                            "DELETE FROM office_category_links l USING office_categories c"
                            " WHERE l.office_id = $2::uuid AND c.id = l.category_id"
                            " AND c.portal_id = $1::uuid",
                            2, p, NULL, sqlstate) != CS_OK)
    return CS_ERR_DB;
  return policy_store_org_exec(
      conn,
      "INSERT INTO office_category_links (office_id, category_id)"
      " SELECT $2::uuid, c.id FROM office_categories c, unnest($3::text[]) r"
      " WHERE c.portal_id = $1::uuid AND (c.id::text = lower(r) OR c.name = r)"
      " ON CONFLICT DO NOTHING",
      3, p, NULL, sqlstate);
}
