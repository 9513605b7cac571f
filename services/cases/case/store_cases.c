/* SQL of the case resource (see store_cases.h). Its reads are prepared once per connection
 * (db_exec_prepared); its writes are planned each time. */
#include "store_cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_json.h"
#include "status.h"

/* The text of member key of o: a string as is, a number printed, NULL for absent/null. */
static const char *text_of(const json_t *o, const char *key, char *buf, size_t len) {
  const json_t *v = json_object_get(o, key);
  if (json_is_string(v)) return json_string_value(v);
  if (json_is_number(v)) {
    snprintf(buf, len, "%.10g", json_number_value(v));
    return buf;
  }
  return NULL;
}

/* The 15 editable columns and their values $1..$15 (columns_of's order); a statement's own
 * parameters follow from $16. */
#define CASE_COLUMNS                                                                       \
  "claim_number, damage_type, damage_date, street, postal_code, city, country, latitude, " \
  "longitude, case_handler_id, contacts, description, external_ref, reminder_date, deductible"
#define CASE_VALUES                                                                        \
  "$1, $2, $3::date, $4, $5, $6, $7, $8::float8, $9::float8, $10::uuid, $11::jsonb, $12, " \
  "$13, $14::date, $15::bigint"

struct case_columns {
  const char *v[15];
  char lat[32], lon[32], deductible[24];
  char *contacts;
};

static void columns_of(const json_t *f, struct case_columns *c) {
  const json_t *a = json_object_get(f, "address");
  const char *country = json_string_value(json_object_get(a, "country"));
  const json_t *contacts = json_object_get(f, "contacts");
  c->contacts = json_is_array(contacts) ? json_dumps(contacts, JSON_COMPACT) : strdup("[]");
  const json_t *deductible = json_object_get(f, "deductible");
  snprintf(c->deductible, sizeof(c->deductible), "%lld", (long long)json_integer_value(deductible));
  const char *v[15] = {json_string_value(json_object_get(f, "claim_number")),
                       json_string_value(json_object_get(f, "damage_type")),
                       json_string_value(json_object_get(f, "damage_date")),
                       json_string_value(json_object_get(a, "street")),
                       json_string_value(json_object_get(a, "postal_code")),
                       json_string_value(json_object_get(a, "city")),
                       country != NULL ? country : "SE",
                       text_of(a, "latitude", c->lat, sizeof(c->lat)),
                       text_of(a, "longitude", c->lon, sizeof(c->lon)),
                       json_string_value(json_object_get(f, "case_handler_id")),
                       c->contacts,
                       json_string_value(json_object_get(f, "description")),
                       json_string_value(json_object_get(f, "external_ref")),
                       json_string_value(json_object_get(f, "reminder_date")),
                       json_is_integer(deductible) ? c->deductible : NULL};
  memcpy(c->v, v, sizeof(v));
}

/* Runs the statement (prepared as name) with the 15 columns of fields as $1..$15 and the n
 * parameters of more (at most 3) after them; *doc (if given) is the document it returns. */
static int write_case(PGconn *conn, const char *name, const char *sql, const json_t *fields,
                      const char *const *more, int n, json_t **doc, char sqlstate[6]) {
  struct case_columns c;
  const char *p[18];
  columns_of(fields, &c);
  memcpy(p, c.v, sizeof(c.v));
  memcpy(p + 15, more, (size_t)n * sizeof(*p));
  int rc = doc != NULL ? db_json_row_prepared(conn, name, sql, 15 + n, p, doc, sqlstate)
                       : db_exec_prepared(conn, name, sql, 15 + n, p, NULL, sqlstate);
  free(c.contacts);
  return rc;
}

int cases_store_insert(PGconn *conn, const char *id, const char *portal_id, const char *created_by,
                       const json_t *fields, json_t **doc, char sqlstate[6]) {
  const char *more[] = {id, portal_id, created_by};
  return write_case(conn, "cases_insert",
                    "INSERT INTO cases (" CASE_COLUMNS
                    ", id, portal_id, created_by) VALUES (" CASE_VALUES
                    ", $16, $17, $18) RETURNING case_document(cases)",
                    fields, more, 3, doc, sqlstate);
}

int cases_store_update(PGconn *conn, const char *id, const json_t *fields, char sqlstate[6]) {
  return write_case(conn, "cases_update",
                    "UPDATE cases SET (" CASE_COLUMNS ") = (" CASE_VALUES ") WHERE id = $16",
                    fields, &id, 1, NULL, sqlstate);
}

int cases_store_set_status(PGconn *conn, const char *id, const char *status, char sqlstate[6]) {
  const char *p[] = {id, status};
  return db_exec(conn,
                 "UPDATE cases SET status = $2, closed_at = CASE WHEN $2 = 'closed' THEN now() "
                 "END WHERE id = $1",
                 2, p, NULL, sqlstate);
}

int cases_store_find_external(PGconn *conn, const char *portal_id, const char *ref, int for_update,
                              json_t **doc, char sqlstate[6]) {
  const char *p[] = {portal_id, ref};
  *doc = NULL;
  /* Two upserts of a new reference at once would both find nothing and both insert; the
   * transaction lock on the reference makes the second wait, then find the first's case. */
  if (for_update && db_exec(conn,
                            "SELECT pg_advisory_xact_lock(hashtextextended("
                            "'cases.external_ref/' || $1 || '/' || $2, 0))",
                            2, p, NULL, sqlstate) != CS_OK)
    return CS_ERR_DB;
  if (for_update)
    return db_json_row_prepared(conn, "cases_by_external_ref_locked",
                                "SELECT case_document(c) FROM cases c WHERE c.portal_id = $1 "
                                "AND c.external_ref = $2 FOR UPDATE",
                                2, p, doc, sqlstate);
  return db_json_row_prepared(conn, "cases_by_external_ref",
                              "SELECT case_document(c) FROM cases c WHERE c.portal_id = $1 "
                              "AND c.external_ref = $2",
                              2, p, doc, sqlstate);
}

int cases_store_history(PGconn *conn, const char *case_id, long long after_id, long limit,
                        json_t **items, char sqlstate[6]) {
  char after[24], lim[24];
  snprintf(after, sizeof(after), "%lld", after_id);
  snprintf(lim, sizeof(lim), "%ld", limit);
  const char *p[] = {case_id, after, lim};
  return db_json_rows_prepared(
      conn, "cases_history",
      "SELECT json_build_object('id', id, 'occurred_at', iso(occurred_at), "
      "'actor', json_build_object('id', actor_id, 'kind', actor_kind), "
      "'on_behalf_of_company_id', company_id, 'action', action, 'task_id', "
      "task_id, 'before', before, 'after', after) FROM case_history "
      "WHERE case_id = $1 AND id > $2::bigint ORDER BY id LIMIT $3::int",
      3, p, items, sqlstate);
}
