/* Refusals of domain calls (see refusal.h). */
#include "refusal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "status.h"

int cs_refuse(struct cs_refusal *r, int status, const char *slug, const char *fmt, ...) {
  va_list ap;
  r->status = status;
  r->slug = slug;
  va_start(ap, fmt);
  vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
  va_end(ap);
  return CS_REFUSED;
}

void cs_refusal_field(struct cs_refusal *r, const char *field, const char *message) {
  if (r->errors == NULL) r->errors = json_array();
  json_array_append_new(r->errors, json_pack("{s:s, s:s}", "field", field, "message", message));
}

int cs_refusal_validation(struct cs_refusal *r) {
  if (json_array_size(r->errors) == 0) return CS_OK;
  return cs_refuse(r, 422, "validation", "one or more fields are invalid");
}

int cs_refusal_db(struct cs_refusal *r) {
  r->status = 0;
  return CS_REFUSED;
}

void cs_refusal_clear(struct cs_refusal *r) {
  json_decref(r->errors);
  json_decref(r->extra);
  memset(r, 0, sizeof(*r));
}
