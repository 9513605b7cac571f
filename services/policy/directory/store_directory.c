/* SQL of the service-to-service directory. Parameterised statements only; the distance comes
 * from great_circle_km (migrations/0003_great_circle_km.sql, earthdistance underneath). */
#include "store_directory.h"

#include "db_json.h"
#include "status.h"
#include "store_org_common.h"

/* $1 portal, $2/$3 the point (NULL: none), $4 'true' to keep only offices with a marked,
 * active user. The counts and categories are per office, in lateral subqueries. */
static const char sql_offices[] =
    "SELECT json_build_object('id', o.id, 'name', o.name, 'company_id', c.id,"
    "  'company_name', c.name, 'street', o.street, 'postal_code', o.postal_code,"
    "  'city', o.city, 'country', o.country, 'latitude', o.latitude,"
    "  'longitude', o.longitude, 'distance_km', d.km,"
    "  'categories', array_to_json(ARRAY(SELECT oc.name FROM office_category_links ol"
    "     JOIN office_categories oc ON oc.id = ol.category_id"
    "    WHERE ol.office_id = o.id AND oc.portal_id = $1::uuid ORDER BY oc.name)),"
    "  'external_case_handler_users', e.n)::text"
    "  FROM company_portals cp"
    "  JOIN companies c ON c.id = cp.company_id AND c.kind = 'partner'"
    "  JOIN offices o ON o.company_id = c.id"
    "  CROSS JOIN LATERAL (SELECT count(*) AS n FROM user_offices uo"
    "     JOIN users u ON u.id = uo.user_id"
    "    WHERE uo.office_id = o.id AND u.active AND u.external_case_handler) e"
    "  CROSS JOIN LATERAL (SELECT round(great_circle_km($2::double precision,"
    "     $3::double precision, o.latitude, o.longitude)::numeric, 1) AS km) d"
    " WHERE cp.portal_id = $1::uuid AND (NOT $4::boolean OR e.n > 0)"
    " ORDER BY d.km ASC NULLS LAST, o.name, o.id";

int policy_store_directory_offices(PGconn *conn, const char *portal_id, const char *latitude,
                                   const char *longitude, int only_with_ech, json_t **rows) {
  const char *p[] = {portal_id, latitude, longitude, only_with_ech ? "true" : "false"};
  return db_json_rows(conn, sql_offices, 4, p, rows, NULL);
}

/* The portal $n as {id, timezone}, JSON null when there is none. */
#define PORTAL_REF_SQL(n)                                                        \
  "(SELECT json_build_object('id', p.id, 'timezone', p.timezone) FROM portals p" \
  " WHERE p.id = " n "::uuid)"

/* $1 the ids (uuid[] literal), $2 the portal. One row: the aggregate of no user is '[]'. */
static const char sql_users[] =
    "SELECT json_build_object('items', COALESCE(json_agg(json_build_object("
    "  'id', u.id, 'company_id', u.company_id, 'company_kind', c.kind,"
    "  'email', u.email, 'name', u.name, 'active', u.active,"
    "  'external_case_handler', u.external_case_handler,"
    "  'authority_level', u.authority_level, 'budget_limit', u.budget_limit,"
    "  'office_ids', array_to_json(ARRAY(SELECT uo.office_id FROM user_offices uo"
    "     WHERE uo.user_id = u.id ORDER BY uo.office_id)),"
    "  'in_portal', EXISTS (SELECT 1 FROM company_portals cp"
    "     WHERE cp.company_id = u.company_id AND cp.portal_id = $2::uuid))"
    "  ORDER BY u.id), '[]'::json),"
    "  'portal', " PORTAL_REF_SQL("$2") ")::text"
    "  FROM users u JOIN companies c ON c.id = u.company_id"
    " WHERE u.id = ANY($1::uuid[])";

int policy_store_directory_users(PGconn *conn, const char *portal_id, const char *ids_literal,
                                 json_t **answer) {
  const char *p[] = {ids_literal, portal_id};
  return policy_store_org_row(conn, sql_users, 2, p, answer, NULL);
}

/* $1 the client, $2 the portal asked about */
static const char sql_api_client[] =
    "SELECT json_build_object('id', a.id, 'portal_id', a.portal_id, 'company_id', a.company_id,"
    "  'active', a.active, 'portal', " PORTAL_REF_SQL("$2") ")::text"
    "  FROM api_clients a WHERE a.id = $1::uuid";

int policy_store_directory_api_client(PGconn *conn, const char *id, const char *portal_id,
                                      json_t **out) {
  const char *p[] = {id, portal_id};
  return policy_store_org_row(conn, sql_api_client, 2, p, out, NULL);
}
