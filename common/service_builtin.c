/* The routes every service has: /healthz, /readyz, /metrics (answered by the HTTP server core
 * from the callbacks here: a service is ready when its database and Redis answer) and the
 * catch-up feed of its events, /internal/events. */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "db.h"
#include "http.h"
#include "paging.h"
#include "http_server.h"
#include "log.h"
#include "service_internal.h"
#include "status.h"

/* --- probes --------------------------------------------------------------------------------- */

static void health_members(void *arg, json_t *body) {
  struct service *svc = arg;
  json_object_set_new(body, "service", json_string(svc->cfg.service));
}

static int redis_ping(struct service *svc) {
  /* one context per worker thread: hiredis contexts are not thread-safe */
  static __thread redisContext *rc;
  char err[256];
  for (int attempt = 0; attempt < 2; attempt++) {
    if (rc == NULL || rc->err) {
      if (rc != NULL) redisFree(rc);
      if ((rc = bus_redis_connect(&svc->redis, 500, 500, err, sizeof(err))) == NULL) continue;
    }
    redisReply *reply = redisCommand(rc, "PING");
    int ok = reply != NULL && reply->type == REDIS_REPLY_STATUS;
    if (reply != NULL) freeReplyObject(reply);
    if (ok) return 1;
  }
  return 0;
}

static int database_ping(struct service *svc) {
  PGconn *conn;
  if (db_pool_acquire(svc->pool, &conn) != CS_OK) return 0;
  int ok = db_exec(conn, "SELECT 1", 0, NULL, NULL, NULL) == CS_OK;
  db_pool_release(svc->pool, conn);
  return ok;
}

/* The bounded feeds (service_feed_bound) within their bound: 1, else 0 with each stale one in
 * checks as "feed:<source>": "stale". */
static int feeds_fresh(struct service *svc, json_t *checks) {
  int fresh = 1;
  char name[96];
  for (int i = 0; i < svc->internal->nconsumers; i++) {
    const struct service_consumer *c = &svc->internal->consumers[i];
    if (c->max_age_ms <= 0) continue;
    long long age = bus_consumer_age_ms(c->running);
    int ok = age >= 0 && age <= c->max_age_ms;
    snprintf(name, sizeof(name), "feed:%s", c->source);
    json_object_set_new(checks, name, json_string(ok ? "ok" : "stale"));
    fresh = fresh && ok;
  }
  return fresh;
}

static int ready(void *arg, json_t *body, const char **detail) {
  struct service *svc = arg;
  int db = database_ping(svc), redis = redis_ping(svc);
  json_t *checks = json_pack("{s:s, s:s}", "database", db ? "ok" : "unreachable", "redis",
                             redis ? "ok" : "unreachable");
  int feeds = feeds_fresh(svc, checks);
  json_object_set_new(body, "checks", checks);
  if (db && redis && feeds) return 1;
  *detail = db && redis ? "facts from another service are older than allowed"
                        : "a dependency is unreachable";
  return 0;
}

/* event_feed_age_seconds of every consumer (-1 before it was first current). */
static void feed_ages(struct service *svc, char *text, size_t size) {
  size_t used = strlen(text);
  for (int i = 0; i < svc->internal->nconsumers && used < size; i++) {
    const struct service_consumer *c = &svc->internal->consumers[i];
    long long age = bus_consumer_age_ms(c->running);
    int n = snprintf(text + used, size - used,
                     "%sevent_feed_age_seconds{service=\"%s\",source=\"%s\"} %.3f\n",
                     i == 0 ? "# TYPE event_feed_age_seconds gauge\n" : "", svc->cfg.service,
                     c->source, age < 0 ? -1.0 : (double)age / 1000.0);
    if (n < 0) break;
    used += (size_t)n;
  }
}

static char *metrics_text(void *arg) {
  struct service *svc = arg;
  const char *name = svc->cfg.service;
  struct db_pool_stats st;
  long long pending = 0;
  double age = 0;
  char text[4096];
  PGconn *conn;
  db_pool_stats(svc->pool, &st);
  if (db_pool_acquire(svc->pool, &conn) == CS_OK) {
    bus_outbox_lag(conn, &pending, &age);
    db_pool_release(svc->pool, conn);
  }
  snprintf(text, sizeof(text),
           "# TYPE db_pool_connections gauge\n"
           "db_pool_connections{service=\"%s\"} %d\n"
           "# TYPE db_pool_in_use gauge\n"
           "db_pool_in_use{service=\"%s\"} %d\n"
           "# TYPE db_pool_checkout_timeouts_total counter\n"
           "db_pool_checkout_timeouts_total{service=\"%s\"} %ld\n"
           "# TYPE outbox_pending_events gauge\n"
           "outbox_pending_events{service=\"%s\"} %lld\n"
           "# TYPE outbox_oldest_pending_seconds gauge\n"
           "outbox_oldest_pending_seconds{service=\"%s\"} %.3f\n"
           "# TYPE http_requests_in_flight gauge\n"
           "http_requests_in_flight{service=\"%s\"} %d\n",
           name, st.size, name, st.in_use, name, st.timeouts_total, name, pending, name, age, name,
           http_server_in_flight(svc->internal->http));
  feed_ages(svc, text, sizeof(text));
  return strdup(text);
}

/* --- the event feed --------------------------------------------------------------------------- */

/* The catch-up feed of this service's events (service-to-service; never routed by the
 * gateway). */
static void handle_events_feed(struct request_ctx *ctx) {
  long long after, limit;
  if (paging_query_integer(ctx->req->map_url, "after", 0, 0, (long long)1 << 62, &after) != CS_OK ||
      paging_query_integer(ctx->req->map_url, "limit", 100, 1, 1000, &limit) != CS_OK) {
    http_problem(ctx->resp, PROBLEM_INVALID_PARAMETER,
                 "after must be a non-negative integer and limit between 1 and 1000");
    return;
  }
  PGconn *conn;
  json_t *items = NULL;
  long long purged = 0;
  if (service_db_acquire(ctx, &conn) != CS_OK) return;
  int rc = bus_feed_purged_through(conn, &purged);
  if (rc == CS_OK) rc = bus_feed_read(conn, ctx->svc->cfg.service, after, (int)limit, &items);
  service_db_release(ctx, conn);
  if (rc != CS_OK) {
    http_problem(ctx->resp, PROBLEM_INTERNAL, "the event feed could not be read");
    return;
  }
  size_t n = json_array_size(items);
  long long next =
      n > 0 ? json_integer_value(json_object_get(json_array_get(items, n - 1), "seq")) : after;
  /* purged_through first: read before the page, it holds for every gap the page shows */
  http_json(ctx->resp, 200,
            json_pack("{s:o, s:I, s:I}", "items", items, "next_after", (json_int_t)next,
                      "purged_through", (json_int_t)purged));
}

void service_builtin_routes(struct service *svc) {
  const struct http_probes probes = {health_members, ready, metrics_text, svc};
  http_server_probes(svc->internal->http, &probes);
  /* through the service's route table like any other, so a wrong method on them is a 405 */
  service_route_answer(svc, "GET", "/healthz", http_server_answer_healthz);
  service_route_answer(svc, "GET", "/readyz", http_server_answer_readyz);
  service_route_answer(svc, "GET", "/metrics", http_server_answer_metrics);
  service_route(svc, "GET", "/internal/events", handle_events_feed, ROUTE_SERVICE);
}
