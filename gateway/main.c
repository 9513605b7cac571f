/* The gateway process: configuration, the HTTP server core started with the gateway's request
 * path behind the edge, wait for SIGTERM/SIGINT, drain and stop. Nothing else lives here (the
 * edge: edge.c, the request path: http_gateway.c). */
#include <curl/curl.h>
#include <stdio.h>

#include "edge.h"
#include "gw_config.h"
#include "http_gateway.h"
#include "http_server.h"
#include "log.h"
#include "proxy_upload.h"
#include "status.h"
#include "upstream_client.h"

#define EXIT_CONFIG 2
/* the edge's limits on a request head: a 64 KiB head, an 8 KiB target (431, 414 beyond) */
#define GW_EDGE_MAX_HEAD (64 * 1024)
#define GW_EDGE_MAX_TARGET (8 * 1024)

int main(void) {
  struct gw_config cfg;
  struct gw_app *app = NULL;
  struct gw_spool *spool = NULL;
  struct http_server *srv = NULL, *admin = NULL;
  struct gw_edge *edge = NULL;
  char err[512];
  int exit_code = 1, curl_ready = 0, upstream_ready = 0;

  if (gw_config_load(&cfg, err, sizeof(err)) != CS_OK) {
    fprintf(stderr, "gateway: configuration error: %s\n", err);
    return EXIT_CONFIG;
  }
  if (log_init("gateway", cfg.log_level) != CS_OK) {
    fprintf(stderr, "gateway: could not start logging\n");
    gw_config_free(&cfg);
    return EXIT_CONFIG;
  }
  /* before any thread starts: every thread inherits the mask, only the wait below sees them */
  http_server_signals_block();
  const struct http_server_settings http = {
      .name = "gateway",
      .bind_address = cfg.bind_address,
      .port = cfg.port,
      .threads = 1, /* unused: a thread per connection */
      .timeout_s = cfg.http_timeout_s,
      .max_connections = cfg.max_connections,
      .max_connections_per_address = cfg.max_connections_per_address,
      .max_body_bytes = cfg.max_body_bytes,
      .bodies_as_bytes = 1, /* headers and bodies are forwarded as bytes, never parsed */
      .auth_realm = "claimsuite",
      .behind_front = 1, /* the edge listens and checks the framing (edge.h) */
      /* a request waits on its upstream: a silent one must hold up only its own clients */
      .thread_per_connection = 1,
  };
  if (http_server_new(&http, &srv, err, sizeof(err)) != CS_OK) {
    fprintf(stderr, "gateway: configuration error: %s\n", err);
    log_close();
    gw_config_free(&cfg);
    return EXIT_CONFIG;
  }

  /* libcurl serves the upstream health checks and the JWKS fetches (forwarding does not use it) */
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    log_error("could not initialise libcurl");
    goto done;
  }
  curl_ready = 1;
  struct gw_upstream_settings us = {cfg.connect_timeout_ms,
                                    cfg.timeout_ms,
                                    cfg.max_response_bytes,
                                    {NULL},
                                    cfg.upstream_max_connections};
  for (int i = 0; i < GW_UP_COUNT; i++) us.base_url[i] = cfg.upstream_url[i];
  if (gw_upstream_init(&us) != CS_OK) {
    log_error("could not set up forwarding to the upstreams");
    goto done;
  }
  upstream_ready = 1;
  gw_upstream_stream_over(cfg.stream_over_bytes);
  if (gw_spool_new(&cfg, srv, &spool) != CS_OK) {
    exit_code = EXIT_CONFIG;
    goto done;
  }
  if (gw_app_new(&cfg, srv, spool, &app) != CS_OK || gw_app_start(app) != CS_OK) {
    log_error("could not set up the gateway (JWKS cache, metrics, health checks)");
    goto done;
  }
  if (cfg.admin_port > 0) {
    const struct http_server_settings admin_http = {
        .name = "gateway-operator",
        .bind_address = cfg.admin_bind_address,
        .port = cfg.admin_port,
        .threads = 2,
        .timeout_s = 10,
        .max_connections = 64,
        .max_body_bytes = 1024,
        .bodies_as_bytes = 1,
    };
    if (http_server_new(&admin_http, &admin, err, sizeof(err)) != CS_OK) {
      fprintf(stderr, "gateway: configuration error: %s\n", err);
      exit_code = EXIT_CONFIG;
      goto done;
    }
    if (gw_app_admin(app, admin) != CS_OK || http_server_start(admin) != CS_OK) goto done;
  }
  if (http_server_start(srv) != CS_OK) goto done;
  const struct gw_edge_settings edge_settings = {
      .bind_address = cfg.bind_address,
      .port = cfg.port,
      .threads = 2,
      .head_deadline_ms = cfg.head_timeout_s * 1000,
      .limits = {.max_head = GW_EDGE_MAX_HEAD,
                 .max_target = GW_EDGE_MAX_TARGET,
                 .max_body = cfg.max_body_bytes,
                 /* an upload's files are spooled to disk one by one, not held */
                 .max_upload_body = gw_spool_max_body(&cfg)},
  };
  if (gw_edge_start(&edge_settings, srv, &edge, err, sizeof(err)) != CS_OK) {
    log_error("%s", err);
    goto done;
  }
  log_info("gateway listening on %s:%ld (a thread per connection, %zu routes)", cfg.bind_address,
           cfg.port, cfg.routes.n);

  http_server_signals_wait();
  exit_code = 0;

done:
  gw_edge_stop_accepting(edge);
  http_server_stop(srv); /* drains, then joins the worker threads */
  gw_edge_free(edge);    /* passes on the last answers, closes the connections */
  http_server_free(admin);
  gw_app_free(app);
  http_server_free(srv); /* drops the uploads of requests that never reached their handler */
  gw_spool_free(spool);
  if (upstream_ready) gw_upstream_cleanup();
  if (curl_ready) curl_global_cleanup();
  log_info("gateway stopped");
  log_close();
  gw_config_free(&cfg);
  return exit_code;
}
