/* A background thread that asks every upstream's GET /healthz every few seconds, so the
 * gateway's own /healthz, /readyz and /metrics answer from memory. */
#ifndef CLAIMSUITE_GATEWAY_UPSTREAM_HEALTH_H
#define CLAIMSUITE_GATEWAY_UPSTREAM_HEALTH_H

#include <jansson.h>

#include "routes_table.h"

struct gw_health;

/* urls: the base URL of each upstream, copied. *out is new; start it with gw_health_start. */
int gw_health_new(char *const urls[GW_UP_COUNT], long interval_ms, long timeout_ms,
                  struct gw_health **out);
/* Starts the checking thread (the first round runs at once). */
int gw_health_start(struct gw_health *h);
/* Stops and joins the thread; NULL-safe, idempotent. */
void gw_health_stop(struct gw_health *h);
void gw_health_free(struct gw_health *h); /* stops first; NULL-safe */

/* 1 once every upstream has been checked at least once. */
int gw_health_ready(struct gw_health *h);
/* {"policy":{"url","status":"up"|"down","latency_ms"[,"error"]},...}: a new reference. */
json_t *gw_health_json(struct gw_health *h);
/* Prometheus lines (gateway_upstream_up, gateway_upstream_check_seconds): a new string. */
char *gw_health_metrics(struct gw_health *h);

#endif
