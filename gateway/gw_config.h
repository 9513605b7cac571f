/* The gateway's configuration, read once from the environment (through common/config.h) at
 * start and read-only afterwards. */
#ifndef CLAIMSUITE_GATEWAY_CONFIG_H
#define CLAIMSUITE_GATEWAY_CONFIG_H

#include <stddef.h>

#include "cors.h"
#include "routes_table.h"

struct gw_config {
  char *bind_address;       /* BIND_ADDRESS (0.0.0.0), IPv4 or IPv6 literal (checked by
                             * the HTTP server core: http_server_new) */
  long port;                /* PORT (8080) */
  long admin_port;          /* ADMIN_PORT (0: none): health details and metrics */
  char *admin_bind_address; /* ADMIN_BIND_ADDRESS (127.0.0.1) */
  char *log_level;          /* LOG_LEVEL (info) */
  char *jwks_url;           /* JWKS_URL */
  long jwks_cache_s;        /* JWKS_CACHE_SECONDS (300) */
  long connect_timeout_ms;  /* UPSTREAM_CONNECT_TIMEOUT_MS (2000) */
  long timeout_ms;          /* UPSTREAM_TIMEOUT_MS (30000) */
  long max_response_bytes;  /* UPSTREAM_MAX_RESPONSE_BYTES (64 MiB): bigger answers held in
                             * memory → 502 (streamed ones are not held) */
  long stream_over_bytes;   /* UPSTREAM_STREAM_OVER_BYTES (256 KiB): an answer whose
                             * Content-Length is above it is streamed to the client */
  long health_interval_ms;  /* UPSTREAM_HEALTH_INTERVAL_MS (2000) */
  long health_timeout_ms;   /* UPSTREAM_HEALTH_TIMEOUT_MS (500) */
  long max_body_bytes;      /* HTTP_MAX_BODY_BYTES (32 MiB): bigger requests → 413 (but for
                             * uploads: their files are spooled, see below) */
  char *spool_dir;          /* GATEWAY_SPOOL_DIR (/tmp/claimsuite-gateway-spool): where the
                             * files of multipart uploads wait while they are forwarded */
  long max_file_bytes;      /* UPLOAD_MAX_FILE_BYTES (30 MiB): a bigger uploaded file → 413 */
  long upstream_max_connections;    /* UPSTREAM_MAX_CONNECTIONS (128): open to one upstream at once
                                     * (every client connection has a thread of its own) */
  long http_timeout_s;              /* HTTP_TIMEOUT_SECONDS (60): idle client connections */
  long max_connections;             /* HTTP_MAX_CONNECTIONS (4096) */
  long max_connections_per_address; /* HTTP_MAX_CONNECTIONS_PER_ADDRESS (64) */
  long head_timeout_s;              /* HTTP_HEAD_TIMEOUT_SECONDS (10): a request head's deadline */
  char *openapi_dir;                /* OPENAPI_DIR (.): root holding services/<name>/openapi.yaml */
  char *upstream_url[GW_UP_COUNT];  /* UPSTREAM_POLICY ... UPSTREAM_ORDERS: http:// only (the
                                     * gateway's own HTTP/1.1 client), no trailing '/' */
  struct gw_routes routes;          /* GATEWAY_ROUTES or the built-in table */
  struct gw_prefixes public_paths;  /* GATEWAY_PUBLIC_PATHS or the defaults */
  /* Cross-origin callers (cors.h). CORS_ALLOWED_ORIGINS (empty): origins every caller may use,
   * comma-separated ("https://app.example,http://localhost:5173"); CORS_PORTAL_ORIGINS (empty):
   * a portal's own front ends, for callers whose token names that portal
   * ("portal-a=https://a.example|https://b.example;portal-b=https://c.example"). Both empty:
   * CORS is off. CORS_MAX_AGE_SECONDS (600): how long a browser may keep a preflight's answer.
   * CORS_ALLOW_CREDENTIALS (false): true sends Access-Control-Allow-Credentials (only needed
   * for cookies; bearer tokens need no credentials mode). */
  struct gw_cors cors;
  /* COMPRESS_MIN_BYTES (1024): answers of at least this many bytes are compressed (gzip or br,
   * as the client accepts: compress.h); 0 turns compression off. */
  long compress_min_bytes;
  /* Rate limits (http_limits.h), requests per minute per caller, 0: off.
   * RATE_LIMIT_PER_MINUTE (600): a user, by the token's subject;
   * RATE_LIMIT_CLIENT_PER_MINUTE (1200): an API client (or the platform operator);
   * RATE_LIMIT_ADDRESS_PER_MINUTE (600): requests on public paths (no token: login, the customer
   * page), per client address. RATE_LIMIT_BURST (0): how many requests may come back to back
   * (the bucket's size); 0 means a whole minute's worth. */
  long rate_limit_user;
  long rate_limit_client;
  long rate_limit_address;
  long rate_limit_burst;
  /* Where the buckets live (rate_limit_redis.h). REDIS_HOST (empty: none): with it, every
   * replica charges the same buckets in that Redis, so N replicas allow the limit once, not N
   * times; without it each replica counts alone. REDIS_PORT (6379), REDIS_USER (claimsuite),
   * REDIS_PASSWORD or REDIS_PASSWORD_FILE (required with REDIS_HOST): as the services have them.
   * RATE_LIMIT_REDIS_TIMEOUT_MS (50): the timeout of each connect to Redis, of each command and
   * of the wait for a free connection; past it, or on any Redis error, that request is judged by
   * the replica's own table. RATE_LIMIT_REDIS_CONNECTIONS (32): the connections to Redis this
   * replica keeps (a request holds one for one round trip). */
  char *redis_host;
  long redis_port;
  char *redis_user;
  char *redis_password;
  long rate_limit_redis_timeout_ms;
  long rate_limit_redis_connections;
};

/* Fills c from the environment. On a malformed variable returns CS_ERR_INVALID with a message
 * naming it in err; c is then freed already. */
int gw_config_load(struct gw_config *c, char *err, size_t errlen);
void gw_config_free(struct gw_config *c); /* NULL-safe, idempotent */

#endif
