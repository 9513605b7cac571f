/* The gateway's settings from the environment, validated once at start. */
#include "gw_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "status.h"
#include "upstream_client.h"
#include "upstream_parse.h"

static const char *const upstream_env[GW_UP_COUNT] = {"UPSTREAM_POLICY", "UPSTREAM_CASES",
                                                      "UPSTREAM_CUSTOMER", "UPSTREAM_ORDERS"};
static const char *const upstream_default[GW_UP_COUNT] = {
    "http://127.0.0.1:8081", "http://127.0.0.1:8082", "http://127.0.0.1:8083",
    "http://127.0.0.1:8084"};

/* An upstream base URL: http://authority[/path], no query; the trailing '/' is dropped. The
 * gateway's own client speaks plain HTTP/1.1 only: https is refused here, at start. */
static int check_base_url(const char *name, char *url, char *err, size_t errlen) {
  struct gw_upstream_url parsed;
  const char *why = NULL;
  if (gw_upstream_url_parse(url, &parsed, &why) != CS_OK) {
    snprintf(err, errlen, "%s %s (http://host[:port][/path]); got '%s'", name, why, url);
    return CS_ERR_INVALID;
  }
  size_t n = strlen(url);
  while (n > 0 && url[n - 1] == '/') url[--n] = '\0';
  return CS_OK;
}

static int check_log_level(const char *level, char *err, size_t errlen) {
  static const char *const levels[] = {"error", "warning", "info", "debug"};
  for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
    if (!strcmp(level, levels[i])) return CS_OK;
  }
  snprintf(err, errlen, "LOG_LEVEL must be error, warning, info or debug, got '%s'", level);
  return CS_ERR_INVALID;
}

int gw_config_load(struct gw_config *c, char *err, size_t errlen) {
  int rc;
  char *routes = NULL, *public_paths = NULL, *cors_global = NULL, *cors_portals = NULL;
  memset(c, 0, sizeof(*c));
  if ((rc = config_str("BIND_ADDRESS", "0.0.0.0", &c->bind_address, err, errlen)) ||
      (rc = config_long("PORT", 8080, 1, 65535, &c->port, err, errlen)) ||
      (rc = config_long("ADMIN_PORT", 0, 0, 65535, &c->admin_port, err, errlen)) ||
      (rc = config_str("ADMIN_BIND_ADDRESS", "127.0.0.1", &c->admin_bind_address, err, errlen)) ||
      (rc = config_str("LOG_LEVEL", "info", &c->log_level, err, errlen)) ||
      (rc = check_log_level(c->log_level, err, errlen)) ||
      (rc = config_str("JWKS_URL", "http://127.0.0.1:8081/v1/auth/jwks", &c->jwks_url, err,
                       errlen)) ||
      (rc = config_long("JWKS_CACHE_SECONDS", 300, 1, 86400, &c->jwks_cache_s, err, errlen)) ||
      (rc = config_long("UPSTREAM_CONNECT_TIMEOUT_MS", 2000, 1, 600000, &c->connect_timeout_ms, err,
                        errlen)) ||
      (rc = config_long("UPSTREAM_TIMEOUT_MS", 30000, 1, 3600000, &c->timeout_ms, err, errlen)) ||
      (rc = config_long("UPSTREAM_MAX_RESPONSE_BYTES", 64L * 1024 * 1024, 1024, 1L << 31,
                        &c->max_response_bytes, err, errlen)) ||
      (rc = config_long("UPSTREAM_STREAM_OVER_BYTES", 256L * 1024, 1024, 1L << 31,
                        &c->stream_over_bytes, err, errlen)) ||
      (rc = config_long("UPSTREAM_HEALTH_INTERVAL_MS", 2000, 100, 3600000, &c->health_interval_ms,
                        err, errlen)) ||
      (rc = config_long("UPSTREAM_HEALTH_TIMEOUT_MS", 500, 10, 60000, &c->health_timeout_ms, err,
                        errlen)) ||
      (rc = config_long("HTTP_MAX_BODY_BYTES", 32L * 1024 * 1024, 1, 1L << 31, &c->max_body_bytes,
                        err, errlen)) ||
      (rc = config_str("GATEWAY_SPOOL_DIR", "/tmp/claimsuite-gateway-spool", &c->spool_dir, err,
                       errlen)) ||
      (rc = config_long("UPLOAD_MAX_FILE_BYTES", 30L * 1024 * 1024, 1, 1L << 31, &c->max_file_bytes,
                        err, errlen)) ||
      (rc = config_long("UPSTREAM_MAX_CONNECTIONS", GW_UPSTREAM_MAX_CONNECTIONS, 1, 100000,
                        &c->upstream_max_connections, err, errlen)) ||
      (rc = config_long("HTTP_TIMEOUT_SECONDS", 60, 1, 86400, &c->http_timeout_s, err, errlen)) ||
      (rc = config_long("HTTP_HEAD_TIMEOUT_SECONDS", 10, 1, 3600, &c->head_timeout_s, err,
                        errlen)) ||
      (rc = config_long("HTTP_MAX_CONNECTIONS_PER_ADDRESS", 64, 0, 1000000,
                        &c->max_connections_per_address, err, errlen)) ||
      (rc = config_long("HTTP_MAX_CONNECTIONS", 4096, 1, 1000000, &c->max_connections, err,
                        errlen)) ||
      (rc = config_str("OPENAPI_DIR", ".", &c->openapi_dir, err, errlen)) ||
      (rc = config_long("CORS_MAX_AGE_SECONDS", 600, 0, 86400, &c->cors.max_age_s, err, errlen)) ||
      (rc = config_bool("CORS_ALLOW_CREDENTIALS", 0, &c->cors.credentials, err, errlen)) ||
      (rc = config_long("COMPRESS_MIN_BYTES", 1024, 0, 1L << 31, &c->compress_min_bytes, err,
                        errlen)) ||
      (rc = config_long("RATE_LIMIT_PER_MINUTE", 600, 0, 6000000, &c->rate_limit_user, err,
                        errlen)) ||
      (rc = config_long("RATE_LIMIT_CLIENT_PER_MINUTE", 1200, 0, 6000000, &c->rate_limit_client,
                        err, errlen)) ||
      (rc = config_long("RATE_LIMIT_ADDRESS_PER_MINUTE", 600, 0, 6000000, &c->rate_limit_address,
                        err, errlen)) ||
      (rc = config_long("RATE_LIMIT_BURST", 0, 0, 6000000, &c->rate_limit_burst, err, errlen)) ||
      (rc = config_str("REDIS_HOST", "", &c->redis_host, err, errlen)) ||
      (rc = config_long("REDIS_PORT", 6379, 1, 65535, &c->redis_port, err, errlen)) ||
      (rc = config_str("REDIS_USER", "claimsuite", &c->redis_user, err, errlen)) ||
      (rc = config_secret("REDIS_PASSWORD", c->redis_host[0] != '\0', 1, 512, &c->redis_password,
                          err, errlen)) ||
      (rc = config_long("RATE_LIMIT_REDIS_TIMEOUT_MS", 50, 1, 10000,
                        &c->rate_limit_redis_timeout_ms, err, errlen)) ||
      (rc = config_long("RATE_LIMIT_REDIS_CONNECTIONS", 32, 1, 1024,
                        &c->rate_limit_redis_connections, err, errlen))) {
    goto done;
  }
  for (int i = 0; i < GW_UP_COUNT; i++) {
    if ((rc = config_str(upstream_env[i], upstream_default[i], &c->upstream_url[i], err, errlen)) ||
        (rc = check_base_url(upstream_env[i], c->upstream_url[i], err, errlen))) {
      goto done;
    }
  }
  if ((rc = config_str("GATEWAY_ROUTES", "", &routes, err, errlen))) goto done;
  if (routes[0] == '\0')
    gw_routes_default(&c->routes);
  else if ((rc = gw_routes_parse(routes, &c->routes, err, errlen)))
    goto done;
  if ((rc = config_str("GATEWAY_PUBLIC_PATHS", "", &public_paths, err, errlen))) goto done;
  if (public_paths[0] == '\0')
    gw_public_default(&c->public_paths);
  else if ((rc = gw_public_parse(public_paths, &c->public_paths, err, errlen)))
    goto done;
  if ((rc = config_str("CORS_ALLOWED_ORIGINS", "", &cors_global, err, errlen)) ||
      (rc = config_str("CORS_PORTAL_ORIGINS", "", &cors_portals, err, errlen)) ||
      (rc = gw_cors_parse(cors_global, cors_portals, &c->cors, err, errlen))) {
    goto done;
  }
  rc = CS_OK;
done:
  free(routes);
  free(public_paths);
  free(cors_global);
  free(cors_portals);
  if (rc != CS_OK) gw_config_free(c);
  return rc;
}

void gw_config_free(struct gw_config *c) {
  if (c == NULL) return;
  free(c->bind_address);
  free(c->admin_bind_address);
  free(c->log_level);
  free(c->jwks_url);
  free(c->openapi_dir);
  free(c->spool_dir);
  for (int i = 0; i < GW_UP_COUNT; i++) free(c->upstream_url[i]);
  free(c->redis_host);
  free(c->redis_user);
  config_secret_free(c->redis_password);
  gw_cors_free(&c->cors);
  memset(c, 0, sizeof(*c));
}
