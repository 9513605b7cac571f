/* The customer service follows the cases service's events: every event keeps the read model of
 * its case (casefile/apply_cases.c), the types that tell people something go to their function
 * in notify/from_events.c, and those integrators get are queued for webhooks and kept in the
 * pull feed (feed/feed.h). */
#include "events_cases.h"

#include <string.h>

#include "apply_cases.h"
#include "feed.h"
#include "from_events.h"
#include "service.h"
#include "status.h"
#include "texts.h"
#include "webhooks.h"

static struct customer_from_events from;

static int apply(PGconn *conn, const json_t *event, void *arg) {
  const struct customer_from_events *ctx = arg;
  const char *type = json_string_value(json_object_get(event, "type"));
  int rc;
  if (type == NULL) return 0;
  if ((rc = customer_apply_cases_event(conn, event)) != CS_OK) return rc;
  if ((rc = customer_webhooks_enqueue(conn, event)) != CS_OK) return rc; /* same transaction */
  if (strcmp(type, "rfq.invited_external") == 0)
    rc = customer_from_rfq_invited_external(conn, ctx, event);
  else if (strcmp(type, "chat.message_posted") == 0)
    rc = customer_from_chat_message_posted(conn, ctx, event);
  if (rc != CS_OK) return rc;
  /* last: it takes the feed's lock, held until this transaction commits (feed.h) */
  return customer_feed_record(conn, event);
}

int customer_events_cases(struct service *svc) {
  from.catalogue = customer_texts_catalogue();
  from.public_base_url = customer_texts_base_url();
  if (service_consume(svc, "cases", apply, NULL, &from) != CS_OK) return 2;
  return 0;
}
