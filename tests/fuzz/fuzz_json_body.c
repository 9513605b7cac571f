/* Fuzzes the JSON body decoder and validator (common/http.c, fields.h, refusal.c): the request
 * body goes through http_parse_json_object as a handler gets it, and a decoded object through
 * http_validate and fields_check against a table holding every field type. Every answer must be
 * one well-formed problem+json whose status is the response's.
 *
 * Input: byte 0 picks the Content-Type (bits 0-1) and whether the caller adds rules of its own
 * after fields_check (bit 2); the rest is the body. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <ulfius.h>

#include "http.h"
#include "refusal.h"
#include "status.h"

/* A body of the kind the services take: one field of each type, some required, bounded. */
static const struct http_field FIELDS[] = {
    {"title", HTTP_FIELD_STRING, 1, 200},       {"description", HTTP_FIELD_STRING, 0, 0},
    {"amount_minor", HTTP_FIELD_INTEGER, 0, 0}, {"latitude", HTTP_FIELD_NUMBER, 0, 0},
    {"urgent", HTTP_FIELD_BOOLEAN, 0, 0},       {"address", HTTP_FIELD_OBJECT, 0, 0},
    {"contacts", HTTP_FIELD_ARRAY, 0, 0},       {"office_id", HTTP_FIELD_UUID, 1, 0},
    {"damage_date", HTTP_FIELD_DATE, 0, 0},     {"due_at", HTTP_FIELD_TIMESTAMP, 0, 0},
};
#define NFIELDS (sizeof(FIELDS) / sizeof(FIELDS[0]))

static const char *const CONTENT_TYPES[] = {"application/json", "application/merge-patch+json",
                                            "application/json; charset=utf-8", NULL};

/* A problem answer: JSON object with type, title and the response's status. */
static void check_problem(const struct _u_response *resp) {
  json_t *p = json_loadb(resp->binary_body, resp->binary_body_length, 0, NULL);
  if (!json_is_object(p) || !json_is_string(json_object_get(p, "type")) ||
      !json_is_string(json_object_get(p, "title")) ||
      json_integer_value(json_object_get(p, "status")) != (json_int_t)resp->status ||
      resp->status < 400 || resp->status > 499)
    abort();
  json_t *errors = json_object_get(p, "errors");
  size_t i;
  json_t *e;
  json_array_foreach(errors, i, e) {
    if (!json_is_string(json_object_get(e, "field")) ||
        !json_is_string(json_object_get(e, "code")) ||
        !json_is_string(json_object_get(e, "message")))
      abort();
  }
  json_decref(p);
}

/* The caller's own checks after the table's, as a domain function adds them. */
static void own_rules(const json_t *body, struct cs_refusal *err) {
  json_t *contacts = json_object_get(body, "contacts");
  size_t i;
  json_t *c;
  char field[64];
  json_array_foreach(contacts, i, c) {
    if (json_is_object(c) && json_is_string(json_object_get(c, "email"))) continue;
    snprintf(field, sizeof(field), "contacts/%zu/email", i);
    cs_refusal_field(err, field, FIELD_REQUIRED, "is required");
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct _u_request req;
  struct _u_response resp;
  json_t *body = NULL;
  if (size < 1) return 0;
  ulfius_init_request(&req);
  ulfius_init_response(&resp);
  const char *type = CONTENT_TYPES[data[0] & 3];
  if (type != NULL) u_map_put(req.map_header, "Content-Type", type);
  if (size > 1) {
    req.binary_body = malloc(size - 1);
    memcpy(req.binary_body, data + 1, size - 1);
    req.binary_body_length = size - 1;
  }
  int rc = http_parse_json_object(&req, &resp, &body);
  if (rc != CS_OK) {
    if (body != NULL) abort();
    check_problem(&resp);
    goto done;
  }
  if (!json_is_object(body)) abort();
  int valid = http_validate(body, FIELDS, NFIELDS, &resp) == CS_OK;
  if (!valid) check_problem(&resp);

  /* the domain's way: the table's check and its own rules, every error at once */
  struct cs_refusal err = {0};
  fields_check(body, FIELDS, NFIELDS, &err);
  if (data[0] & 4) own_rules(body, &err);
  int refused = cs_refusal_validation(&err) == CS_REFUSED;
  if (!(data[0] & 4) && refused == valid) abort(); /* one check, two ways: one verdict */
  if (refused) {
    if (err.kind != PROBLEM_VALIDATION || json_array_size(err.errors) == 0) abort();
    http_problem_full(&resp, err.kind, err.detail, json_incref(err.errors), err.extra);
    check_problem(&resp);
  }
  cs_refusal_clear(&err);
done:
  json_decref(body);
  ulfius_clean_request(&req);
  ulfius_clean_response(&resp);
  return 0;
}
