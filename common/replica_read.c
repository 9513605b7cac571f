/* Reads of the authority replica and the decisions made from them (see replica.h). SQL over the
 * replica_* tables of the service's own schema (common/replica_migrations). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "db.h"
#include "db_json.h"
#include "ids.h"
#include "replica.h"
#include "replica_internal.h"
#include "status.h"

/* $1 the ids (uuid[] literal), $2 the portal. One row: the array ('[]' for none). */
static const char sql_users[] =
    "SELECT coalesce(json_agg(json_build_object("
    "  'id', u.id, 'company_id', u.company_id, 'company_kind', c.kind,"
    "  'email', u.email, 'name', u.name, 'mobile', u.mobile, 'active', u.active,"
    "  'external_case_handler', u.external_case_handler,"
    "  'authority_level', u.authority_level, 'budget_limit', u.budget_limit,"
    "  'office_ids', array_to_json(u.office_ids), 'org_roles', array_to_json(u.org_roles),"
    "  'in_portal', EXISTS (SELECT 1 FROM replica_company_portal cp"
    "     WHERE cp.company_id = u.company_id AND cp.portal_id = $2::uuid))"
    "  ORDER BY u.id), '[]'::json)::text"
    "  FROM replica_user u JOIN replica_company c ON c.id = u.company_id"
    " WHERE u.id = ANY($1::uuid[])";

/* $1 the portal, $2 the company, $3 the org role: the active users (id, name, email, mobile). */
static const char sql_company_users[] =
    "SELECT coalesce(json_agg(json_build_object('id', u.id, 'name', u.name, 'email', u.email,"
    "  'mobile', u.mobile) ORDER BY u.id), '[]'::json)::text"
    "  FROM replica_user u JOIN replica_company_portal cp"
    "    ON cp.company_id = u.company_id AND cp.portal_id = $1::uuid"
    " WHERE u.company_id = $2::uuid AND u.active AND u.org_roles @> ARRAY[$3::text]";

/* $1 the company, $2 the portal. */
static const char sql_company[] =
    "SELECT json_build_object('id', c.id, 'kind', c.kind, 'name', c.name,"
    "  'org_number', c.org_number, 'in_portal', EXISTS (SELECT 1 FROM replica_company_portal cp"
    "     WHERE cp.company_id = c.id AND cp.portal_id = $2::uuid))::text"
    "  FROM replica_company c WHERE c.id = $1::uuid";

static const char sql_api_client[] =
    "SELECT json_build_object('id', a.id, 'portal_id', a.portal_id, 'company_id', a.company_id,"
    "  'active', a.active)::text FROM replica_api_client a WHERE a.id = $1::uuid";

static const char sql_portal[] =
    "SELECT json_build_object('id', p.id, 'timezone', p.timezone,"
    "  'office_hours_start', to_char(p.office_hours_start, 'HH24:MI'),"
    "  'office_hours_end', to_char(p.office_hours_end, 'HH24:MI'),"
    "  'office_days', array_to_json(p.office_days),"
    "  'public_holidays', array_to_json(ARRAY(SELECT to_char(d, 'YYYY-MM-DD')"
    "     FROM unnest(p.public_holidays) d ORDER BY d)),"
    "  'enhanced_temporary_cases', p.enhanced_temporary_cases,"
    "  'temporary_cases_report', p.temporary_cases_report,"
    "  'default_budget_limit', p.default_budget_limit, 'currency', p.currency,"
    "  'roles', coalesce((SELECT json_object_agg(r.role, r.rights) FROM replica_role r"
    "     WHERE r.portal_id = p.id), '{}'::json))::text"
    "  FROM replica_portal p WHERE p.id = $1::uuid";

/* $1 portal, $2/$3 the point (NULL: none), $4 'true' to keep only offices with a marked,
 * active user. */
static const char sql_offices[] =
    "SELECT json_build_object('id', o.id, 'name', o.name, 'company_id', c.id,"
    "  'company_name', c.name, 'street', o.street, 'postal_code', o.postal_code,"
    "  'city', o.city, 'country', o.country, 'latitude', o.latitude,"
    "  'longitude', o.longitude, 'distance_km', d.km,"
    "  'categories', array_to_json(ARRAY(SELECT oc.name FROM replica_office_category oc"
    "    WHERE oc.id = ANY (o.category_ids) AND oc.portal_id = $1::uuid ORDER BY oc.name)),"
    "  'external_case_handler_users', e.n)::text"
    "  FROM replica_company_portal cp"
    "  JOIN replica_company c ON c.id = cp.company_id AND c.kind = 'partner'"
    "  JOIN replica_office o ON o.company_id = c.id"
    "  CROSS JOIN LATERAL (SELECT count(*) AS n FROM replica_user u"
    "    WHERE u.office_ids @> ARRAY[o.id] AND u.active AND u.external_case_handler) e"
    "  CROSS JOIN LATERAL (SELECT round(great_circle_km($2::double precision,"
    "     $3::double precision, o.latitude, o.longitude)::numeric, 1) AS km) d"
    " WHERE cp.portal_id = $1::uuid AND (NOT $4::boolean OR e.n > 0)"
    " ORDER BY d.km ASC NULLS LAST, o.name, o.id";

/* The JSON rows of sql (all: an array of every row; else the first row's value) on given or a
 * pooled connection. */
static int json_query(PGconn *given, const char *sql, int n, const char *const *params, int all,
                      json_t **out) {
  PGconn *conn = NULL;
  *out = NULL;
  int rc = replica_conn(given, &conn);
  if (rc != CS_OK) return rc;
  rc = all ? db_json_rows(conn, sql, n, params, out, NULL)
           : db_json_row(conn, sql, n, params, out, NULL);
  replica_conn_done(given, conn);
  return rc;
}

/* A cached JSON row: key names it in the cache; NULL when there is none. */
static int cached_row(PGconn *given, const char *key, const char *sql, int n,
                      const char *const *params, json_t **out) {
  if (replica_cache_get(key, out)) return CS_OK;
  unsigned long generation = replica_cache_generation();
  int rc = json_query(given, sql, n, params, 0, out);
  if (rc == CS_OK) replica_cache_put(key, generation, *out);
  return rc;
}

/* The uuid[] literal of the UUID strings of ids; others are left out (they name nobody). */
static char *uuid_array(const json_t *ids) {
  size_t n = json_array_size(ids), i;
  char *lit = malloc(n * 37 + 3), *p = lit;
  const json_t *v;
  if (lit == NULL) return NULL;
  *p++ = '{';
  json_array_foreach(ids, i, v) {
    const char *id = json_string_value(v);
    if (id == NULL || !ids_is_uuid(id)) continue;
    if (p[-1] != '{') *p++ = ',';
    memcpy(p, id, 36);
    p += 36;
  }
  *p++ = '}';
  *p = '\0';
  return lit;
}

int replica_users(PGconn *conn, const char *portal_id, const json_t *ids, json_t **items) {
  *items = NULL;
  if (!ids_is_uuid(portal_id)) return (*items = json_array()) != NULL ? CS_OK : CS_ERR_NOMEM;
  char *lit = uuid_array(ids);
  if (lit == NULL) return CS_ERR_NOMEM;
  const char *params[] = {lit, portal_id};
  int rc = json_query(conn, sql_users, 2, params, 0, items);
  free(lit);
  if (rc == CS_OK && !json_is_array(*items)) {
    json_decref(*items);
    *items = json_array();
  }
  return rc;
}

int replica_user(PGconn *conn, const char *portal_id, const char *user_id, json_t **user) {
  char key[96];
  *user = NULL;
  if (!ids_is_uuid(portal_id) || !ids_is_uuid(user_id)) return CS_OK;
  snprintf(key, sizeof(key), "u %s %s", user_id, portal_id);
  if (replica_cache_get(key, user)) return CS_OK;
  unsigned long generation = replica_cache_generation();
  json_t *ids = json_pack("[s]", user_id), *items = NULL;
  int rc = ids != NULL ? replica_users(conn, portal_id, ids, &items) : CS_ERR_NOMEM;
  json_decref(ids);
  if (rc != CS_OK) return rc;
  *user = json_incref(json_array_get(items, 0));
  json_decref(items);
  replica_cache_put(key, generation, *user);
  return CS_OK;
}

int replica_company_users(PGconn *conn, const char *portal_id, const char *company_id,
                          const char *org_role, json_t **items) {
  *items = NULL;
  if (!ids_is_uuid(portal_id) || !ids_is_uuid(company_id) || org_role == NULL)
    return (*items = json_array()) != NULL ? CS_OK : CS_ERR_NOMEM;
  const char *params[] = {portal_id, company_id, org_role};
  int rc = json_query(conn, sql_company_users, 3, params, 0, items);
  if (rc == CS_OK && !json_is_array(*items)) {
    json_decref(*items);
    *items = json_array();
  }
  return rc;
}

int replica_company(PGconn *conn, const char *portal_id, const char *company_id, json_t **company) {
  *company = NULL;
  if (!ids_is_uuid(portal_id) || !ids_is_uuid(company_id)) return CS_OK;
  const char *params[] = {company_id, portal_id};
  return json_query(conn, sql_company, 2, params, 0, company);
}

int replica_api_client(PGconn *conn, const char *id, json_t **client) {
  char key[64];
  *client = NULL;
  if (!ids_is_uuid(id)) return CS_OK;
  snprintf(key, sizeof(key), "c %s", id);
  const char *params[] = {id};
  return cached_row(conn, key, sql_api_client, 1, params, client);
}

int replica_portal(PGconn *conn, const char *portal_id, json_t **portal) {
  char key[64];
  *portal = NULL;
  if (!ids_is_uuid(portal_id)) return CS_OK;
  snprintf(key, sizeof(key), "p %s", portal_id);
  const char *params[] = {portal_id};
  return cached_row(conn, key, sql_portal, 1, params, portal);
}

int replica_offices(PGconn *conn, const char *portal_id, const double *lat, const double *lon,
                    int ech_only, json_t **items) {
  char la[32], lo[32];
  *items = NULL;
  if (!ids_is_uuid(portal_id)) return (*items = json_array()) != NULL ? CS_OK : CS_ERR_NOMEM;
  if (lat != NULL && lon != NULL) {
    snprintf(la, sizeof(la), "%.9g", *lat);
    snprintf(lo, sizeof(lo), "%.9g", *lon);
  }
  const int point = lat != NULL && lon != NULL;
  const char *params[] = {portal_id, point ? la : NULL, point ? lo : NULL,
                          ech_only ? "true" : "false"};
  return json_query(conn, sql_offices, 4, params, 1, items);
}

/* ---- decisions ------------------------------------------------------------------------------ */

/* The portal's role definitions (its "roles" member) as masks of rights. */
static void definitions_of(const json_t *portal, unsigned definitions[AUTHORITY_ROLE_COUNT]) {
  const json_t *roles = json_object_get(portal, "roles");
  for (int r = 0; r < AUTHORITY_ROLE_COUNT; r++) {
    const json_t *rights = json_object_get(roles, authority_role_names[r]), *v;
    size_t i;
    definitions[r] = 0;
    json_array_foreach(rights, i, v) {
      int idx = authority_right_index(json_string_value(v));
      if (idx >= 0) definitions[r] |= 1u << idx;
    }
  }
}

int replica_decision_facts(PGconn *conn, const char *user_id, const char *portal_id,
                           struct authority_input *in) {
  json_t *user = NULL, *portal = NULL;
  memset(in, 0, sizeof(*in));
  int rc = replica_user(conn, portal_id, user_id, &user);
  if (rc == CS_OK) rc = replica_portal(conn, portal_id, &portal);
  if (rc != CS_OK) goto done;
  const json_t *limit = json_object_get(user, "budget_limit");
  const char *kind = json_string_value(json_object_get(user, "company_kind"));
  in->user_in_portal =
      user != NULL && portal != NULL && json_is_true(json_object_get(user, "in_portal"));
  in->user_active = json_is_true(json_object_get(user, "active"));
  in->insurer = kind != NULL && !strcmp(kind, "insurer");
  in->marked_external = json_is_true(json_object_get(user, "external_case_handler"));
  in->has_own_limit = json_is_integer(limit);
  in->own_limit = json_integer_value(limit);
  in->default_limit = json_integer_value(json_object_get(portal, "default_budget_limit"));
  definitions_of(portal, in->definitions);
done:
  json_decref(user);
  json_decref(portal);
  return rc;
}

int replica_decide(PGconn *conn, const char *user_id, const char *portal_id, const char *action,
                   unsigned case_roles, const long long *amount, struct authority_decision *out) {
  struct authority_input in;
  int rc = replica_decision_facts(conn, user_id, portal_id, &in);
  if (rc != CS_OK) return rc;
  in.action = action;
  in.role_mask = case_roles;
  in.amount = amount != NULL ? *amount : 0;
  authority_decide(&in, out);
  return CS_OK;
}

int replica_log_decision(PGconn *given, const char *user_id, const char *portal_id,
                         const char *action, unsigned case_roles, const long long *amount,
                         const struct authority_decision *d) {
  json_t *roles = authority_roles_json(case_roles);
  json_t *data =
      json_pack("{s:s, s:s, s:s, s:b, s:s, s:o}", "portal_id", portal_id, "user_id", user_id,
                "action", action, "allow", d->allow, "reason", d->reason, "case_roles", roles);
  if (data == NULL) return CS_ERR_NOMEM;
  if (amount != NULL) json_object_set_new(data, "amount", json_integer(*amount));
  if (d->has_limit_remaining)
    json_object_set_new(data, "limit_remaining", json_integer(d->limit_remaining));
  PGconn *conn = NULL;
  int rc = replica_conn(given, &conn);
  if (rc == CS_OK) {
    rc = bus_outbox_add(conn, "authority.decided", portal_id, user_id, data);
    replica_conn_done(given, conn);
  }
  json_decref(data);
  return rc;
}
