/* Event envelopes: built from outbox rows (relay, feed) and checked on arrival (consumer). */
#include "bus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service_auth.h"
#include "status.h"

int bus_message_sign(const struct service_auth *auth, const char *text, char **message) {
  char sig[SERVICE_SIGNATURE_LEN + 1];
  size_t len = strlen(text);
  *message = NULL;
  if (service_auth_sign(auth, text, len, sig) != CS_OK) return CS_ERR;
  if ((*message = malloc(SERVICE_SIGNATURE_LEN + 1 + len + 1)) == NULL) return CS_ERR_NOMEM;
  memcpy(*message, sig, SERVICE_SIGNATURE_LEN);
  (*message)[SERVICE_SIGNATURE_LEN] = ' ';
  memcpy(*message + SERVICE_SIGNATURE_LEN + 1, text, len + 1);
  return CS_OK;
}

int bus_message_open(const struct service_auth *auth, const char *message, size_t len,
                     json_t **out) {
  char sig[SERVICE_SIGNATURE_LEN + 1];
  *out = NULL;
  if (message == NULL || len <= SERVICE_SIGNATURE_LEN + 1 || message[SERVICE_SIGNATURE_LEN] != ' ')
    return CS_ERR_INVALID;
  memcpy(sig, message, SERVICE_SIGNATURE_LEN);
  sig[SERVICE_SIGNATURE_LEN] = '\0';
  const char *text = message + SERVICE_SIGNATURE_LEN + 1;
  size_t text_len = len - SERVICE_SIGNATURE_LEN - 1;
  if (!service_auth_signed(auth, text, text_len, sig)) return CS_ERR_INVALID;
  *out = json_loadb(text, text_len, JSON_REJECT_DUPLICATES, NULL);
  return *out != NULL ? CS_OK : CS_ERR_INVALID;
}

int bus_envelope_new(const char *id, const char *source, long long seq, const char *type,
                     const char *portal_id, const char *aggregate_id, const char *occurred_at,
                     const char *data_json, json_t **out) {
  int rc = CS_ERR_INVALID;
  json_t *data = NULL;
  json_t *env = NULL;
  *out = NULL;
  if (id == NULL || source == NULL || seq < 1 || type == NULL || aggregate_id == NULL ||
      occurred_at == NULL || data_json == NULL) {
    goto done;
  }
  data = json_loads(data_json, JSON_DECODE_ANY, NULL);
  if (data == NULL) goto done;
  env = json_pack("{s:s, s:s, s:I, s:s, s:s?, s:s, s:s, s:O}", "id", id, "source", source, "seq",
                  (json_int_t)seq, "type", type, "portal_id", portal_id, "aggregate_id",
                  aggregate_id, "occurred_at", occurred_at, "data", data);
  if (env == NULL) {
    rc = CS_ERR_NOMEM;
    goto done;
  }
  *out = env;
  rc = CS_OK;
done:
  json_decref(data);
  return rc;
}

int bus_envelope_from_row(const PGresult *res, int row, const char *source, json_t **out) {
  *out = NULL;
  if (res == NULL || row < 0 || row >= PQntuples(res) || PQnfields(res) < 7) {
    return CS_ERR_INVALID;
  }
  char *end = NULL;
  const char *seq_text = PQgetvalue(res, row, 1);
  long long seq = strtoll(seq_text, &end, 10);
  if (PQgetisnull(res, row, 1) || end == seq_text || *end != '\0') return CS_ERR_INVALID;
  const char *portal_id = PQgetisnull(res, row, 3) ? NULL : PQgetvalue(res, row, 3);
  return bus_envelope_new(PQgetvalue(res, row, 0), source, seq, PQgetvalue(res, row, 2), portal_id,
                          PQgetvalue(res, row, 4), PQgetvalue(res, row, 5),
                          PQgetvalue(res, row, 6), out);
}

static int is_nonempty_string(const json_t *v) {
  return json_is_string(v) && json_string_length(v) > 0;
}

int bus_envelope_seq(const json_t *event, long long *seq) {
  if (!json_is_object(event)) return CS_ERR_INVALID;
  static const char *const strings[] = {"id", "source", "type", "aggregate_id", "occurred_at"};
  for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
    if (!is_nonempty_string(json_object_get(event, strings[i]))) return CS_ERR_INVALID;
  }
  const json_t *portal = json_object_get(event, "portal_id");
  if (portal != NULL && !json_is_null(portal) && !json_is_string(portal)) return CS_ERR_INVALID;
  if (json_object_get(event, "data") == NULL) return CS_ERR_INVALID;
  const json_t *s = json_object_get(event, "seq");
  if (!json_is_integer(s) || json_integer_value(s) < 1) return CS_ERR_INVALID;
  *seq = (long long)json_integer_value(s);
  return CS_OK;
}
