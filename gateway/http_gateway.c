/* Request handling at the edge: request id → path check → size limit → own endpoints → route →
 * token → forward. Every error is problem+json and carries X-Request-Id. */
#include "http_gateway.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "http.h"
#include "jwt.h"
#include "log.h"
#include "metrics.h"
#include "proxy.h"
#include "routes_table.h"
#include "status.h"
#include "token_cache.h"
#include "upstream_health.h"

#define CANONICAL_PATH_MAX 8192
#define OPENAPI_MAX_BYTES (8L * 1024 * 1024)

enum upstream_failure { FAIL_UNREACHABLE, FAIL_TIMEOUT, FAIL_BAD_ANSWER, FAIL_COUNT };
static const char *const failure_names[FAIL_COUNT] = {"unreachable", "timeout", "bad_answer"};

struct gw_app {
  const struct gw_config *cfg;
  struct jwks_cache *jwks;
  struct metrics *metrics;
  struct gw_health *health;
  int metric_route[GW_ROUTES_MAX]; /* one label per routing table entry */
  int metric_own[GW_OWN_COUNT];
  int metric_rejected;             /* answered before routing: 400, 404, 413 */
  atomic_long failures[GW_UP_COUNT][FAIL_COUNT];
};

int gw_app_new(const struct gw_config *cfg, struct gw_app **out) {
  int rc;
  struct gw_app *app = calloc(1, sizeof(*app));
  if (app == NULL) return CS_ERR_NOMEM;
  app->cfg = cfg;
  if ((rc = jwks_cache_new(cfg->jwks_url, cfg->jwks_cache_s, &app->jwks)) != CS_OK ||
      (rc = metrics_new("gateway", &app->metrics)) != CS_OK ||
      (rc = gw_health_new(cfg->upstream_url, cfg->health_interval_ms, cfg->health_timeout_ms,
                          &app->health)) != CS_OK) {
    goto done;
  }
  for (size_t i = 0; i < cfg->routes.n; i++) {
    char label[GW_PREFIX_MAX + 32];
    snprintf(label, sizeof(label), "%s -> %s", cfg->routes.r[i].len ? cfg->routes.r[i].prefix : "/",
             gw_upstream_name(cfg->routes.r[i].upstream));
    app->metric_route[i] = metrics_route(app->metrics, "ANY", label);
  }
  app->metric_own[GW_OWN_HEALTHZ] = metrics_route(app->metrics, "GET", "/healthz");
  app->metric_own[GW_OWN_READYZ] = metrics_route(app->metrics, "GET", "/readyz");
  app->metric_own[GW_OWN_METRICS] = metrics_route(app->metrics, "GET", "/metrics");
  app->metric_own[GW_OWN_OPENAPI] = metrics_route(app->metrics, "GET", "/openapi/:name");
  app->metric_rejected = metrics_route(app->metrics, "ANY", "(rejected)");
  rc = CS_OK;
done:
  if (rc != CS_OK) {
    gw_app_free(app);
    app = NULL;
  }
  *out = app;
  return rc;
}

int gw_app_start(struct gw_app *app) { return gw_health_start(app->health); }

void gw_app_free(struct gw_app *app) {
  if (app == NULL) return;
  gw_health_free(app->health); /* stops the checking thread first */
  metrics_free(app->metrics);
  jwks_cache_free(app->jwks);
  free(app);
}


static int method_is_read(const char *m) { return !strcmp(m, "GET") || !strcmp(m, "HEAD"); }

static void handle_healthz(struct gw_app *app, struct _u_response *resp) {
  json_t *body = json_pack("{s:s, s:o}", "status", "ok", "upstreams", gw_health_json(app->health));
  http_json(resp, 200, body);
}

static void handle_readyz(struct gw_app *app, struct _u_response *resp) {
  if (!gw_health_ready(app->health)) {
    http_problem(resp, PROBLEM_NOT_READY, "the upstream checks have not run yet");
    return;
  }
  json_t *body = json_pack("{s:s, s:o}", "status", "ready", "upstreams", gw_health_json(app->health));
  http_json(resp, 200, body);
}

static void handle_metrics(struct gw_app *app, struct _u_response *resp) {
  char *health = gw_health_metrics(app->health), *text = NULL, *extra = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&extra, &len);
  if (f != NULL) {
    if (health != NULL) fputs(health, f);
    fputs("# HELP gateway_upstream_failures_total Requests the gateway could not forward.\n"
          "# TYPE gateway_upstream_failures_total counter\n",
          f);
    for (int u = 0; u < GW_UP_COUNT; u++) {
      for (int k = 0; k < FAIL_COUNT; k++) {
        fprintf(f, "gateway_upstream_failures_total{upstream=\"%s\",kind=\"%s\"} %ld\n",
                gw_upstream_name(u), failure_names[k], atomic_load(&app->failures[u][k]));
      }
    }
    if (fclose(f) != 0) {
      free(extra);
      extra = NULL;
    }
  }
  text = metrics_render(app->metrics, extra);
  if (text == NULL) {
    http_problem(resp, PROBLEM_INTERNAL, "the metrics could not be rendered");
  } else {
    ulfius_set_string_body_response(resp, 200, text);
    u_map_put(resp->map_header, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  }
  free(text);
  free(extra);
  free(health);
}

/* GET /openapi/{policy|cases|customer|orders|gateway}.yaml from OPENAPI_DIR. */
static void handle_openapi(struct gw_app *app, const char *path, struct _u_response *resp) {
  static const char *const docs[] = {"policy", "cases", "customer", "orders", "gateway"};
  const char *name = strlen(path) > 9 ? path + 9 : ""; /* after "/openapi/" */
  char file[4096];
  char *data = NULL;
  FILE *f = NULL;
  size_t n = strlen(name);
  int found = 0;
  for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
    size_t dn = strlen(docs[i]);
    if (n == dn + 5 && !strncmp(name, docs[i], dn) && !strcmp(name + dn, ".yaml")) {
      if (!strcmp(docs[i], "gateway")) {
        snprintf(file, sizeof(file), "%s/gateway/openapi.yaml", app->cfg->openapi_dir);
      } else {
        snprintf(file, sizeof(file), "%s/services/%s/openapi.yaml", app->cfg->openapi_dir, docs[i]);
      }
      found = 1;
    }
  }
  if (!found) {
    http_problem(resp, PROBLEM_NOT_FOUND, "no such OpenAPI document");
    goto done;
  }
  f = fopen(file, "rb");
  if (f == NULL) {
    http_problem(resp, PROBLEM_NOT_FOUND, "this OpenAPI document is not installed");
    goto done;
  }
  data = malloc(OPENAPI_MAX_BYTES);
  if (data == NULL) {
    http_problem(resp, PROBLEM_INTERNAL, "the gateway is out of memory");
    goto done;
  }
  size_t len = fread(data, 1, OPENAPI_MAX_BYTES, f);
  if (ferror(f) || len == 0 || len == OPENAPI_MAX_BYTES) {
    http_problem(resp, PROBLEM_INTERNAL, "the OpenAPI document could not be read");
    goto done;
  }
  ulfius_set_binary_body_response(resp, 200, data, len);
  u_map_put(resp->map_header, "Content-Type", "application/yaml");
done:
  free(data);
  if (f != NULL) fclose(f);
}

/* 1 when the request was answered with 413: a declared or received body above the limit (the
 * server keeps at most limit + 1 bytes, so a longer body shows as limit + 1). */
static int body_too_large(const struct gw_app *app, const struct _u_request *req,
                          struct _u_response *resp) {
  unsigned long long limit = (unsigned long long)app->cfg->max_body_bytes;
  const char *cl = u_map_get_case(req->map_header, "Content-Length");
  int over = req->binary_body_length > limit;
  if (!over && cl != NULL) {
    errno = 0;
    char *end = NULL;
    unsigned long long declared = strtoull(cl, &end, 10);
    over = (errno == ERANGE) || (end != cl && declared > limit);
  }
  if (over) {
    char detail[96];
    snprintf(detail, sizeof(detail), "the request body is larger than %llu bytes", limit);
    http_problem(resp, PROBLEM_BODY_TOO_LARGE, detail);
  }
  return over;
}

/* CS_OK when the request carries a valid token; otherwise a 401 or 503 has been written. */
static int authenticate(struct gw_app *app, const struct _u_request *req,
                        struct _u_response *resp) {
  const char *authz = u_map_get_case(req->map_header, "Authorization");
  const char *token = authz != NULL ? jwt_from_authorization(authz) : NULL;
  json_t *claims = NULL;
  const char *reason = NULL;
  if (token == NULL) {
    http_problem(resp, PROBLEM_UNAUTHENTICATED, "a bearer token is required");
    u_map_put(resp->map_header, "WWW-Authenticate", "Bearer realm=\"claimsuite\"");
    return CS_ERR_INVALID;
  }
  if (gw_token_cache_hit(token)) return CS_OK;
  int rc = jwt_verify(app->jwks, token, &claims, &reason);
  if (rc == CS_OK) gw_token_cache_put(token, claims);
  json_decref(claims);
  if (rc == CS_OK) return CS_OK;
  if (rc == CS_ERR_UNAVAILABLE) {
    http_problem(resp, PROBLEM_UNAVAILABLE, "the keys to verify tokens are not available right now");
    u_map_put(resp->map_header, "Retry-After", "1");
    return rc;
  }
  http_problem(resp, PROBLEM_INVALID_TOKEN, reason != NULL ? reason : "the bearer token is not valid");
  u_map_put(resp->map_header, "WWW-Authenticate",
            "Bearer realm=\"claimsuite\", error=\"invalid_token\"");
  return CS_ERR_INVALID;
}

static const char *client_ip(const struct _u_request *req, char *buf, size_t len) {
  /* ulfius keeps sizeof(struct sockaddr) bytes of the peer address: whole for IPv4 only. */
  const struct sockaddr *sa = req->client_address;
  if (sa == NULL || sa->sa_family != AF_INET) return NULL;
  return inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf,
                   (socklen_t)len);
}

static void forward(struct gw_app *app, const struct _u_request *req, struct _u_response *resp,
                    const struct gw_route *route, const char *request_id) {
  char ip[INET_ADDRSTRLEN];
  const char *detail = NULL;
  struct gw_forward f = {route->upstream, request_id, client_ip(req, ip, sizeof(ip))};
  int rc = gw_proxy_forward(req, &f, resp, &detail);
  switch (rc) {
    case CS_OK: return;
    case CS_ERR_TIMEOUT:
      atomic_fetch_add(&app->failures[route->upstream][FAIL_TIMEOUT], 1);
      http_problem(resp, PROBLEM_UPSTREAM_TIMEOUT, detail);
      return;
    case CS_ERR_UNAVAILABLE:
      atomic_fetch_add(&app->failures[route->upstream][FAIL_UNREACHABLE], 1);
      http_problem(resp, PROBLEM_UPSTREAM_UNAVAILABLE, detail);
      return;
    case CS_ERR_INVALID: http_problem(resp, PROBLEM_BAD_REQUEST, detail); return;
    case CS_ERR_NOMEM: http_problem(resp, PROBLEM_INTERNAL, detail); return;
    default:
      atomic_fetch_add(&app->failures[route->upstream][FAIL_BAD_ANSWER], 1);
      http_problem(resp, PROBLEM_UPSTREAM_BAD_ANSWER, detail);
      return;
  }
}

/* A random UUID v4 for a request that brought no usable id, as http_uuid_v4 makes them but from
 * a per-thread reserve of random bytes: one getrandom call per 64 ids and no printf. */
#define RID_RESERVE 1024
static __thread struct {
  unsigned char bytes[RID_RESERVE];
  size_t used, len;
} rid_reserve;

static void request_id_new(char out[37]) {
  static const char hex[] = "0123456789abcdef";
  if (rid_reserve.len - rid_reserve.used < 16) {
    ssize_t n = getrandom(rid_reserve.bytes, sizeof(rid_reserve.bytes), 0);
    if (n < 16) { /* interrupted, or no entropy yet: the slow path says so in the log */
      http_uuid_v4(out);
      return;
    }
    rid_reserve.len = (size_t)n;
    rid_reserve.used = 0;
  }
  unsigned char *b = rid_reserve.bytes + rid_reserve.used;
  rid_reserve.used += 16;
  b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
  b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
  char *o = out;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) *o++ = '-';
    *o++ = hex[b[i] >> 4];
    *o++ = hex[b[i] & 0x0f];
  }
  *o = '\0';
  memset(b, 0, 16); /* a used id is not kept around */
}

static double seconds_since(const struct timespec *t0) {
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int gw_http_dispatch(const struct _u_request *req, struct _u_response *resp, void *user_data) {
  struct gw_app *app = user_data;
  const struct gw_config *cfg = app->cfg;
  struct timespec t0;
  char rid[129];
  char canon[CANONICAL_PATH_MAX];
  int metric = app->metric_rejected;
  clock_gettime(CLOCK_MONOTONIC, &t0);

  const char *given = u_map_get_case(req->map_header, "X-Request-Id");
  if (gw_request_id_valid(given)) memcpy(rid, given, strlen(given) + 1); /* at most 128 */
  else request_id_new(rid);
  u_map_put(resp->map_header, "X-Request-Id", rid);
  log_set_request_id(rid);

  if (strlen(req->url_path) >= sizeof(canon)) {
    http_problem(resp, PROBLEM_URI_TOO_LONG, "the request path is too long");
    goto done;
  }
  int verdict = gw_path_canonical(req->url_path, canon, sizeof(canon));
  if (verdict == GW_PATH_INTERNAL) {
    http_problem(resp, PROBLEM_NOT_FOUND, "no route for this path");
    goto done;
  }
  if (verdict != GW_PATH_OK) {
    http_problem(resp, PROBLEM_BAD_REQUEST, "the request path is malformed or has dot segments");
    goto done;
  }
  if (body_too_large(app, req, resp)) goto done;

  int own = gw_own_endpoint(canon);
  if (own >= 0) {
    metric = app->metric_own[own];
    if (!method_is_read(req->http_verb)) {
      http_problem(resp, PROBLEM_METHOD_NOT_ALLOWED, "only GET and HEAD are allowed here");
      u_map_put(resp->map_header, "Allow", "GET, HEAD");
    } else if (own == GW_OWN_HEALTHZ) {
      handle_healthz(app, resp);
    } else if (own == GW_OWN_READYZ) {
      handle_readyz(app, resp);
    } else if (own == GW_OWN_METRICS) {
      handle_metrics(app, resp);
    } else {
      handle_openapi(app, canon, resp);
    }
    goto done;
  }

  int r = gw_routes_match(&cfg->routes, canon);
  if (r < 0) {
    http_problem(resp, PROBLEM_NOT_FOUND, "no route for this path");
    goto done;
  }
  metric = app->metric_route[r];
  if (!gw_path_is_public(&cfg->public_paths, canon) && authenticate(app, req, resp) != CS_OK) {
    goto done;
  }
  forward(app, req, resp, &cfg->routes.r[r], rid);

done:;
  double elapsed = seconds_since(&t0);
  metrics_observe(app->metrics, metric, (int)resp->status, elapsed);
  /* yder formats a message before it looks at the level: format only what will be written. */
  if (resp->status >= 500) {
    log_warning("%s %s -> %ld (%.1f ms)", req->http_verb, req->url_path, resp->status,
                elapsed * 1e3);
  } else if (log_enabled(Y_LOG_LEVEL_DEBUG)) {
    log_debug("%s %s -> %ld (%.1f ms)", req->http_verb, req->url_path, resp->status,
              elapsed * 1e3);
  }
  log_set_request_id(NULL);
  return U_CALLBACK_COMPLETE;
}
