/* The gateway process: configuration, HTTP server start, wait for SIGTERM/SIGINT, clean stop.
 * Nothing else lives here (request handling: http_gateway.c). */
#include <curl/curl.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <ulfius.h>

#include "gw_config.h"
#include "http.h"
#include "http_gateway.h"
#include "log.h"
#include "status.h"
#include "upstream_client.h"

#define EXIT_CONFIG 2

/* libmicrohttpd's own complaints, into our log. */
static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap) {
  (void)cls;
  char line[512];
  vsnprintf(line, sizeof(line), fmt, ap);
  size_t n = strlen(line);
  while (n > 0 && line[n - 1] == '\n') line[--n] = '\0';
  log_warning("microhttpd: %s", line);
}

/* Room for every allowed connection plus upstream sockets, if the hard limit lets us. */
static void raise_fd_limit(long connections) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  rlim_t want = (rlim_t)connections * 2 + 256;
  if (rl.rlim_cur >= want) return;
  rl.rlim_cur = (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want) ? want : rl.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0) log_warning("could not raise the open file limit");
}

int main(void) {
  struct gw_config cfg;
  struct gw_app *app = NULL;
  struct _u_instance instance;
  sigset_t stop_signals;
  char err[512];
  int exit_code = 1, curl_ready = 0, instance_ready = 0, upstream_ready = 0, started = 0;

  if (gw_config_load(&cfg, err, sizeof(err)) != CS_OK) {
    fprintf(stderr, "gateway: configuration error: %s\n", err);
    return EXIT_CONFIG;
  }
  if (log_init("gateway", cfg.log_level) != CS_OK) {
    fprintf(stderr, "gateway: could not start logging\n");
    gw_config_free(&cfg);
    return EXIT_CONFIG;
  }

  /* Every thread started from here on inherits the blocked mask; only sigwait sees them. */
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
  signal(SIGPIPE, SIG_IGN);
  raise_fd_limit(cfg.max_connections);

  /* libcurl serves the upstream health checks and the JWKS fetches (forwarding does not use it) */
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    log_error("could not initialise libcurl");
    goto done;
  }
  curl_ready = 1;
  struct gw_upstream_settings us = {cfg.connect_timeout_ms, cfg.timeout_ms,
                                    cfg.max_response_bytes, {NULL}};
  for (int i = 0; i < GW_UP_COUNT; i++) us.base_url[i] = cfg.upstream_url[i];
  if (gw_upstream_init(&us) != CS_OK) {
    log_error("could not set up forwarding to the upstreams");
    goto done;
  }
  upstream_ready = 1;
  if (gw_app_new(&cfg, &app) != CS_OK || gw_app_start(app) != CS_OK) {
    log_error("could not set up the gateway (JWKS cache, metrics, health checks)");
    goto done;
  }

  if (ulfius_init_instance(&instance, (unsigned)cfg.port, NULL, NULL) != U_OK) {
    log_error("ulfius_init_instance failed");
    goto done;
  }
  instance_ready = 1;
  instance.check_utf8 = 0;                              /* headers and bodies are bytes */
  instance.allowed_post_processor = U_POST_PROCESS_NONE; /* bodies are forwarded, not parsed */
  instance.max_post_body_size = (size_t)cfg.max_body_bytes + 1; /* +1: "over the limit" shows */
  instance.timeout = (unsigned)cfg.http_timeout_s;
  if (ulfius_set_default_endpoint(&instance, gw_http_dispatch, app) != U_OK) {
    log_error("ulfius_set_default_endpoint failed");
    goto done;
  }

  struct MHD_OptionItem ops[] = {
      {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL}, /* first, or MHD complains */
      {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)mhd_request_completed, NULL},
      {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)ulfius_uri_logger, NULL},
      {MHD_OPTION_SOCK_ADDR, 0, &cfg.listen_addr},
      {MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)cfg.threads, NULL},
      {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)cfg.http_timeout_s, NULL},
      {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)cfg.max_connections, NULL},
      {MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_CONNECTION_MEMORY_BYTES, NULL},
      {MHD_OPTION_END, 0, NULL}};
  unsigned int flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_TURBO | MHD_USE_ERROR_LOG;
  if (cfg.listen_addr.ss_family == AF_INET6) {
    flags |= MHD_USE_DUAL_STACK; /* "::" takes IPv4 clients as well */
  }
  if (ulfius_start_framework_with_mhd_options(&instance, flags, ops) != U_OK) {
    log_error("could not listen on %s:%ld", cfg.bind_address, cfg.port);
    goto done;
  }
  started = 1;
  log_info("gateway listening on %s:%ld (%ld threads, %zu routes)", cfg.bind_address, cfg.port,
           cfg.threads, cfg.routes.n);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  log_info("signal %d: stopping", sig);
  exit_code = 0;

done:
  if (started) ulfius_stop_framework(&instance); /* joins the worker threads */
  if (instance_ready) ulfius_clean_instance(&instance);
  gw_app_free(app);
  if (upstream_ready) gw_upstream_cleanup();
  if (curl_ready) curl_global_cleanup();
  log_info("gateway stopped");
  log_close();
  gw_config_free(&cfg);
  return exit_code;
}
