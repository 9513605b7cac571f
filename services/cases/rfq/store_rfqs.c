/* SQL of the requests for quotation of a case (see store_rfqs.h). */
#include "store_rfqs.h"

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "db_json.h"
#include "ids.h"
#include "status.h"

/* The end of due date $d in time zone $tz (the portal's, UTC when it has none). */
#define CLOSES_SQL(d, tz) \
  "((" d "::date + 1)::timestamp AT TIME ZONE coalesce(nullif(" tz ", ''), 'UTC'))"

/* The first column of the first row as text into out (out_size bytes), "" when no row. */
static int scalar(PGconn *conn, const char *sql, int n, const char *const *p, char *out,
                  size_t out_size, char sqlstate[6]) {
  PGresult *res = NULL;
  out[0] = '\0';
  if (db_exec(conn, sql, n, p, &res, sqlstate) != CS_OK) return CS_ERR_DB;
  if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
    snprintf(out, out_size, "%s", PQgetvalue(res, 0, 0));
  PQclear(res);
  return CS_OK;
}

int cases_store_rfq_insert(PGconn *conn, const struct cases_store_rfq_new *r, char sqlstate[6]) {
  const char *p[] = {r->id,       r->case_id,  r->task_id,  r->portal_id,  r->description,
                     r->due_date, r->timezone, r->currency, r->created_by, r->created_by_company};
  if (db_exec(conn,
              "INSERT INTO rfqs (id, case_id, task_id, portal_id, description, due_date,"
              " closes_at, currency, created_by, created_by_company) VALUES ($1::uuid, $2::uuid,"
              " $3::uuid, $4::uuid, $5, $6::date, " CLOSES_SQL("$6", "$7") ", $8, $9, $10::uuid)",
              10, p, NULL, sqlstate) != CS_OK)
    return CS_ERR_DB;
  return db_exec(conn, "UPDATE cases SET rfqs_open = rfqs_open + 1 WHERE id = $1::uuid", 1,
                 &r->case_id, NULL, sqlstate);
}

int cases_store_rfq_invite_office(PGconn *conn, const char *rfq_id, const json_t *office,
                                  const char *invited_by, int *added, char sqlstate[6]) {
  char id[37], got[37];
  const char *p[] = {id,
                     rfq_id,
                     json_string_value(json_object_get(office, "id")),
                     json_string_value(json_object_get(office, "name")),
                     json_string_value(json_object_get(office, "company_id")),
                     json_string_value(json_object_get(office, "company_name")),
                     invited_by};
  ids_uuid_v4(id);
  if (scalar(conn,
             "INSERT INTO rfq_invitees (id, rfq_id, kind, office_id, office_name, company_id,"
             " company_name, invited_by) VALUES ($1::uuid, $2::uuid, 'office', $3::uuid, $4,"
             " $5::uuid, $6, $7) ON CONFLICT (rfq_id, office_id) WHERE kind = 'office'"
             " DO NOTHING RETURNING id",
             7, p, got, sizeof(got), sqlstate) != CS_OK)
    return CS_ERR_DB;
  *added = got[0] != '\0';
  return CS_OK;
}

int cases_store_rfq_invite_external(PGconn *conn, const char *rfq_id, const char *name,
                                    const char *email, const char *token_sha256,
                                    const char *invited_by, char invitee_id[37], char sqlstate[6]) {
  char id[37];
  ids_uuid_v4(id);
  const char *p[] = {id, rfq_id, name, email, token_sha256, invited_by};
  return scalar(conn,
                "INSERT INTO rfq_invitees (id, rfq_id, kind, name, email, token_sha256,"
                " invited_by) VALUES ($1::uuid, $2::uuid, 'external', $3, $4, $5, $6)"
                " ON CONFLICT (rfq_id, lower(email)) WHERE kind = 'external' DO NOTHING"
                " RETURNING id",
                6, p, invitee_id, 37, sqlstate);
}

int cases_store_rfq_edit(PGconn *conn, const char *rfq_id, const char *description,
                         const char *due_date, const char *timezone, char sqlstate[6]) {
  const char *p[] = {rfq_id, description, due_date, timezone};
  return db_exec(
      conn,
      "UPDATE rfqs SET description = coalesce($2, description),"
      " due_date = coalesce($3::date, due_date),"
      " closes_at = CASE WHEN $3 IS NULL THEN closes_at ELSE " CLOSES_SQL(
          "$3", "$4") " END, version = version + 1, updated_at = now() WHERE id = $1::uuid",
      4, p, NULL, sqlstate);
}

int cases_store_rfq_decide(PGconn *conn, const char *rfq_id, const char *outcome,
                           const char *quote_id, const char *reason, const char *decided_by,
                           char sqlstate[6]) {
  const char *p[] = {rfq_id, outcome, quote_id, reason, decided_by};
  if (db_exec(conn,
              "UPDATE rfq_quotes SET status = CASE WHEN id = $2::uuid THEN 'accepted'"
              " ELSE 'not_accepted' END WHERE rfq_id = $1::uuid AND status = 'submitted'",
              2, (const char *[]){rfq_id, quote_id}, NULL, sqlstate) != CS_OK ||
      db_exec(conn,
              "UPDATE rfqs SET status = $2, winning_quote_id = $3::uuid, decision_reason = $4,"
              " decided_by = $5, decided_at = now(), version = version + 1, updated_at = now()"
              " WHERE id = $1::uuid",
              5, p, NULL, sqlstate) != CS_OK)
    return CS_ERR_DB;
  return db_exec(conn,
                 "UPDATE cases SET rfqs_open = rfqs_open - 1"
                 " WHERE id = (SELECT case_id FROM rfqs WHERE id = $1::uuid)",
                 1, &rfq_id, NULL, sqlstate);
}

int cases_store_task_open_rfq(PGconn *conn, const char *task_id, char id[37], char sqlstate[6]) {
  return scalar(conn, "SELECT id FROM rfqs WHERE task_id = $1::uuid AND status = 'open'", 1,
                &task_id, id, 37, sqlstate);
}

int cases_store_date_passed(PGconn *conn, const char *date, const char *timezone, int *passed,
                            char sqlstate[6]) {
  const char *p[] = {date, timezone};
  char v[8];
  if (scalar(conn,
             "SELECT ($1::date < (now() AT TIME ZONE coalesce(nullif($2, ''), 'UTC'))::date)::text",
             2, p, v, sizeof(v), sqlstate) != CS_OK)
    return CS_ERR_DB;
  *passed = !strcmp(v, "true");
  return CS_OK;
}

int cases_store_rfq_touch(PGconn *conn, const char *rfq_id, char sqlstate[6]) {
  return db_exec(conn,
                 "UPDATE rfqs SET version = version + 1, updated_at = now() WHERE id = $1::uuid", 1,
                 &rfq_id, NULL, sqlstate);
}

/* ---- reads -------------------------------------------------------------------------------- */

int cases_store_rfq(PGconn *conn, const char *case_id, const char *id, json_t **doc,
                    char sqlstate[6]) {
  const char *p[] = {case_id, id};
  return db_json_row_prepared(conn, "cases_rfq",
                              "SELECT rfq_document(r) FROM rfqs r"
                              " WHERE r.case_id = $1::uuid AND r.id = $2::uuid",
                              2, p, doc, sqlstate);
}

/* The RFQs a company is invited to, or all when $company is NULL. */
#define INVITED_SQL(company)                                                     \
  "(" company                                                                    \
  "::uuid IS NULL OR EXISTS (SELECT 1 FROM rfq_invitees i WHERE i.rfq_id = r.id" \
  " AND i.kind = 'office' AND i.company_id = " company "::uuid))"

int cases_store_rfq_for(PGconn *conn, const char *portal_id, const char *case_id, const char *id,
                        const char *company, json_t **doc, char sqlstate[6]) {
  const char *p[] = {portal_id, company, case_id, id};
  return db_json_row(conn,
                     "SELECT rfq_document(r, $2::uuid) FROM rfqs r WHERE r.portal_id = $1::uuid"
                     " AND r.case_id = $3::uuid AND r.id = $4::uuid AND " INVITED_SQL("$2"),
                     4, p, doc, sqlstate);
}

int cases_store_rfqs(PGconn *conn, const char *portal_id, const char *case_id, const char *company,
                     json_t **items, char sqlstate[6]) {
  const char *p[] = {portal_id, company, case_id};
  return db_json_rows(
      conn,
      "SELECT rfq_document(r, $2::uuid) FROM rfqs r WHERE r.portal_id = $1::uuid"
      " AND r.case_id = $3::uuid AND " INVITED_SQL("$2") " ORDER BY r.created_at, r.id",
      3, p, items, sqlstate);
}

int cases_store_rfqs_portal(PGconn *conn, const char *portal_id, const char *company,
                            const char *status, const char *updated_since, long limit,
                            const json_t *position, json_t **items, char sqlstate[6]) {
  char lim[24];
  snprintf(lim, sizeof(lim), "%ld", limit + 1);
  const char *p[] = {portal_id,
                     company,
                     status,
                     lim,
                     json_string_value(json_object_get(position, "created_at")),
                     json_string_value(json_object_get(position, "id")),
                     updated_since};
  return db_json_rows(
      conn,
      "SELECT rfq_document(r, $2::uuid) FROM rfqs r WHERE r.portal_id = $1::uuid"
      " AND ($3::text IS NULL OR r.status = $3)"
      " AND ($7::timestamptz IS NULL OR r.updated_at >= $7::timestamptz)"
      " AND " INVITED_SQL("$2") " AND " DB_BEFORE_SQL(
          "r.created_at", "r.id", "$5", "$6") " ORDER BY r.created_at DESC, r.id DESC LIMIT $4",
      7, p, items, sqlstate);
}

int cases_store_rfq_company_invitee(PGconn *conn, const char *portal_id, const char *case_id,
                                    const char *rfq_id, const char *company, char invitee_id[37],
                                    char sqlstate[6]) {
  const char *p[] = {portal_id, case_id, rfq_id, company};
  return scalar(conn,
                "SELECT i.id FROM rfqs r JOIN rfq_invitees i ON i.rfq_id = r.id"
                " WHERE r.portal_id = $1::uuid AND r.case_id = $2::uuid AND r.id = $3::uuid"
                " AND i.kind = 'office' AND i.company_id = $4::uuid"
                " ORDER BY i.invited_at, i.id LIMIT 1",
                4, p, invitee_id, 37, sqlstate);
}

int cases_store_rfq_link(PGconn *conn, const char *token_sha256, json_t **out, char sqlstate[6]) {
  return db_json_row(conn,
                     "SELECT json_build_object('invitee_id', i.id, 'rfq_id', r.id, 'case_id',"
                     " r.case_id, 'portal_id', r.portal_id) FROM rfq_invitees i"
                     " JOIN rfqs r ON r.id = i.rfq_id WHERE i.token_sha256 = $1"
                     " AND now() < r.closes_at + interval '30 days'",
                     1, &token_sha256, out, sqlstate);
}

int cases_store_rfq_for_invitee(PGconn *conn, const char *rfq_id, const char *invitee_id,
                                json_t **doc, char sqlstate[6]) {
  const char *p[] = {rfq_id, invitee_id};
  return db_json_row(conn,
                     "SELECT rfq_document(r, NULL, $2::uuid) FROM rfqs r WHERE r.id = $1::uuid", 2,
                     p, doc, sqlstate);
}

int cases_store_rfq_takes_quotes(PGconn *conn, const char *rfq_id, int *open, char sqlstate[6]) {
  char v[8];
  if (scalar(conn,
             "SELECT (status = 'open' AND now() < closes_at)::text FROM rfqs WHERE id = $1::uuid",
             1, &rfq_id, v, sizeof(v), sqlstate) != CS_OK)
    return CS_ERR_DB;
  *open = !strcmp(v, "true");
  return CS_OK;
}

int cases_store_quote_insert(PGconn *conn, const struct cases_store_quote_new *q, json_t **doc,
                             char sqlstate[6]) {
  char amount[24];
  snprintf(amount, sizeof(amount), "%lld", q->amount);
  const char *p[] = {q->id,       q->rfq_id,      q->invitee_id,  amount,
                     q->currency, q->description, q->valid_until, q->submitted_by};
  if (db_exec(conn,
              "UPDATE rfq_quotes SET status = 'superseded'"
              " WHERE invitee_id = $1::uuid AND status = 'submitted'",
              1, &q->invitee_id, NULL, sqlstate) != CS_OK)
    return CS_ERR_DB;
  return db_json_row(conn,
                     "INSERT INTO rfq_quotes (id, rfq_id, invitee_id, amount, currency,"
                     " description, valid_until, submitted_by) VALUES ($1::uuid, $2::uuid,"
                     " $3::uuid, $4::bigint, $5, $6, $7::date, $8)"
                     " RETURNING rfq_quote_document(rfq_quotes)",
                     8, p, doc, sqlstate);
}
