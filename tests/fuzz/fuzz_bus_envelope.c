/* Fuzzes the event envelope (common/bus_envelope.c): messages as a consumer takes them off Redis
 * (bus_message_open: signature, then JSON) and envelopes as it checks them (bus_envelope_seq).
 * Raw messages are opened as they come (nobody signed them: never opened); the same text signed
 * by the relay's key opens exactly when it is JSON, and with one byte changed never opens. An
 * envelope that checks is rebuilt by bus_envelope_new from its members and checks the same.
 *
 * Input: byte 0 bit 0: the rest is a raw message, else a text the relay signs; bits 1-7 pick the
 * byte changed in the signed message. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "service_auth.h"
#include "status.h"
#include "fuzz_text.h"

static struct service_auth *relay_key(void) {
  static struct service_auth *auth;
  static const char secret[] = "fuzz-secret-of-the-deployment-0123456789abcdef";
  if (auth == NULL && service_auth_new("cases", secret, sizeof(secret) - 1, &auth) != CS_OK)
    abort();
  return auth;
}

/* An envelope that checks, rebuilt from its members, checks with the same seq. */
static void check_envelope(const json_t *event) {
  long long seq = 0;
  if (bus_envelope_seq(event, &seq) != CS_OK) return;
  if (seq < 1) abort();
  const json_t *portal = json_object_get(event, "portal_id");
  char *data = json_dumps(json_object_get(event, "data"), JSON_ENCODE_ANY | JSON_COMPACT);
  json_t *again = NULL;
  int rc = bus_envelope_new(json_string_value(json_object_get(event, "id")),
                            json_string_value(json_object_get(event, "source")), seq,
                            json_string_value(json_object_get(event, "type")),
                            json_is_string(portal) ? json_string_value(portal) : NULL,
                            json_string_value(json_object_get(event, "aggregate_id")),
                            json_string_value(json_object_get(event, "occurred_at")), data, &again);
  long long seq_again = 0;
  if (rc != CS_OK || bus_envelope_seq(again, &seq_again) != CS_OK || seq_again != seq ||
      !json_equal(json_object_get(again, "data"), json_object_get(event, "data")))
    abort();
  json_decref(again);
  free(data);
}

static void raw(const char *msg, size_t len) {
  json_t *event = NULL;
  if (bus_message_open(relay_key(), msg, len, &event) == CS_OK) abort(); /* nobody signed it */
  if (event != NULL) abort();
  /* what the feed hands over is not signed: its envelopes are checked alone */
  json_t *doc = json_loadb(msg, len, JSON_REJECT_DUPLICATES, NULL);
  json_t *items = json_object_get(doc, "items");
  size_t i;
  json_t *e;
  json_array_foreach(items, i, e) check_envelope(e);
  check_envelope(doc);
  json_decref(doc);
}

static void signed_text(const char *text, unsigned change) {
  char *msg = NULL;
  json_t *event = NULL;
  if (bus_message_sign(relay_key(), text, &msg) != CS_OK) abort();
  size_t len = strlen(msg);
  json_t *direct = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
  int rc = bus_message_open(relay_key(), msg, len, &event);
  if ((rc == CS_OK) != (direct != NULL) || (rc == CS_OK && !json_equal(event, direct))) abort();
  if (event != NULL) check_envelope(event);
  json_decref(event);
  json_decref(direct);
  /* one byte changed, anywhere: signature, separator or text */
  msg[change % len] ^= 0x20;
  event = NULL;
  if (bus_message_open(relay_key(), msg, len, &event) == CS_OK) abort();
  json_decref(event);
  free(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 65536) return 0;
  char *text = fuzz_text_after_selector(data, size);
  if (data[0] & 1)
    raw(text, size - 1);
  else
    signed_text(text, data[0] >> 1);
  free(text);
  return 0;
}
