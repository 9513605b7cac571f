/* The service skeleton: configuration, pool, migrations, relay, HTTP with a per-request
 * trampoline (request id, body limit, token check, metrics), health routes and shutdown. */
#include "service.h"

#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bus.h"
#include "db.h"
#include "http.h"
#include "jwt.h"
#include "log.h"
#include "metrics.h"
#include "migrate.h"
#include "refusal.h"
#include "routes.h"
#include "status.h"

#define SERVICE_MAX_ROUTES 128
#define SERVICE_MAX_HOOKS 8
#define REQUEST_ID_MAX 128

struct route {
  const char *method;
  const char *pattern;
  service_handler handler;
  int flags;
  int metric;
  struct service *svc;
};

struct service_internal {
  struct route routes[SERVICE_MAX_ROUTES];
  struct route_entry table[SERVICE_MAX_ROUTES]; /* the same, for 404/405 decisions */
  size_t nroutes;
  int fallback_metric;
  service_hook on_start[SERVICE_MAX_HOOKS], on_stop[SERVICE_MAX_HOOKS];
  int nstart, nstop;
  const char *migrations_label;
  const char *migrations_dir;
  struct _u_instance instance;
  struct bus_relay *relay;
  atomic_int in_flight;
};

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A client's request id is kept when it is short and plain; otherwise we make one. */
static void request_id(const struct _u_request *req, char out[REQUEST_ID_MAX + 1]) {
  const char *given = http_header(req, "X-Request-Id");
  size_t n = given ? strlen(given) : 0;
  if (n > 0 && n <= REQUEST_ID_MAX && strspn(given, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n) {
    memcpy(out, given, n + 1);
  } else {
    http_uuid_v4(out);
  }
}

/* 413 when the declared or received body is above the limit (ulfius truncates silently, so
 * its buffer is one byte larger than the limit and a full buffer means "too large"). */
static int body_too_large(const struct _u_request *req, long limit) {
  const char *cl = http_header(req, "Content-Length");
  if (cl != NULL && strtoll(cl, NULL, 10) > limit) return 1;
  return req->binary_body_length > (size_t)limit;
}

static int authenticate(struct service *svc, const struct _u_request *req,
                        struct _u_response *resp, json_t **claims) {
  const char *reason = NULL;
  const char *token = jwt_from_authorization(http_header(req, "Authorization"));
  if (token == NULL) {
    http_problem_full(resp, PROBLEM_UNAUTHENTICATED, "a bearer token is required", NULL, NULL);
  } else {
    int rc = jwt_verify(svc->jwks, token, claims, &reason);
    if (rc == CS_OK) return CS_OK;
    if (rc == CS_ERR_UNAVAILABLE) {
      http_problem_full(resp, PROBLEM_UNAVAILABLE, reason, NULL, NULL);
      return rc;
    }
    http_problem_full(resp, PROBLEM_INVALID_TOKEN, reason, NULL, NULL);
  }
  u_map_put(resp->map_header, "WWW-Authenticate", "Bearer");
  return CS_ERR_INVALID;
}

static int dispatch(const struct _u_request *req, struct _u_response *resp, void *user_data) {
  struct route *r = user_data;
  struct service *svc = r->svc;
  char rid[REQUEST_ID_MAX + 1];
  double t0 = now_seconds();
  json_t *claims = NULL;

  atomic_fetch_add(&svc->internal->in_flight, 1);
  request_id(req, rid);
  log_set_request_id(rid);
  db_clear_last_sqlstate();
  if (body_too_large(req, svc->cfg.max_body_bytes)) {
    char detail[96];
    snprintf(detail, sizeof(detail), "the body is larger than %ld bytes", svc->cfg.max_body_bytes);
    http_problem_full(resp, PROBLEM_BODY_TOO_LARGE, detail, NULL, NULL);
  } else if (r->handler == NULL) {
    /* the fallback route: nothing here with this path (404) or not with this method (405) */
    char allow[256];
    if (route_allowed_methods(svc->internal->table, svc->internal->nroutes, req->url_path, allow,
                              sizeof(allow)) > 0) {
      http_problem_full(resp, PROBLEM_METHOD_NOT_ALLOWED,
                        "this resource does not support the method", NULL, NULL);
      u_map_put(resp->map_header, "Allow", allow);
    } else {
      http_problem_full(resp, PROBLEM_NOT_FOUND, "no such resource", NULL, NULL);
    }
  } else if (!(r->flags & ROUTE_AUTHENTICATED) ||
             authenticate(svc, req, resp, &claims) == CS_OK) {
    struct request_ctx ctx = {req, resp, svc, claims};
    r->handler(&ctx);
  }
  u_map_put(resp->map_header, "X-Request-Id", rid);
  double elapsed = now_seconds() - t0;
  metrics_observe(svc->metrics, r->metric, (int)resp->status, elapsed);
  if (resp->status >= 500) {
    log_error("%s %s -> %ld (%.1f ms)", req->http_verb, req->url_path, resp->status,
              elapsed * 1e3);
  } else if (log_enabled(Y_LOG_LEVEL_DEBUG)) {
    log_debug("%s %s -> %ld (%.1f ms)", req->http_verb, req->url_path, resp->status,
              elapsed * 1e3);
  }
  json_decref(claims);
  log_set_request_id(NULL);
  atomic_fetch_sub(&svc->internal->in_flight, 1);
  return U_CALLBACK_COMPLETE;
}

int service_init(struct service *svc, const char *name, long default_port) {
  char err[256];
  memset(svc, 0, sizeof(*svc));
  signal(SIGPIPE, SIG_IGN);
  if (config_service_load(name, default_port, &svc->cfg, err, sizeof(err)) != CS_OK) {
    fprintf(stderr, "%s: configuration error: %s\n", name, err);
    return 2;
  }
  if (log_init(name, svc->cfg.log_level) != CS_OK) {
    fprintf(stderr, "%s: configuration error: LOG_LEVEL must be error, warning, info or debug\n",
            name);
    return 2;
  }
  svc->internal = calloc(1, sizeof(*svc->internal));
  if (svc->internal == NULL || metrics_new(name, &svc->metrics) != CS_OK) {
    fprintf(stderr, "%s: out of memory at start\n", name);
    return 1;
  }
  if (jwks_cache_new(svc->cfg.jwks_url, svc->cfg.jwks_cache_s, &svc->jwks) != CS_OK) {
    fprintf(stderr, "%s: configuration error: JWKS_URL must be an http(s) URL, got '%s'\n", name,
            svc->cfg.jwks_url);
    return 2;
  }
  return 0;
}

int service_route(struct service *svc, const char *method, const char *pattern,
                  service_handler handler, int flags) {
  struct service_internal *in = svc->internal;
  if (in->nroutes == SERVICE_MAX_ROUTES) return CS_ERR;
  struct route *r = &in->routes[in->nroutes];
  *r = (struct route){method, pattern, handler, flags, metrics_route(svc->metrics, method, pattern),
                      svc};
  in->table[in->nroutes] = (struct route_entry){method, pattern};
  in->nroutes++;
  return CS_OK;
}

void service_migrations(struct service *svc, const char *label, const char *relative_dir) {
  svc->internal->migrations_label = label;
  svc->internal->migrations_dir = relative_dir;
}

void service_on_start(struct service *svc, service_hook hook) {
  if (svc->internal->nstart < SERVICE_MAX_HOOKS) svc->internal->on_start[svc->internal->nstart++] = hook;
}

void service_on_stop(struct service *svc, service_hook hook) {
  if (svc->internal->nstop < SERVICE_MAX_HOOKS) svc->internal->on_stop[svc->internal->nstop++] = hook;
}

int service_db_acquire(struct request_ctx *ctx, PGconn **conn) {
  if (db_pool_acquire(ctx->svc->pool, conn) == CS_OK) return CS_OK;
  http_problem_full(ctx->resp, PROBLEM_UNAVAILABLE, "no database connection free; retry shortly",
                    NULL, NULL);
  u_map_put(ctx->resp->map_header, "Retry-After", "1");
  return CS_ERR_TIMEOUT;
}

void service_db_release(struct request_ctx *ctx, PGconn *conn) {
  /* A handler that answered an error mid-transaction (412, 422, ...) leaves it to us: undo it
   * here, quietly; the pool warns only about connections returned open by anyone else. */
  if (PQstatus(conn) == CONNECTION_OK && PQtransactionStatus(conn) != PQTRANS_IDLE) db_rollback(conn);
  db_pool_release(ctx->svc->pool, conn);
}

void service_db_problem(struct request_ctx *ctx, const char *sqlstate) {
  /* without one, the request's last failed statement says what went wrong */
  if ((sqlstate == NULL || sqlstate[0] == '\0') && db_last_sqlstate()[0] != '\0')
    sqlstate = db_last_sqlstate();
  enum problem_kind kind = db_sqlstate_problem(sqlstate);
  const char *detail;
  switch (kind) {
    case PROBLEM_CONFLICT: detail = "this conflicts with an existing resource"; break;
    case PROBLEM_VALIDATION:
      detail = "a value refers to something that does not exist or breaks a rule";
      break;
    case PROBLEM_UNAVAILABLE: detail = "the database is busy; retry shortly"; break;
    case PROBLEM_TIMEOUT: detail = "the database took too long to answer"; break;
    default: detail = "the request could not be completed"; break;
  }
  http_problem(ctx->resp, kind, detail);
}

void service_refusal_answer(struct request_ctx *ctx, const struct cs_refusal *r) {
  if (r->db_failure) {
    service_db_problem(ctx, r->sqlstate);
    return;
  }
  http_problem_full(ctx->resp, r->kind, r->detail,
                    r->errors != NULL ? json_incref(r->errors) : NULL, r->extra);
}

/* --- built-in routes ------------------------------------------------------------------ */

static void handle_healthz(struct request_ctx *ctx) {
  http_json(ctx->resp, 200, json_pack("{s:s, s:s}", "status", "ok", "service",
                                      ctx->svc->cfg.service));
}

static int redis_ping(struct service *svc) {
  /* one context per worker thread: hiredis contexts are not thread-safe */
  static __thread redisContext *rc;
  struct timeval tv = {0, 500000};
  for (int attempt = 0; attempt < 2; attempt++) {
    if (rc == NULL || rc->err) {
      if (rc != NULL) redisFree(rc);
      rc = redisConnectWithTimeout(svc->cfg.redis_host, (int)svc->cfg.redis_port, tv);
      if (rc == NULL || rc->err) continue;
      redisSetTimeout(rc, tv);
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

static void handle_readyz(struct request_ctx *ctx) {
  int db = database_ping(ctx->svc), redis = redis_ping(ctx->svc);
  if (db && redis) {
    http_json(ctx->resp, 200, json_pack("{s:s, s:{s:s, s:s}}", "status", "ready", "checks",
                                        "database", "ok", "redis", "ok"));
    return;
  }
  json_t *errors = json_array();
  if (!db) json_array_append_new(errors, json_pack("{s:s, s:s}", "field", "database", "message", "unreachable"));
  if (!redis) json_array_append_new(errors, json_pack("{s:s, s:s}", "field", "redis", "message", "unreachable"));
  http_problem_full(ctx->resp, PROBLEM_NOT_READY, "a dependency is unreachable", errors, NULL);
}

static void handle_metrics(struct request_ctx *ctx) {
  struct service *svc = ctx->svc;
  struct db_pool_stats st;
  long long pending = 0;
  double age = 0;
  char extra[1024];
  db_pool_stats(svc->pool, &st);
  PGconn *conn;
  if (db_pool_acquire(svc->pool, &conn) == CS_OK) {
    bus_outbox_lag(conn, &pending, &age);
    db_pool_release(svc->pool, conn);
  }
  snprintf(extra, sizeof(extra),
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
           svc->cfg.service, st.size, svc->cfg.service, st.in_use, svc->cfg.service,
           st.timeouts_total, svc->cfg.service, pending, svc->cfg.service, age, svc->cfg.service,
           atomic_load(&svc->internal->in_flight));
  char *text = metrics_render(svc->metrics, extra);
  if (text == NULL) {
    http_problem(ctx->resp, PROBLEM_INTERNAL, "metrics could not be rendered");
    return;
  }
  ulfius_set_string_body_response(ctx->resp, 200, text);
  u_map_put(ctx->resp->map_header, "Content-Type", "text/plain; version=0.0.4");
  free(text);
}

static int query_long(const struct _u_request *req, const char *name, long long def,
                      long long min, long long max, long long *out) {
  const char *v = u_map_get(req->map_url, name);
  if (v == NULL) {
    *out = def;
    return CS_OK;
  }
  char *end = NULL;
  long long n = strtoll(v, &end, 10);
  if (end == v || *end != '\0' || n < min || n > max) return CS_ERR_INVALID;
  *out = n;
  return CS_OK;
}

/* The catch-up feed of this service's events (service-to-service; never routed by the
 * gateway). */
static void handle_events_feed(struct request_ctx *ctx) {
  long long after, limit;
  if (query_long(ctx->req, "after", 0, 0, (long long)1 << 62, &after) != CS_OK ||
      query_long(ctx->req, "limit", 100, 1, 1000, &limit) != CS_OK) {
    http_problem_full(ctx->resp, PROBLEM_INVALID_PARAMETER,
                      "after must be a non-negative integer and limit between 1 and 1000",
                      NULL, NULL);
    return;
  }
  PGconn *conn;
  json_t *items = NULL;
  if (service_db_acquire(ctx, &conn) != CS_OK) return;
  int rc = bus_feed_read(conn, ctx->svc->cfg.service, after, (int)limit, &items);
  service_db_release(ctx, conn);
  if (rc != CS_OK) {
    http_problem(ctx->resp, PROBLEM_INTERNAL, "the event feed could not be read");
    return;
  }
  size_t n = json_array_size(items);
  long long next = n > 0 ? json_integer_value(json_object_get(json_array_get(items, n - 1), "seq"))
                         : after;
  http_json(ctx->resp, 200, json_pack("{s:o, s:I}", "items", items, "next_after", (json_int_t)next));
}

/* --- lifecycle -------------------------------------------------------------------------- */

static int open_pool(struct service *svc) {
  /* The database may come up after us (containers): retry for a while before giving up. */
  for (int attempt = 0; attempt < 30; attempt++) {
    if (db_pool_new(svc->cfg.database_url, (int)svc->cfg.db_pool_size,
                    svc->cfg.db_checkout_timeout_ms, svc->cfg.db_statement_timeout_ms,
                    &svc->pool) == CS_OK)
      return CS_OK;
    log_warning("database not reachable yet (attempt %d)", attempt + 1);
    sleep(1);
  }
  return CS_ERR_UNAVAILABLE;
}

static int run_migrations(struct service *svc) {
  char common_dir[4096], own_dir[4096];
  snprintf(common_dir, sizeof(common_dir), "%s/common/migrations", svc->cfg.migrations_dir);
  if (svc->internal->migrations_dir != NULL) {
    snprintf(own_dir, sizeof(own_dir), "%s/%s", svc->cfg.migrations_dir,
             svc->internal->migrations_dir);
  } else {
    snprintf(own_dir, sizeof(own_dir), "%s/services/%s/migrations", svc->cfg.migrations_dir,
             svc->cfg.service);
  }
  struct migration_dir dirs[] = {
      {"common", common_dir},
      {svc->internal->migrations_label ? svc->internal->migrations_label : svc->cfg.service,
       own_dir}};
  PGconn *conn;
  int applied = 0, rc;
  if ((rc = db_pool_acquire(svc->pool, &conn)) != CS_OK) return rc;
  rc = migrate_apply(conn, svc->cfg.service, dirs, 2, &applied);
  db_pool_release(svc->pool, conn);
  if (rc == CS_OK) log_info("schema %s up to date (%d migrations applied now)", svc->cfg.service, applied);
  return rc;
}

static int start_http(struct service *svc) {
  struct service_internal *in = svc->internal;
  static struct sockaddr_in addr;
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)svc->cfg.port);
  if (inet_pton(AF_INET, svc->cfg.bind_address, &addr.sin_addr) != 1) {
    log_error("BIND_ADDRESS '%s' is not an IPv4 address", svc->cfg.bind_address);
    return CS_ERR_INVALID;
  }
  if (ulfius_init_instance(&in->instance, (unsigned)svc->cfg.port, &addr, NULL) != U_OK)
    return CS_ERR;
  /* one byte above the limit, so a truncated body is recognisable as too large */
  in->instance.max_post_body_size = (size_t)svc->cfg.max_body_bytes + 1;
  in->instance.timeout = (unsigned)svc->cfg.http_timeout_s;
  for (size_t i = 0; i < in->nroutes; i++) {
    struct route *r = &in->routes[i];
    if (ulfius_add_endpoint_by_val(&in->instance, r->method, NULL, r->pattern, 0, dispatch, r) !=
        U_OK)
      return CS_ERR;
  }
  static struct route fallback;
  fallback = (struct route){"*", "*", NULL, 0, metrics_route(svc->metrics, "*", "(unmatched)"), svc};
  ulfius_set_default_endpoint(&in->instance, dispatch, &fallback);

  struct MHD_OptionItem ops[] = {
      {MHD_OPTION_THREAD_POOL_SIZE, svc->cfg.http_threads, NULL},
      {MHD_OPTION_CONNECTION_TIMEOUT, svc->cfg.http_timeout_s, NULL},
      {MHD_OPTION_CONNECTION_LIMIT, svc->cfg.http_max_connections, NULL},
      {MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_CONNECTION_MEMORY_BYTES, NULL},
      {MHD_OPTION_SOCK_ADDR, 0, &addr},
      {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)mhd_request_completed, NULL},
      {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)ulfius_uri_logger, NULL},
      {MHD_OPTION_END, 0, NULL}};
  if (ulfius_start_framework_with_mhd_options(
          &in->instance, MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG, ops) !=
      U_OK) {
    log_error("cannot listen on %s:%ld", svc->cfg.bind_address, svc->cfg.port);
    return CS_ERR;
  }
  return CS_OK;
}

/* Stops taking connections, lets requests in progress finish (up to 10 s), then stops. */
static void stop_http(struct service *svc) {
  struct service_internal *in = svc->internal;
  if (in->instance.mhd_daemon == NULL) return;
  MHD_quiesce_daemon(in->instance.mhd_daemon);
  for (int i = 0; i < 1000 && atomic_load(&in->in_flight) > 0; i++) usleep(10000);
  usleep(50000); /* let the last responses leave */
  ulfius_stop_framework(&in->instance);
}

int service_run(struct service *svc) {
  sigset_t sigs;
  int sig, code = 1;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  /* Blocked before any thread starts, so only sigwait below ever sees them. */
  pthread_sigmask(SIG_BLOCK, &sigs, NULL);

  service_route(svc, "GET", "/healthz", handle_healthz, ROUTE_PUBLIC);
  service_route(svc, "GET", "/readyz", handle_readyz, ROUTE_PUBLIC);
  service_route(svc, "GET", "/metrics", handle_metrics, ROUTE_PUBLIC);
  service_route(svc, "GET", "/internal/events", handle_events_feed, ROUTE_PUBLIC);

  if (open_pool(svc) != CS_OK) {
    log_error("database unreachable: giving up");
    goto done;
  }
  if (run_migrations(svc) != CS_OK) {
    log_error("migrations failed: not starting");
    goto done;
  }
  if (bus_relay_start(svc->cfg.service, svc->cfg.database_url, svc->cfg.redis_host,
                      (int)svc->cfg.redis_port, svc->cfg.relay_poll_ms,
                      &svc->internal->relay) != CS_OK) {
    log_error("outbox relay could not start");
    goto done;
  }
  for (int i = 0; i < svc->internal->nstart; i++) {
    if (svc->internal->on_start[i](svc) != CS_OK) {
      log_error("start hook %d failed", i);
      goto done;
    }
  }
  if (start_http(svc) != CS_OK) goto done;
  log_info("%s listening on %s:%ld (%ld threads, pool %ld)", svc->cfg.service,
           svc->cfg.bind_address, svc->cfg.port, svc->cfg.http_threads, svc->cfg.db_pool_size);

  sigwait(&sigs, &sig);
  log_info("signal %d: shutting down", sig);
  code = 0;
done:
  stop_http(svc);
  for (int i = 0; i < svc->internal->nstop; i++) svc->internal->on_stop[i](svc);
  bus_relay_stop(svc->internal->relay);
  svc->internal->relay = NULL;
  log_info("%s stopped", svc->cfg.service);
  return code;
}

void service_free(struct service *svc) {
  if (svc == NULL) return;
  if (svc->internal != NULL) ulfius_clean_instance(&svc->internal->instance);
  free(svc->internal);
  db_pool_free(svc->pool);
  metrics_free(svc->metrics);
  jwks_cache_free(svc->jwks);
  log_close();
  config_service_free(&svc->cfg);
  memset(svc, 0, sizeof(*svc));
}
