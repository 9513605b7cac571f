/* Prometheus text exposition of request counts and latency histograms per route. Counters are
 * C11 atomics so worker threads never wait on each other to record. */
#include "metrics.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

#ifndef CLAIMSUITE_VERSION
#define CLAIMSUITE_VERSION "unknown" /* a build without the top CMakeLists.txt */
#endif

static const double buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                 0.25,  0.5,    1.0,   2.5,  5.0,   10.0};
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

const char *metrics_label(struct metrics *m, int route) {
  if (route < 0 || route >= atomic_load(&m->nroutes)) return "";
  return m->routes[route].label;
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

/* --- HELP and TYPE for the families of the extra text ------------------------------------ */

/* What the families the services and the gateway append mean (service_builtin.c). A family
 * that brings its own # HELP keeps it. */
static const struct {
  const char *name, *help;
} family_help[] = {
    {"db_pool_connections", "Connections the database pool holds."},
    {"db_pool_in_use", "Connections of the pool checked out right now."},
    {"db_pool_checkout_timeouts_total",
     "Requests that waited too long for a database connection (answered 503)."},
    {"outbox_pending_events", "Outbox events written but not yet published."},
    {"outbox_oldest_pending_seconds", "Age of the oldest outbox event not yet published."},
    {"http_requests_in_flight", "Requests being answered right now."},
    {"event_feed_age_seconds",
     "Age of the facts a consumer holds from a source's event feed (-1 before first current)."},
};

#define MAX_FAMILIES 128
#define FAMILY_NAME_MAX 128

struct families {
  char name[MAX_FAMILIES][FAMILY_NAME_MAX];
  int n;
};

static int families_has(const struct families *f, const char *name, size_t len) {
  for (int i = 0; i < f->n; i++)
    if (strlen(f->name[i]) == len && !memcmp(f->name[i], name, len)) return 1;
  return 0;
}

static void families_add(struct families *f, const char *name, size_t len) {
  if (f->n == MAX_FAMILIES || len >= FAMILY_NAME_MAX || families_has(f, name, len)) return;
  memcpy(f->name[f->n], name, len);
  f->name[f->n][len] = '\0';
  f->n++;
}

static size_t name_len(const char *s) {
  size_t n = 0;
  while (s[n] != '\0' && s[n] != '{' && s[n] != ' ' && s[n] != '\n') n++;
  return n;
}

/* The line after l's, or the end of the text. */
static const char *next_line(const char *l) {
  const char *nl = strchr(l, '\n');
  return nl != NULL ? nl + 1 : l + strlen(l);
}

/* The family of a sample named s (len): s itself, or the histogram or summary it is a
 * _bucket, _sum or _count of when that one is declared. */
static size_t family_len(const struct families *typed, const char *s, size_t len) {
  static const char *const suffixes[] = {"_bucket", "_sum", "_count"};
  for (size_t i = 0; i < 3; i++) {
    size_t k = strlen(suffixes[i]);
    if (len > k && !memcmp(s + len - k, suffixes[i], k) && families_has(typed, s, len - k))
      return len - k;
  }
  return len;
}

static void put_help(struct buf *b, const char *name, size_t len) {
  for (size_t i = 0; i < sizeof(family_help) / sizeof(family_help[0]); i++) {
    if (strlen(family_help[i].name) == len && !memcmp(family_help[i].name, name, len)) {
      put(b, "# HELP %.*s %s\n", (int)len, name, family_help[i].help);
      return;
    }
  }
  put(b, "# HELP %.*s %.*s\n", (int)len, name, (int)len, name);
}

/* extra, with # HELP before each family that has none and # TYPE untyped for one undeclared. */
static void put_extra(struct buf *b, const char *extra) {
  struct families *helped = calloc(1, sizeof(*helped)), *typed = calloc(1, sizeof(*typed)),
                  *done = calloc(1, sizeof(*done));
  if (helped == NULL || typed == NULL || done == NULL) {
    put(b, "%s", extra);
    goto out;
  }
  for (const char *l = extra; *l != '\0'; l = next_line(l)) {
    if (!strncmp(l, "# HELP ", 7)) families_add(helped, l + 7, name_len(l + 7));
    if (!strncmp(l, "# TYPE ", 7)) families_add(typed, l + 7, name_len(l + 7));
  }
  for (const char *l = extra; *l != '\0';) {
    size_t line_len = (size_t)(next_line(l) - l);
    if (!strncmp(l, "# TYPE ", 7)) {
      size_t n = name_len(l + 7);
      if (!families_has(helped, l + 7, n) && !families_has(done, l + 7, n)) put_help(b, l + 7, n);
      families_add(done, l + 7, n);
    } else if (l[0] != '#' && l[0] != '\n') {
      size_t n = family_len(typed, l, name_len(l));
      if (!families_has(typed, l, n) && !families_has(done, l, n)) {
        if (!families_has(helped, l, n)) put_help(b, l, n);
        put(b, "# TYPE %.*s untyped\n", (int)n, l);
        families_add(done, l, n);
      }
    }
    put(b, "%.*s", (int)line_len, l);
    l += line_len;
  }
  if (b->data != NULL && b->len > 0 && b->data[b->len - 1] != '\n') put(b, "\n");
out:
  free(helped);
  free(typed);
  free(done);
}

char *metrics_render(struct metrics *m, const char *extra) {
  struct buf b = {malloc(8192), 0, 8192};
  int n = atomic_load(&m->nroutes);
  put(&b,
      "# HELP build_info The running build: its version (git describe at build time).\n"
      "# TYPE build_info gauge\n"
      "build_info{service=\"%s\",version=\"%s\"} 1\n",
      m->service, CLAIMSUITE_VERSION);
  put(&b,
      "# HELP http_requests_total HTTP requests answered, by route and status class.\n"
      "# TYPE http_requests_total counter\n");
  for (int i = 0; i < n; i++) {
    for (int c = 0; c < NCLASSES; c++) {
      long v = atomic_load(&m->routes[i].by_class[c]);
      if (v == 0) continue;
      put(&b, "http_requests_total{service=\"%s\",route=\"%s\",status=\"%dxx\"} %ld\n", m->service,
          m->routes[i].label, c + 1, v);
    }
  }
  put(&b,
      "# HELP http_request_duration_seconds Time to answer, by route.\n"
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
  if (extra != NULL) put_extra(&b, extra);
  return b.data;
}
