/* The reports' rules: who may ask, the date range, the external case handler's current email
 * from the replica of the policy service's facts, and the CSV form (see reports.h). SQL in
 * store_reports.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reports.h"
#include "case_list.h"
#include "ids.h"
#include "policy_facts.h"
#include "status.h"

int cases_report_allowed(const struct cases_caller *c, struct cs_refusal *err) {
  if (c->is_client || c->level >= 6) return CS_OK;
  return cs_refuse(err, PROBLEM_FORBIDDEN, "reports are for company administrators (level 6)");
}

int cases_report_range_parse(const struct _u_map *params, struct cases_report_range *r,
                             struct cs_refusal *err) {
  const char **keys = u_map_enum_keys(params);
  const char *from = u_map_get(params, "from"), *to = u_map_get(params, "to");
  memset(r, 0, sizeof(*r));
  for (size_t i = 0; keys != NULL && keys[i] != NULL; i++)
    if (strcmp(keys[i], "from") != 0 && strcmp(keys[i], "to") != 0)
      cs_refusal_field(err, keys[i], FIELD_UNKNOWN_FIELD, "is not a parameter of this report");
  if (from != NULL && !ids_is_date(from))
    cs_refusal_field(err, "from", FIELD_FORMAT, "must be a date (YYYY-MM-DD)");
  else if (from != NULL)
    snprintf(r->from, sizeof(r->from), "%s", from);
  if (to != NULL && !ids_is_date(to))
    cs_refusal_field(err, "to", FIELD_FORMAT, "must be a date (YYYY-MM-DD)");
  else if (to != NULL)
    snprintf(r->to, sizeof(r->to), "%s", to);
  /* YYYY-MM-DD compares as text */
  if (r->from[0] && r->to[0] && strcmp(r->from, r->to) > 0)
    cs_refusal_field(err, "from", FIELD_OUT_OF_RANGE, "must not be after to");
  if (json_array_size(err->errors) > 0)
    return cs_refuse(err, PROBLEM_INVALID_PARAMETER, "the query has invalid parameters");
  return CS_OK;
}

/* ---- the external case handlers' emails ---------------------------------------------------- */

/* The distinct user ids holding the role in rows: a new array. */
static json_t *holder_ids(const json_t *rows) {
  json_t *seen = json_object(), *ids = json_array();
  const json_t *row;
  size_t i;
  json_array_foreach(rows, i, row) {
    const char *id = json_string_value(json_object_get(row, "external_case_handler_user_id"));
    if (id == NULL || json_object_get(seen, id) != NULL) continue;
    json_object_set_new(seen, id, json_true());
    json_array_append_new(ids, json_string(id));
  }
  json_decref(seen);
  return ids;
}

/* The current emails of ids (borrowed) by id, asked in batches: *emails is a new object.
 * CS_OK or CS_ERR_UNAVAILABLE. */
static int current_emails(PGconn *conn, const char *portal_id, const json_t *ids, json_t **emails) {
  size_t n = json_array_size(ids);
  *emails = json_object();
  for (size_t start = 0; start < n; start += CASES_REPORT_USER_BATCH) {
    json_t *batch = json_array(), *users = NULL, *u;
    size_t i;
    for (i = start; i < n && i < start + CASES_REPORT_USER_BATCH; i++)
      json_array_append(batch, json_array_get(ids, i));
    int rc = cases_policy_users(conn, portal_id, batch, &users);
    json_decref(batch);
    if (rc != CS_OK) {
      json_decref(*emails);
      *emails = NULL;
      return CS_ERR_UNAVAILABLE;
    }
    json_array_foreach(users, i, u) {
      const char *id = json_string_value(json_object_get(u, "id"));
      json_t *email = json_object_get(u, "email");
      if (id != NULL && json_is_string(email)) json_object_set(*emails, id, email);
    }
    json_decref(users);
  }
  return CS_OK;
}

/* Replaces each row's holder id by the holder's email (null without holder, or when the
 * replica no longer knows the user). */
static void put_emails(json_t *rows, const json_t *emails) {
  json_t *row;
  size_t i;
  json_array_foreach(rows, i, row) {
    const char *id = json_string_value(json_object_get(row, "external_case_handler_user_id"));
    json_t *email = id != NULL ? json_object_get(emails, id) : NULL;
    json_object_set(row, "external_case_handler_email", email != NULL ? email : json_null());
    json_object_del(row, "external_case_handler_user_id");
  }
}

/* ---- the report ----------------------------------------------------------------------------- */

static json_t *date_or_null(const char *d) { return d[0] ? json_string(d) : json_null(); }

static json_t *now_rfc3339(void) {
  char buf[32];
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return json_string(buf);
}

int cases_report_rows(PGconn *conn, const struct cases_caller *c,
                      const struct cases_report_range *r, json_t **rows, struct cs_refusal *err) {
  /* one row more than shown tells a truncated report */
  if (cases_store_case_statistics(conn, c->portal_id, cases_caller_scope(c),
                                  r->from[0] ? r->from : NULL, r->to[0] ? r->to : NULL, c->timezone,
                                  CASES_REPORT_MAX_ROWS + 1, rows, err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  return CS_OK;
}

int cases_report_case_statistics(const struct cases_caller *c, const struct cases_report_range *r,
                                 json_t *rows, json_t **out, struct cs_refusal *err) {
  json_t *ids = NULL, *emails = NULL;
  int truncated, rc = CS_REFUSED;

  *out = NULL;
  truncated = json_array_size(rows) > CASES_REPORT_MAX_ROWS;
  if (truncated) json_array_remove(rows, CASES_REPORT_MAX_ROWS);
  /* the email as it is now, not as it was when the role was given */
  ids = holder_ids(rows);
  if (current_emails(NULL, c->portal_id, ids, &emails) != CS_OK) {
    cases_policy_failed(err);
    goto done;
  }
  put_emails(rows, emails);
  *out = json_pack("{s:o, s:o, s:o, s:b, s:O}", "from", date_or_null(r->from), "to",
                   date_or_null(r->to), "generated_at", now_rfc3339(), "truncated", truncated,
                   "rows", rows);
  rc = *out != NULL ? CS_OK : cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
done:
  json_decref(rows);
  json_decref(ids);
  json_decref(emails);
  return rc;
}

/* ---- CSV ------------------------------------------------------------------------------------ */

static const char *const csv_columns[] = {"claim_number",
                                          "case_id",
                                          "status",
                                          "damage_type",
                                          "damage_date",
                                          "created_at",
                                          "closed_at",
                                          "city",
                                          "tasks_total",
                                          "tasks_approved",
                                          "external_case_handler_office",
                                          "external_case_handler_email",
                                          "budgets_submitted_incl_vat",
                                          "budgets_approved_incl_vat",
                                          "cash_offered",
                                          "cash_accepted"};
#define CSV_NCOLUMNS (sizeof(csv_columns) / sizeof(csv_columns[0]))

struct csv_buf {
  char *data;
  size_t len, cap;
  int failed;
};

static void csv_put(struct csv_buf *b, const char *s, size_t n) {
  if (b->failed) return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n + 1) cap *= 2;
    char *data = realloc(b->data, cap);
    if (data == NULL) {
      b->failed = 1;
      return;
    }
    b->data = data;
    b->cap = cap;
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

/* One field: neutralised against formula injection, then quoted when it must be. */
static void csv_field(struct csv_buf *b, const char *text) {
  int formula = text[0] != '\0' && strchr("=+-@\t\r", text[0]) != NULL;
  int quote = strpbrk(text, ",\"\r\n") != NULL;
  if (quote) csv_put(b, "\"", 1);
  if (formula) csv_put(b, "'", 1);
  for (const char *p = text; *p; p++) {
    if (*p == '"') csv_put(b, "\"", 1); /* a quote inside is doubled */
    csv_put(b, p, 1);
  }
  if (quote) csv_put(b, "\"", 1);
}

/* The text of a JSON value in a cell: strings as they are, numbers in decimal, null empty. */
static void csv_value(struct csv_buf *b, const json_t *v) {
  char num[32];
  if (json_is_string(v)) {
    csv_field(b, json_string_value(v));
  } else if (json_is_integer(v)) {
    snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
    csv_field(b, num);
  } else if (json_is_real(v)) {
    /* the digits the JSON answer shows (http.c's precision): 4.0, not 4 or 4.0000000001 */
    char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
    if (text == NULL) b->failed = 1;
    if (text != NULL) csv_field(b, text);
    free(text);
  } else if (json_is_true(v) || json_is_false(v)) {
    csv_field(b, json_is_true(v) ? "true" : "false");
  }
}

char *cases_report_csv(const json_t *rows, size_t *len) {
  return cases_report_csv_columns(rows, csv_columns, CSV_NCOLUMNS, len);
}

char *cases_report_csv_columns(const json_t *rows, const char *const *columns, size_t ncolumns,
                               size_t *len) {
  struct csv_buf b = {0};
  const json_t *row;
  size_t i;
  for (size_t col = 0; col < ncolumns; col++) {
    if (col > 0) csv_put(&b, ",", 1);
    csv_field(&b, columns[col]);
  }
  csv_put(&b, "\r\n", 2);
  json_array_foreach(rows, i, row) {
    for (size_t col = 0; col < ncolumns; col++) {
      if (col > 0) csv_put(&b, ",", 1);
      csv_value(&b, json_object_get(row, columns[col]));
    }
    csv_put(&b, "\r\n", 2);
  }
  if (b.failed) {
    free(b.data);
    return NULL;
  }
  *len = b.len;
  return b.data;
}
