/* Envelopes of the event bus: what the relay publishes and the feed serves, and what a
 * consumer accepts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bus.h"
#include "status.h"

static void test_envelope_has_every_field(void **state) {
  (void)state;
  json_t *env = NULL;
  assert_int_equal(bus_envelope_new("5f0c6d52-7a43-4e9b-9a4e-0c1b2d3e4f50", "cases", 42,
                                    "case.created", "9b2e7f8a-1c3d-4e5f-8a9b-0c1d2e3f4a5b",
                                    "case-17", "2024-03-01T10:11:12.123456Z",
                                    "{\"title\":\"water\",\"n\":3}", &env),
                   CS_OK);
  assert_string_equal(json_string_value(json_object_get(env, "id")),
                      "5f0c6d52-7a43-4e9b-9a4e-0c1b2d3e4f50");
  assert_string_equal(json_string_value(json_object_get(env, "source")), "cases");
  assert_int_equal(json_integer_value(json_object_get(env, "seq")), 42);
  assert_string_equal(json_string_value(json_object_get(env, "type")), "case.created");
  assert_string_equal(json_string_value(json_object_get(env, "portal_id")),
                      "9b2e7f8a-1c3d-4e5f-8a9b-0c1d2e3f4a5b");
  assert_string_equal(json_string_value(json_object_get(env, "aggregate_id")), "case-17");
  assert_string_equal(json_string_value(json_object_get(env, "occurred_at")),
                      "2024-03-01T10:11:12.123456Z");
  json_t *data = json_object_get(env, "data");
  assert_true(json_is_object(data));
  assert_string_equal(json_string_value(json_object_get(data, "title")), "water");
  assert_int_equal(json_integer_value(json_object_get(data, "n")), 3);
  assert_int_equal(json_object_size(env), 8);

  long long seq = 0;
  assert_int_equal(bus_envelope_seq(env, &seq), CS_OK);
  assert_int_equal(seq, 42);
  json_decref(env);
}

static void test_envelope_without_portal_is_null(void **state) {
  (void)state;
  json_t *env = NULL;
  assert_int_equal(bus_envelope_new("id-1", "orders", 1, "order.placed", NULL, "o-1",
                                    "2024-03-01T10:11:12.000000Z", "[]", &env),
                   CS_OK);
  assert_true(json_is_null(json_object_get(env, "portal_id")));
  assert_true(json_is_array(json_object_get(env, "data")));
  long long seq = 0;
  assert_int_equal(bus_envelope_seq(env, &seq), CS_OK);
  assert_int_equal(seq, 1);
  json_decref(env);
}

static void test_envelope_refuses_bad_input(void **state) {
  (void)state;
  json_t *env = (json_t *)1;
  assert_int_equal(bus_envelope_new("id", "s", 1, "t", NULL, "a", "ts", "{not json", &env),
                   CS_ERR_INVALID);
  assert_null(env);
  assert_int_equal(bus_envelope_new("id", "s", 0, "t", NULL, "a", "ts", "{}", &env),
                   CS_ERR_INVALID);
  assert_int_equal(bus_envelope_new(NULL, "s", 1, "t", NULL, "a", "ts", "{}", &env),
                   CS_ERR_INVALID);
  assert_int_equal(bus_envelope_new("id", "s", 1, "t", NULL, NULL, "ts", "{}", &env),
                   CS_ERR_INVALID);
}

static int seq_of(const char *text, long long *seq) {
  json_t *j = json_loads(text, 0, NULL);
  int rc = bus_envelope_seq(j, seq);
  json_decref(j);
  return rc;
}

static void test_incoming_envelope_is_checked(void **state) {
  (void)state;
  long long seq = 0;
  const char *ok = "{\"id\":\"i\",\"source\":\"s\",\"seq\":7,\"type\":\"t\",\"portal_id\":null,"
                   "\"aggregate_id\":\"a\",\"occurred_at\":\"2024-01-01T00:00:00.000000Z\","
                   "\"data\":{}}";
  assert_int_equal(seq_of(ok, &seq), CS_OK);
  assert_int_equal(seq, 7);
  /* seq missing, zero, negative, a string or a float */
  assert_int_equal(seq_of("{\"id\":\"i\",\"source\":\"s\",\"type\":\"t\",\"aggregate_id\":\"a\","
                          "\"occurred_at\":\"x\",\"data\":{}}", &seq), CS_ERR_INVALID);
  const char *bad_seqs[] = {"0", "-3", "\"7\"", "7.5"};
  for (size_t i = 0; i < sizeof(bad_seqs) / sizeof(bad_seqs[0]); i++) {
    char text[300];
    snprintf(text, sizeof(text),
             "{\"id\":\"i\",\"source\":\"s\",\"seq\":%s,\"type\":\"t\",\"aggregate_id\":\"a\","
             "\"occurred_at\":\"x\",\"data\":{}}", bad_seqs[i]);
    assert_int_equal(seq_of(text, &seq), CS_ERR_INVALID);
  }
  /* no data, empty source, a numeric portal, not an object at all */
  assert_int_equal(seq_of("{\"id\":\"i\",\"source\":\"s\",\"seq\":1,\"type\":\"t\","
                          "\"aggregate_id\":\"a\",\"occurred_at\":\"x\"}", &seq), CS_ERR_INVALID);
  assert_int_equal(seq_of("{\"id\":\"i\",\"source\":\"\",\"seq\":1,\"type\":\"t\","
                          "\"aggregate_id\":\"a\",\"occurred_at\":\"x\",\"data\":1}", &seq),
                   CS_ERR_INVALID);
  assert_int_equal(seq_of("{\"id\":\"i\",\"source\":\"s\",\"seq\":1,\"type\":\"t\",\"portal_id\":5,"
                          "\"aggregate_id\":\"a\",\"occurred_at\":\"x\",\"data\":1}", &seq),
                   CS_ERR_INVALID);
  assert_int_equal(seq_of("[1,2]", &seq), CS_ERR_INVALID);
  assert_int_equal(bus_envelope_seq(NULL, &seq), CS_ERR_INVALID);
}

static void test_backoff_doubles_to_five_seconds(void **state) {
  (void)state;
  long b = BUS_BACKOFF_MIN_MS;
  long seen[8];
  for (int i = 0; i < 8; i++) {
    seen[i] = b;
    b = bus_backoff_next(b);
  }
  long want[8] = {100, 200, 400, 800, 1600, 3200, 5000, 5000};
  for (int i = 0; i < 8; i++) assert_int_equal(seen[i], want[i]);
  assert_int_equal(bus_backoff_next(0), BUS_BACKOFF_MIN_MS);
}

static void test_waker_stops_a_wait_at_once(void **state) {
  (void)state;
  struct bus_waker *w = NULL;
  assert_int_equal(bus_waker_new(&w), CS_OK);
  long long t0 = bus_now_ms();
  assert_int_equal(bus_waker_wait(w, -1, 0, 50), 0);
  assert_true(bus_now_ms() - t0 >= 45);
  assert_false(bus_waker_stopped(w));
  bus_waker_stop(w);
  assert_true(bus_waker_stopped(w));
  t0 = bus_now_ms();
  assert_int_equal(bus_waker_wait(w, -1, 0, 5000), 0);
  assert_true(bus_now_ms() - t0 < 100);
  bus_waker_free(w);
  bus_waker_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_envelope_has_every_field),
      cmocka_unit_test(test_envelope_without_portal_is_null),
      cmocka_unit_test(test_envelope_refuses_bad_input),
      cmocka_unit_test(test_incoming_envelope_is_checked),
      cmocka_unit_test(test_backoff_doubles_to_five_seconds),
      cmocka_unit_test(test_waker_stops_a_wait_at_once),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
