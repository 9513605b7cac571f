/* The skeleton every service binary is built on: config, logging, pool, migrations, outbox
 * relay, HTTP server with request ids, body limit, JWT check, metrics, health, and a clean
 * shutdown on SIGTERM/SIGINT. */
#ifndef CLAIMSUITE_SERVICE_H
#define CLAIMSUITE_SERVICE_H

#include <jansson.h>
#include <libpq-fe.h>
#include <ulfius.h>

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
};

/* Writes the response; the return value is ignored (status comes from the response). */
typedef void (*service_handler)(struct request_ctx *ctx);

enum service_route_flags {
  ROUTE_PUBLIC = 0,       /* no token needed (health, login) */
  ROUTE_AUTHENTICATED = 1 /* a valid bearer token is required */
};

struct service {
  struct service_config cfg;
  struct db_pool *pool;
  struct metrics *metrics;
  struct jwks_cache *jwks;
  void *app; /* the service's own state */
  struct service_internal *internal; /* routes, hooks, HTTP instance: service.c only */
};

/* Loads configuration and logging. On error prints the reason and returns non-zero. */
int service_init(struct service *svc, const char *name, long default_port);

/* Registers a route (ulfius pattern). The pattern string must outlive the service. */
int service_route(struct service *svc, const char *method, const char *pattern,
                  service_handler handler, int flags);

/* Opens the pool, applies migrations, starts relay and HTTP, waits for SIGTERM/SIGINT, then
 * stops accepting, finishes in-flight requests and closes everything. Returns the exit code. */
int service_run(struct service *svc);

/* The service's own migrations, relative to MIGRATIONS_DIR; default "services/<name>/migrations".
 * The platform migrations (common/migrations) are always applied first. */
void service_migrations(struct service *svc, const char *label, const char *relative_dir);

/* Hooks run after the database is ready and before shutdown (consumers, background work). */
typedef int (*service_hook)(struct service *svc);
void service_on_start(struct service *svc, service_hook hook);
void service_on_stop(struct service *svc, service_hook hook);

void service_free(struct service *svc);

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
