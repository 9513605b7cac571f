/* HTTP helpers: problem+json, JSON bodies and their validation, ETags (see http.h). */
#include "http.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ids.h"
#include "refusal.h"
#include "status.h"

int http_problem_full(struct _u_response *resp, enum problem_kind kind, const char *detail,
                      json_t *errors, const json_t *extra) {
  const struct problem_type *t = problem_type_of(kind);
  char type[128];
  snprintf(type, sizeof(type), PROBLEM_TYPE_PREFIX "%s", t->slug);
  json_t *body = json_pack("{s:s, s:s, s:i}", "type", type, "title", t->title, "status", t->status);
  if (body != NULL && detail != NULL) json_object_set_new(body, "detail", json_string(detail));
  if (body != NULL && t->hint != NULL) json_object_set_new(body, "hint", json_string(t->hint));
  if (body != NULL && json_array_size(errors) > 0) json_object_set(body, "errors", errors);
  if (body != NULL && extra != NULL) json_object_update(body, (json_t *)extra);
  json_decref(errors);
  char *text = body ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(body);
  ulfius_set_string_body_response(resp, (unsigned)t->status, text != NULL ? text : "");
  free(text);
  u_map_put(resp->map_header, "Content-Type", "application/problem+json");
  /* every 503 is worth retrying soon: say when */
  if (t->status == 503 && u_map_get_case(resp->map_header, "Retry-After") == NULL)
    u_map_put(resp->map_header, "Retry-After", "1");
  return CS_OK;
}

int http_problem(struct _u_response *resp, enum problem_kind kind, const char *detail) {
  return http_problem_full(resp, kind, detail, NULL, NULL);
}

char *http_json_encode(json_t *body) {
  /* 15 significant digits: 63.7 stays 63.7 rather than 63.700000000000003 */
  size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15);
  char *text = body ? json_dumps(body, flags) : NULL;
  json_decref(body);
  return text;
}

int http_json_text(struct _u_response *resp, int status, const char *text) {
  ulfius_set_string_body_response(resp, (unsigned)status, text);
  u_map_put(resp->map_header, "Content-Type", "application/json");
  return CS_OK;
}

int http_json(struct _u_response *resp, int status, json_t *body) {
  char *text = http_json_encode(body);
  if (text == NULL) return http_problem(resp, PROBLEM_INTERNAL, "response could not be encoded");
  http_json_text(resp, status, text);
  free(text);
  return CS_OK;
}

const char *http_header(const struct _u_request *req, const char *name) {
  return u_map_get_case(req->map_header, name);
}

static int is_json_media_type(const char *ct) {
  if (ct == NULL) return 0;
  while (*ct == ' ') ct++;
  size_t n = strcspn(ct, "; ");
  if (n == strlen("application/json") && !strncasecmp(ct, "application/json", n)) return 1;
  /* application/<something>+json, e.g. merge-patch+json */
  return n > 5 && !strncasecmp(ct, "application/", 12) && !strncasecmp(ct + n - 5, "+json", 5);
}

/* 2^63: a whole number this large or larger does not fit a json_int_t. */
#define INTEGER_LIMIT 9223372036854775808.0

/* Appends {field: path, code: out_of_range} for every whole number of j (read with its numbers
 * as reals) at or beyond 64 bits; path (len bytes) names j. */
static void huge_numbers(const json_t *j, char *path, size_t len, json_t *errors) {
  size_t at = strlen(path), i;
  const char *key;
  json_t *v;
  if (json_is_real(j) && floor(json_real_value(j)) == json_real_value(j) &&
      fabs(json_real_value(j)) >= INTEGER_LIMIT)
    problem_field_append(errors, path[0] ? path : "(body)", FIELD_OUT_OF_RANGE,
                         "is too large: whole numbers must fit 64 bits");
  json_object_foreach((json_t *)j, key, v) {
    snprintf(path + at, len - at, "%s%s", at ? "/" : "", key);
    huge_numbers(v, path, len, errors);
  }
  json_array_foreach(j, i, v) {
    snprintf(path + at, len - at, "%s%zu", at ? "/" : "", i);
    huge_numbers(v, path, len, errors);
  }
  path[at] = '\0';
}

/* jansson refuses a whole document for one integer beyond 64 bits, yet it is well-formed JSON
 * and the client deserves to know which member is wrong: the body is read once more with its
 * numbers as reals (which rounds them), only to name those members in a 422. The rounded
 * document is never used. */
static void answer_huge_numbers(const struct _u_request *req, struct _u_response *resp) {
  json_t *j = json_loadb(req->binary_body, req->binary_body_length,
                         JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, NULL);
  json_t *errors = json_array();
  char path[512] = "";
  huge_numbers(j, path, sizeof(path), errors);
  json_decref(j);
  http_problem_full(resp, PROBLEM_VALIDATION, "a number is too large", errors, NULL);
}

int http_parse_json_object(const struct _u_request *req, struct _u_response *resp, json_t **out) {
  json_error_t err;
  *out = NULL;
  if (!is_json_media_type(http_header(req, "Content-Type"))) {
    http_problem(resp, PROBLEM_UNSUPPORTED_MEDIA_TYPE,
                 "the request body must be JSON (Content-Type: application/json)");
    return CS_ERR_INVALID;
  }
  if (req->binary_body == NULL || req->binary_body_length == 0) {
    http_problem(resp, PROBLEM_MALFORMED_JSON, "the request body is empty");
    return CS_ERR_INVALID;
  }
  json_t *j = json_loadb(req->binary_body, req->binary_body_length, JSON_REJECT_DUPLICATES, &err);
  if (j == NULL && json_error_code(&err) == json_error_numeric_overflow &&
      !strncmp(err.text, "too big", 7)) { /* "too big (negative) integer", not a real */
    answer_huge_numbers(req, resp);
    return CS_ERR_INVALID;
  }
  if (j == NULL) {
    char detail[300];
    snprintf(detail, sizeof(detail), "the body is not valid JSON: %s (line %d, column %d)",
             err.text, err.line, err.column);
    http_problem(resp, PROBLEM_MALFORMED_JSON, detail);
    return CS_ERR_INVALID;
  }
  if (!json_is_object(j)) {
    json_decref(j);
    http_problem(resp, PROBLEM_MALFORMED_JSON, "the body must be a JSON object");
    return CS_ERR_INVALID;
  }
  *out = j;
  return CS_OK;
}

const char *http_path_uuid(const struct _u_request *req, struct _u_response *resp,
                           const char *name, const char *what) {
  const char *id = u_map_get(req->map_url, name);
  if (ids_is_uuid(id)) return id;
  char detail[80];
  snprintf(detail, sizeof(detail), "no such %s", what);
  http_problem(resp, PROBLEM_NOT_FOUND, detail);
  return NULL;
}

static const char *type_name(enum http_field_type t) {
  switch (t) {
    case HTTP_FIELD_STRING: return "a string";
    case HTTP_FIELD_INTEGER: return "an integer";
    case HTTP_FIELD_NUMBER: return "a number";
    case HTTP_FIELD_BOOLEAN: return "true or false";
    case HTTP_FIELD_OBJECT: return "an object";
    case HTTP_FIELD_ARRAY: return "an array";
    case HTTP_FIELD_UUID: return "a UUID";
    case HTTP_FIELD_DATE: return "a date (YYYY-MM-DD)";
    case HTTP_FIELD_TIMESTAMP: return "an RFC 3339 timestamp";
  }
  return "a value";
}

static int type_ok(const json_t *v, enum http_field_type t) {
  switch (t) {
    case HTTP_FIELD_STRING: return json_is_string(v);
    case HTTP_FIELD_INTEGER: return json_is_integer(v);
    case HTTP_FIELD_NUMBER: return json_is_number(v);
    case HTTP_FIELD_BOOLEAN: return json_is_boolean(v);
    case HTTP_FIELD_OBJECT: return json_is_object(v);
    case HTTP_FIELD_ARRAY: return json_is_array(v);
    case HTTP_FIELD_UUID: return json_is_string(v) && ids_is_uuid(json_string_value(v));
    case HTTP_FIELD_DATE: return json_is_string(v) && ids_is_date(json_string_value(v));
    case HTTP_FIELD_TIMESTAMP: return json_is_string(v) && ids_is_timestamp(json_string_value(v));
  }
  return 0;
}

/* A string where a UUID, date or timestamp belongs is in the wrong form; anything else that
 * does not fit is of the wrong type. */
static enum field_code mismatch_code(const json_t *v, enum http_field_type t) {
  int textual = t == HTTP_FIELD_UUID || t == HTTP_FIELD_DATE || t == HTTP_FIELD_TIMESTAMP;
  return textual && json_is_string(v) ? FIELD_FORMAT : FIELD_WRONG_TYPE;
}

/* Appends the field errors of body to errors (problem_field_append). */
static void check_into(const json_t *body, const struct http_field *fields, size_t n,
                       json_t *errors) {
  char msg[160];
  for (size_t i = 0; i < n; i++) {
    const json_t *v = json_object_get(body, fields[i].name);
    if (v == NULL || json_is_null(v)) {
      if (fields[i].required)
        problem_field_append(errors, fields[i].name, FIELD_REQUIRED, "is required");
      continue;
    }
    if (!type_ok(v, fields[i].type)) {
      snprintf(msg, sizeof(msg), "must be %s", type_name(fields[i].type));
      problem_field_append(errors, fields[i].name, mismatch_code(v, fields[i].type), msg);
    } else if (json_is_string(v) && fields[i].max_len > 0 &&
               json_string_length(v) > fields[i].max_len) {
      snprintf(msg, sizeof(msg), "must be at most %zu bytes long", fields[i].max_len);
      problem_field_append(errors, fields[i].name, FIELD_TOO_LONG, msg);
    }
  }
  const char *key;
  const json_t *value;
  json_object_foreach((json_t *)body, key, value) {
    (void)value;
    size_t i = 0;
    while (i < n && strcmp(fields[i].name, key) != 0) i++;
    if (i == n) problem_field_append(errors, key, FIELD_UNKNOWN_FIELD, "is not a known field");
  }
}

json_t *http_validate_errors(const json_t *body, const struct http_field *fields, size_t n) {
  json_t *errors = json_array();
  if (errors != NULL) check_into(body, fields, n, errors);
  return errors;
}

void fields_check(const json_t *body, const struct http_field *fields, size_t n,
                  struct cs_refusal *err) {
  if (err->errors == NULL) err->errors = json_array();
  if (err->errors != NULL) check_into(body, fields, n, err->errors);
}

int http_validate(const json_t *body, const struct http_field *fields, size_t n,
                  struct _u_response *resp) {
  json_t *errors = http_validate_errors(body, fields, n);
  if (json_array_size(errors) == 0) {
    json_decref(errors);
    return CS_OK;
  }
  http_problem_full(resp, PROBLEM_VALIDATION, "one or more fields are invalid", errors, NULL);
  return CS_ERR_INVALID;
}

void http_etag_format(char *buf, size_t len, const char *version) {
  snprintf(buf, len, "\"%s\"", version);
}

/* 1 when the If-Match list (comma-separated, "*" or quoted tags, W/ ignored) names etag. */
static int if_match_names(const char *header, const char *etag) {
  const char *p = header;
  size_t elen = strlen(etag);
  while (*p) {
    while (*p == ' ' || *p == ',') p++;
    if (*p == '*') return 1;
    if (!strncmp(p, "W/", 2)) p += 2;
    size_t n = strcspn(p, ",");
    size_t t = n;
    while (t > 0 && p[t - 1] == ' ') t--;
    if (t == elen && !strncmp(p, etag, elen)) return 1;
    p += n;
  }
  return 0;
}

int http_check_if_match(const struct _u_request *req, struct _u_response *resp, const char *etag,
                        int require) {
  const char *h = http_header(req, "If-Match");
  if (h == NULL) {
    if (!require) return CS_OK;
    http_problem(resp, PROBLEM_PRECONDITION_REQUIRED,
                 "send If-Match with the ETag of the version you are changing");
    return CS_ERR_CONFLICT;
  }
  if (if_match_names(h, etag)) return CS_OK;
  http_problem(resp, PROBLEM_PRECONDITION_FAILED,
               "the resource has changed since you read it; fetch it again and retry");
  u_map_put(resp->map_header, "ETag", etag);
  return CS_ERR_CONFLICT;
}

void http_etag_header(struct _u_response *resp, const json_t *resource) {
  const json_t *v = json_object_get(resource, "version");
  char version[24], etag[32];
  if (!json_is_integer(v)) return;
  snprintf(version, sizeof(version), "%lld", (long long)json_integer_value(v));
  http_etag_format(etag, sizeof(etag), version);
  u_map_put(resp->map_header, "ETag", etag);
}

int http_json_resource(struct _u_response *resp, int status, json_t *resource) {
  http_etag_header(resp, resource);
  return http_json(resp, status, resource);
}

int http_check_if_match_version(const struct _u_request *req, struct _u_response *resp,
                                long long version, int require) {
  char v[24], etag[32];
  snprintf(v, sizeof(v), "%lld", version);
  http_etag_format(etag, sizeof(etag), v);
  return http_check_if_match(req, resp, etag, require);
}
