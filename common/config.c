/* Configuration from the environment: every getenv of the project is here. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "service_auth.h"
#include "status.h"

#ifndef CLAIMSUITE_DEFAULT_MIGRATIONS_DIR
#define CLAIMSUITE_DEFAULT_MIGRATIONS_DIR "."
#endif

const char *config_env(const char *name, const char *def) {
  const char *v = getenv(name);
  return (v != NULL && v[0] != '\0') ? v : def;
}

int config_str(const char *name, const char *def, char **out, char *err, size_t errlen) {
  const char *v = config_env(name, def);
  if (v == NULL) {
    snprintf(err, errlen, "%s is required but not set", name);
    return CS_ERR_INVALID;
  }
  *out = strdup(v);
  return *out != NULL ? CS_OK : CS_ERR_NOMEM;
}

int config_long(const char *name, long def, long min, long max, long *out, char *err,
                size_t errlen) {
  const char *v = config_env(name, NULL);
  if (v == NULL) {
    *out = def;
    return CS_OK;
  }
  char *end = NULL;
  errno = 0;
  long n = strtol(v, &end, 10);
  if (errno != 0 || end == v || *end != '\0' || n < min || n > max) {
    snprintf(err, errlen, "%s must be an integer between %ld and %ld, got '%s'", name, min, max,
             v);
    return CS_ERR_INVALID;
  }
  *out = n;
  return CS_OK;
}

int config_bool(const char *name, int def, int *out, char *err, size_t errlen) {
  const char *v = config_env(name, NULL);
  if (v == NULL) {
    *out = def;
    return CS_OK;
  }
  if (!strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "yes")) {
    *out = 1;
  } else if (!strcasecmp(v, "false") || !strcmp(v, "0") || !strcasecmp(v, "no")) {
    *out = 0;
  } else {
    snprintf(err, errlen, "%s must be true or false, got '%s'", name, v);
    return CS_ERR_INVALID;
  }
  return CS_OK;
}

static int read_secret_file(const char *name, const char *path, size_t max, char **out, char *err,
                            size_t errlen) {
  FILE *f = fopen(path, "rb");
  char *buf = malloc(max + 2);
  size_t n = 0;
  if (f != NULL && buf != NULL) n = fread(buf, 1, max + 1, f);
  if (f == NULL || buf == NULL || ferror(f)) {
    snprintf(err, errlen, "%s_FILE: cannot read %.200s", name, path);
    if (f != NULL) fclose(f);
    free(buf);
    return CS_ERR_INVALID;
  }
  fclose(f);
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) n--;
  buf[n] = '\0';
  if (strlen(buf) != n) {
    snprintf(err, errlen, "%s_FILE: %.200s holds a NUL byte", name, path);
    config_secret_free(buf);
    return CS_ERR_INVALID;
  }
  *out = buf;
  return CS_OK;
}

int config_secret(const char *name, int required, size_t min, size_t max, char **out, char *err,
                  size_t errlen) {
  char file_var[96];
  snprintf(file_var, sizeof(file_var), "%s_FILE", name);
  const char *value = config_env(name, NULL), *file = config_env(file_var, NULL);
  *out = NULL;
  if (value != NULL && file != NULL) {
    snprintf(err, errlen, "set %s or %s, not both", name, file_var);
    return CS_ERR_INVALID;
  }
  if (value == NULL && file == NULL) {
    if (!required) return CS_OK;
    snprintf(err, errlen, "%s (or %s) is required but not set", name, file_var);
    return CS_ERR_INVALID;
  }
  if (file != NULL && read_secret_file(name, file, max, out, err, errlen) != CS_OK)
    return CS_ERR_INVALID;
  if (value != NULL && (*out = strdup(value)) == NULL) return CS_ERR_NOMEM;
  size_t n = strlen(*out);
  if (n < min || n > max) {
    snprintf(err, errlen, "%s must be %zu to %zu bytes, has %zu", name, min, max, n);
    config_secret_free(*out);
    *out = NULL;
    return CS_ERR_INVALID;
  }
  return CS_OK;
}

void config_secret_free(char *secret) {
  if (secret == NULL) return;
  explicit_bzero(secret, strlen(secret));
  free(secret);
}

int config_service_load(const char *service, long default_port, struct service_config *c,
                        char *err, size_t errlen) {
  char default_db[256];
  int rc;
  memset(c, 0, sizeof(*c));
  snprintf(default_db, sizeof(default_db), "host=127.0.0.1 port=5432 dbname=claimsuite user=%s",
           service);
  c->service = strdup(service);
  if (c->service == NULL) return CS_ERR_NOMEM;
  if ((rc = config_str("BIND_ADDRESS", "0.0.0.0", &c->bind_address, err, errlen)) ||
      (rc = config_long("PORT", default_port, 1, 65535, &c->port, err, errlen)) ||
      (rc = config_str("DATABASE_URL", default_db, &c->database_url, err, errlen)) ||
      (rc = config_long("DB_POOL_SIZE", 8, 1, 256, &c->db_pool_size, err, errlen)) ||
      (rc = config_long("DB_STATEMENT_TIMEOUT_MS", 5000, 0, 600000, &c->db_statement_timeout_ms,
                        err, errlen)) ||
      (rc = config_long("DB_CHECKOUT_TIMEOUT_MS", 2000, 1, 60000, &c->db_checkout_timeout_ms, err,
                        errlen)) ||
      (rc = config_str("REDIS_HOST", "127.0.0.1", &c->redis_host, err, errlen)) ||
      (rc = config_long("REDIS_PORT", 6379, 1, 65535, &c->redis_port, err, errlen)) ||
      (rc = config_str("REDIS_USER", "claimsuite", &c->redis_user, err, errlen)) ||
      (rc = config_secret("REDIS_PASSWORD", 1, 1, 512, &c->redis_password, err, errlen)) ||
      (rc = config_secret("SERVICE_SECRET", 1, SERVICE_SECRET_MIN, SERVICE_SECRET_MAX,
                          &c->service_secret, err, errlen)) ||
      (rc = config_long("HTTP_THREADS", 0, 0, 512, &c->http_threads, err, errlen)) ||
      (rc = config_long("HTTP_TIMEOUT_SECONDS", 60, 1, 3600, &c->http_timeout_s, err, errlen)) ||
      (rc = config_long("HTTP_MAX_CONNECTIONS", 1024, 1, 100000, &c->http_max_connections, err,
                        errlen)) ||
      /* a JSON body; files stream past it (http_upload.h), holding at most this of a form */
      (rc = config_long("HTTP_MAX_BODY_BYTES", 1024L * 1024, 1024, 1L << 31, &c->max_body_bytes,
                        err, errlen)) ||
      (rc = config_str("JWKS_URL", "http://127.0.0.1:8081/v1/auth/jwks", &c->jwks_url, err,
                       errlen)) ||
      (rc = config_long("JWKS_CACHE_SECONDS", 300, 1, 86400, &c->jwks_cache_s, err, errlen)) ||
      (rc = config_str("LOG_LEVEL", "info", &c->log_level, err, errlen)) ||
      (rc = config_str("MIGRATIONS_DIR", CLAIMSUITE_DEFAULT_MIGRATIONS_DIR, &c->migrations_dir, err,
                       errlen)) ||
      (rc = config_str("EVENT_FEEDS", "", &c->event_feeds, err, errlen)) ||
      (rc = config_long("OUTBOX_POLL_MS", 50, 10, 60000, &c->relay_poll_ms, err, errlen)) ||
      (rc = config_long("OUTBOX_RETENTION_SECONDS", 7L * 86400, 60, 10L * 365 * 86400,
                        &c->outbox_retention_s, err, errlen)) ||
      (rc = config_long("IDEMPOTENCY_RETENTION_SECONDS", 86400, 60, 365L * 86400,
                        &c->idempotency_retention_s, err, errlen)) ||
      (rc = config_long("RETENTION_CHECK_SECONDS", 300, 1, 86400, &c->retention_check_s, err,
                        errlen)) ||
      (rc = config_feeds_parse(c->event_feeds, c, err, errlen))) {
    return rc;
  }
  /* Enough worker threads to keep every pooled connection busy, never fewer. */
  if (c->http_threads == 0 || c->http_threads < c->db_pool_size) c->http_threads = c->db_pool_size;
  return CS_OK;
}

static void feeds_clear(struct service_config *c) {
  for (int i = 0; i < c->nfeeds; i++) {
    free(c->feeds[i].source);
    free(c->feeds[i].url);
  }
  memset(c->feeds, 0, sizeof(c->feeds));
  c->nfeeds = 0;
}

int config_feeds_parse(const char *spec, struct service_config *c, char *err, size_t errlen) {
  int rc = CS_ERR_INVALID;
  char *copy = strdup(spec != NULL ? spec : ""), *save = NULL;
  feeds_clear(c);
  if (copy == NULL) return CS_ERR_NOMEM;
  for (char *item = strtok_r(copy, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
    item += strspn(item, " \t");
    size_t n = strlen(item);
    while (n > 0 && (item[n - 1] == ' ' || item[n - 1] == '\t')) item[--n] = '\0';
    if (n == 0) continue;
    char *eq = strchr(item, '=');
    if (eq == NULL || eq == item ||
        (strncmp(eq + 1, "http://", 7) != 0 && strncmp(eq + 1, "https://", 8) != 0)) {
      snprintf(err, errlen, "EVENT_FEEDS items must be source=http(s)://host:port, got '%s'", item);
      goto done;
    }
    *eq = '\0';
    if (config_feed_url(c, item) != NULL || c->nfeeds == CONFIG_MAX_FEEDS) {
      snprintf(err, errlen, "EVENT_FEEDS must name each source once, at most %d, got '%s' again",
               CONFIG_MAX_FEEDS, item);
      goto done;
    }
    struct config_feed *f = &c->feeds[c->nfeeds];
    f->source = strdup(item);
    f->url = strdup(eq + 1);
    c->nfeeds++;
    if (f->source == NULL || f->url == NULL) {
      rc = CS_ERR_NOMEM;
      goto done;
    }
  }
  rc = CS_OK;
done:
  if (rc != CS_OK) feeds_clear(c);
  free(copy);
  return rc;
}

const char *config_feed_url(const struct service_config *c, const char *source) {
  for (int i = 0; i < c->nfeeds; i++) {
    if (!strcmp(c->feeds[i].source, source)) return c->feeds[i].url;
  }
  return NULL;
}

void config_service_free(struct service_config *c) {
  if (c == NULL) return;
  feeds_clear(c);
  free(c->service);
  free(c->bind_address);
  free(c->database_url);
  free(c->redis_host);
  free(c->redis_user);
  config_secret_free(c->redis_password);
  config_secret_free(c->service_secret);
  free(c->jwks_url);
  free(c->log_level);
  free(c->migrations_dir);
  free(c->event_feeds);
  memset(c, 0, sizeof(*c));
}
