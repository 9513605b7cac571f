/* The dashboard's "cases with customer uploads or messages" against the running stack: the
 * customer service's events customer_contact.changed (written here into its outbox, as its
 * messages do, and published by its relay) reach the cases service's consumer
 * (services/cases/events_customer.c), and the dashboard row cases_with_customer_contact and the
 * list's customer_contact filter count the cases with something unread: the insurer's (users
 * and API clients), never another portal's, never a partner's; the newest event of a case wins
 * and an older one applied after it changes nothing; a malformed event is passed over. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ids.h"
#include "tl_world.h"

#define PROBLEM(slug) "urn:claimsuite:problem:" slug
#define ROW "cases_with_customer_contact"

static struct tl_world w;

/* ---- the customer service's events ------------------------------------------------------- */

struct emitted {
  char id[37];
  long long seq;
};

static int numbered(void *arg) {
  struct emitted *e = arg;
  char *seq = tl_sql("SELECT seq FROM customer.outbox WHERE id = $1", 1, (const char *[]){e->id});
  e->seq = seq != NULL ? strtoll(seq, NULL, 10) : 0;
  free(seq);
  return e->seq > 0;
}

static int applied(void *arg) {
  const struct emitted *e = arg;
  char seq[24];
  snprintf(seq, sizeof(seq), "%lld", e->seq);
  return tl_sql_long(
             "SELECT count(*) FROM cases.event_offsets WHERE source = 'customer'"
             " AND last_seq >= $1::bigint",
             1, (const char *[]){seq}) == 1;
}

/* An event of type with data (a JSON text) for the case, as the customer service writes it;
 * returns once the cases service applied it (or passed it over): its seq. */
static long long emit_raw(const char *type, const char *portal_id, const char *case_id,
                          const char *data) {
  struct emitted e;
  ids_uuid_v4(e.id);
  tl_sql_run(
      "INSERT INTO customer.outbox (id, type, portal_id, aggregate_id, data)"
      " VALUES ($1, $2, $3::uuid, $4, $5::jsonb)",
      5, e.id, type, portal_id, case_id, data);
  assert_true(tl_wait(numbered, &e, 10000));
  assert_true(tl_wait(applied, &e, 10000));
  return e.seq;
}

/* customer_contact.changed: unread messages of the case in portal_id. */
static long long emit(const char *portal_id, const char *case_id, int unread) {
  char data[512];
  snprintf(data, sizeof(data),
           "{\"case_id\": \"%s\", \"claim_number\": \"W-%s\", \"unread_from_customer\": %d,"
           " \"last_message_at\": \"2026-11-02T10:15:00Z\"}",
           case_id, w.sfx, unread);
  return emit_raw("customer_contact.changed", portal_id, case_id, data);
}

/* What the cases service keeps of the case: its unread count, -1 without a row. */
static long unread_kept(const char *case_id) {
  char *v = tl_sql("SELECT unread_from_customer FROM cases.customer_contact WHERE case_id = $1", 1,
                   (const char *[]){case_id});
  long n = v != NULL ? strtol(v, NULL, 10) : -1;
  free(v);
  return n;
}

static int listed(const char *token, const char *query, const char *case_id) {
  json_t *item = tl_cases_listed(token, query, case_id);
  json_decref(item);
  return item != NULL;
}

/* ---- the tests --------------------------------------------------------------------------- */

static void test_counts_while_unread(void **state) {
  (void)state;
  char case_id[37];
  tl_world_case(&w, 0, 0, case_id);
  long long before = tl_dashboard_row(w.ia_handler.token, ROW);
  assert_true(before >= 0);
  long long client_before = tl_dashboard_row(w.client_a_token, ROW);

  emit(w.portal_a, case_id, 2);
  assert_int_equal(unread_kept(case_id), 2);
  assert_int_equal(tl_dashboard_row(w.ia_handler.token, ROW), before + 1);
  assert_int_equal(tl_dashboard_row(w.ia_admin.token, ROW), before + 1);
  assert_int_equal(tl_dashboard_row(w.client_a_token, ROW), client_before + 1);
  /* the row names the list that holds what it counts */
  struct tl_response r;
  tl_cases("GET", "/v1/dashboard", w.ia_handler.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  json_t *row = NULL, *x;
  size_t i;
  json_array_foreach(json_object_get(r.json, "rows"), i, x) {
    const char *name = json_string_value(json_object_get(x, "row"));
    if (name != NULL && !strcmp(name, ROW)) row = x;
  }
  assert_non_null(row);
  tl_assert_str(json_object_get(row, "filter"), "customer_contact", "true");
  assert_int_equal(json_object_size(json_object_get(row, "filter")), 1);
  tl_response_free(&r);
  assert_true(listed(w.ia_handler.token, "customer_contact=true", case_id));
  assert_true(listed(w.client_a_token, "customer_contact=true", case_id));
  assert_false(listed(w.ia_handler.token, "customer_contact=false", case_id));

  /* more unread: still one case */
  emit(w.portal_a, case_id, 5);
  assert_int_equal(unread_kept(case_id), 5);
  assert_int_equal(tl_dashboard_row(w.ia_handler.token, ROW), before + 1);

  /* "mark all as read" in the customer service: 0 unread, the case leaves the row */
  emit(w.portal_a, case_id, 0);
  assert_int_equal(unread_kept(case_id), 0);
  assert_int_equal(tl_dashboard_row(w.ia_handler.token, ROW), before);
  assert_int_equal(tl_dashboard_row(w.client_a_token, ROW), client_before);
  assert_false(listed(w.ia_handler.token, "customer_contact=true", case_id));
  assert_true(listed(w.ia_handler.token, "customer_contact=false", case_id));

  /* a case whose first event says 0 is never counted */
  char quiet[37];
  tl_world_case(&w, 0, 0, quiet);
  emit(w.portal_a, quiet, 0);
  assert_int_equal(unread_kept(quiet), 0);
  assert_int_equal(tl_dashboard_row(w.ia_handler.token, ROW), before);
  assert_false(listed(w.ia_handler.token, "customer_contact=true", quiet));

  /* a closed case whose customer writes still waits to be read */
  char close[128];
  snprintf(close, sizeof(close), "/v1/cases/%s/close", quiet);
  tl_cases("POST", close, w.ia_handler.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  emit(w.portal_a, quiet, 1);
  assert_int_equal(tl_dashboard_row(w.ia_handler.token, ROW), before + 1);
  assert_true(listed(w.ia_handler.token, "customer_contact=true&status=closed", quiet));
  emit(w.portal_a, quiet, 0);
  assert_int_equal(tl_dashboard_row(w.ia_handler.token, ROW), before);
}

static void test_only_the_insurer_of_the_portal(void **state) {
  (void)state;
  char case_id[37];
  tl_world_case(&w, 0, 0, case_id);
  /* partner P sees the case (a task of its office, and the external case handler role) */
  tl_world_task(&w, case_id, "repair", "painting", w.p_sthlm, NULL);
  tl_world_ech(&w, case_id, w.p_sthlm, &w.p_ech);
  long long before = tl_dashboard_row(w.ia_handler.token, ROW);
  long long b_before = tl_dashboard_row(w.ib_admin.token, ROW);
  assert_true(b_before >= 0);

  emit(w.portal_a, case_id, 2);
  assert_int_equal(tl_dashboard_row(w.ia_handler.token, ROW), before + 1);
  /* portal B's insurer: not its case */
  assert_int_equal(tl_dashboard_row(w.ib_admin.token, ROW), b_before);
  assert_false(listed(w.ib_admin.token, "customer_contact=true", case_id));
  /* the partner sees the case, but the customer's messages are the insurer's to follow */
  assert_true(listed(w.p_worker.token, "limit=200", case_id));
  assert_int_equal(tl_dashboard_row(w.p_worker.token, ROW), -1);
  assert_int_equal(tl_dashboard_row(w.p_ech.token, ROW), -1);
  assert_false(listed(w.p_worker.token, "customer_contact=true", case_id));
  assert_false(listed(w.p_ech.token, "customer_contact=true", case_id));
  assert_true(listed(w.p_ech.token, "customer_contact=false", case_id));

  /* an event naming another portal than the case's counts nowhere */
  char other[37];
  tl_world_case(&w, 0, 0, other);
  emit(w.portal_b, other, 3);
  assert_int_equal(unread_kept(other), 3);
  assert_int_equal(tl_dashboard_row(w.ia_handler.token, ROW), before + 1);
  assert_int_equal(tl_dashboard_row(w.ib_admin.token, ROW), b_before);
  assert_false(listed(w.ia_handler.token, "customer_contact=true", other));
  emit(w.portal_a, case_id, 0);
  assert_int_equal(tl_dashboard_row(w.ia_handler.token, ROW), before);
}

/* The consumer applies in seq order; the row keeps the newest event even when an older one is
 * applied again after it (an offset moved back to rebuild): through the same function. */
static void test_older_event_changes_nothing(void **state) {
  (void)state;
  char case_id[37], older[24], newer[24], same[24];
  tl_world_case(&w, 0, 0, case_id);
  long long before = tl_dashboard_row(w.ia_handler.token, ROW);
  long long first = emit(w.portal_a, case_id, 0);
  long long second = emit(w.portal_a, case_id, 2);
  assert_true(second > first);
  assert_int_equal(tl_dashboard_row(w.ia_handler.token, ROW), before + 1);

  snprintf(older, sizeof(older), "%lld", first);
  snprintf(same, sizeof(same), "%lld", second);
  const char *apply =
      "SELECT cases.customer_contact_apply($1::uuid, $2::uuid, $3::integer,"
      " '2026-11-01T08:00:00Z', $4::bigint, now() + interval '1 hour')";
  /* the first event again, even with a later occurred_at: nothing changes */
  char *r = tl_sql(apply, 4, (const char *[]){case_id, w.portal_a, "0", older});
  assert_string_equal(r, "f");
  free(r);
  r = tl_sql(apply, 4, (const char *[]){case_id, w.portal_a, "0", same}); /* the same seq */
  assert_string_equal(r, "f");
  free(r);
  assert_int_equal(unread_kept(case_id), 2);
  r = tl_sql("SELECT event_seq FROM cases.customer_contact WHERE case_id = $1", 1,
             (const char *[]){case_id});
  assert_string_equal(r, same);
  free(r);
  r = tl_sql(
      "SELECT last_message_at = '2026-11-02T10:15:00Z' FROM cases.customer_contact"
      " WHERE case_id = $1",
      1, (const char *[]){case_id});
  assert_string_equal(r, "t");
  free(r);
  assert_int_equal(tl_dashboard_row(w.ia_handler.token, ROW), before + 1);

  /* a newer event does change it */
  long long third = emit(w.portal_a, case_id, 0);
  assert_true(third > second);
  snprintf(newer, sizeof(newer), "%lld", third);
  r = tl_sql("SELECT event_seq FROM cases.customer_contact WHERE case_id = $1", 1,
             (const char *[]){case_id});
  assert_string_equal(r, newer);
  free(r);
  assert_int_equal(tl_dashboard_row(w.ia_handler.token, ROW), before);
}

/* A malformed event is logged and passed over (retrying cannot mend it): the feed moves on and
 * the next event of the case is applied. Other events of the feed change nothing here. */
static void test_malformed_events_are_passed_over(void **state) {
  (void)state;
  char case_id[37], data[512];
  tl_world_case(&w, 0, 0, case_id);
  long long before = tl_dashboard_row(w.ia_handler.token, ROW);
  /* each: the text before the case id and after it */
  static const char *const bad[][2] = {
      {"{\"case_id\": \"", "\", \"unread_from_customer\": -1}"},
      {"{\"case_id\": \"", "\", \"unread_from_customer\": \"2\"}"},
      {"{\"case_id\": \"", "\", \"unread_from_customer\": 4294967296}"},
      {"{\"case_id\": \"", "\", \"unread_from_customer\": 2, \"last_message_at\": \"yesterday\"}"},
      {"{\"case_id\": \"", "-x\", \"unread_from_customer\": 2}"},
      {"{\"unread_from_customer\": 2, \"other\": \"", "\"}"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    snprintf(data, sizeof(data), "%s%s%s", bad[i][0], case_id, bad[i][1]);
    emit_raw("customer_contact.changed", w.portal_a, case_id, data);
  }
  /* no portal at all */
  snprintf(data, sizeof(data), "{\"case_id\": \"%s\", \"unread_from_customer\": 2}", case_id);
  emit_raw("customer_contact.changed", NULL, case_id, data);
  /* another type of the customer service's: not this consumer's */
  emit_raw("customer_access.granted", w.portal_a, case_id, data);
  assert_int_equal(unread_kept(case_id), -1);
  assert_int_equal(tl_dashboard_row(w.ia_handler.token, ROW), before);

  /* without last_message_at (no message yet is null) it is well formed */
  snprintf(data, sizeof(data),
           "{\"case_id\": \"%s\", \"unread_from_customer\": 1, \"last_message_at\": null}",
           case_id);
  emit_raw("customer_contact.changed", w.portal_a, case_id, data);
  assert_int_equal(unread_kept(case_id), 1);
  assert_int_equal(tl_dashboard_row(w.ia_handler.token, ROW), before + 1);
  emit(w.portal_a, case_id, 0);
  assert_int_equal(tl_dashboard_row(w.ia_handler.token, ROW), before);
}

static void test_list_filter_refusals(void **state) {
  (void)state;
  struct tl_response r;
  tl_cases("GET", "/v1/cases?customer_contact=yes", w.ia_handler.token, NULL, NULL, &r);
  tl_assert_problem(&r, 400, PROBLEM("invalid-parameter"));
  tl_assert_field_code(&r, "customer_contact", "wrong_type");
  tl_response_free(&r);
  tl_cases("GET", "/v1/cases?customer_contact=true", NULL, NULL, NULL, &r);
  tl_assert_problem(&r, 401, PROBLEM("unauthenticated"));
  tl_response_free(&r);
}

int main(void) {
  tl_world_create(&w);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_counts_while_unread),
      cmocka_unit_test(test_only_the_insurer_of_the_portal),
      cmocka_unit_test(test_older_event_changes_nothing),
      cmocka_unit_test(test_malformed_events_are_passed_over),
      cmocka_unit_test(test_list_filter_refusals),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  tl_world_free(&w);
  return failed;
}
