/* The consumer of the customer service's events (see events_customer.h). It acts on
 * customer_contact.changed alone: data {case_id, claim_number, unread_from_customer (an
 * integer >= 0), last_message_at (RFC 3339, null before any message)}, the case's portal as the
 * envelope's portal_id; every other event only moves the offset on. */
#include "events_customer.h"

#include <stdint.h>
#include <string.h>

#include "bus.h"
#include "ids.h"
#include "log.h"
#include "service.h"
#include "status.h"
#include "store_customer_contact.h"

/* The event's members as the store takes them: CS_OK, or CS_ERR_INVALID naming what is wrong in
 * *why. */
static int contact_of(const json_t *event, struct cases_customer_contact *e, const char **why) {
  const json_t *data = json_object_get(event, "data");
  const json_t *unread = json_object_get(data, "unread_from_customer");
  const json_t *last = json_object_get(data, "last_message_at");
  memset(e, 0, sizeof(*e));
  e->case_id = json_string_value(json_object_get(data, "case_id"));
  e->portal_id = json_string_value(json_object_get(event, "portal_id"));
  e->occurred_at = json_string_value(json_object_get(event, "occurred_at"));
  e->last_message_at = json_string_value(last);
  *why = "case_id is not a UUID";
  if (!ids_is_uuid(e->case_id)) return CS_ERR_INVALID;
  *why = "portal_id is not a UUID";
  if (!ids_is_uuid(e->portal_id)) return CS_ERR_INVALID;
  *why = "unread_from_customer is not an integer from 0";
  if (!json_is_integer(unread) || json_integer_value(unread) < 0 ||
      json_integer_value(unread) > INT32_MAX)
    return CS_ERR_INVALID;
  e->unread = json_integer_value(unread);
  *why = "last_message_at is not an RFC 3339 time";
  if (last != NULL && !json_is_null(last) && !ids_is_timestamp(e->last_message_at))
    return CS_ERR_INVALID;
  *why = "envelope has no seq or occurred_at";
  if (bus_envelope_seq(event, &e->seq) != CS_OK || e->occurred_at == NULL) return CS_ERR_INVALID;
  return CS_OK;
}

static int apply(PGconn *conn, const json_t *event, void *arg) {
  (void)arg;
  struct cases_customer_contact e;
  const char *why = NULL;
  char sqlstate[6] = "";
  int applied = 0;
  const char *type = json_string_value(json_object_get(event, "type"));
  if (type == NULL || strcmp(type, "customer_contact.changed") != 0) return 0;
  if (contact_of(event, &e, &why) != CS_OK) {
    log_error("events customer: a customer_contact.changed event whose %s; skipped", why);
    return 0; /* retrying cannot mend it; the case's next event will */
  }
  if (cases_store_customer_contact_apply(conn, &e, &applied, sqlstate) != CS_OK) {
    log_error("events customer: storing case %s's unread count failed (%s)", e.case_id, sqlstate);
    return 1; /* rolled back and retried */
  }
  if (!applied)
    log_info("events customer: seq %lld for case %s is older than what the case has; ignored",
             e.seq, e.case_id);
  return 0;
}

int cases_events_customer(struct service *svc) {
  return service_consume(svc, "customer", apply, NULL, NULL);
}
