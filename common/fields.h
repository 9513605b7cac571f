/* The shape of a JSON body: a table of its fields (name, type, required, maximum length) and
 * the check of a body against it, as field errors. No HTTP: domain code checks the bodies it
 * gets with it; http.h answers the same check as a 422 (http_validate). The check is
 * implemented next to http_validate in http.c. */
#ifndef CLAIMSUITE_FIELDS_H
#define CLAIMSUITE_FIELDS_H

#include <jansson.h>
#include <stddef.h>

enum http_field_type {
  HTTP_FIELD_STRING,
  HTTP_FIELD_INTEGER,
  HTTP_FIELD_NUMBER,
  HTTP_FIELD_BOOLEAN,
  HTTP_FIELD_OBJECT,
  HTTP_FIELD_ARRAY,
  HTTP_FIELD_UUID,
  HTTP_FIELD_DATE,     /* YYYY-MM-DD */
  HTTP_FIELD_TIMESTAMP /* RFC 3339 */
};

struct http_field {
  const char *name;
  enum http_field_type type;
  int required;
  size_t max_len; /* strings: maximum length in bytes, 0 = unlimited */
};

/* Checks body against fields (unknown fields are reported too): *errors is a new array of
 * {field, code, message}, empty when the body is valid. */
json_t *http_validate_errors(const json_t *body, const struct http_field *fields, size_t nfields);
/* The same check into err->errors (problem_field_append): the caller's own rules then add
 * theirs, so that every error of a body is answered at once (cs_refusal_validation). */
struct cs_refusal;
void fields_check(const json_t *body, const struct http_field *fields, size_t nfields,
                  struct cs_refusal *err);

#endif
