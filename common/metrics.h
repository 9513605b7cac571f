/* Prometheus metrics: request counts and latency histogram per route, plus gauges. */
#ifndef CLAIMSUITE_METRICS_H
#define CLAIMSUITE_METRICS_H

#include <stddef.h>

#define METRICS_MAX_ROUTES 256

struct metrics;

int metrics_new(const char *service, struct metrics **out);
void metrics_free(struct metrics *m); /* NULL-safe */

/* Registers a route label ("GET /v1/cases/:id"); returns its index or -1 when full. */
int metrics_route(struct metrics *m, const char *method, const char *pattern);
/* Lock-free: safe from any worker thread. */
void metrics_observe(struct metrics *m, int route, int status, double seconds);

/* Renders the exposition text; extra (may be NULL) is appended as is. Returns a new string. */
char *metrics_render(struct metrics *m, const char *extra);

#endif
