/* Refusals of domain calls (see refusal.h). */
#include "refusal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ids.h"
#include "status.h"

int cs_refuse(struct cs_refusal *r, enum problem_kind kind, const char *fmt, ...) {
  va_list ap;
  r->kind = kind;
  r->db_failure = 0;
  va_start(ap, fmt);
  vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
  va_end(ap);
  return CS_REFUSED;
}

void cs_refusal_field(struct cs_refusal *r, const char *field, enum field_code code,
                      const char *message) {
  if (r->errors == NULL) r->errors = json_array();
  problem_field_append(r->errors, field, code, message);
}

int cs_refusal_validation(struct cs_refusal *r) {
  if (json_array_size(r->errors) == 0) return CS_OK;
  return cs_refuse(r, PROBLEM_VALIDATION, "one or more fields are invalid");
}

int cs_refusal_db(struct cs_refusal *r) {
  r->db_failure = 1;
  return CS_REFUSED;
}

void cs_refusal_clear(struct cs_refusal *r) {
  json_decref(r->errors);
  json_decref(r->extra);
  memset(r, 0, sizeof(*r));
}

int cs_refusal_timestamp_param(struct cs_refusal *r, const char *field, const char *v) {
  if (v == NULL || (strlen(v) <= CS_TIMESTAMP_PARAM_MAX && ids_is_timestamp(v))) return 1;
  cs_refusal_field(r, field, FIELD_FORMAT,
                   "must be an RFC 3339 timestamp such as 2026-12-01T08:00:00Z");
  return 0;
}
