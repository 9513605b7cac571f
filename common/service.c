/* The service skeleton: configuration, the route table, pool, migrations, relay, consumers and
 * the lifecycle around the HTTP server core. Health, readiness, metrics and the event feed are
 * in service_builtin.c, the handlers' database helpers in service_db.c. */
#include "service.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus.h"
#include "db.h"
#include "http.h"
#include "http_server.h"
#include "jwt.h"
#include "log.h"
#include "metrics.h"
#include "migrate.h"
#include "service_auth.h"
#include "token_memo.h"
#include "routes.h"
#include "service_internal.h"
#include "status.h"

/* --- requests ----------------------------------------------------------------------------------
 */

/* The core's handler for every route of the service; the core has already set the request id
 * and checked the body size. */
/* Only another service of this deployment, with a service token for this one: its name into
 * caller. Anything else is answered 401 here. */
static int service_caller(struct service *svc, struct http_exchange *x, char *caller) {
  const char *reason = NULL;
  const char *authz = u_map_get_case(x->req->map_header, "Authorization");
  if (service_auth_check(svc->auth, authz, caller, &reason) == CS_OK) {
    http_exchange_note_caller(x, NULL, caller); /* the access line names the calling service */
    return CS_OK;
  }
  http_problem(x->resp, PROBLEM_UNAUTHENTICATED, reason);
  u_map_put(x->resp->map_header, "WWW-Authenticate", "Bearer realm=\"claimsuite-services\"");
  return CS_ERR_INVALID;
}

/* A dependency that is down is an outage, never our error: whatever a handler made of a
 * database that could not be reached (a 500), the caller gets 503 with Retry-After. */
static void outage_is_503(struct http_exchange *x) {
  if (x->resp->status == 500 && db_sqlstate_problem(db_last_sqlstate()) == PROBLEM_UNAVAILABLE)
    http_problem(x->resp, PROBLEM_UNAVAILABLE, "the database cannot be reached; retry shortly");
}

static void route_handler(struct http_exchange *x, void *arg) {
  struct service_route_entry *r = arg;
  struct service *svc = r->svc;
  db_clear_last_sqlstate();
  if (r->answer != NULL) {
    r->answer(x);
  } else if (r->handler == NULL) {
    /* the fallback route: nothing here with this path (404) or not with this method (405) */
    char allow[256];
    if (route_allowed_methods(svc->internal->table, svc->internal->nroutes, x->req->url_path, allow,
                              sizeof(allow)) > 0) {
      http_problem(x->resp, PROBLEM_METHOD_NOT_ALLOWED,
                   "this resource does not support the method");
      u_map_put(x->resp->map_header, "Allow", allow);
    } else {
      http_problem(x->resp, PROBLEM_NOT_FOUND, "no such resource");
    }
  } else {
    json_t *claims = NULL;
    char caller[SERVICE_NAME_MAX] = "";
    if (r->flags & ROUTE_SERVICE) {
      if (service_caller(svc, x, caller) != CS_OK) return;
    } else if ((r->flags & ROUTE_AUTHENTICATED) && http_server_authenticate(x, &claims) != CS_OK) {
      return;
    }
    struct request_ctx ctx = {x->req, x->resp, svc, claims, caller[0] ? caller : NULL, r->arg};
    r->handler(&ctx);
    json_decref(claims);
    outage_is_503(x);
  }
}

static int add_route(struct service *svc, const char *method, const char *pattern,
                     service_handler handler, service_answer answer, int flags, const void *arg) {
  struct service_internal *in = svc->internal;
  if (in->nroutes == SERVICE_MAX_ROUTES) return CS_ERR;
  struct service_route_entry *r = &in->routes[in->nroutes];
  *r = (struct service_route_entry){method, pattern, handler, answer, flags, svc, arg};
  /* an upload's body is its files: they are limited one by one while they stream */
  int check = (flags & ROUTE_UPLOAD) ? 0 : HTTP_ENDPOINT_CHECK_BODY;
  if (http_server_endpoint(in->http, method, pattern, route_handler, r, check) != CS_OK)
    return CS_ERR;
  in->table[in->nroutes] = (struct route_entry){method, pattern};
  in->nroutes++;
  return CS_OK;
}

void service_uploads(struct service *svc, struct blob_store *store, long long max_file_bytes,
                     int (*accepts)(const char *url_path)) {
  struct service_internal *in = svc->internal;
  in->uploads = (struct http_uploads){store, max_file_bytes, accepts, NULL, NULL, NULL, NULL};
  http_server_uploads(in->http, &in->uploads);
}

void service_uploads_own_credential(struct service *svc,
                                    int (*ok)(const struct _u_request *request, void *arg),
                                    void *arg) {
  svc->internal->uploads.own_ok = ok;
  svc->internal->uploads.own_arg = arg;
}

int service_route(struct service *svc, const char *method, const char *pattern,
                  service_handler handler, int flags) {
  return add_route(svc, method, pattern, handler, NULL, flags, NULL);
}

int service_route_arg(struct service *svc, const char *method, const char *pattern,
                      service_handler handler, int flags, const void *arg) {
  return add_route(svc, method, pattern, handler, NULL, flags, arg);
}

void service_route_or_exit(struct service *svc, const struct service_route_def *route,
                           const void *arg, const char *what) {
  if (service_route_arg(svc, route->method, route->pattern, route->handler, route->flags, arg) ==
      CS_OK)
    return;
  log_error("cannot register the routes of %s (%s %s)", what, route->method, route->pattern);
  exit(1);
}

void service_routes(struct service *svc, const struct service_route_def *table, size_t n,
                    const char *what) {
  for (size_t i = 0; i < n; i++) service_route_or_exit(svc, &table[i], NULL, what);
}

int service_route_answer(struct service *svc, const char *method, const char *pattern,
                         service_answer answer) {
  return add_route(svc, method, pattern, NULL, answer, ROUTE_PUBLIC, NULL);
}

/* --- registration ------------------------------------------------------------------------------
 */

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
  if (svc->internal == NULL) {
    fprintf(stderr, "%s: out of memory at start\n", name);
    return 1;
  }
  const struct http_server_settings http = {
      .name = name,
      .bind_address = svc->cfg.bind_address,
      .port = svc->cfg.port,
      .threads = svc->cfg.http_threads,
      .timeout_s = svc->cfg.http_timeout_s,
      .max_connections = svc->cfg.http_max_connections,
      .max_body_bytes = svc->cfg.max_body_bytes,
  };
  if (http_server_new(&http, &svc->internal->http, err, sizeof(err)) != CS_OK) {
    fprintf(stderr, "%s: configuration error: %s\n", name, err);
    return 2;
  }
  svc->metrics = http_server_metrics(svc->internal->http);
  if (service_auth_new(name, svc->cfg.service_secret, strlen(svc->cfg.service_secret),
                       &svc->auth) != CS_OK) {
    fprintf(stderr, "%s: configuration error: the service secret cannot be used\n", name);
    return 2;
  }
  svc->redis = (struct bus_redis){svc->cfg.redis_host, (int)svc->cfg.redis_port,
                                  svc->cfg.redis_user, svc->cfg.redis_password};
  svc->retention = (struct bus_retention){
      svc->cfg.outbox_retention_s, svc->cfg.idempotency_retention_s, svc->cfg.retention_check_s};
  if (jwks_cache_new(svc->cfg.jwks_url, svc->cfg.jwks_cache_s, &svc->jwks) != CS_OK) {
    fprintf(stderr, "%s: configuration error: JWKS_URL must be an http(s) URL, got '%s'\n", name,
            svc->cfg.jwks_url);
    return 2;
  }
  return 0;
}

void service_migrations(struct service *svc, const char *label, const char *relative_dir) {
  svc->internal->migrations_label = label;
  svc->internal->migrations_dir = relative_dir;
}

void service_on_start(struct service *svc, service_hook hook) {
  if (svc->internal->nstart < SERVICE_MAX_HOOKS)
    svc->internal->on_start[svc->internal->nstart++] = hook;
}

void service_on_stop(struct service *svc, service_hook hook) {
  if (svc->internal->nstop < SERVICE_MAX_HOOKS)
    svc->internal->on_stop[svc->internal->nstop++] = hook;
}

void service_migrations_more(struct service *svc, const char *label, const char *relative_dir) {
  struct service_internal *in = svc->internal;
  if (in->nextra_migrations == SERVICE_MAX_MIGRATION_DIRS) return;
  in->extra_migrations[in->nextra_migrations].label = label;
  in->extra_migrations[in->nextra_migrations++].dir = relative_dir;
}

static struct service_consumer *consumer_of(struct service *svc, const char *source) {
  for (int i = 0; i < svc->internal->nconsumers; i++)
    if (!strcmp(svc->internal->consumers[i].source, source)) return &svc->internal->consumers[i];
  return NULL;
}

void service_feed_bound(struct service *svc, const char *source, long long max_age_ms) {
  struct service_consumer *c = consumer_of(svc, source);
  if (c != NULL) c->max_age_ms = max_age_ms;
}

long long service_feed_age_ms(struct service *svc, const char *source) {
  struct service_consumer *c = consumer_of(svc, source);
  return c != NULL ? bus_consumer_age_ms(c->running) : -1;
}

int service_consume(struct service *svc, const char *source, bus_apply_fn apply,
                    bus_committed_fn committed, void *arg) {
  struct service_internal *in = svc->internal;
  if (config_feed_url(&svc->cfg, source) == NULL) {
    log_error("EVENT_FEEDS names no feed for source %s: its consumer cannot start", source);
    return CS_ERR_NOT_FOUND;
  }
  if (in->nconsumers == SERVICE_MAX_CONSUMERS || apply == NULL) return CS_ERR;
  in->consumers[in->nconsumers++] =
      (struct service_consumer){source, apply, committed, arg, 0, NULL};
  return CS_OK;
}

/* --- lifecycle ---------------------------------------------------------------------------------
 */

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
  struct service_internal *in = svc->internal;
  char common_dir[4096], own_dir[4096], extra[SERVICE_MAX_MIGRATION_DIRS][4096];
  snprintf(common_dir, sizeof(common_dir), "%s/common/migrations", svc->cfg.migrations_dir);
  if (svc->internal->migrations_dir != NULL) {
    snprintf(own_dir, sizeof(own_dir), "%s/%s", svc->cfg.migrations_dir,
             svc->internal->migrations_dir);
  } else {
    snprintf(own_dir, sizeof(own_dir), "%s/services/%s/migrations", svc->cfg.migrations_dir,
             svc->cfg.service);
  }
  struct migration_dir dirs[2 + SERVICE_MAX_MIGRATION_DIRS] = {
      {"common", common_dir},
      {svc->internal->migrations_label ? svc->internal->migrations_label : svc->cfg.service,
       own_dir}};
  int ndirs = 2;
  for (int i = 0; i < in->nextra_migrations; i++, ndirs++) {
    snprintf(extra[i], sizeof(extra[i]), "%s/%s", svc->cfg.migrations_dir,
             in->extra_migrations[i].dir);
    dirs[ndirs] = (struct migration_dir){in->extra_migrations[i].label, extra[i]};
  }
  PGconn *conn;
  int applied = 0, rc;
  if ((rc = db_pool_acquire(svc->pool, &conn)) != CS_OK) return rc;
  rc = migrate_apply(conn, svc->cfg.service, dirs, ndirs, &applied);
  db_pool_release(svc->pool, conn);
  if (rc == CS_OK)
    log_info("schema %s up to date (%d migrations applied now)", svc->cfg.service, applied);
  return rc;
}

static int consumers_start(struct service *svc) {
  struct service_internal *in = svc->internal;
  for (int i = 0; i < in->nconsumers; i++) {
    struct service_consumer *c = &in->consumers[i];
    if (bus_consumer_start(svc->pool, c->source, config_feed_url(&svc->cfg, c->source), &svc->redis,
                           svc->auth, c->apply, c->committed, c->arg, &c->running) != CS_OK) {
      log_error("the consumer of %s could not start", c->source);
      return CS_ERR;
    }
  }
  return CS_OK;
}

static void consumers_stop(struct service *svc) {
  struct service_internal *in = svc->internal;
  for (int i = in->nconsumers - 1; i >= 0; i--) {
    bus_consumer_stop(in->consumers[i].running);
    in->consumers[i].running = NULL;
  }
}

/* Verified tokens and their claims are remembered per thread (token_memo.h): the signature
 * check is most of the CPU of a read answered from the replica and the cache. */
static const struct http_token_memo token_memo = {token_memo_hit, token_memo_put};

int service_run(struct service *svc) {
  struct service_internal *in = svc->internal;
  int code = 1;
  /* before any thread starts, so only the wait below ever sees SIGTERM/SIGINT */
  http_server_signals_block();

  service_builtin_routes(svc);
  in->fallback = (struct service_route_entry){"*", "*", NULL, NULL, 0, svc, NULL};
  if (http_server_default_endpoint(in->http, "*", "(unmatched)", route_handler, &in->fallback,
                                   HTTP_ENDPOINT_CHECK_BODY) != CS_OK)
    goto done;
  /* svc->jwks is final now (the policy service verifies against its own key set) */
  http_server_auth(in->http, svc->jwks, &token_memo);

  if (open_pool(svc) != CS_OK) {
    log_error("database unreachable: giving up");
    goto done;
  }
  if (run_migrations(svc) != CS_OK) {
    log_error("migrations failed: not starting");
    goto done;
  }
  if (bus_relay_start(svc->cfg.service, svc->cfg.database_url, &svc->redis, svc->auth,
                      &svc->retention, svc->cfg.relay_poll_ms, &in->relay) != CS_OK) {
    log_error("outbox relay could not start");
    goto done;
  }
  for (int i = 0; i < in->nstart; i++) {
    if (in->on_start[i](svc) != CS_OK) {
      log_error("start hook %d failed", i);
      goto done;
    }
  }
  if (consumers_start(svc) != CS_OK) goto done;
  if (http_server_start(in->http) != CS_OK) goto done;
  log_info("%s listening on %s:%ld (%ld threads, pool %ld)", svc->cfg.service,
           svc->cfg.bind_address, svc->cfg.port, svc->cfg.http_threads, svc->cfg.db_pool_size);

  http_server_signals_wait();
  code = 0;
done:
  http_server_stop(in->http);
  consumers_stop(svc);
  for (int i = 0; i < in->nstop; i++) in->on_stop[i](svc);
  bus_relay_stop(in->relay);
  in->relay = NULL;
  log_info("%s stopped", svc->cfg.service);
  return code;
}

void service_free(struct service *svc) {
  if (svc == NULL) return;
  if (svc->internal != NULL) http_server_free(svc->internal->http);
  free(svc->internal);
  db_pool_free(svc->pool);
  jwks_cache_free(svc->jwks);
  service_auth_free(svc->auth);
  log_close();
  config_service_free(&svc->cfg);
  memset(svc, 0, sizeof(*svc));
}

int service_main(const char *name, long default_port, int (*wire)(struct service *svc)) {
  struct service svc;
  int code = service_init(&svc, name, default_port);
  if (code == 0 && wire != NULL) code = wire(&svc);
  if (code == 0) code = service_run(&svc);
  service_free(&svc);
  return code;
}
