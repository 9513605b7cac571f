/* The skeleton every service binary is built on. The HTTP server core (http_server.h) gives
 * request ids, the body limit, the token check, metrics, health answers, signals and draining;
 * this adds what a service has beyond it: configuration, the route table (404/405), the
 * database pool, migrations, the outbox relay, event consumers, the /internal/events feed, and
 * the helpers handlers use. */
#ifndef CLAIMSUITE_SERVICE_H
#define CLAIMSUITE_SERVICE_H

#include <jansson.h>
#include <libpq-fe.h>
#include <ulfius.h>

#include "bus.h"
#include "config.h"

struct service;
struct db_pool;
struct metrics;
struct jwks_cache;

/* What a handler gets for one request. */
struct request_ctx {
  const struct _u_request *req;
  struct _u_response *resp;
  struct service *svc;
  const json_t *claims; /* verified JWT payload on authenticated routes, else NULL */
  const char *caller;   /* the calling service on ROUTE_SERVICE routes, else NULL */
  const void *route_arg; /* what the route was registered with (service_route_arg), or NULL */
};

/* Writes the response; the return value is ignored (status comes from the response). */
typedef void (*service_handler)(struct request_ctx *ctx);

enum service_route_flags {
  ROUTE_PUBLIC = 0,        /* no token needed (health, login) */
  ROUTE_AUTHENTICATED = 1, /* a valid bearer token is required */
  ROUTE_SERVICE = 2, /* /internal/...: only another service of the deployment (service_auth.h) */
  ROUTE_UPLOAD = 4   /* takes multipart files (service_uploads): the body limit is the files' */
};

struct service {
  struct service_config cfg;
  struct db_pool *pool;
  struct metrics *metrics; /* the HTTP server's (borrowed) */
  struct jwks_cache *jwks; /* tokens are verified against this; may be replaced before run */
  struct service_auth *auth; /* what this service proves to others and checks of them */
  struct bus_redis redis;    /* the bus's Redis, from cfg */
  struct bus_retention retention; /* from cfg */
  void *app; /* the service's own state */
  struct service_internal *internal; /* routes, hooks, HTTP instance: service.c only */
};

/* Loads configuration and logging, prepares the HTTP server. On error prints the reason and
 * returns non-zero (2 for a configuration error). */
int service_init(struct service *svc, const char *name, long default_port);

/* Streams the files of the upload routes (ROUTE_UPLOAD; accepts says which paths) to store, at
 * most max_file_bytes each (http_upload.h; the handler takes them with http_upload_take). Before
 * the service runs. */
struct blob_store;
void service_uploads(struct service *svc, struct blob_store *store, long long max_file_bytes,
                     int (*accepts)(const char *url_path));

/* Who may send files to service_uploads' HTTP_UPLOAD_OWN paths (http_upload.h): ok answers
 * from the request's own credential before any byte is written. After service_uploads. */
void service_uploads_own_credential(struct service *svc,
                                    int (*ok)(const struct _u_request *request, void *arg),
                                    void *arg);

/* Registers a route (ulfius pattern). The pattern string must outlive the service. */
int service_route(struct service *svc, const char *method, const char *pattern,
                  service_handler handler, int flags);
/* The same, with arg (borrowed, must outlive the service) handed to the handler as
 * ctx->route_arg: one handler serves a table of routes without matching paths again. */
int service_route_arg(struct service *svc, const char *method, const char *pattern,
                      service_handler handler, int flags, const void *arg);

/* One route of a resource's table. */
struct service_route_def {
  const char *method, *pattern; /* static strings */
  service_handler handler;
  int flags; /* enum service_route_flags */
};
#define SERVICE_ROUTES_COUNT(t) (sizeof(t) / sizeof((t)[0]))
/* Registers route, with arg as ctx->route_arg (may be NULL). At start only: a route that cannot
 * be registered is logged, naming what (the resource), and ends the process, since a service
 * without one of its routes would answer 404 where it should work. */
void service_route_or_exit(struct service *svc, const struct service_route_def *route,
                           const void *arg, const char *what);
/* service_route_or_exit for each of the n routes of table (static), without arg. */
void service_routes(struct service *svc, const struct service_route_def *table, size_t n,
                    const char *what);

/* Opens the pool, applies migrations, starts relay, start hooks, consumers and HTTP, waits for
 * SIGTERM/SIGINT, then stops accepting, finishes in-flight requests and closes everything.
 * Returns the exit code. */
int service_run(struct service *svc);

/* The service's own migrations, relative to MIGRATIONS_DIR; default "services/<name>/migrations".
 * The platform migrations (common/migrations) are always applied first. */
void service_migrations(struct service *svc, const char *label, const char *relative_dir);
/* One more set of migrations (relative to MIGRATIONS_DIR) applied after the service's own, into
 * the same schema: what a shared module keeps in each service that uses it (the authority
 * replica). label names them in the migration log. At most 4; call before service_run. */
void service_migrations_more(struct service *svc, const char *label, const char *relative_dir);

/* Hooks run after the database is ready and before shutdown (consumers, background work). */
typedef int (*service_hook)(struct service *svc);
void service_on_start(struct service *svc, service_hook hook);
void service_on_stop(struct service *svc, service_hook hook);

/* Event consumers. A service's consumers live in services/<name>/events_<source>.c, one file per
 * producer it follows; each exposes one function, `<name>_events_<source>(struct service *)`,
 * called from main.c, that calls service_consume. Registers a consumer of source's events
 * (common/bus.h: exactly once, in order, offset in the same transaction as apply) with the
 * service's lifecycle: started by service_run once the database is ready and after the start
 * hooks, stopped before the stop hooks and before the pool closes. The producer's feed URL
 * comes from EVENT_FEEDS ("source=url,..."). apply runs on the consumer's thread; committed
 * (may be NULL) after each applied event's commit; arg is passed to both. Call before
 * service_run; source must outlive the service. CS_OK, CS_ERR_NOT_FOUND (logged) when
 * EVENT_FEEDS names no feed for source, CS_ERR when too many are registered. */
int service_consume(struct service *svc, const char *source, bus_apply_fn apply,
                    bus_committed_fn committed, void *arg);
/* The service is ready (/readyz) only while what it applied of source is at most max_age_ms old
 * (bus_consumer_age_ms): a service deciding from another's facts must not take traffic with
 * stale ones. Every consumer's age is in /metrics (event_feed_age_seconds). */
void service_feed_bound(struct service *svc, const char *source, long long max_age_ms);
/* bus_consumer_age_ms of source's consumer: -1 before it is current the first time or when
 * there is no such consumer. Any thread. */
long long service_feed_age_ms(struct service *svc, const char *source);

void service_free(struct service *svc);

/* The whole life of a service process, for main(): service_init, then wire (the service's own
 * settings, routes, consumers, stop hooks; NULL for none; a non-zero return is the exit code),
 * service_run, service_free. Returns the exit code. */
int service_main(const char *name, long default_port, int (*wire)(struct service *svc));

/* Helpers for handlers. */
/* Borrows a pooled connection or answers 503 and returns non-zero. */
int service_db_acquire(struct request_ctx *ctx, PGconn **conn);
/* Gives the connection back, rolling back a transaction the handler did not finish. */
void service_db_release(struct request_ctx *ctx, PGconn *conn);
/* Answers a database failure with the status its SQLSTATE maps to (problem+json). */
void service_db_problem(struct request_ctx *ctx, const char *sqlstate);

/* Answers a domain call's refusal as problem+json (a database failure by its SQLSTATE; the
 * refusal's extra members are added to the problem). */
struct cs_refusal;
void service_refusal_answer(struct request_ctx *ctx, const struct cs_refusal *r);

/* Idempotency-Key of a create, inside conn's open transaction (the key is stored exactly when
 * the create commits). begin: CS_OK to go on (*key is the header, borrowed, or NULL without
 * one); otherwise the request has been answered (bad key 400, replay of the stored answer,
 * the key used for another request 422, database failure). scope names whose keys these are. */
int service_idem_begin(struct request_ctx *ctx, PGconn *conn, const char *scope,
                       const char *path, const char **key);
/* Stores the answer of the create under key (body borrowed, may be NULL; location may be
 * NULL). CS_OK, or a database failure answered. */
int service_idem_record(struct request_ctx *ctx, PGconn *conn, const char *scope,
                        const char *key, int status, const json_t *body, const char *location);

#endif
