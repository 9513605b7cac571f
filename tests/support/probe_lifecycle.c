/* A slow route of the probe service, so tests can stop the process while a request is being
 * answered and check that it still completes. */
#include <stdlib.h>
#include <unistd.h>

#include "http.h"
#include "probe.h"
#include "service.h"

static void sleep_handler(struct request_ctx *ctx) {
  const char *ms_s = u_map_get(ctx->req->map_url, "ms");
  long ms = ms_s ? strtol(ms_s, NULL, 10) : 0;
  if (ms < 0 || ms > 10000) {
    http_problem(ctx->resp, PROBLEM_BAD_REQUEST, "ms must be between 0 and 10000");
    return;
  }
  usleep((useconds_t)ms * 1000);
  http_json(ctx->resp, 200, json_pack("{s:I}", "slept_ms", (json_int_t)ms));
}

void probe_lifecycle_routes(struct service *svc) {
  service_route(svc, "GET", "/sleep", sleep_handler, ROUTE_PUBLIC);
}
