/* Configuration from environment variables. The only module that calls getenv, and only at
 * start: each process reads its settings once, in its main.c (or service_init), into a config
 * struct that is read-only afterwards. Resource files never read the environment. */
#ifndef CLAIMSUITE_CONFIG_H
#define CLAIMSUITE_CONFIG_H

#include <stddef.h>

/* All readers return CS_OK, or CS_ERR_INVALID with a message naming the variable in err. */

/* *out is a new string (free with free()); def may be NULL for "required". */
int config_str(const char *name, const char *def, char **out, char *err, size_t errlen);
int config_long(const char *name, long def, long min, long max, long *out, char *err, size_t errlen);
int config_bool(const char *name, int def, int *out, char *err, size_t errlen);
/* A secret from the variable name or from the file named by name_FILE (one of them; a file's
 * final newlines are not part of it, a NUL byte is refused), min to max bytes. Neither set:
 * CS_ERR_INVALID when required, else CS_OK with *out NULL. *out is new (config_secret_free). */
int config_secret(const char *name, int required, size_t min, size_t max, char **out, char *err,
                  size_t errlen);
void config_secret_free(char *secret); /* wipes it first; NULL-safe */

/* One producer this service follows: an item "source=url" of EVENT_FEEDS. */
#define CONFIG_MAX_FEEDS 16
struct config_feed {
  char *source; /* the producer's name, e.g. "policy" */
  char *url;    /* its base URL (http or https), where GET /internal/events is served */
};

/* What every service process reads at start. */
struct service_config {
  char *service;           /* "policy", "cases", ... (not from the environment) */
  char *bind_address;      /* BIND_ADDRESS */
  long port;               /* PORT */
  char *database_url;      /* DATABASE_URL, libpq conninfo or URI */
  long db_pool_size;       /* DB_POOL_SIZE */
  long db_statement_timeout_ms; /* DB_STATEMENT_TIMEOUT_MS */
  long db_checkout_timeout_ms;  /* DB_CHECKOUT_TIMEOUT_MS */
  char *redis_host;        /* REDIS_HOST */
  long redis_port;         /* REDIS_PORT */
  char *redis_user;        /* REDIS_USER ("claimsuite"): the services' ACL user */
  char *redis_password;    /* REDIS_PASSWORD or REDIS_PASSWORD_FILE (required) */
  char *service_secret;    /* SERVICE_SECRET or SERVICE_SECRET_FILE (required, service_auth.h) */
  long http_threads;       /* HTTP_THREADS, defaults to the pool size */
  long http_timeout_s;     /* HTTP_TIMEOUT_SECONDS: idle connection timeout */
  long http_max_connections; /* HTTP_MAX_CONNECTIONS */
  long max_body_bytes;     /* HTTP_MAX_BODY_BYTES */
  char *jwks_url;          /* JWKS_URL: the policy service's key set */
  long jwks_cache_s;       /* JWKS_CACHE_SECONDS */
  char *log_level;         /* LOG_LEVEL: error, warning, info, debug */
  char *migrations_dir;    /* MIGRATIONS_DIR: root holding common/ and services/<name>/ migrations */
  char *event_feeds;       /* EVENT_FEEDS: "source=http://host:port,..." producers this service follows */
  struct config_feed feeds[CONFIG_MAX_FEEDS]; /* event_feeds, parsed */
  int nfeeds;
  long relay_poll_ms; /* OUTBOX_POLL_MS: how often the relay looks for new outbox rows */
  long outbox_retention_s;      /* OUTBOX_RETENTION_SECONDS (7 days): published events kept */
  long idempotency_retention_s; /* IDEMPOTENCY_RETENTION_SECONDS (24 h): stored answers kept */
  long retention_check_s;       /* RETENTION_CHECK_SECONDS (300): how often they are purged */
};

int config_service_load(const char *service, long default_port, struct service_config *out,
                        char *err, size_t errlen);
void config_service_free(struct service_config *c); /* NULL-safe */

/* The feed URL of source in EVENT_FEEDS (borrowed from c), or NULL when it names no such
 * source. */
const char *config_feed_url(const struct service_config *c, const char *source);

/* Parses EVENT_FEEDS ("source=url,source=url"; spaces around items ignored, empty items skipped)
 * into c->feeds, replacing what was there. CS_ERR_INVALID with a message naming EVENT_FEEDS in
 * err for an item that is not source=http(s)://..., a source named twice, or too many items. */
int config_feeds_parse(const char *spec, struct service_config *c, char *err, size_t errlen);

/* A variable of this process's environment, or def (borrowed). For a main.c reading its
 * process's own settings at start; nothing else calls it. */
const char *config_env(const char *name, const char *def);

#endif
