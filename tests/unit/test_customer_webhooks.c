/* The rules of webhooks that need no database (services/customer/webhooks/webhook_rules.c) and
 * Standard Webhooks signing (webhook_sign.c): the reference vector of the specification, both
 * secrets' forms, which URLs and event type patterns are taken, what of an event integrators
 * never see, and the backoff. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>

#include "../../services/customer/webhooks/webhook_rules.c"
#include "../../services/customer/webhooks/webhook_sign.c"

static void test_signature_reference_vector(void **state) {
  (void)state;
  /* standardwebhooks.com's own example */
  const char *body = "{\"test\": 2432232314}";
  char sig[WEBHOOK_SIGNATURE_SIZE];
  assert_int_equal(
      webhook_sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                   1614265330, body, strlen(body), sig),
      CS_OK);
  assert_string_equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  /* one byte more of body, another second: another signature */
  char other[WEBHOOK_SIGNATURE_SIZE];
  webhook_sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265331,
               body, strlen(body), other);
  assert_string_not_equal(sig, other);
  /* not a secret of ours */
  assert_int_equal(webhook_sign("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "m", 1, body, 1, sig),
                   CS_ERR_INVALID);
  assert_int_equal(webhook_sign("whsec_***", "m", 1, body, 1, sig), CS_ERR_INVALID);
  assert_int_equal(webhook_sign(NULL, "m", 1, body, 1, sig), CS_ERR_INVALID);
}

static void test_secret_new(void **state) {
  (void)state;
  char a[WEBHOOK_SECRET_SIZE], b[WEBHOOK_SECRET_SIZE], sig[WEBHOOK_SIGNATURE_SIZE];
  assert_int_equal(webhook_secret_new(a), CS_OK);
  assert_int_equal(webhook_secret_new(b), CS_OK);
  assert_int_equal(strlen(a), 50);
  assert_int_equal(strncmp(a, "whsec_", 6), 0);
  assert_int_equal(a[49], '='); /* 32 bytes: 43 characters and one pad */
  assert_string_not_equal(a, b);
  assert_int_equal(webhook_sign(a, "id", 1, "{}", 2, sig), CS_OK);
}

static void test_url_check(void **state) {
  (void)state;
  assert_null(customer_webhooks_url_check("https://hooks.example.com/claims?x=1", 0));
  assert_null(customer_webhooks_url_check("https://hooks.example.com:8443", 0));
  assert_non_null(customer_webhooks_url_check("http://hooks.example.com/", 0));
  assert_non_null(customer_webhooks_url_check("http://hooks.example.com/", 1));
  assert_non_null(customer_webhooks_url_check("http://127.0.0.1:9000/h", 0));
  assert_null(customer_webhooks_url_check("http://127.0.0.1:9000/h", 1));
  assert_null(customer_webhooks_url_check("http://localhost/h", 1));
  /* a host that only starts like localhost */
  assert_non_null(customer_webhooks_url_check("http://localhost.evil.example/h", 1));
  assert_non_null(customer_webhooks_url_check("http://127.0.0.1.evil.example/h", 1));
  assert_non_null(customer_webhooks_url_check("ftp://hooks.example.com/", 1));
  assert_non_null(customer_webhooks_url_check("https://", 0));
  assert_non_null(customer_webhooks_url_check("https:///path", 0));
  assert_non_null(customer_webhooks_url_check("https://u:p@hooks.example.com/", 0));
  assert_null(customer_webhooks_url_check("https://hooks.example.com/a@b", 0));
  assert_non_null(customer_webhooks_url_check("https://hooks.example.com/a b", 0));
  assert_non_null(customer_webhooks_url_check("https://hooks.example.com/\r\nX: y", 0));
  assert_non_null(customer_webhooks_url_check("", 0));
  assert_non_null(customer_webhooks_url_check(NULL, 0));
  char big[2100];
  snprintf(big, sizeof(big), "https://hooks.example.com/%02000d", 0);
  assert_non_null(customer_webhooks_url_check(big, 0));
}

static void test_event_types(void **state) {
  (void)state;
  assert_true(customer_webhooks_type_known("case.created"));
  assert_true(customer_webhooks_type_known("order.done"));
  assert_false(customer_webhooks_type_known("fact.user"));
  assert_false(customer_webhooks_type_known("case.snapshot"));
  assert_false(customer_webhooks_type_known(NULL));
  assert_true(customer_webhooks_type_matches("*", "task.added"));
  assert_true(customer_webhooks_type_matches("task.*", "task.added"));
  assert_true(customer_webhooks_type_matches("task.added", "task.added"));
  assert_false(customer_webhooks_type_matches("task.*", "tasks.added"));
  assert_false(customer_webhooks_type_matches("task.*", "task"));
  assert_false(customer_webhooks_type_matches("task.added", "task.added_more"));
  /* "temporary_case.*" is not "temporary_case_report.*" */
  assert_false(
      customer_webhooks_type_matches("temporary_case.*", "temporary_case_report.generated"));
  assert_true(customer_webhooks_pattern_ok("case.*"));
  assert_true(customer_webhooks_pattern_ok("*"));
  assert_true(customer_webhooks_pattern_ok("rfq.decided"));
  assert_false(customer_webhooks_pattern_ok("fact.*"));
  assert_false(customer_webhooks_pattern_ok("case"));
  assert_false(customer_webhooks_pattern_ok("cas*"));
  assert_false(customer_webhooks_pattern_ok(""));
}

static void test_payload_leaves_out_internal_members(void **state) {
  (void)state;
  json_t *event = json_pack(
      "{s:s, s:s, s:s, s:s, s:i, s:s, s:{s:s, s:s, s:s, s:[s], s:s, s:s}}", "id", "e-1", "type",
      "rfq.invited_external", "occurred_at", "2026-12-05T09:00:00Z", "portal_id", "p", "seq", 7,
      "source", "cases", "data", "case_id", "c-1", "email", "a@b.example", "invitation_path",
      "/v1/rfq-invitations/SECRET", "notify", "u-1", "access_token", "t", "description", "floor");
  json_t *p = customer_webhooks_payload(event);
  assert_non_null(p);
  assert_int_equal(json_object_size(p), 4); /* no seq, source or portal_id */
  assert_string_equal(json_string_value(json_object_get(p, "id")), "e-1");
  assert_string_equal(json_string_value(json_object_get(p, "type")), "rfq.invited_external");
  assert_string_equal(json_string_value(json_object_get(p, "occurred_at")), "2026-12-05T09:00:00Z");
  json_t *data = json_object_get(p, "data");
  assert_int_equal(json_object_size(data), 3);
  assert_non_null(json_object_get(data, "case_id"));
  assert_non_null(json_object_get(data, "email"));
  assert_non_null(json_object_get(data, "description"));
  char *text = json_dumps(p, JSON_COMPACT);
  assert_null(strstr(text, "SECRET"));
  free(text);
  json_decref(p);
  json_object_del(event, "occurred_at");
  assert_null(customer_webhooks_payload(event));
  json_decref(event);
}

/* 1 when a delivery may connect to the address text (IPv4 or IPv6). */
static int allowed(const char *text, int allow_local) {
  struct sockaddr_in in = {.sin_family = AF_INET};
  struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
  if (inet_pton(AF_INET, text, &in.sin_addr) == 1)
    return customer_webhooks_address_allowed((struct sockaddr *)&in, allow_local);
  assert_int_equal(inet_pton(AF_INET6, text, &in6.sin6_addr), 1);
  return customer_webhooks_address_allowed((struct sockaddr *)&in6, allow_local);
}

static void test_internal_addresses_refused(void **state) {
  (void)state;
  static const char *const internal[] = {
      "127.0.0.1",      "10.1.2.3",        "172.16.0.1", "172.31.255.255",
      "192.168.1.1",    "169.254.169.254", "0.0.0.0",    "100.64.0.1",
      "224.0.0.1",      "255.255.255.255", "::1",        "::",
      "fd00::1",        "fe80::1",         "ff02::1",    "::ffff:127.0.0.1",
      "::ffff:10.0.0.1"};
  static const char *const outside[] = {"93.184.216.34", "172.15.0.1", "172.32.0.1",
                                        "100.128.0.1",   "8.8.8.8",    "2606:4700::1111",
                                        "::ffff:8.8.8.8"};
  for (size_t i = 0; i < sizeof(internal) / sizeof(internal[0]); i++) {
    if (allowed(internal[i], 0)) fail_msg("%s allowed", internal[i]);
    assert_true(allowed(internal[i], 1)); /* WEBHOOK_ALLOW_HTTP: tests and development */
  }
  for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++)
    if (!allowed(outside[i], 0)) fail_msg("%s refused", outside[i]);
}

static void test_backoff(void **state) {
  (void)state;
  assert_int_equal(customer_webhooks_backoff_ms(5000, 3600000, 1), 5000);
  assert_int_equal(customer_webhooks_backoff_ms(5000, 3600000, 2), 10000);
  assert_int_equal(customer_webhooks_backoff_ms(5000, 3600000, 10), 2560000);
  assert_int_equal(customer_webhooks_backoff_ms(5000, 3600000, 11), 3600000);
  assert_int_equal(customer_webhooks_backoff_ms(5000, 3600000, 1000), 3600000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_signature_reference_vector),
      cmocka_unit_test(test_secret_new),
      cmocka_unit_test(test_url_check),
      cmocka_unit_test(test_event_types),
      cmocka_unit_test(test_payload_leaves_out_internal_members),
      cmocka_unit_test(test_internal_addresses_refused),
      cmocka_unit_test(test_backoff),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
