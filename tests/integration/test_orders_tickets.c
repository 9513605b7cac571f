/* The ticket worker of the orders service (services/orders/ticket/), against a ticket endpoint
 * this test plays (tests/support/tl_ticket.h: it keeps tickets by Idempotency-Key, as the
 * provider's does). Orders are put straight into their states with SQL, as the customer
 * attestant's signature leaves them. The stack's orders service runs without TICKET_URL; the
 * test starts it again pointed at the endpoint, with short retries, and puts the stack's back at
 * the end. Proven: without TICKET_URL attested orders wait; a failing endpoint is retried with
 * growing delays and the ticket opened once when it recovers (errors, connection refused); a
 * service killed while the endpoint is slow to answer opens the ticket once after its restart;
 * two instances never call for one order at the same time; orders in any other state, or not
 * yet due, are never sent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "testlib.h"
#include "tl_ticket.h"
#include "tl_upstream.h"

#define AUTH "Bearer ticket-token-of-the-test"

static struct tl_ticket *ep;
static char portal[37], customer_co[37], agent_co[37], sfx[16], customer_name[64], agent_name[64];
static int swapped;

static void uuid(char out[37]) {
  char *v = tl_sql("SELECT gen_random_uuid()::text", 0, NULL);
  snprintf(out, 37, "%s", v);
  free(v);
}

static int replica_has_companies(void *arg) {
  (void)arg;
  return tl_sql_long("SELECT count(*) FROM orders.replica_company WHERE id IN ($1, $2)", 2,
                     (const char *[]){customer_co, agent_co}) == 2;
}

static int setup(void **state) {
  (void)state;
  char *v = tl_sql("SELECT substr(md5(random()::text), 1, 10)", 0, NULL);
  snprintf(sfx, sizeof(sfx), "%s", v);
  free(v);
  uuid(portal);
  uuid(customer_co);
  uuid(agent_co);
  snprintf(customer_name, sizeof(customer_name), "Ticket Kund BRF %s", sfx);
  snprintf(agent_name, sizeof(agent_name), "Ticket Agentur AB %s", sfx);
  /* the organisations, in the policy service: the orders service's replica learns them */
  tl_sql_run(
      "INSERT INTO policy.companies (id, kind, name, org_number) VALUES"
      " ($1, 'customer', $2, '769600-1234'), ($3, 'agent', $4, '556677-8899')",
      4, customer_co, customer_name, agent_co, agent_name);
  if (!tl_wait(replica_has_companies, NULL, 15000)) {
    printf("the orders replica did not learn the organisations\n");
    return -1;
  }
  tl_ticket_start(&ep);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  if (swapped) tl_ticket_orders_restore();
  tl_ticket_stop(ep);
  return 0;
}

/* The orders service pointed at the endpoint, with short retries and a short timeout. */
static void use_endpoint(void) {
  static char url[128], auth_file[512];
  if (swapped) return;
  snprintf(url, sizeof(url), "TICKET_URL=%s", tl_ticket_url(ep));
  snprintf(auth_file, sizeof(auth_file), "%s/ticket-auth", tl_env("STACK_DIR"));
  FILE *f = fopen(auth_file, "w");
  assert_non_null(f);
  fprintf(f, "Authorization: " AUTH "\n");
  fclose(f);
  char auth_env[600];
  snprintf(auth_env, sizeof(auth_env), "TICKET_AUTH_HEADER_FILE=%s", auth_file);
  const char *env[] = {url,
                       auth_env,
                       "TICKET_RETRY_BASE_MS=200",
                       "TICKET_RETRY_MAX_MS=1000",
                       "TICKET_POLL_MS=50",
                       "TICKET_TIMEOUT_MS=3000",
                       NULL};
  tl_ticket_orders_start(env);
  swapped = 1;
}

/* An order of the test's organisations in status (ticket_ref NULL for none); an attested one
 * with the history line the customer attestant's signature leaves. Its id into id. */
static void order_in(const char *status, const char *ticket_ref, char id[37]) {
  char *v = tl_sql(
      "INSERT INTO orders.orders (id, portal_id, status, order_type, customer_company_id,"
      " agent_company_id, ordered_by, details, ticket_ref) VALUES (gen_random_uuid(), $1, $2,"
      " 'via_agent_connection', $3, $4, gen_random_uuid(), jsonb_build_object('service',"
      " 'Journalföring ' || $6, 'organisation', jsonb_build_object('org_number', '769600-1234'),"
      " 'contact', jsonb_build_object('name', 'Kim Kontakt', 'email', 'kim@kund.example'),"
      " 'technical', jsonb_build_object('environment', 'production', 'endpoint_url',"
      " 'https://agent.example/api')), $5) RETURNING id::text",
      6, (const char *[]){portal, status, customer_co, agent_co, ticket_ref, sfx});
  snprintf(id, 37, "%s", v);
  free(v);
  if (strcmp(status, "attested") == 0)
    tl_sql_run(
        "INSERT INTO orders.order_history (order_id, at, actor_id, action, from_status,"
        " to_status) VALUES ($1, '2024-05-06 07:08:09+00', gen_random_uuid(),"
        " 'customer_attest_signed', 'customer_attest', 'attested')",
        1, id);
}

static char *order_text(const char *id, const char *column_sql) {
  char q[256];
  snprintf(q, sizeof(q), "SELECT (%s)::text FROM orders.orders WHERE id = $1", column_sql);
  return tl_sql(q, 1, (const char *[]){id});
}

static int status_is(const char *id, const char *status) {
  char *v = order_text(id, "status");
  int is = v != NULL && strcmp(v, status) == 0;
  free(v);
  return is;
}
static int is_opened(void *id) { return status_is(id, "ticket_opened"); }
static long attempts(const char *id) {
  return tl_sql_long("SELECT ticket_attempts FROM orders.orders WHERE id = $1", 1,
                     (const char *[]){id});
}
static int tried_twice(void *id) { return attempts(id) >= 2; }
static int requested(void *id) { return tl_ticket_requests(ep, id, NULL) >= 1; }

/* The order holds the ticket the endpoint created for it, once, with one history line and
 * one order.ticket_opened event naming it. */
static void assert_one_ticket(const char *id) {
  assert_int_equal(tl_ticket_created(ep, id), 1);
  char *ref = tl_ticket_ref(ep, id), *stored = order_text(id, "ticket_ref");
  assert_non_null(ref);
  assert_non_null(stored);
  assert_string_equal(stored, ref);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM orders.order_history WHERE order_id = $1"
                               " AND to_status = 'ticket_opened' AND from_status = 'attested'"
                               " AND detail->>'ticket_ref' = $2",
                               2, (const char *[]){id, ref}),
                   1);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM orders.outbox WHERE type ="
                               " 'order.ticket_opened' AND data->>'order_id' = $1",
                               1, (const char *[]){id}),
                   1);
  free(ref);
  free(stored);
}

/* Without TICKET_URL (the stack's orders service) an attested order waits, untouched, and the
 * service said so at start; pointed at the endpoint, the service opens its ticket. */
static void test_without_url_orders_wait(void **state) {
  (void)state;
  char id[37];
  assert_false(swapped);
  order_in("attested", NULL, id);
  sleep(2);
  assert_true(status_is(id, "attested"));
  assert_int_equal(attempts(id), 0);
  assert_int_equal(
      tl_sh("grep -q 'TICKET_URL is not set' '%s/logs/orders.log'", tl_env("STACK_DIR")), 0);
  use_endpoint();
  assert_true(tl_wait(is_opened, id, 15000));
  assert_one_ticket(id);
  assert_int_equal(attempts(id), 1);
}

/* The endpoint fails three times (503), then answers 201: retried after growing delays
 * (200, 400, 800 ms), one ticket, every call carrying the order as the ticket, the same key and
 * the configured header. */
static void test_fails_then_opens(void **state) {
  (void)state;
  char id[37], auth[256];
  use_endpoint();
  tl_ticket_fail_next(ep, 3, 503);
  order_in("attested", NULL, id);
  assert_true(tl_wait(is_opened, id, 15000));
  int ok = 0;
  assert_int_equal(tl_ticket_requests(ep, id, &ok), 4);
  assert_int_equal(ok, 1);
  assert_int_equal(attempts(id), 4);
  assert_one_ticket(id);
  long long at[4];
  assert_int_equal(tl_ticket_times(ep, id, at, 4), 4);
  printf("retries after %lld, %lld, %lld ms\n", at[1] - at[0], at[2] - at[1], at[3] - at[2]);
  assert_true(at[1] - at[0] >= 150);
  assert_true(at[2] - at[1] >= 350);
  assert_true(at[3] - at[2] >= 750);
  /* the ticket as the endpoint received it */
  json_t *t = tl_ticket_last(ep, id, "Authorization", auth, sizeof(auth));
  assert_non_null(t);
  assert_string_equal(auth, AUTH);
  tl_assert_str(t, "order_id", id);
  tl_assert_str(t, "portal_id", portal);
  tl_assert_str(t, "order_type", "via_agent_connection");
  const json_t *co = json_object_get(t, "customer_organisation");
  tl_assert_str(co, "id", customer_co);
  tl_assert_str(co, "name", customer_name);
  tl_assert_str(co, "org_number", "769600-1234");
  const json_t *ag = json_object_get(t, "agent_organisation");
  tl_assert_str(ag, "id", agent_co);
  tl_assert_str(ag, "name", agent_name);
  tl_assert_str(ag, "org_number", "556677-8899");
  char service[64];
  snprintf(service, sizeof(service), "Journalföring %s", sfx);
  tl_assert_str(t, "service", service);
  tl_assert_str(json_object_get(t, "contact"), "email", "kim@kund.example");
  tl_assert_str(json_object_get(json_object_get(t, "details"), "technical"), "endpoint_url",
                "https://agent.example/api");
  assert_non_null(tl_str(t, "attested_at"));
  assert_non_null(strstr(tl_str(t, "attested_at"), "2024-05-06"));
  json_decref(t);
  sleep(1); /* nothing more is sent */
  assert_int_equal(tl_ticket_requests(ep, id, NULL), 4);
}

/* The endpoint is down (connection refused): the order stays attested, retried, the reason
 * kept; once the endpoint is up, the ticket is opened once. */
static void test_endpoint_down(void **state) {
  (void)state;
  char id[37];
  use_endpoint();
  tl_ticket_down(ep);
  order_in("attested", NULL, id);
  assert_true(tl_wait(tried_twice, id, 10000));
  assert_true(status_is(id, "attested"));
  char *err = order_text(id, "ticket_last_error"), *ref = order_text(id, "ticket_ref");
  assert_non_null(err);
  printf("while down: %s\n", err);
  assert_non_null(strstr(err, "ticket endpoint"));
  assert_null(ref);
  free(err);
  assert_int_equal(tl_ticket_requests(ep, id, NULL), 0);
  tl_ticket_up(ep);
  assert_true(tl_wait(is_opened, id, 10000));
  int ok = 0;
  assert_int_equal(tl_ticket_requests(ep, id, &ok), 1);
  assert_int_equal(ok, 1);
  assert_one_ticket(id);
}

/* An endpoint naming its tickets {"id": <number>}: the number is the reference; a 2xx answer
 * without a reference is a failure, retried (the endpoint answers the same ticket again). */
static void test_numeric_id_and_answer_without_ref(void **state) {
  (void)state;
  char id[37];
  use_endpoint();
  tl_ticket_answer_numeric_id(ep, 1);
  tl_ticket_fail_next(ep, 1, 200); /* 200 {"error": ...}: names no ticket */
  order_in("attested", NULL, id);
  assert_true(tl_wait(is_opened, id, 10000));
  tl_ticket_answer_numeric_id(ep, 0);
  char *stored = order_text(id, "ticket_ref");
  assert_non_null(stored);
  assert_true(strspn(stored, "0123456789") == strlen(stored));
  free(stored);
  assert_int_equal(attempts(id), 2);
  assert_int_equal(tl_ticket_requests(ep, id, NULL), 2);
  assert_int_equal(tl_ticket_created(ep, id), 1);
}

/* The service killed (SIGKILL) while the endpoint takes 2 s to answer: the endpoint has
 * created the ticket, the order knows nothing of it. After the restart the order is called for
 * again once the killed call's lease has run out (timeout 3 s + 10 s), with the same key, and
 * stores the same ticket: one ticket at the endpoint, one in the order. */
static void test_killed_mid_call(void **state) {
  (void)state;
  char id[37];
  use_endpoint();
  tl_ticket_delay(ep, 2000);
  order_in("attested", NULL, id);
  assert_true(tl_wait(requested, id, 10000));
  tl_ticket_orders_kill("KILL");
  assert_true(status_is(id, "attested"));
  assert_int_equal(attempts(id), 1);
  assert_int_equal(tl_ticket_created(ep, id), 1);
  tl_ticket_orders_restart();
  assert_true(tl_wait(is_opened, id, 40000));
  tl_ticket_delay(ep, 0);
  int ok = 0;
  assert_int_equal(tl_ticket_requests(ep, id, &ok), 2);
  assert_int_equal(ok, 2); /* the first answer was lost with the process */
  assert_int_equal(attempts(id), 2);
  long long at[2];
  assert_int_equal(tl_ticket_times(ep, id, at, 2), 2);
  printf("called again %lld ms after the killed call\n", at[1] - at[0]);
  assert_true(at[1] - at[0] >= 12000); /* not before the lease ran out */
  assert_one_ticket(id);
}

#define MANY 12

static int all_opened(void *arg) {
  const char(*ids)[37] = arg;
  for (int i = 0; i < MANY; i++)
    if (!status_is(ids[i], "ticket_opened")) return 0;
  return 1;
}

/* Two instances of the service share the attested orders: each order is called for once
 * (a claim is taken by one instance; the other skips it), every ticket opened. */
static void test_two_instances(void **state) {
  (void)state;
  char ids[MANY][37], port_line[32];
  use_endpoint();
  /* a second instance: the first one's environment on another port */
  snprintf(port_line, sizeof(port_line), "PORT=%d", tl_free_port());
  assert_int_equal(tl_sh("cd '%s/envs' && grep -v '^PORT=' orders_ticket.env > orders_ticket2.env"
                         " && echo '%s' >> orders_ticket2.env",
                         tl_env("STACK_DIR"), port_line),
                   0);
  assert_int_equal(tl_stack("restart", "orders_ticket2"), 0);
  tl_ticket_delay(ep, 150);
  for (int i = 0; i < MANY; i++) order_in("attested", NULL, ids[i]);
  int done = tl_wait(all_opened, ids, 30000);
  tl_ticket_delay(ep, 0);
  tl_stack("kill", "orders_ticket2");
  assert_true(done);
  for (int i = 0; i < MANY; i++) {
    int ok = 0;
    assert_int_equal(tl_ticket_requests(ep, ids[i], &ok), 1);
    assert_int_equal(ok, 1);
    assert_int_equal(attempts(ids[i]), 1);
    assert_one_ticket(ids[i]);
  }
  assert_int_equal(
      tl_sh("grep -q 'ticket .* opened' '%s/logs/orders_ticket2.log'", tl_env("STACK_DIR")),
      0); /* the second instance did its share */
}

/* Orders in any other state, an attested one that has its ticket and one not yet due are
 * never sent; an attested order inserted after them is, which shows the worker looked. */
static void test_other_states_never_sent(void **state) {
  (void)state;
  static const char *states[] = {
      "submitted",          "agent_signing", "agent_attest", "customer_attest", "ticket_opened",
      "connection_started", "done",          "rejected",     "stopped"};
  enum { N = sizeof(states) / sizeof(states[0]) };
  char ids[N][37], has_ticket[37], later[37], marker[37];
  use_endpoint();
  for (int i = 0; i < (int)N; i++)
    order_in(states[i], strstr("ticket_opened connection_started done", states[i]) ? "OLD-1" : NULL,
             ids[i]);
  order_in("attested", "OLD-2", has_ticket);
  /* attested and not yet due in one statement: the worker never sees it due */
  order_in("customer_attest", NULL, later);
  tl_sql_run(
      "UPDATE orders.orders SET status = 'attested',"
      " ticket_next_attempt_at = now() + interval '1 hour' WHERE id = $1",
      1, later);
  order_in("attested", NULL, marker);
  assert_true(tl_wait(is_opened, marker, 10000));
  sleep(1);
  for (int i = 0; i < (int)N; i++) {
    assert_int_equal(tl_ticket_requests(ep, ids[i], NULL), 0);
    assert_true(status_is(ids[i], states[i]));
    assert_int_equal(attempts(ids[i]), 0);
  }
  assert_int_equal(tl_ticket_requests(ep, has_ticket, NULL), 0);
  assert_true(status_is(has_ticket, "attested"));
  assert_int_equal(tl_ticket_requests(ep, later, NULL), 0);
  assert_int_equal(attempts(later), 0);
  assert_true(status_is(later, "attested"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_without_url_orders_wait),
      cmocka_unit_test(test_fails_then_opens),
      cmocka_unit_test(test_endpoint_down),
      cmocka_unit_test(test_numeric_id_and_answer_without_ref),
      cmocka_unit_test(test_killed_mid_call),
      cmocka_unit_test(test_two_instances),
      cmocka_unit_test(test_other_states_never_sent),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
