/* Request handling at the edge, behind the HTTP server core (which gives the request id, the
 * metrics and the access log): path check → CORS preflight → size limit → own endpoints → route →
 * token → rate limit → forward (a spooled upload: proxy_upload.h) → CORS headers and compression
 * of the answer. Every error is problem+json and carries X-Request-Id. */
#include "http_gateway.h"

#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compress.h"
#include "cors.h"
#include "docs.h"
#include "http.h"
#include "http_limits.h"
#include "http_server.h"
#include "http_upload.h"
#include "jwt.h"
#include "log.h"
#include "metrics.h"
#include "proxy.h"
#include "proxy_upload.h"
#include "routes_table.h"
#include "status.h"
#include "token_memo.h"
#include "upstream_health.h"

#define CANONICAL_PATH_MAX 8192
#define OPENAPI_MAX_BYTES (8L * 1024 * 1024)

enum upstream_failure { FAIL_UNREACHABLE, FAIL_TIMEOUT, FAIL_BAD_ANSWER, FAIL_COUNT };
static const char *const failure_names[FAIL_COUNT] = {"unreachable", "timeout", "bad_answer"};

struct gw_app {
  const struct gw_config *cfg;
  struct http_server *srv; /* the public one */
  struct gw_spool *spool;  /* borrowed */
  struct jwks_cache *jwks;
  struct gw_health *health;
  int metric_route[GW_ROUTES_MAX]; /* one label per routing table entry */
  int metric_own[GW_OWN_COUNT];
  atomic_long failures[GW_UP_COUNT][FAIL_COUNT];
  struct gw_limits *limits;
  struct gw_compressor *compressor;
};

/* The request path behind the core; defined at the end of this file. */
static void gateway_request(struct http_exchange *x, void *arg);
static void health_members(void *arg, json_t *body);
static int ready(void *arg, json_t *body, const char **detail);
static char *metrics_text(void *arg);

/* Verified tokens are remembered per thread (token_memo.h). */
static const struct http_token_memo token_memo = {token_memo_hit, token_memo_put};

static int method_is_read(const char *m) { return !strcmp(m, "GET") || !strcmp(m, "HEAD"); }

int gw_app_new(const struct gw_config *cfg, struct http_server *srv, struct gw_spool *spool,
               struct gw_app **out) {
  int rc;
  struct metrics *metrics = http_server_metrics(srv);
  struct gw_app *app = calloc(1, sizeof(*app));
  if (app == NULL) return CS_ERR_NOMEM;
  app->cfg = cfg;
  app->srv = srv;
  app->spool = spool;
  if ((rc = jwks_cache_new(cfg->jwks_url, cfg->jwks_cache_s, &app->jwks)) != CS_OK ||
      (rc = gw_health_new(cfg->upstream_url, cfg->health_interval_ms, cfg->health_timeout_ms,
                          &app->health)) != CS_OK ||
      (rc = gw_limits_new(cfg, &app->limits)) != CS_OK ||
      (rc = gw_compressor_new(cfg->compress_min_bytes, &app->compressor)) != CS_OK) {
    goto done;
  }
  for (size_t i = 0; i < cfg->routes.n; i++) {
    char label[GW_PREFIX_MAX + 32];
    snprintf(label, sizeof(label), "%s -> %s", cfg->routes.r[i].len ? cfg->routes.r[i].prefix : "/",
             gw_upstream_name(cfg->routes.r[i].upstream));
    app->metric_route[i] = metrics_route(metrics, "ANY", label);
  }
  app->metric_own[GW_OWN_HEALTHZ] = metrics_route(metrics, "GET", "/healthz");
  app->metric_own[GW_OWN_READYZ] = metrics_route(metrics, "GET", "/readyz");
  app->metric_own[GW_OWN_METRICS] = metrics_route(metrics, "GET", "/metrics");
  app->metric_own[GW_OWN_OPENAPI] = metrics_route(metrics, "GET", "/openapi/:name");
  /* One endpoint for everything: the gateway routes by prefix itself. Its label counts what is
   * answered before routing (400, 404, 413); the handler names the route otherwise. The body
   * limit is checked by the handler, after the path. */
  if ((rc = http_server_default_endpoint(srv, "ANY", "(rejected)", gateway_request, app, 0)) !=
      CS_OK) {
    goto done;
  }
  const struct http_probes probes = {health_members, ready, metrics_text, app};
  http_server_probes(srv, &probes);
  http_server_auth(srv, app->jwks, &token_memo);
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

/* The operator's port: the public server's health with its details, and its metrics. */
static void admin_request(struct http_exchange *x, void *arg) {
  struct gw_app *app = arg;
  const char *path = x->req->url_path;
  if (!method_is_read(x->req->http_verb)) {
    http_problem(x->resp, PROBLEM_METHOD_NOT_ALLOWED, "only GET and HEAD are allowed here");
    u_map_put(x->resp->map_header, "Allow", "GET, HEAD");
  } else if (!strcmp(path, "/healthz")) {
    http_server_report_healthz(x, app->srv);
  } else if (!strcmp(path, "/readyz")) {
    http_server_report_readyz(x, app->srv);
  } else if (!strcmp(path, "/metrics")) {
    http_server_report_metrics(x, app->srv);
  } else {
    http_problem(x->resp, PROBLEM_NOT_FOUND, "the operator's port has /healthz, /readyz, /metrics");
  }
}

int gw_app_admin(struct gw_app *app, struct http_server *admin) {
  return http_server_default_endpoint(admin, "GET", "(operator)", admin_request, app,
                                      HTTP_ENDPOINT_CHECK_BODY);
}

/* What strangers are told on the public port: up or not, nothing about what is behind. */
static void public_health(struct gw_app *app, int own, struct _u_response *resp) {
  if (own == GW_OWN_HEALTHZ) {
    http_json(resp, 200, json_pack("{s:s}", "status", "ok"));
  } else if (gw_health_ready(app->health)) {
    http_json(resp, 200, json_pack("{s:s}", "status", "ready"));
  } else {
    http_problem(resp, PROBLEM_NOT_READY, "not ready");
  }
}

void gw_app_free(struct gw_app *app) {
  if (app == NULL) return;
  gw_health_free(app->health); /* stops the checking thread first */
  jwks_cache_free(app->jwks);
  gw_limits_free(app->limits);
  gw_compressor_free(app->compressor);
  free(app);
}

/* --- what the core's /healthz, /readyz and /metrics say about the gateway ------------------- */

static void health_members(void *arg, json_t *body) {
  struct gw_app *app = arg;
  json_object_set_new(body, "upstreams", gw_health_json(app->health));
}

static int ready(void *arg, json_t *body, const char **detail) {
  struct gw_app *app = arg;
  if (!gw_health_ready(app->health)) {
    *detail = "the upstream checks have not run yet";
    return 0;
  }
  json_object_set_new(body, "upstreams", gw_health_json(app->health));
  return 1;
}

static char *metrics_text(void *arg) {
  struct gw_app *app = arg;
  char *health = gw_health_metrics(app->health), *extra = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&extra, &len);
  if (f != NULL) {
    if (health != NULL) fputs(health, f);
    fputs(
        "# HELP gateway_upstream_failures_total Requests the gateway could not forward.\n"
        "# TYPE gateway_upstream_failures_total counter\n",
        f);
    for (int u = 0; u < GW_UP_COUNT; u++) {
      for (int k = 0; k < FAIL_COUNT; k++) {
        fprintf(f, "gateway_upstream_failures_total{upstream=\"%s\",kind=\"%s\"} %ld\n",
                gw_upstream_name(u), failure_names[k], atomic_load(&app->failures[u][k]));
      }
    }
    gw_limits_metrics(app->limits, f);
    gw_compress_metrics(app->compressor, f);
    if (fclose(f) != 0) {
      free(extra);
      extra = NULL;
    }
  }
  free(health);
  return extra;
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

static const char *client_ip(const struct _u_request *req, char *buf, size_t len) {
  /* ulfius keeps sizeof(struct sockaddr) bytes of the peer address: whole for IPv4 only. */
  const struct sockaddr *sa = req->client_address;
  if (sa == NULL || sa->sa_family != AF_INET) return NULL;
  return inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf,
                   (socklen_t)len);
}

/* spooled: the request's spooled files (stolen), NULL for a request that carries its body. */
static void forward(struct gw_app *app, const struct _u_request *req, struct _u_response *resp,
                    const struct gw_route *route, const char *request_id,
                    struct http_upload *spooled) {
  char ip[INET_ADDRSTRLEN];
  const char *detail = NULL;
  struct gw_forward f = {route->upstream, request_id, client_ip(req, ip, sizeof(ip))};
  int rc = spooled != NULL ? gw_spool_forward(app->spool, req, spooled, &f, resp, &detail)
                           : gw_proxy_forward(req, &f, resp, &detail);
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

static void gateway_request(struct http_exchange *x, void *arg) {
  struct gw_app *app = arg;
  const struct gw_config *cfg = app->cfg;
  const struct _u_request *req = x->req;
  struct _u_response *resp = x->resp;
  char canon[CANONICAL_PATH_MAX];
  json_t *claims = NULL; /* the verified token's, when one was checked */
  /* taken first: whatever is answered, its files go (with the request at the latest) */
  struct http_upload *spooled = gw_spool_take(req);

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
  /* a browser's preflight carries no token: answered here, for any path */
  if (gw_cors_preflight(&cfg->cors, req, resp)) goto done;
  /* a spooled upload's body is its files, limited one by one as they were written */
  if (spooled == NULL && http_server_body_check(x)) goto done;

  if (gw_docs_answer(req, canon, resp)) goto done; /* the API reference: public, unlimited */
  int own = gw_own_endpoint(canon);
  if (own >= 0) {
    x->metric = app->metric_own[own];
    if (!method_is_read(req->http_verb)) {
      http_problem(resp, PROBLEM_METHOD_NOT_ALLOWED, "only GET and HEAD are allowed here");
      u_map_put(resp->map_header, "Allow", "GET, HEAD");
    } else if (own == GW_OWN_HEALTHZ || own == GW_OWN_READYZ) {
      public_health(app, own, resp);
    } else if (own == GW_OWN_METRICS) {
      http_problem(resp, PROBLEM_NOT_FOUND, "metrics are on the operator's port (ADMIN_PORT)");
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
  x->metric = app->metric_route[r];
  if (!gw_path_is_public(&cfg->public_paths, canon) &&
      http_server_authenticate(x, &claims) != CS_OK) {
    goto done;
  }
  if (gw_limits_check(app->limits, req, claims, resp)) goto done;
  forward(app, req, resp, &cfg->routes.r[r], x->request_id, spooled);
  spooled = NULL;
done:
  http_upload_free(spooled);
  gw_cors_decorate(&cfg->cors, req, claims, resp);
  gw_compress_response(app->compressor, req, resp);
  json_decref(claims);
}
