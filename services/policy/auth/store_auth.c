/* SQL of the token endpoint and /v1/me. Parameterised statements only (db_exec). */
#include "store_auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "status.h"
#include "store_org_common.h"

void policy_store_login_free(struct policy_store_login *l) {
  if (l == NULL) return;
  free(l->id);
  free(l->secret_hash);
  free(l->company_id);
  free(l->company_kind);
  free(l->email);
  free(l->name);
  free(l->client_id);
  json_decref(l->portal_ids);
  memset(l, 0, sizeof(*l));
}

/* A new copy of a column value, NULL for SQL NULL. Sets *failed when out of memory. */
static char *column(PGresult *res, int col, int *failed) {
  if (PQgetisnull(res, 0, col)) return NULL;
  char *s = strdup(PQgetvalue(res, 0, col));
  if (s == NULL) *failed = 1;
  return s;
}

/* The portal ids column: a JSON array text built by the query. */
static json_t *portal_column(PGresult *res, int col, int *failed) {
  json_t *a = json_loads(PQgetvalue(res, 0, col), JSON_REJECT_DUPLICATES, NULL);
  if (!json_is_array(a)) {
    json_decref(a);
    *failed = 1;
    return NULL;
  }
  return a;
}

/* Both logins answer the same columns: id, secret hash, company id and kind, email, name,
 * authority level, client_id, the portal ids (JSON array text), whether it is the operator. */
static const char sql_login_user[] =
    "SELECT u.id, u.password_hash, c.id, c.kind, u.email, u.name, u.authority_level, NULL,"
    "       COALESCE((SELECT json_agg(cp.portal_id::text ORDER BY cp.portal_id::text)"
    "                   FROM company_portals cp WHERE cp.company_id = c.id), '[]'::json)::text,"
    "       false"
    "  FROM users u JOIN companies c ON c.id = u.company_id"
    " WHERE lower(u.email) = lower($1) AND u.active";

static const char sql_login_client[] =
    "SELECT a.id, a.secret_hash, c.id, c.kind, NULL, a.name, 0, a.client_id,"
    "       json_build_array(a.portal_id::text)::text, false"
    "  FROM api_clients a JOIN companies c ON c.id = a.company_id"
    " WHERE a.client_id = $1 AND a.active"
    " UNION ALL "
    "SELECT o.id, o.secret_hash, NULL, NULL, NULL, 'platform operator', 0, o.client_id, '[]', true"
    "  FROM platform_operators o"
    " WHERE o.client_id = $1 AND o.active";

static int login_lookup(PGconn *conn, const char *sql, const char *name,
                        struct policy_store_login *out) {
  const char *params[] = {name};
  PGresult *res = NULL;
  int failed = 0, rc;

  memset(out, 0, sizeof(*out));
  if ((rc = db_exec(conn, sql, 1, params, &res, NULL)) != CS_OK) return rc;
  if (PQntuples(res) != 1) {
    rc = CS_ERR_NOT_FOUND;
    goto done;
  }
  out->id = column(res, 0, &failed);
  out->secret_hash = column(res, 1, &failed);
  out->company_id = column(res, 2, &failed);
  out->company_kind = column(res, 3, &failed);
  out->email = column(res, 4, &failed);
  out->name = column(res, 5, &failed);
  out->authority_level = atoi(PQgetvalue(res, 0, 6));
  out->client_id = column(res, 7, &failed);
  out->portal_ids = portal_column(res, 8, &failed);
  out->is_operator = PQgetvalue(res, 0, 9)[0] == 't';
  rc = failed ? CS_ERR_NOMEM : CS_OK;
done:
  if (rc != CS_OK) policy_store_login_free(out);
  PQclear(res);
  return rc;
}

int policy_store_login_user(PGconn *conn, const char *username, struct policy_store_login *out) {
  return login_lookup(conn, sql_login_user, username, out);
}

int policy_store_login_client(PGconn *conn, const char *client_id, struct policy_store_login *out) {
  return login_lookup(conn, sql_login_client, client_id, out);
}

/* ---- throttle ------------------------------------------------------------------------- */

/* The keys of an attempt (store_auth.h); $3 NULL leaves only the first. */
#define ATTEMPT_KEYS_SQL                                             \
  "ARRAY[$1 || lower($2), 'from:' || $3 || ' ' || $1 || lower($2), " \
  "'ip:' || $3]"

int policy_store_login_attempt(PGconn *conn, const char *prefix, const char *subject,
                               const char *ip, const struct policy_throttle limits[3],
                               long window_s, long *retry_after_s) {
  char thr[64], base[96], max[96], win[24];
  PGresult *res = NULL;
  snprintf(thr, sizeof(thr), "{%d,%d,%d}", limits[0].threshold, limits[1].threshold,
           limits[2].threshold);
  snprintf(base, sizeof(base), "{%ld,%ld,%ld}", limits[0].block_s, limits[1].block_s,
           limits[2].block_s);
  snprintf(max, sizeof(max), "{%ld,%ld,%ld}", limits[0].block_max_s, limits[1].block_max_s,
           limits[2].block_max_s);
  snprintf(win, sizeof(win), "%ld", window_s);
  const char *params[] = {prefix, subject, ip, thr, base, max, win};
  *retry_after_s = 0;
  int rc = db_exec(
      conn, "SELECT auth_attempt(" ATTEMPT_KEYS_SQL ", $4::int[], $5::int[], $6::int[], $7::int)",
      7, params, &res, NULL);
  if (rc != CS_OK) return rc;
  if (PQntuples(res) == 1) *retry_after_s = strtol(PQgetvalue(res, 0, 0), NULL, 10);
  PQclear(res);
  return CS_OK;
}

int policy_store_login_succeeded(PGconn *conn, const char *prefix, const char *subject,
                                 const char *ip) {
  const char *params[] = {prefix, subject, ip};
  int rc = db_exec(conn, "DELETE FROM auth_failures WHERE key = ANY ((" ATTEMPT_KEYS_SQL ")[1:2])",
                   3, params, NULL, NULL);
  if (rc != CS_OK || ip == NULL) return rc;
  const char *addr[] = {ip};
  return db_exec(conn,
                 "UPDATE auth_failures SET failures = greatest(failures - 1, 0)"
                 " WHERE key = 'ip:' || $1",
                 1, addr, NULL, NULL);
}

int policy_store_throttle_purge(PGconn *conn, long window_s) {
  char win[24];
  snprintf(win, sizeof(win), "%ld", window_s);
  const char *params[] = {win};
  return db_exec(conn,
                 "DELETE FROM auth_failures"
                 " WHERE window_start < now() - make_interval(secs => $1::int)"
                 "   AND (blocked_until IS NULL"
                 "        OR blocked_until < now() - make_interval(secs => $1::int))",
                 1, params, NULL, NULL);
}

/* ---- /v1/me ---------------------------------------------------------------------------- */

static const char sql_me_user[] =
    "SELECT json_build_object("
    "  'id', u.id, 'kind', 'user', 'email', u.email, 'name', u.name, 'mobile', u.mobile,"
    "  'authority_level', u.authority_level,"
    "  'external_case_handler', u.external_case_handler,"
    "  'budget_limit', u.budget_limit,"
    "  'company', json_build_object('id', c.id, 'name', c.name, 'kind', c.kind),"
    "  'portal', json_build_object('id', p.id, 'name', p.name, 'currency', p.currency,"
    "                              'timezone', p.timezone),"
    "  'offices', COALESCE((SELECT json_agg(json_build_object('id', o.id, 'name', o.name)"
    "                                       ORDER BY o.name, o.id)"
    "                         FROM user_offices uo JOIN offices o ON o.id = uo.office_id"
    "                        WHERE uo.user_id = u.id AND o.company_id = u.company_id),"
    "                      '[]'::json),"
    "  'org_roles', COALESCE((SELECT json_agg(r.role ORDER BY r.role)"
    "                           FROM user_org_roles r WHERE r.user_id = u.id), '[]'::json))::text"
    "  FROM users u"
    "  JOIN companies c ON c.id = u.company_id"
    "  JOIN company_portals cp ON cp.company_id = c.id AND cp.portal_id = $2::uuid"
    "  JOIN portals p ON p.id = cp.portal_id"
    " WHERE u.id = $1::uuid AND u.active";

int policy_store_me_user(PGconn *conn, const char *user_id, const char *portal_id, json_t **out) {
  const char *params[] = {user_id, portal_id};
  return policy_store_org_row(conn, sql_me_user, 2, params, out, NULL);
}

static const char sql_me_client[] =
    "SELECT json_build_object("
    "  'id', a.id, 'kind', 'client', 'client_id', a.client_id, 'name', a.name,"
    "  'company', json_build_object('id', c.id, 'name', c.name, 'kind', c.kind),"
    "  'portal', json_build_object('id', p.id, 'name', p.name, 'currency', p.currency,"
    "                              'timezone', p.timezone))::text"
    "  FROM api_clients a"
    "  JOIN companies c ON c.id = a.company_id"
    "  JOIN portals p ON p.id = a.portal_id"
    " WHERE a.id = $1::uuid AND a.portal_id = $2::uuid AND a.active";

int policy_store_me_client(PGconn *conn, const char *client_pk, const char *portal_id,
                           json_t **out) {
  const char *params[] = {client_pk, portal_id};
  return policy_store_org_row(conn, sql_me_client, 2, params, out, NULL);
}
