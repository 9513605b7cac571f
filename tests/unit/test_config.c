/* Configuration from the environment: defaults, bounds, and errors that name the variable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "status.h"

static void test_long_default_and_value(void **state) {
  (void)state;
  char err[200];
  long v = 0;
  unsetenv("TEST_N");
  assert_int_equal(config_long("TEST_N", 7, 1, 10, &v, err, sizeof(err)), CS_OK);
  assert_int_equal(v, 7);
  setenv("TEST_N", "9", 1);
  assert_int_equal(config_long("TEST_N", 7, 1, 10, &v, err, sizeof(err)), CS_OK);
  assert_int_equal(v, 9);
}

static void test_long_malformed_names_variable(void **state) {
  (void)state;
  char err[200];
  long v = 0;
  const char *bad[] = {"abc", "12x", "11", "0", "-3", "99999999999999999999"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    setenv("TEST_N", bad[i], 1);
    err[0] = '\0';
    assert_int_equal(config_long("TEST_N", 7, 1, 10, &v, err, sizeof(err)), CS_ERR_INVALID);
    assert_non_null(strstr(err, "TEST_N"));
    assert_non_null(strstr(err, bad[i]));
  }
}

static void test_required_string(void **state) {
  (void)state;
  char err[200];
  char *s = NULL;
  unsetenv("TEST_S");
  assert_int_equal(config_str("TEST_S", NULL, &s, err, sizeof(err)), CS_ERR_INVALID);
  assert_non_null(strstr(err, "TEST_S is required"));
  setenv("TEST_S", "hello", 1);
  assert_int_equal(config_str("TEST_S", NULL, &s, err, sizeof(err)), CS_OK);
  assert_string_equal(s, "hello");
  free(s);
}

static void test_bool(void **state) {
  (void)state;
  char err[200];
  int b = -1;
  setenv("TEST_B", "yes", 1);
  assert_int_equal(config_bool("TEST_B", 0, &b, err, sizeof(err)), CS_OK);
  assert_int_equal(b, 1);
  setenv("TEST_B", "maybe", 1);
  assert_int_equal(config_bool("TEST_B", 0, &b, err, sizeof(err)), CS_ERR_INVALID);
  assert_non_null(strstr(err, "TEST_B"));
}

/* A secret from NAME or NAME_FILE: one of them, the file's final newline dropped, the length
 * checked; a service does not start without its two. */
static void test_secrets(void **state) {
  (void)state;
  char err[200], *secret = NULL, path[] = "/tmp/test_config_secret_XXXXXX";
  struct service_config c;
  unsetenv("TEST_SECRET");
  unsetenv("TEST_SECRET_FILE");
  assert_int_equal(config_secret("TEST_SECRET", 0, 4, 64, &secret, err, sizeof(err)), CS_OK);
  assert_null(secret);
  assert_int_equal(config_secret("TEST_SECRET", 1, 4, 64, &secret, err, sizeof(err)),
                   CS_ERR_INVALID);
  assert_non_null(strstr(err, "TEST_SECRET"));
  setenv("TEST_SECRET", "abc", 1);
  assert_int_equal(config_secret("TEST_SECRET", 1, 4, 64, &secret, err, sizeof(err)),
                   CS_ERR_INVALID); /* too short */
  setenv("TEST_SECRET", "abcdef", 1);
  assert_int_equal(config_secret("TEST_SECRET", 1, 4, 64, &secret, err, sizeof(err)), CS_OK);
  assert_string_equal(secret, "abcdef");
  config_secret_free(secret);
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, "from-a-file\n", 12), 12);
  close(fd);
  setenv("TEST_SECRET_FILE", path, 1);
  assert_int_equal(config_secret("TEST_SECRET", 1, 4, 64, &secret, err, sizeof(err)),
                   CS_ERR_INVALID); /* both */
  unsetenv("TEST_SECRET");
  assert_int_equal(config_secret("TEST_SECRET", 1, 4, 64, &secret, err, sizeof(err)), CS_OK);
  assert_string_equal(secret, "from-a-file");
  config_secret_free(secret);
  unlink(path);
  assert_int_equal(config_secret("TEST_SECRET", 1, 4, 64, &secret, err, sizeof(err)),
                   CS_ERR_INVALID); /* the file is gone */
  unsetenv("TEST_SECRET_FILE");

  /* a service needs Redis's password and the services' secret (at least 32 bytes) */
  unsetenv("SERVICE_SECRET");
  assert_int_equal(config_service_load("cases", 8082, &c, err, sizeof(err)), CS_ERR_INVALID);
  config_service_free(&c);
  setenv("SERVICE_SECRET", "too-short", 1);
  assert_int_equal(config_service_load("cases", 8082, &c, err, sizeof(err)), CS_ERR_INVALID);
  assert_non_null(strstr(err, "SERVICE_SECRET"));
  config_service_free(&c);
  setenv("SERVICE_SECRET", "a-secret-the-services-share-0123456789", 1);
  unsetenv("REDIS_PASSWORD");
  assert_int_equal(config_service_load("cases", 8082, &c, err, sizeof(err)), CS_ERR_INVALID);
  assert_non_null(strstr(err, "REDIS_PASSWORD"));
  config_service_free(&c);
  setenv("REDIS_PASSWORD", "redis-password", 1);
}

static void test_service_defaults_and_threads(void **state) {
  (void)state;
  char err[200];
  struct service_config c;
  unsetenv("PORT");
  unsetenv("HTTP_THREADS");
  setenv("DB_POOL_SIZE", "6", 1);
  assert_int_equal(config_service_load("cases", 8082, &c, err, sizeof(err)), CS_OK);
  assert_int_equal(c.port, 8082);
  assert_string_equal(c.service, "cases");
  assert_non_null(strstr(c.database_url, "user=cases"));
  assert_int_equal(c.http_threads, 6); /* never fewer workers than pooled connections */
  assert_int_equal(c.max_body_bytes, 1024L * 1024);
  config_service_free(&c);

  setenv("PORT", "70000", 1);
  assert_int_equal(config_service_load("cases", 8082, &c, err, sizeof(err)), CS_ERR_INVALID);
  assert_non_null(strstr(err, "PORT"));
  config_service_free(&c);
  unsetenv("PORT");
  config_service_free(NULL);
}

static void test_event_feeds(void **state) {
  (void)state;
  char err[200];
  struct service_config c;
  memset(&c, 0, sizeof(c));
  assert_int_equal(config_feeds_parse(" policy=http://p:8081 , ,cases=https://c/base", &c, err,
                                      sizeof(err)), CS_OK);
  assert_int_equal(c.nfeeds, 2);
  assert_string_equal(config_feed_url(&c, "policy"), "http://p:8081");
  assert_string_equal(config_feed_url(&c, "cases"), "https://c/base");
  assert_null(config_feed_url(&c, "orders"));
  assert_int_equal(config_feeds_parse("", &c, err, sizeof(err)), CS_OK);
  assert_int_equal(c.nfeeds, 0);
  static const char *const bad[] = {"policy", "=http://p", "policy=ftp://p",
                                    "policy=http://a,policy=http://b"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    err[0] = '\0';
    assert_int_equal(config_feeds_parse(bad[i], &c, err, sizeof(err)), CS_ERR_INVALID);
    assert_non_null(strstr(err, "EVENT_FEEDS"));
    assert_int_equal(c.nfeeds, 0);
  }

  setenv("EVENT_FEEDS", "probe_a=http://127.0.0.1:1", 1);
  assert_int_equal(config_service_load("probe_b", 1, &c, err, sizeof(err)), CS_OK);
  assert_string_equal(config_feed_url(&c, "probe_a"), "http://127.0.0.1:1");
  config_service_free(&c);
  setenv("EVENT_FEEDS", "probe_a", 1);
  assert_int_equal(config_service_load("probe_b", 1, &c, err, sizeof(err)), CS_ERR_INVALID);
  assert_non_null(strstr(err, "EVENT_FEEDS"));
  config_service_free(&c);
  unsetenv("EVENT_FEEDS");
}

int main(void) {
  setenv("REDIS_PASSWORD", "redis-password", 1);
  setenv("SERVICE_SECRET", "a-secret-the-services-share-0123456789", 1);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_long_default_and_value),
      cmocka_unit_test(test_long_malformed_names_variable),
      cmocka_unit_test(test_required_string),
      cmocka_unit_test(test_bool),
      cmocka_unit_test(test_secrets),
      cmocka_unit_test(test_service_defaults_and_threads),
      cmocka_unit_test(test_event_feeds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
