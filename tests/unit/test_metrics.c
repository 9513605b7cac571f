/* Prometheus rendering: counts by status class, cumulative buckets, extra gauges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "metrics.h"
#include "status.h"

static void test_render(void **state) {
  (void)state;
  struct metrics *m = NULL;
  assert_int_equal(metrics_new("cases", &m), CS_OK);
  int r = metrics_route(m, "GET", "/v1/cases/:id");
  assert_int_equal(metrics_route(m, "GET", "/v1/cases/:id"), r); /* same label, same slot */
  metrics_observe(m, r, 200, 0.0004);
  metrics_observe(m, r, 200, 0.03);
  metrics_observe(m, r, 404, 0.2);
  metrics_observe(m, 99, 200, 1); /* unknown route: ignored, no crash */
  char *text = metrics_render(m, "pool_in_use 3\n");
  assert_non_null(strstr(text, "http_requests_total{service=\"cases\",route=\"GET /v1/cases/:id\",status=\"2xx\"} 2\n"));
  assert_non_null(strstr(text, "status=\"4xx\"} 1\n"));
  assert_non_null(strstr(text, "le=\"0.001\"} 1\n"));
  assert_non_null(strstr(text, "le=\"0.05\"} 2\n"));
  assert_non_null(strstr(text, "le=\"0.25\"} 3\n"));
  assert_non_null(strstr(text, "le=\"+Inf\"} 3\n"));
  assert_non_null(strstr(text, "http_request_duration_seconds_count{service=\"cases\",route=\"GET /v1/cases/:id\"} 3\n"));
  assert_non_null(strstr(text, "pool_in_use 3\n"));
  free(text);
  metrics_free(m);
  metrics_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_render)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
