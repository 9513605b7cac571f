/* The customer service: the customer page: its settings, messages, shares, news feed and
 * notifications; the integrators' webhooks and pull feed of events. Start, config, wiring and
 * shutdown only; resources live in their own files. */
#include <stdio.h>
#include <stdlib.h>

#include "blob.h"
#include "config.h"
#include "events_cases.h"
#include "events_orders.h"
#include "http_access.h"
#include "http_contact.h"
#include "http_feed.h"
#include "http_logos.h"
#include "http_notify.h"
#include "http_page.h"
#include "http_portal.h"
#include "http_settings.h"
#include "http_uploads.h"
#include "http_webhooks.h"
#include "replica.h"
#include "service.h"
#include "texts.h"

/* The customer service's own settings, beyond those of every service (svc.cfg); read once. */
struct customer_config {
  long long authority_max_lag_ms; /* AUTHORITY_MAX_LAG_MS: the oldest facts decided from */
  char *blob_dir; /* BLOB_DIR: the cases service's documents and the customer's uploads (owned) */
};

static int customer_config_read(struct customer_config *c) {
  char err[256];
  long lag;
  if (config_long("AUTHORITY_MAX_LAG_MS", 5000, 100, 3600000, &lag, err, sizeof(err)) != 0 ||
      config_str("BLOB_DIR", "var/blobs", &c->blob_dir, err, sizeof(err)) != 0) {
    fprintf(stderr, "customer: configuration error: %s\n", err);
    return 2;
  }
  c->authority_max_lag_ms = lag;
  return 0;
}

static int texts_stop(struct service *svc) {
  (void)svc;
  customer_texts_free();
  return 0;
}

static int wire(struct service *svc) {
  static struct blob_store *blobs; /* the process's, for as long as it runs */
  struct customer_config cc = {0};
  if (customer_config_read(&cc) != 0) return 2;
  int rc = blob_store_open_dir(cc.blob_dir, &blobs);
  if (rc != 0) fprintf(stderr, "customer: BLOB_DIR %s cannot be used\n", cc.blob_dir);
  free(cc.blob_dir);
  if (rc != 0) return 2;
  /* who may do what comes from the policy service's facts, kept here (replica.h) */
  if (replica_follow(svc, cc.authority_max_lag_ms) != 0) return 2;
  if (customer_texts_load(svc->cfg.migrations_dir) != 0) return 2;
  service_on_stop(svc, texts_stop);
  customer_uploads_wire(svc, blobs); /* the files of the message and logo POSTs */
  customer_settings_routes(svc);
  customer_logo_routes(svc, blobs);
  customer_access_routes(svc);
  customer_contact_routes(svc, blobs);
  customer_portal_routes(svc, blobs);
  customer_page_routes(svc); /* the page itself, GET /c/ */
  if (customer_notify_wire(svc) != 0) return 2;
  if (customer_webhooks_wire(svc) != 0) return 2; /* before the consumers that queue deliveries */
  if (customer_feed_wire(svc) != 0) return 2;     /* GET /v1/events, kept by the consumers */
  if (customer_events_cases(svc) != 0) return 2;
  if (customer_events_orders(svc) != 0) return 2;
  return 0;
}

int main(void) { return service_main("customer", 8083, wire); }
