/* The call history's rules and SQL (see calls.h): one small resource, its statements here. */
#include "calls.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "case_op.h"
#include "db_json.h"
#include "ids.h"
#include "status.h"
#include "tasks.h"

static int phone_number(const char *s) {
  size_t n = s != NULL ? strlen(s) : 0;
  if (n < 3 || n > 40) return 0;
  for (size_t i = 0; i < n; i++) {
    char ch = s[i];
    if (!((ch >= '0' && ch <= '9') || (i == 0 && ch == '+') || (i > 0 && strchr(" ()-", ch))))
      return 0;
  }
  return (s[0] >= '0' && s[0] <= '9') || (s[1] >= '0' && s[1] <= '9');
}

void cases_call_rules(const json_t *body, struct cs_refusal *err) {
  const json_t *number = json_object_get(body, "number");
  const json_t *duration = json_object_get(body, "duration_seconds");
  const char *started = json_string_value(json_object_get(body, "started_at"));
  long long at_us;
  struct timeval now;
  if (json_is_string(number) && !phone_number(json_string_value(number)))
    cs_refusal_field(err, "number", FIELD_FORMAT,
                     "must be a phone number: digits, a leading +, spaces, dashes, parentheses");
  if (json_is_integer(duration) &&
      (json_integer_value(duration) < 0 || json_integer_value(duration) > 86400))
    cs_refusal_field(err, "duration_seconds", FIELD_OUT_OF_RANGE, "must be from 0 to 86400");
  gettimeofday(&now, NULL);
  if (started != NULL && cases_task_timestamp_us(started, &at_us) == CS_OK &&
      at_us > (now.tv_sec + 300) * 1000000LL) /* a few minutes of clock skew are allowed */
    cs_refusal_field(err, "started_at", FIELD_OUT_OF_RANGE, "must not be in the future");
}

int cases_call_log(PGconn *conn, const struct cases_caller *c, const char *case_id,
                   const json_t *body, json_t **doc, struct cs_refusal *err) {
  struct cases_op op = {.caller = c, .case_id = case_id, .phase = CASES_OP_APPLY};
  char id[37], duration[24];
  *doc = NULL;
  ids_uuid_v4(id);
  snprintf(duration, sizeof(duration), "%lld",
           (long long)json_integer_value(json_object_get(body, "duration_seconds")));
  const char *p[] = {id,
                     case_id,
                     c->portal_id,
                     json_string_value(json_object_get(body, "number")),
                     c->sub,
                     c->is_client ? NULL : c->company_id,
                     json_string_value(json_object_get(body, "started_at")),
                     duration,
                     json_is_true(json_object_get(body, "reached")) ? "true" : "false"};
  int rc = cases_op_begin(conn, &op);
  if (rc == CS_OK &&
      (db_json_row(conn,
                   "INSERT INTO calls (id, case_id, portal_id, number, caller_id, caller_company,"
                   " started_at, duration_seconds, reached) VALUES ($1::uuid, $2::uuid, $3::uuid,"
                   " $4, $5, $6::uuid, $7::timestamptz, $8::int, $9::boolean)"
                   " RETURNING call_document(calls)",
                   9, p, doc, op.err.sqlstate) != CS_OK ||
       *doc == NULL))
    rc = cs_refusal_db(&op.err);
  if (rc == CS_OK)
    rc = cases_event(conn, &op, "call.logged",
                     json_pack("{s:s, s:O, s:O, s:O, s:O}", "call_id", id, "number",
                               json_object_get(*doc, "number"), "started_at",
                               json_object_get(*doc, "started_at"), "duration_seconds",
                               json_object_get(*doc, "duration_seconds"), "reached",
                               json_object_get(*doc, "reached")));
  return cases_op_end(conn, &op, rc, doc, err); /* no history: the case's version stays */
}

int cases_calls(PGconn *conn, const struct cases_caller *c, const char *case_id, const json_t *body,
                json_t **out, struct cs_refusal *err) {
  const char *p[] = {case_id};
  json_t *items = NULL;
  (void)c;
  (void)body;
  if (db_json_rows(conn,
                   "SELECT call_document(k) FROM calls k WHERE k.case_id = $1::uuid"
                   " ORDER BY k.started_at DESC, k.id DESC",
                   1, p, &items, err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  /* a case's calls are few: one page, in the shape of every list */
  *out = json_pack("{s:o, s:n}", "items", items, "next_cursor");
  return CS_OK;
}
