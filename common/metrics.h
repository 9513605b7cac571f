/* Prometheus metrics: request counts and latency histogram per route, build_info, plus gauges.
 * Every family rendered has its # HELP and # TYPE lines. */
#ifndef CLAIMSUITE_METRICS_H
#define CLAIMSUITE_METRICS_H

#include <stddef.h>

#define METRICS_MAX_ROUTES 256

struct metrics;

int metrics_new(const char *service, struct metrics **out);
void metrics_free(struct metrics *m); /* NULL-safe */

/* Registers a route label ("GET /v1/cases/:id"); returns its index or -1 when full. */
int metrics_route(struct metrics *m, const char *method, const char *pattern);
/* The label of route ("GET /v1/cases/:id"), borrowed; "" for an index not registered. */
const char *metrics_label(struct metrics *m, int route);
/* Lock-free: safe from any worker thread. */
void metrics_observe(struct metrics *m, int route, int status, double seconds);

/* Renders the exposition text: build_info{service,version} 1 (version: CLAIMSUITE_VERSION as
 * the top CMakeLists.txt set it at configure time, git describe or "unknown"), the request
 * families, then extra
 * (may be NULL). A family of extra without # HELP gets one (from a table of the families the
 * services report, else naming the family), and one without # TYPE is declared untyped, so
 * every family has both. Returns a new string. */
char *metrics_render(struct metrics *m, const char *extra);

#endif
