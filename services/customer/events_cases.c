/* The customer service follows the cases service's events to tell people of them: each event
 * type it acts on goes to its function in notify/from_events.c; every other event only moves
 * the offset on. */
#include "events_cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalogue.h"
#include "config.h"
#include "from_events.h"
#include "service.h"
#include "status.h"

/* The consumer's state, built by customer_events_cases, freed by the stop hook (which runs after
 * the consumer has stopped). */
static struct customer_catalogue *catalogue;
static char *public_base_url, *messages_dir;
static struct customer_from_events from;

static int apply(PGconn *conn, const json_t *event, void *arg) {
  const struct customer_from_events *ctx = arg;
  const char *type = json_string_value(json_object_get(event, "type"));
  if (type == NULL) return 0;
  if (strcmp(type, "rfq.invited_external") == 0)
    return customer_from_rfq_invited_external(conn, ctx, event);
  if (strcmp(type, "chat.message_posted") == 0)
    return customer_from_chat_message_posted(conn, ctx, event);
  return 0;
}

static int events_cases_stop(struct service *svc) {
  (void)svc;
  customer_catalogue_free(catalogue);
  catalogue = NULL;
  free(public_base_url);
  free(messages_dir);
  public_base_url = messages_dir = NULL;
  return 0;
}

int customer_events_cases(struct service *svc) {
  char err[512], def[4096];
  size_t n;
  /* the catalogue sits in the source tree (and in the image) next to the migrations */
  if (snprintf(def, sizeof(def), "%s/services/customer/messages", svc->cfg.migrations_dir) >=
      (int)sizeof(def)) {
    fprintf(stderr, "customer: configuration error: MIGRATIONS_DIR is too long\n");
    return 2;
  }
  if (config_str("PUBLIC_BASE_URL", "http://localhost:8080", &public_base_url, err, sizeof(err)) !=
          CS_OK ||
      config_str("MESSAGES_DIR", def, &messages_dir, err, sizeof(err)) != CS_OK)
    goto fail;
  if (strncmp(public_base_url, "http://", 7) != 0 && strncmp(public_base_url, "https://", 8) != 0) {
    snprintf(err, sizeof(err), "PUBLIC_BASE_URL must be an http(s) URL");
    goto fail;
  }
  /* links are base + "/v1/...": one slash between them */
  while ((n = strlen(public_base_url)) > 0 && public_base_url[n - 1] == '/')
    public_base_url[n - 1] = '\0';
  if (customer_catalogue_load(messages_dir, &catalogue, err, sizeof(err)) != CS_OK) goto fail;
  from.catalogue = catalogue;
  from.public_base_url = public_base_url;
  service_on_stop(svc, events_cases_stop);
  if (service_consume(svc, "cases", apply, NULL, &from) != CS_OK) return 2;
  return 0;
fail:
  fprintf(stderr, "customer: configuration error: %s\n", err);
  events_cases_stop(svc);
  return 2;
}
