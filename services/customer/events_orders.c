/* The customer service follows the orders service's events: the types that tell people something
 * go to notify/from_orders.c; the others (order.agent_approved, order.customer_attested, ...)
 * only move the offset on. */
#include "events_orders.h"

#include "from_orders.h"
#include "service.h"
#include "status.h"
#include "texts.h"
#include "webhooks.h"

static struct customer_from_events from;

static int apply(PGconn *conn, const json_t *event, void *arg) {
  int rc = customer_webhooks_enqueue(conn, event); /* in the offset's transaction */
  if (rc != CS_OK) return rc;
  return customer_from_order_event(conn, arg, event);
}

int customer_events_orders(struct service *svc) {
  from.catalogue = customer_texts_catalogue();
  from.public_base_url = customer_texts_base_url();
  if (service_consume(svc, "orders", apply, NULL, &from) != CS_OK) return 2;
  return 0;
}
