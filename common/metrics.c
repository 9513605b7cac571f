/* Prometheus text exposition of request counts and latency histograms per route. Counters are
 * C11 atomics so worker threads never wait on each other to record. */
#include "metrics.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

static const double buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                 0.1,   0.25,   0.5,   1.0,  2.5,   5.0, 10.0};
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))
#define NCLASSES 5 /* 1xx..5xx */

struct route_metrics {
  char label[160];
  atomic_long by_class[NCLASSES];
  atomic_long bucket[NBUCKETS];
  atomic_long count;
  atomic_llong sum_us;
};

struct metrics {
  char service[64];
  atomic_int nroutes;
  struct route_metrics routes[METRICS_MAX_ROUTES];
};

int metrics_new(const char *service, struct metrics **out) {
  struct metrics *m = calloc(1, sizeof(*m));
  if (m == NULL) return CS_ERR_NOMEM;
  snprintf(m->service, sizeof(m->service), "%s", service);
  *out = m;
  return CS_OK;
}

void metrics_free(struct metrics *m) { free(m); }

int metrics_route(struct metrics *m, const char *method, const char *pattern) {
  int n = atomic_load(&m->nroutes);
  for (int i = 0; i < n; i++) {
    char label[160];
    snprintf(label, sizeof(label), "%s %s", method, pattern);
    if (!strcmp(m->routes[i].label, label)) return i;
  }
  if (n >= METRICS_MAX_ROUTES) return -1;
  snprintf(m->routes[n].label, sizeof(m->routes[n].label), "%s %s", method, pattern);
  atomic_store(&m->nroutes, n + 1); /* routes are registered before serving starts */
  return n;
}

void metrics_observe(struct metrics *m, int route, int status, double seconds) {
  if (route < 0 || route >= atomic_load(&m->nroutes)) return;
  struct route_metrics *r = &m->routes[route];
  int cls = status / 100 - 1;
  if (cls >= 0 && cls < NCLASSES) atomic_fetch_add(&r->by_class[cls], 1);
  for (size_t b = 0; b < NBUCKETS; b++) {
    if (seconds <= buckets[b]) {
      atomic_fetch_add(&r->bucket[b], 1); /* cumulated at render time */
      break;
    }
  }
  atomic_fetch_add(&r->count, 1);
  atomic_fetch_add(&r->sum_us, (long long)(seconds * 1e6));
}

struct buf {
  char *data;
  size_t len, cap;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct buf *b, const char *fmt, ...) {
  va_list ap;
  for (;;) {
    if (b->data == NULL) return;
    va_start(ap, fmt);
    int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < b->cap - b->len) {
      b->len += (size_t)n;
      return;
    }
    char *grown = realloc(b->data, b->cap * 2 + (size_t)n);
    if (grown == NULL) {
      free(b->data);
      b->data = NULL;
      return;
    }
    b->data = grown;
    b->cap = b->cap * 2 + (size_t)n;
  }
}

char *metrics_render(struct metrics *m, const char *extra) {
  struct buf b = {malloc(8192), 0, 8192};
  int n = atomic_load(&m->nroutes);
  put(&b, "# HELP http_requests_total HTTP requests answered, by route and status class.\n"
          "# TYPE http_requests_total counter\n");
  for (int i = 0; i < n; i++) {
    for (int c = 0; c < NCLASSES; c++) {
      long v = atomic_load(&m->routes[i].by_class[c]);
      if (v == 0) continue;
      put(&b, "http_requests_total{service=\"%s\",route=\"%s\",status=\"%dxx\"} %ld\n", m->service,
          m->routes[i].label, c + 1, v);
    }
  }
  put(&b, "# HELP http_request_duration_seconds Time to answer, by route.\n"
          "# TYPE http_request_duration_seconds histogram\n");
  for (int i = 0; i < n; i++) {
    struct route_metrics *r = &m->routes[i];
    long count = atomic_load(&r->count);
    if (count == 0) continue;
    long cumulative = 0;
    for (size_t k = 0; k < NBUCKETS; k++) {
      cumulative += atomic_load(&r->bucket[k]);
      put(&b, "http_request_duration_seconds_bucket{service=\"%s\",route=\"%s\",le=\"%g\"} %ld\n",
          m->service, r->label, buckets[k], cumulative);
    }
    put(&b, "http_request_duration_seconds_bucket{service=\"%s\",route=\"%s\",le=\"+Inf\"} %ld\n",
        m->service, r->label, count);
    put(&b, "http_request_duration_seconds_sum{service=\"%s\",route=\"%s\"} %.6f\n", m->service,
        r->label, (double)atomic_load(&r->sum_us) / 1e6);
    put(&b, "http_request_duration_seconds_count{service=\"%s\",route=\"%s\"} %ld\n", m->service,
        r->label, count);
  }
  if (extra != NULL) put(&b, "%s", extra);
  return b.data;
}
