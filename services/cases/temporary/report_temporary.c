/* The report of temporary cases: its parameters, who sees which rows, its CSV, and the
 * generation of a stored one (see report_temporary.h). */
#include "report_temporary.h"

#include <stdio.h>
#include <string.h>
#include <ulfius.h>

#include "bus.h"
#include "db.h"
#include "ids.h"
#include "log.h"
#include "paging.h"
#include "reports.h"
#include "status.h"
#include "store_report_temporary.h"

static int is(const char *s, const char *want) { return s != NULL && !strcmp(s, want); }

static const char *text(const json_t *o, const char *name) {
  return json_string_value(json_object_get(o, name));
}

/* The date_trunc unit of a period name, NULL for none. */
static const char *unit_of(const char *period) {
  return is(period, "weekly") ? "week" : is(period, "monthly") ? "month" : NULL;
}

/* ---- the parameters -------------------------------------------------------------------------- */

/* Every parameter other than the n allowed is named in err. */
static void only(const struct _u_map *params, const char *const *allowed, size_t n, const char *why,
                 struct cs_refusal *err) {
  const char **keys = u_map_enum_keys(params);
  for (size_t i = 0; keys != NULL && keys[i] != NULL; i++) {
    size_t k = 0;
    while (k < n && strcmp(keys[i], allowed[k]) != 0) k++;
    if (k == n) cs_refusal_field(err, keys[i], FIELD_UNKNOWN_FIELD, why);
  }
}

/* The computed report's: period, and from/to as case-statistics reads them (cases_report_range
 * sees only those two, so that it does not call period unknown). */
static int parse_computed(const struct _u_map *params, struct cases_temporary_report_query *q,
                          struct cs_refusal *err) {
  static const char *const allowed[] = {"period", "from", "to"}, *const dated[] = {"from", "to"};
  const char *period = u_map_get(params, "period");
  struct cases_report_range range;
  struct _u_map dates;
  only(params, allowed, 3, "is not a parameter of this report (period, from, to)", err);
  if (unit_of(period) == NULL)
    cs_refusal_field(err, "period", FIELD_NOT_ALLOWED, "must be weekly or monthly");
  else
    snprintf(q->period, sizeof(q->period), "%s", period);
  if (u_map_init(&dates) != U_OK) return cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
  for (size_t i = 0; i < 2; i++) {
    const char *v = u_map_get(params, dated[i]);
    /* a year 0000 passes as a date but PostgreSQL has none */
    if (v != NULL && !strncmp(v, "0000", 4))
      cs_refusal_field(err, dated[i], FIELD_OUT_OF_RANGE, "must be a date of year 1 or later");
    else if (v != NULL)
      u_map_put(&dates, dated[i], v);
  }
  /* it refuses with the errors named above too */
  int rc = cases_report_range_parse(&dates, &range, err);
  u_map_clean(&dates);
  if (rc != CS_OK) return rc;
  memcpy(q->from, range.from, sizeof(q->from));
  memcpy(q->to, range.to, sizeof(q->to));
  return CS_OK;
}

/* The stored reports' page: limit and cursor, the cursor one of ours. */
static int parse_list(const struct _u_map *params, struct cases_temporary_report_query *q,
                      struct cs_refusal *err) {
  static const char *const allowed[] = {"limit", "cursor"};
  struct cs_refusal paging = {0};
  only(params, allowed, 2, "is not a parameter of the list (limit, cursor; or give period)", err);
  if (paging_parse(params, &q->limit, &q->position, &paging) != CS_OK) {
    /* its errors with the unknown parameters': every bad one at once */
    if (err->errors == NULL) err->errors = json_array();
    json_array_extend(err->errors, paging.errors);
  } else if (q->position != NULL && (!ids_is_date(text(q->position, "period_start")) ||
                                     unit_of(text(q->position, "period")) == NULL)) {
    cs_refusal_field(err, "cursor", FIELD_FORMAT, "must be a next_cursor value of this list");
  }
  cs_refusal_clear(&paging);
  if (json_array_size(err->errors) > 0)
    return cs_refuse(err, PROBLEM_INVALID_PARAMETER, "the query has invalid parameters");
  return CS_OK;
}

int cases_temporary_report_query_parse(const struct _u_map *params,
                                       struct cases_temporary_report_query *q,
                                       struct cs_refusal *err) {
  memset(q, 0, sizeof(*q));
  if (u_map_has_key(params, "period")) return parse_computed(params, q, err);
  return parse_list(params, q, err);
}

void cases_temporary_report_query_clear(struct cases_temporary_report_query *q) {
  if (q == NULL) return;
  json_decref(q->position);
  q->position = NULL;
}

/* ---- the reads ------------------------------------------------------------------------------- */

int cases_temporary_report_compute(PGconn *conn, const struct cases_caller *c,
                                   const struct cases_temporary_report_query *q, json_t **out,
                                   struct cs_refusal *err) {
  const struct cases_store_report_spec s = {c->portal_id, cases_caller_scope(c), q->period,
                                            unit_of(q->period), c->timezone};
  if (cases_store_temporary_report_compute(conn, &s, q->from[0] ? q->from : NULL,
                                           q->to[0] ? q->to : NULL, out, err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  return CS_OK;
}

static json_t *position_of(const json_t *last, const void *arg) {
  (void)arg;
  return json_pack("{s:O?, s:O?}", "period_start", json_object_get(last, "period_start"), "period",
                   json_object_get(last, "period"));
}

int cases_temporary_report_list(PGconn *conn, const struct cases_caller *c,
                                const struct cases_temporary_report_query *q, json_t **out,
                                struct cs_refusal *err) {
  json_t *rows = NULL;
  if (cases_store_temporary_reports(conn, c->portal_id, q->limit, q->position, &rows,
                                    err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  if ((*out = paging_page(rows, q->limit, position_of, NULL)) == NULL)
    return cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
  return CS_OK;
}

int cases_temporary_report_get(PGconn *conn, const struct cases_caller *c, const char *id,
                               json_t **out, struct cs_refusal *err) {
  *out = NULL;
  if (ids_is_uuid(id) && cases_store_temporary_report(conn, c->portal_id, id, cases_caller_scope(c),
                                                      out, err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  if (*out == NULL) return cs_refuse(err, PROBLEM_NOT_FOUND, "no such report");
  return CS_OK;
}

char *cases_temporary_report_csv(const json_t *rows, size_t *len) {
  static const char *const columns[] = {"period_start",
                                        "period_end",
                                        "office_id",
                                        "office_name",
                                        "company_id",
                                        "created",
                                        "converted",
                                        "connected",
                                        "still_open",
                                        "median_hours_to_resolution",
                                        "p90_hours_to_resolution"};
  return cases_report_csv_columns(rows, columns, sizeof(columns) / sizeof(columns[0]), len);
}

/* ---- generation ------------------------------------------------------------------------------ */

int cases_temporary_report_due(PGconn *conn, json_t **due) {
  char sqlstate[6] = "";
  if (cases_store_temporary_reports_due(conn, due, sqlstate) == CS_OK) return CS_OK;
  log_error("the due temporary-case reports could not be read (SQLSTATE %s)", sqlstate);
  return CS_ERR_DB;
}

int cases_temporary_report_generate(PGconn *conn, const json_t *due, char report_id[37], int *made,
                                    char sqlstate[6]) {
  const struct cases_store_report_spec s = {text(due, "portal_id"), NULL, text(due, "period"),
                                            text(due, "unit"), text(due, "timezone")};
  const char *start = text(due, "period_start"), *end = text(due, "period_end");
  json_t *data = NULL;
  int got = 0, rc;
  *made = 0;
  ids_uuid_v4(report_id);
  if ((rc = db_begin(conn)) != CS_OK) return CS_ERR_DB;
  /* several instances: the one holding the portal's lock computes, the others skip it this
   * round (and find it stored on the next); the unique period keeps it one even so */
  rc = cases_store_temporary_report_lock(conn, s.portal_id, &got, sqlstate);
  if (rc == CS_OK && got)
    rc = cases_store_temporary_report_insert(conn, report_id, &s, start, end, made, sqlstate);
  if (rc != CS_OK || !*made) goto done;
  data = json_pack("{s:s, s:s, s:s, s:s}", "report_id", report_id, "period", s.period,
                   "period_start", start, "period_end", end);
  if (data == NULL ||
      bus_outbox_add(conn, "temporary_case_report.generated", s.portal_id, report_id, data) !=
          CS_OK ||
      db_commit(conn) != CS_OK) {
    snprintf(sqlstate, 6, "%s", db_last_sqlstate());
    rc = CS_ERR_DB;
  }
done:
  json_decref(data);
  if (rc != CS_OK || !*made) {
    db_rollback(conn);
    *made = 0;
  }
  return rc == CS_OK ? CS_OK : CS_ERR_DB;
}
