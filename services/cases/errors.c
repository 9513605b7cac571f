/* Refusals of the domain and their problem+json answers (see cases_internal.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases_internal.h"
#include "http.h"
#include "service.h"
#include "status.h"

int cases_refuse(struct cases_error *err, int status, const char *slug, const char *fmt, ...) {
  va_list ap;
  err->status = status;
  err->slug = slug;
  va_start(ap, fmt);
  vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
  va_end(ap);
  return CASES_REFUSED;
}

void cases_field_error(struct cases_error *err, const char *field, const char *message) {
  if (err->errors == NULL) err->errors = json_array();
  json_array_append_new(err->errors, json_pack("{s:s, s:s}", "field", field, "message", message));
}

int cases_validation_result(struct cases_error *err) {
  if (json_array_size(err->errors) == 0) return CS_OK;
  return cases_refuse(err, 422, "validation", "the request has invalid fields");
}

int cases_db_failed(struct cases_error *err) {
  err->status = 0;
  return CASES_REFUSED;
}

int cases_policy_failed(struct cases_error *err) {
  return cases_refuse(err, 503, "dependency-unavailable",
                      "the policy service could not be asked; try again");
}

void cases_error_clear(struct cases_error *err) {
  json_decref(err->errors);
  json_decref(err->extra);
  memset(err, 0, sizeof(*err));
}

void cases_http_error(struct request_ctx *ctx, const struct cases_error *err) {
  if (err->status == 0) {
    service_db_problem(ctx, err->sqlstate[0] ? err->sqlstate : NULL);
    return;
  }
  http_problem_full(ctx->resp, err->status, err->slug, NULL, err->detail,
                    err->errors != NULL ? json_incref(err->errors) : NULL);
  if (err->extra == NULL || ctx->resp->binary_body == NULL) return;
  /* merge the extra members into the problem just written */
  json_t *problem = json_loadb(ctx->resp->binary_body, ctx->resp->binary_body_length, 0, NULL);
  if (problem == NULL) return;
  json_object_update(problem, err->extra);
  char *text = json_dumps(problem, JSON_COMPACT);
  if (text != NULL) ulfius_set_binary_body_response(ctx->resp, (unsigned)err->status, text, strlen(text));
  free(text);
  json_decref(problem);
}
