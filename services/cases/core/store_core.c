/* SQL of the shared case rows (see store_core.h). The reads of one case run on every request
 * of a case's screens: prepared once per connection (db_exec_prepared). */
#include "store_core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_json.h"
#include "ids.h"
#include "status.h"
#include "store_visibility.h"

int cases_store_document(PGconn *conn, const char *id, json_t **out, char sqlstate[6]) {
  const char *params[] = {id};
  return db_json_row_prepared(conn, "cases_document",
                              "SELECT case_document(c) FROM cases c WHERE c.id = $1::uuid", 1,
                              params, out, sqlstate);
}

int cases_store_visible_document(PGconn *conn, const char *portal_id, const char *scope,
                                 const char *id, json_t **out, char sqlstate[6]) {
  const char *params[] = {portal_id, scope, id};
  return db_json_row_prepared(
      conn, "cases_visible_document",
      "SELECT case_document(c) FROM cases c WHERE c.id = $3::uuid AND " CASES_VISIBLE_SQL, 3,
      params, out, sqlstate);
}

int cases_store_visible_document_text(PGconn *conn, const char *portal_id, const char *scope,
                                      const char *id, char **text, char version[24],
                                      char sqlstate[6]) {
  const char *params[] = {portal_id, scope, id};
  PGresult *res = NULL;
  *text = NULL;
  version[0] = '\0';
  int rc = db_exec_prepared(conn, "cases_visible_document_text",
                            "SELECT case_document(c)::text, c.version FROM cases c"
                            " WHERE c.id = $3::uuid AND " CASES_VISIBLE_SQL,
                            3, params, &res, sqlstate);
  if (rc != CS_OK) return rc;
  if (PQntuples(res) == 1) {
    snprintf(version, 24, "%s", PQgetvalue(res, 0, 1));
    if ((*text = strdup(PQgetvalue(res, 0, 0))) == NULL) rc = CS_ERR_NOMEM;
  }
  PQclear(res);
  return rc;
}

int cases_store_visible(PGconn *conn, const char *portal_id, const char *scope, const char *id,
                        int *visible, char sqlstate[6]) {
  const char *params[] = {portal_id, scope, id};
  PGresult *res = NULL;
  *visible = 0;
  int rc = db_exec_prepared(conn, "cases_visible",
                            "SELECT 1 FROM cases c WHERE c.id = $3::uuid AND " CASES_VISIBLE_SQL, 3,
                            params, &res, sqlstate);
  if (rc != CS_OK) return rc;
  *visible = PQntuples(res) == 1;
  PQclear(res);
  return CS_OK;
}

int cases_store_holdings(PGconn *conn, const char *case_id, const char *user_id,
                         struct cases_store_holdings *out, char sqlstate[6]) {
  const char *params[] = {case_id, user_id};
  PGresult *res = NULL;
  memset(out, 0, sizeof(*out));
  int rc = db_exec_prepared(
      conn, "cases_holdings",
      "SELECT (SELECT ech_user_id = $2::uuid FROM cases WHERE id = $1::uuid), "
      "EXISTS (SELECT 1 FROM tasks WHERE case_id = $1::uuid AND user_id = $2::uuid "
      "        AND type = 'project_management'), "
      "EXISTS (SELECT 1 FROM tasks WHERE case_id = $1::uuid AND user_id = $2::uuid "
      "        AND type = 'inspection')",
      2, params, &res, sqlstate);
  if (rc != CS_OK) return rc;
  out->ech = !strcmp(PQgetvalue(res, 0, 0), "t");
  out->project_management = !strcmp(PQgetvalue(res, 0, 1), "t");
  out->inspection = !strcmp(PQgetvalue(res, 0, 2), "t");
  PQclear(res);
  return CS_OK;
}

int cases_store_history_add(PGconn *conn, const struct cases_store_history *h) {
  const char *params[] = {h->case_id, h->portal_id, h->actor_id, h->actor_kind, h->company_id,
                          h->action,  h->task_id,   h->before,   h->after};
  /* nothing is read back: it goes out with the next statement or the commit */
  return db_exec_later(conn, "cases_history_add",
                       "INSERT INTO case_history (case_id, portal_id, actor_id, actor_kind, "
                       "company_id, action, task_id, before, after) VALUES ($1, $2, $3, $4, $5, "
                       "$6, $7, $8::jsonb, $9::jsonb)",
                       9, params);
}

int cases_store_lock_version(PGconn *conn, const char *id, long long *version, char sqlstate[6]) {
  const char *params[] = {id};
  PGresult *res = NULL;
  *version = -1;
  int rc = db_exec_prepared(conn, "cases_lock_version",
                            "SELECT version FROM cases WHERE id = $1::uuid FOR UPDATE", 1, params,
                            &res, sqlstate);
  if (rc != CS_OK) return rc;
  if (PQntuples(res) == 1) *version = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
  PQclear(res);
  return CS_OK;
}

int cases_store_event_with_case(PGconn *conn, const char *type, const char *portal_id,
                                const char *case_id, const json_t *data, int bumped) {
  char id[37];
  char *text = json_dumps(data, JSON_COMPACT);
  if (text == NULL) return CS_ERR_NOMEM;
  ids_uuid_v4(id);
  const char *p[] = {id, type, portal_id, case_id, text, bumped ? "1" : "0", case_id};
  int rc = db_exec_later(
      conn, "cases_event_with_case",
      "INSERT INTO outbox (id, type, portal_id, aggregate_id, data) VALUES ($1, $2, $3, $4,"
      " $5::jsonb || jsonb_build_object('case', (SELECT jsonb_set(case_document(c)::jsonb,"
      " '{version}', to_jsonb(c.version + $6::int)) FROM cases c WHERE c.id = $7::uuid)))",
      7, p);
  free(text);
  return rc;
}

int cases_store_bump(PGconn *conn, const char *case_id, char sqlstate[6]) {
  const char *params[] = {case_id};
  return db_exec_prepared(
      conn, "cases_bump",
      "UPDATE cases SET version = version + 1, updated_at = now() WHERE id = $1", 1, params, NULL,
      sqlstate);
}

int cases_store_partner_upload(PGconn *conn, const char *case_id, char sqlstate[6]) {
  const char *p[] = {case_id};
  return db_exec(conn, "UPDATE cases SET partner_upload_at = now() WHERE id = $1::uuid", 1, p, NULL,
                 sqlstate);
}

int cases_store_partner_uploads_seen(PGconn *conn, const char *case_id, char sqlstate[6]) {
  const char *p[] = {case_id};
  return db_exec(conn,
                 "UPDATE cases SET partner_uploads_seen_at = clock_timestamp()"
                 " WHERE id = $1::uuid",
                 1, p, NULL, sqlstate);
}
