/* The service-to-service directory: what a valid question is, and the answers from the store.
 * SQL lives in store_directory.c, HTTP in http_directory.c. */
#include "directory.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "ids.h"
#include "refusal.h"
#include "status.h"
#include "store_directory.h"
#include "store_org_common.h"

/* A plain decimal number (sign, digits, point, exponent: no hex, inf or nan, no blanks) within
 * [min, max] into *out; 0 when s is not one. */
static int coordinate(const char *s, double min, double max, double *out) {
  char *end = NULL;
  double v;
  if (*s == '\0' || strspn(s, "0123456789+-.eE") != strlen(s)) return 0;
  errno = 0;
  v = strtod(s, &end);
  if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v) || v < min || v > max) return 0;
  *out = v;
  return 1;
}

json_t *policy_directory_query_parse(const char *portal_id, const char *latitude,
                                     const char *longitude, const char *external_case_handler,
                                     struct policy_directory_query *q) {
  struct cs_refusal bad = {.errors = json_array()}; /* collects {field, message} */
  if (bad.errors == NULL) return NULL;
  memset(q, 0, sizeof(*q));
  q->portal_id = portal_id;
  if (portal_id == NULL)
    cs_refusal_field(&bad, "portal_id", FIELD_REQUIRED, "is required");
  else if (!ids_is_uuid(portal_id))
    cs_refusal_field(&bad, "portal_id", FIELD_FORMAT, "must be a UUID");

  if (latitude != NULL && !coordinate(latitude, -90, 90, &q->latitude))
    cs_refusal_field(&bad, "latitude", FIELD_OUT_OF_RANGE, "must be a number between -90 and 90");
  if (longitude != NULL && !coordinate(longitude, -180, 180, &q->longitude))
    cs_refusal_field(&bad, "longitude", FIELD_OUT_OF_RANGE,
                     "must be a number between -180 and 180");
  if ((latitude == NULL) != (longitude == NULL))
    cs_refusal_field(&bad, latitude == NULL ? "latitude" : "longitude", FIELD_REQUIRED,
                     "is required with the other coordinate: give both or neither");
  q->has_point = latitude != NULL && longitude != NULL;

  if (external_case_handler == NULL || !strcmp(external_case_handler, "false"))
    q->external_case_handler = 0;
  else if (!strcmp(external_case_handler, "true"))
    q->external_case_handler = 1;
  else
    cs_refusal_field(&bad, "external_case_handler", FIELD_WRONG_TYPE, "must be true or false");
  return bad.errors;
}

int policy_directory_offices_eligible(PGconn *conn, const struct policy_directory_query *q,
                                      json_t **items) {
  char lat[32], lon[32];
  /* %.17g gives the parsed double back exactly, in a form PostgreSQL reads */
  snprintf(lat, sizeof(lat), "%.17g", q->latitude);
  snprintf(lon, sizeof(lon), "%.17g", q->longitude);
  return policy_store_directory_offices(conn, q->portal_id, q->has_point ? lat : NULL,
                                        q->has_point ? lon : NULL, q->external_case_handler, items);
}

static const struct http_field lookup_fields[] = {
    {"portal_id", HTTP_FIELD_UUID, 1, 0},
    {"ids", HTTP_FIELD_ARRAY, 1, 0},
};

json_t *policy_directory_lookup_errors(const json_t *body) {
  struct cs_refusal bad = {
      .errors = http_validate_errors(body, lookup_fields,
                                     sizeof(lookup_fields) / sizeof(lookup_fields[0]))};
  const json_t *ids = json_object_get(body, "ids"), *v;
  char msg[80];
  size_t i;

  if (bad.errors == NULL || !json_is_array(ids)) return bad.errors;
  if (json_array_size(ids) > POLICY_DIRECTORY_LOOKUP_MAX) {
    snprintf(msg, sizeof(msg), "must hold at most %d ids", POLICY_DIRECTORY_LOOKUP_MAX);
    cs_refusal_field(&bad, "ids", FIELD_TOO_LONG, msg);
    return bad.errors;
  }
  json_array_foreach(ids, i, v) {
    if (!ids_is_uuid(json_string_value(v))) {
      snprintf(msg, sizeof(msg), "ids/%zu", i);
      cs_refusal_field(&bad, msg, json_is_string(v) ? FIELD_FORMAT : FIELD_WRONG_TYPE,
                       "must be a UUID");
    }
  }
  return bad.errors;
}

int policy_directory_users_lookup(PGconn *conn, const json_t *body, json_t **answer) {
  const char *portal_id = json_string_value(json_object_get(body, "portal_id"));
  /* the ids travel as one uuid[] parameter; they are UUIDs already, quoted all the same */
  char *ids = policy_store_org_array_literal(json_object_get(body, "ids"));
  int rc;

  *answer = NULL;
  if (ids == NULL) return CS_ERR_NOMEM;
  rc = policy_store_directory_users(conn, portal_id, ids, answer);
  free(ids);
  return rc;
}

json_t *policy_directory_api_client_errors(const char *id, const char *portal_id, int *known) {
  struct cs_refusal bad = {.errors = json_array()};
  *known = ids_is_uuid(id);
  if (bad.errors == NULL) return NULL;
  if (portal_id == NULL)
    cs_refusal_field(&bad, "portal_id", FIELD_REQUIRED, "is required");
  else if (!ids_is_uuid(portal_id))
    cs_refusal_field(&bad, "portal_id", FIELD_FORMAT, "must be a UUID");
  return bad.errors;
}

int policy_directory_api_client(PGconn *conn, const char *id, const char *portal_id,
                                json_t **client) {
  return policy_store_directory_api_client(conn, id, portal_id, client);
}
