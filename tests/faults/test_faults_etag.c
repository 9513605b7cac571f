/* Twenty concurrent changes of one object through a gateway, all with the same If-Match: exactly
 * one wins (2xx), every other is refused (412, or 409 when it saw the new state), and the
 * workflow's history and events show the transition once. For a case's PATCH, a task's status
 * change, a budget's approval, an order's rejection and a temporary case's conversion. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "faults.h"
#include "tl_org.h"

#define RACERS 20
#define LINE_10000                                                                               \
  "{\"description\":\"Tiles\",\"quantity\":1,\"unit\":\"pcs\",\"unit_price\":8000,\"vat_rate\":" \
  "25}"

static struct tl_world *w;
static struct fw_orders o;

static int setup(void **state) {
  (void)state;
  fw_setup(NULL);
  w = fw_world();
  fw_orders_create(&o);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  fw_orders_free(&o);
  fw_teardown();
  return 0;
}

/* ---- the race ------------------------------------------------------------------------------ */

struct racer {
  pthread_barrier_t *go;
  const char *method;
  char url[512], authorization[2048], if_match[96], body[512];
  long status;
};

static void *run(void *arg) {
  struct racer *r = arg;
  struct tl_response resp;
  const char *h[] = {"Content-Type: application/json", r->authorization, r->if_match, NULL};
  pthread_barrier_wait(r->go);
  r->status =
      tl_http(r->method, r->url, h, r->body, strlen(r->body), 10000, &resp) == 0 ? resp.status : 0;
  if (r->status == 0 || r->status >= 500)
    fprintf(stderr, "racer: %ld %.300s\n", r->status, resp.body != NULL ? resp.body : "");
  tl_response_free(&resp);
  return NULL;
}

/* text with its "%d" (if any) replaced by k, into out. */
static void numbered(char *out, size_t len, const char *text, int k) {
  const char *at = strstr(text, "%d");
  if (at == NULL)
    snprintf(out, len, "%s", text);
  else
    snprintf(out, len, "%.*s%d%s", (int)(at - text), text, k, at + 2);
}

/* RACERS requests method path as token at once, racer k's body body_fmt with k for its "%d";
 * with If-Match: etag, or (mixed) only every other racer with it and the rest with none (a
 * transition's own rules must then refuse them). Fails unless exactly one won and every other
 * was refused with 412 or 409. Prints the figures. */
static void race(const char *what, const char *method, const char *path, const char *token,
                 const char *etag, int mixed, const char *body_fmt) {
  static struct racer racers[RACERS];
  pthread_t threads[RACERS];
  pthread_barrier_t go;
  long won = 0, precondition = 0, conflict = 0, other = 0;
  pthread_barrier_init(&go, NULL, RACERS);
  for (int k = 0; k < RACERS; k++) {
    struct racer *r = &racers[k];
    r->go = &go;
    r->method = method;
    snprintf(r->url, sizeof(r->url), "%s%s", fw_gateway()->url, path);
    snprintf(r->authorization, sizeof(r->authorization), "Authorization: Bearer %s", token);
    if (mixed && k % 2 == 1)
      snprintf(r->if_match, sizeof(r->if_match), "X-Racer: %d", k); /* no If-Match */
    else
      snprintf(r->if_match, sizeof(r->if_match), "If-Match: %s", etag);
    numbered(r->body, sizeof(r->body), body_fmt, k);
    assert_int_equal(pthread_create(&threads[k], NULL, run, r), 0);
  }
  for (int k = 0; k < RACERS; k++) pthread_join(threads[k], NULL);
  pthread_barrier_destroy(&go);
  for (int k = 0; k < RACERS; k++) {
    long s = racers[k].status;
    if (s >= 200 && s < 300)
      won++;
    else if (s == 412)
      precondition++;
    else if (s == 409)
      conflict++;
    else
      other++;
  }
  print_message(
      "ETag race, %s: %d racers (%s), %ld won, %ld refused 412, %ld refused 409, %ld other\n", what,
      RACERS, mixed ? "half with If-Match, half without" : "all with If-Match", won, precondition,
      conflict, other);
  assert_int_equal(won, 1);
  assert_int_equal(other, 0);
}

/* ---- helpers ------------------------------------------------------------------------------- */

/* method path on the cases service as token (the replica synced first); expects status; the
 * answer's ETag into etag (64 bytes) unless NULL, its id into id (37) unless NULL. */
static void cases_call(const char *method, const char *path, const char *token, const char *body,
                       long status, char *etag, char *id) {
  struct tl_response r;
  tl_cases(method, path, token, body, NULL, &r);
  tl_expect(&r, status);
  if (etag != NULL) {
    char *e = tl_header(&r, "ETag");
    assert_non_null(e);
    snprintf(etag, 64, "%s", e);
    free(e);
  }
  if (id != NULL) snprintf(id, 37, "%s", tl_str(r.json, "id"));
  tl_response_free(&r);
}

static long history(const char *case_id, const char *action) {
  return tl_sql_long("SELECT count(*) FROM cases.case_history WHERE case_id = $1 AND action = $2",
                     2, (const char *[]){case_id, action});
}

static long case_events(const char *case_id, const char *type) {
  return tl_sql_long("SELECT count(*) FROM cases.outbox WHERE aggregate_id = $1 AND type = $2", 2,
                     (const char *[]){case_id, type});
}

/* ---- the races ----------------------------------------------------------------------------- */

static void test_case_patch(void **state) {
  (void)state;
  char case_id[37], path[128];
  tl_world_case(w, 0, 0, case_id);
  snprintf(path, sizeof(path), "/v1/cases/%s", case_id);
  race("PATCH of a case", "PATCH", path, w->ia_handler.token, "\"1\"", 0,
       "{\"description\": \"racer %d\"}");
  assert_int_equal(history(case_id, "case.updated"), 1);
  assert_int_equal(case_events(case_id, "case.updated"), 1);
}

static void test_task_status(void **state) {
  (void)state;
  char case_id[37], task[37], path[200], body[96], etag[64];
  tl_world_case(w, 59.3293, 18.0686, case_id);
  tl_world_task(w, case_id, "inspection", NULL, w->p_sthlm, task);
  snprintf(path, sizeof(path), "/v1/cases/%s/tasks/%s/user", case_id, task);
  snprintf(body, sizeof(body), "{\"user_id\": \"%s\"}", w->p_worker.id);
  cases_call("PUT", path, w->p_admin.token, body, 200, etag, NULL);
  snprintf(path, sizeof(path), "/v1/cases/%s/tasks/%s/status", case_id, task);
  race("a task's status 2 -> 3", "POST", path, w->p_worker.token, etag, 1, "{\"status\": \"3\"}");
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.outbox WHERE type = "
                               "'task.status_changed' AND data->>'task_id' = $1 AND data->>'to' = "
                               "'3'",
                               1, (const char *[]){task}),
                   1);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.outbox WHERE type = "
                               "'inspection.started' AND data->>'task_id' = $1",
                               1, (const char *[]){task}),
                   1);
}

static void test_budget_approval(void **state) {
  (void)state;
  char case_id[37], task[37], budget[37], path[200], etag[64];
  tl_world_case(w, 0, 0, case_id);
  tl_world_task(w, case_id, "repair", "carpentry", w->q_gbg, task);
  snprintf(path, sizeof(path), "/v1/cases/%s/tasks/%s/budgets", case_id, task);
  cases_call("POST", path, w->q_worker.token, "{\"lines\": [" LINE_10000 "]}", 201, NULL, budget);
  snprintf(path, sizeof(path), "/v1/cases/%s/budgets/%s/submit", case_id, budget);
  cases_call("POST", path, w->q_worker.token, NULL, 200, etag, NULL);
  snprintf(path, sizeof(path), "/v1/cases/%s/budgets/%s/approve", case_id, budget);
  race("a budget's approval", "POST", path, w->ia_handler.token, etag, 1, "{}");
  assert_int_equal(history(case_id, "budget.approved"), 1);
  assert_int_equal(case_events(case_id, "budget.approved"), 1);
}

static void test_order_rejection(void **state) {
  (void)state;
  char path[200], body[1024], order[37];
  struct tl_response r;
  snprintf(body, sizeof(body),
           "{\"order_type\": \"via_agent_connection\", \"agent_company_id\": \"%s\","
           " \"service\": \"Journal\","
           " \"organisation\": {\"org_number\": \"212000-0142\", \"hsa_id\": \"SE2120000142-A1\","
           "   \"name\": \"Region Test\"},"
           " \"contact\": {\"name\": \"Eva Ek\", \"email\": \"eva@example.test\","
           "   \"phone\": \"+46 70 174 06 20\"},"
           " \"technical\": {\"environment\": \"production\","
           "   \"endpoint_url\": \"https://api.example.test/connect\"}}",
           o.agent);
  tl_call(fw_gateway()->url, "POST", "/v1/orders", o.orderer.token, body, NULL, &r);
  tl_expect(&r, 201);
  tl_assert_header(&r, "ETag", "\"1\"");
  snprintf(order, sizeof(order), "%s", tl_str(r.json, "id"));
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/orders/%s/reject", order);
  race("an order's rejection", "POST", path, o.handler.token, "\"1\"", 1,
       "{\"reason\": \"racer %d\"}");
  assert_int_equal(tl_sql_long("SELECT count(*) FROM orders.outbox WHERE aggregate_id = $1 AND"
                               " type = 'order.rejected'",
                               1, (const char *[]){order}),
                   1);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM orders.orders WHERE id = $1 AND status ="
                               " 'rejected' AND version = 2",
                               1, (const char *[]){order}),
                   1);
}

static void test_temporary_convert(void **state) {
  (void)state;
  char path[200], id[37], etag[64], body[160];
  snprintf(path, sizeof(path), "/v1/offices/%s", w->p_sthlm);
  tl_world_policy_change(w, "PATCH", path, "{\"temporary_cases\": \"always\"}");
  cases_call("POST", "/v1/temporary-cases", w->p_worker.token,
             "{\"damage_type\": \"storm\", \"damage_date\": \"2026-11-30\","
             " \"address\": {\"street\": \"Fjordveien 2\", \"postal_code\": \"5003\","
             " \"city\": \"Bergen\", \"country\": \"NO\"}, \"contacts\": [{\"kind\":"
             " \"policyholder\", \"name\": \"Ola Nordmann\", \"phone\": \"+4791234567\"}]}",
             201, etag, id);
  tl_world_policy_change(w, "PATCH", path, "{\"temporary_cases\": \"never\"}");
  snprintf(path, sizeof(path), "/v1/cases/%s/convert", id);
  snprintf(body, sizeof(body), "{\"claim_number\": \"C-%s-%%d\", \"case_handler_id\": \"%s\"}",
           w->sfx, w->ia_handler.id);
  race("a temporary case's conversion", "POST", path, w->ia_handler.token, etag, 1, body);
  assert_int_equal(history(id, "temporary_case.converted"), 1);
  assert_int_equal(case_events(id, "temporary_case.converted"), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_case_patch),        cmocka_unit_test(test_task_status),
      cmocka_unit_test(test_budget_approval),   cmocka_unit_test(test_order_rejection),
      cmocka_unit_test(test_temporary_convert),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
