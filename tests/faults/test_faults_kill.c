/* Kill -9 of each service in turn (policy, cases, customer, orders, the gateway) in the middle of
 * FAULTS_WRITES concurrent keyed creates through a gateway, the clients retrying a connection
 * error or a 5xx with the same Idempotency-Key. Once the service is back: every acknowledged
 * write is there exactly once with the id it was answered with, a replay of each key answers
 * the same id and body, each write emitted its event once, and where a consumer turns the event
 * into something countable (the customer service's copy of a case, the agent handler's inbox
 * notice of an order, the customer's news entry of a message) it did so once.
 *   policy:   POST /v1/offices (a partner admin's new office)
 *   cases:    POST /v1/cases
 *   customer: POST /v1/customer/cases/{id}/messages (staff to the customer)
 *   orders:   POST /v1/orders
 *   gateway:  POST /v1/cases, the gateway itself killed and started again on its port */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "faults.h"
#include "tl_customer.h"
#include "tl_org.h"

static char message_case[37];
static struct fw_orders o;
static char authz_p_admin[2048], authz_orderer[2048];

static int setup(void **state) {
  (void)state;
  char phone[24];
  fw_setup(NULL);
  struct tl_world *w = fw_world();
  fw_orders_create(&o);
  tl_customer_case(w, message_case, phone, NULL);
  snprintf(authz_p_admin, sizeof(authz_p_admin), "Authorization: Bearer %s", w->p_admin.token);
  snprintf(authz_orderer, sizeof(authz_orderer), "Authorization: Bearer %s", o.orderer.token);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  fw_orders_free(&o);
  fw_teardown();
  return 0;
}

/* ---- the faults ---------------------------------------------------------------------------- */

/* kill -9 of the stack's service name, started again at once (stack.sh restart waits until it
 * answers /healthz). */
static void kill_and_restart(void *name) {
  char args[64];
  snprintf(args, sizeof(args), "%s KILL", (const char *)name);
  if (tl_stack("kill", args) != 0) fprintf(stderr, "kill %s failed\n", (const char *)name);
  if (tl_stack("restart", name) != 0) fprintf(stderr, "restart %s failed\n", (const char *)name);
}

static void kill_gateway(void *unused) {
  (void)unused;
  fg_kill9(fw_gateway());
  fg_restart(fw_gateway());
}

/* ---- the writes ---------------------------------------------------------------------------- */

static char *office_body(size_t i, void *run) {
  char *b = malloc(512);
  snprintf(b, 512,
           "{\"name\": \"%s-%zu\", \"street\": \"Storgatan 1\", \"postal_code\": \"97231\","
           " \"city\": \"Lulea\", \"latitude\": 65.58, \"longitude\": 22.15}",
           (const char *)run, i);
  return b;
}

static char *message_body(size_t i, void *run) {
  char *b = malloc(256);
  snprintf(b, 256, "{\"text\": \"%s-%zu\"}", (const char *)run, i);
  return b;
}

static char *order_body(size_t i, void *run) {
  char *b = malloc(2048);
  snprintf(b, 2048,
           "{\"order_type\": \"via_agent_connection\", \"agent_company_id\": \"%s\","
           " \"service\": \"%s-%zu\","
           " \"organisation\": {\"org_number\": \"212000-0142\", \"hsa_id\": \"SE2120000142-A1\","
           "   \"name\": \"Region Test\"},"
           " \"contact\": {\"name\": \"Eva Ek\", \"email\": \"eva@example.test\","
           "   \"phone\": \"+46 70 174 06 20\"},"
           " \"technical\": {\"environment\": \"production\","
           "   \"endpoint_url\": \"https://api.example.test/connect\"}}",
           o.agent, (const char *)run, i);
  return b;
}

/* ---- the scenarios ------------------------------------------------------------------------- */

static void cases_scenario(const char *scenario, void (*fault)(void *), void *arg) {
  struct fl_load l;
  struct fl_rows rows;
  fw_load(&l, scenario, "/v1/cases", fw_authz_handler(), fw_case_body, fault, arg);
  fl_run(&l);
  long twice = fw_cases_checked(&l, &rows, NULL);
  fl_print(scenario, &l, &rows, twice);
  fw_assert_nothing_lost(&l, &rows, twice);
  assert_true(l.retries > 0); /* the kill met the writes */
  fl_free(&l);
}

static void test_kill_cases(void **state) {
  (void)state;
  cases_scenario("kill -9 cases", kill_and_restart, "cases");
}

static void test_kill_gateway(void **state) {
  (void)state;
  cases_scenario("kill -9 gateway", kill_gateway, NULL);
}

static void test_kill_policy(void **state) {
  (void)state;
  struct fl_load l;
  struct fl_rows rows;
  fw_load(&l, "kill -9 policy", "/v1/offices", authz_p_admin, office_body, kill_and_restart,
          "policy");
  fl_run(&l);
  fl_count_rows(&l,
                "SELECT string_agg(substring(name from '[0-9]+$') || ':' || id, ',')"
                " FROM policy.offices WHERE name LIKE $1",
                &rows);
  long twice = fw_emitted_twice(&l, "policy");
  fl_print("kill -9 policy", &l, &rows, twice);
  fw_assert_nothing_lost(&l, &rows, twice);
  assert_true(l.retries > 0); /* the kill met the writes */
  fl_free(&l);
}

static void test_kill_orders(void **state) {
  (void)state;
  struct fl_load l;
  struct fl_rows rows;
  char sql[512];
  fw_load(&l, "kill -9 orders", "/v1/orders", authz_orderer, order_body, kill_and_restart,
          "orders");
  fl_run(&l);
  fl_count_rows(&l,
                "SELECT string_agg(substring(details->>'service' from '[0-9]+$') || ':' || id, ',')"
                " FROM orders.orders WHERE details->>'service' LIKE $1",
                &rows);
  long twice = fw_emitted_twice(&l, "orders");
  /* the agent handler's notice of each new order, made by the customer service */
  snprintf(sql, sizeof(sql),
           "SELECT string_agg(o || ':' || n, ',') FROM (SELECT data->>'order_id' o, count(*) n"
           " FROM customer.notifications WHERE kind = 'order_submitted' AND user_id = '%s'"
           " AND data->>'order_id' = ANY($1::text[]) GROUP BY 1) x",
           o.handler.id);
  twice += fw_applied_twice(&l, sql, "the agent handler's notices", NULL);
  fl_print("kill -9 orders", &l, &rows, twice);
  fw_assert_nothing_lost(&l, &rows, twice);
  assert_true(l.retries > 0); /* the kill met the writes */
  fl_free(&l);
}

static void test_kill_customer(void **state) {
  (void)state;
  struct fl_load l;
  struct fl_rows rows;
  char path[128];
  snprintf(path, sizeof(path), "/v1/customer/cases/%s/messages", message_case);
  fw_load(&l, "kill -9 customer", path, fw_authz_handler(), message_body, kill_and_restart,
          "customer");
  fl_run(&l);
  fl_count_rows(&l,
                "SELECT string_agg(substring(text from '[0-9]+$') || ':' || id, ',')"
                " FROM customer.messages WHERE text LIKE $1",
                &rows);
  /* each message tells the customer's news feed once, in its own transaction */
  long messages = tl_sql_long("SELECT count(*) FROM customer.messages WHERE case_id = $1", 1,
                              (const char *[]){message_case});
  long news = tl_sql_long(
      "SELECT count(*) FROM customer.news WHERE case_id = $1 AND kind = 'message_to_customer'", 1,
      (const char *[]){message_case});
  long twice = news > messages ? news - messages : 0;
  fl_print("kill -9 customer", &l, &rows, twice);
  assert_int_equal(news, messages);
  fw_assert_nothing_lost(&l, &rows, twice);
  assert_true(l.retries > 0); /* the kill met the writes */
  fl_free(&l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_kill_policy),   cmocka_unit_test(test_kill_cases),
      cmocka_unit_test(test_kill_customer), cmocka_unit_test(test_kill_orders),
      cmocka_unit_test(test_kill_gateway),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
