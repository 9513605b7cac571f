/* service_consume: a consumer is registered for a source EVENT_FEEDS names, and refused for one
 * it does not. (That registered consumers start, apply and stop with the service is proven by
 * tests/integration/test_bus.c through the probe service.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "service.h"
#include "status.h"

static int apply(PGconn *conn, const json_t *event, void *arg) {
  (void)conn;
  (void)event;
  (void)arg;
  return 0;
}

static void test_registration_follows_event_feeds(void **state) {
  (void)state;
  struct service svc;
  setenv("EVENT_FEEDS", "policy=http://127.0.0.1:1,cases=http://127.0.0.1:2", 1);
  setenv("BIND_ADDRESS", "127.0.0.1", 1);
  setenv("LOG_LEVEL", "error", 1);
  setenv("REDIS_PASSWORD", "redis-password", 1);
  setenv("SERVICE_SECRET", "a-secret-the-services-share-0123456789", 1);
  assert_int_equal(service_init(&svc, "consume_test", 1), 0);
  assert_int_equal(service_consume(&svc, "policy", apply, NULL, NULL), CS_OK);
  assert_int_equal(service_consume(&svc, "cases", apply, NULL, NULL), CS_OK);
  assert_int_equal(service_consume(&svc, "orders", apply, NULL, NULL), CS_ERR_NOT_FOUND);
  service_free(&svc);
  unsetenv("EVENT_FEEDS");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_registration_follows_event_feeds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
