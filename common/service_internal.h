/* What the files of the service skeleton share (service.c, service_builtin.c, service_db.c):
 * not for services. */
#ifndef CLAIMSUITE_SERVICE_INTERNAL_H
#define CLAIMSUITE_SERVICE_INTERNAL_H

#include "bus.h"
#include "http_upload.h"
#include "routes.h"
#include "service.h"

#define SERVICE_MAX_ROUTES 128
#define SERVICE_MAX_HOOKS 8
#define SERVICE_MAX_CONSUMERS CONFIG_MAX_FEEDS

struct http_server;
struct http_exchange;

/* A route answered by the HTTP server core itself (health, readiness, metrics). */
typedef void (*service_answer)(struct http_exchange *x);

struct service_route_entry {
  const char *method;
  const char *pattern;
  service_handler handler; /* NULL with answer NULL: the fallback (404/405) */
  service_answer answer;
  int flags;
  struct service *svc;
  const void *arg; /* the handler's ctx->route_arg */
};

struct service_consumer {
  const char *source;
  bus_apply_fn apply;
  bus_committed_fn committed;
  void *arg;
  long long max_age_ms; /* 0: none; else readiness needs the feed's age within it */
  struct bus_consumer *running;
};

#define SERVICE_MAX_MIGRATION_DIRS 4

struct service_internal {
  struct http_server *http;
  struct service_route_entry routes[SERVICE_MAX_ROUTES];
  struct route_entry table[SERVICE_MAX_ROUTES]; /* the same, for 404/405 decisions */
  size_t nroutes;
  struct service_route_entry fallback;
  service_hook on_start[SERVICE_MAX_HOOKS], on_stop[SERVICE_MAX_HOOKS];
  int nstart, nstop;
  struct service_consumer consumers[SERVICE_MAX_CONSUMERS];
  int nconsumers;
  const char *migrations_label;
  const char *migrations_dir;
  struct {
    const char *label, *dir; /* dir relative to MIGRATIONS_DIR */
  } extra_migrations[SERVICE_MAX_MIGRATION_DIRS];
  int nextra_migrations;
  struct bus_relay *relay;
  struct http_uploads uploads; /* service_uploads */
};

/* service_route for an answer of the core; public, no body limit beyond the core's. */
int service_route_answer(struct service *svc, const char *method, const char *pattern,
                         service_answer answer);

/* Registers GET /healthz, /readyz, /metrics and /internal/events and the readiness and metrics
 * callbacks of the HTTP server (service_builtin.c). Call once, before the server starts. */
void service_builtin_routes(struct service *svc);

#endif
