/* The customer service follows the orders service's events: the types that tell people something
 * go to notify/from_orders.c; every type integrators get is queued for webhooks and kept in the
 * pull feed (feed/feed.h). */
#include "events_orders.h"

#include "feed.h"
#include "from_orders.h"
#include "service.h"
#include "status.h"
#include "texts.h"
#include "webhooks.h"

static struct customer_from_events from;

static int apply(PGconn *conn, const json_t *event, void *arg) {
  int rc = customer_webhooks_enqueue(conn, event); /* in the offset's transaction */
  if (rc != CS_OK) return rc;
  if ((rc = customer_from_order_event(conn, arg, event)) != CS_OK) return rc;
  /* last: it takes the feed's lock, held until this transaction commits (feed.h) */
  return customer_feed_record(conn, event);
}

int customer_events_orders(struct service *svc) {
  from.catalogue = customer_texts_catalogue();
  from.public_base_url = customer_texts_base_url();
  if (service_consume(svc, "orders", apply, NULL, &from) != CS_OK) return 2;
  return 0;
}
