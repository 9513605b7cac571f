/* GET /v1/events, the pull feed of events (services/customer/feed): the cases and orders events
 * the customer service keeps as it applies them, in order after a cursor, filtered by type
 * prefix, waiting for a first one (long polling), each caller seeing only its portal and what it
 * may see there: the insurer every case event (order events only its administrators and API
 * clients), a partner the events of its cases but money of its own tasks only, a customer or
 * agent organisation the events of its own orders. An event applied twice is kept once; a cursor
 * retention passed gets 410. In the world of tl_world.h with an agent and a customer
 * organisation of portal A added (and a second of each, to look from outside). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "ids.h"
#include "tl_customer.h"
#include "tl_org.h"
#include "tl_world.h"

#define PROBLEM(slug) "urn:claimsuite:problem:" slug

static struct tl_world w;
static char agent[37], agent_b[37], customer[37], customer_b[37];
/* handler: agent's agent_handler; handler_b: agent_b's; orderer: customer's; outsider:
 * customer_b's */
static struct tl_person handler, handler_b, orderer, outsider;

/* ---- the world ---------------------------------------------------------------------------- */

static int setup(void **state) {
  (void)state;
  tl_world_create(&w);
  tl_org_company(&w, agent, "agent", "Agent");
  tl_org_company(&w, agent_b, "agent", "Agent B");
  tl_org_company(&w, customer, "customer", "Customer");
  tl_org_company(&w, customer_b, "customer", "Customer B");
  tl_org_person(&w, &handler, "handler", agent, "agent", "{agent_handler}");
  tl_org_person(&w, &handler_b, "handler-b", agent_b, "agent", "{agent_handler}");
  tl_org_person(&w, &orderer, "orderer", customer, "customer", "{}");
  tl_org_person(&w, &outsider, "outsider", customer_b, "customer", "{}");
  if (!tl_wait(tl_org_replica_caught_up, "orders", 15000))
    fail_msg("the orders replica did not catch up");
  if (!tl_wait(tl_org_replica_caught_up, "customer", 15000))
    fail_msg("the customer replica did not catch up");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  struct tl_person *all[] = {&handler, &handler_b, &orderer, &outsider};
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) free(all[i]->token);
  tl_world_free(&w);
  return 0;
}

/* ---- reading the feed --------------------------------------------------------------------- */

/* GET /v1/events?query on the customer service as token; 200 expected. r holds the page. */
static void page(const char *token, const char *query, struct tl_response *r) {
  char path[512];
  snprintf(path, sizeof(path), "/v1/events?%s", query);
  tl_customer_call("GET", path, token, NULL, NULL, r);
  tl_expect(r, 200);
}

/* Every event token reads after `after` (pages of 500), a new array; the last next_after into
 * *next (may be NULL). */
static json_t *read_all(const char *token, long long after, long long *next) {
  json_t *all = json_array();
  for (;;) {
    char q[64];
    struct tl_response r;
    snprintf(q, sizeof(q), "after=%lld&limit=500", after);
    page(token, q, &r);
    json_t *items = json_object_get(r.json, "items");
    size_t n = json_array_size(items);
    json_array_extend(all, items);
    after = json_integer_value(json_object_get(r.json, "next_after"));
    tl_response_free(&r);
    if (n < 500) break;
  }
  if (next != NULL) *next = after;
  return all;
}

/* The feed's head for token: the next_after of reading everything. */
static long long head(const char *token) {
  long long next = 0;
  json_decref(read_all(token, 0, &next));
  return next;
}

/* How many items of items are of type about id (their case_id or order_id); the seq of the last
 * one into *seq (may be NULL). */
static int count_of(const json_t *items, const char *type, const char *id, long long *seq) {
  const json_t *e;
  size_t i;
  int n = 0;
  json_array_foreach(items, i, e) {
    const char *about = json_string_value(json_object_get(e, "case_id"));
    if (about == NULL) about = json_string_value(json_object_get(e, "order_id"));
    if (!strcmp(tl_str(e, "type"), type) && about != NULL && !strcmp(about, id)) {
      n++;
      if (seq != NULL) *seq = json_integer_value(json_object_get(e, "seq"));
    }
  }
  return n;
}

/* 1 when token reads an event of type about id after `after`. */
static int sees(const char *token, long long after, const char *type, const char *id) {
  json_t *all = read_all(token, after, NULL);
  int n = count_of(all, type, id, NULL);
  json_decref(all);
  return n > 0;
}

struct seen {
  const char *token, *type, *id;
  long long after;
};

static int seen_now(void *arg) {
  const struct seen *s = arg;
  return sees(s->token, s->after, s->type, s->id);
}

/* Waits (15 s at most) until token reads the event of type about id; its seq. */
static long long wait_seen(const char *token, long long after, const char *type, const char *id) {
  struct seen s = {token, type, id, after};
  if (!tl_wait(seen_now, &s, 15000)) fail_msg("%s of %s never reached the feed", type, id);
  json_t *all = read_all(token, after, NULL);
  long long seq = 0;
  count_of(all, type, id, &seq);
  json_decref(all);
  return seq;
}

/* ---- cases -------------------------------------------------------------------------------- */

static void test_case_events_in_order_after_a_cursor(void **state) {
  (void)state;
  long long start = head(w.ia_handler.token);
  char a[37], b[37];
  tl_world_case(&w, 59.33, 18.06, a);
  tl_world_case(&w, 59.33, 18.06, b);
  long long sa = wait_seen(w.ia_handler.token, start, "case.created", a);
  long long sb = wait_seen(w.ia_handler.token, start, "case.created", b);
  assert_true(sa > start);
  assert_true(sb > sa);
  char q[96];
  struct tl_response r;
  snprintf(q, sizeof(q), "after=%lld&types=case.", start);
  page(w.ia_handler.token, q, &r);
  /* every item: a case event of portal A, seq increasing, the case whole in data */
  json_t *items = json_object_get(r.json, "items"), *e;
  size_t i;
  long long last = start;
  json_array_foreach(items, i, e) {
    long long seq = json_integer_value(json_object_get(e, "seq"));
    assert_true(seq > last);
    last = seq;
    assert_memory_equal(tl_str(e, "type"), "case.", 5);
    assert_true(json_is_null(json_object_get(e, "order_id")));
    assert_string_equal(tl_str(json_object_get(json_object_get(e, "data"), "case"), "portal_id"),
                        w.portal_a);
    assert_string_equal(tl_str(json_object_get(e, "data"), "case_id"), tl_str(e, "case_id"));
  }
  assert_int_equal(count_of(items, "case.created", a, NULL), 1);
  assert_true(json_integer_value(json_object_get(r.json, "next_after")) >= last);
  tl_response_free(&r);

  /* the next page starts after it: nothing of these two again; the portal's API client reads
   * the same events */
  json_t *after_b = read_all(w.client_a_token, sb, NULL);
  assert_int_equal(count_of(after_b, "case.created", a, NULL), 0);
  assert_int_equal(count_of(after_b, "case.created", b, NULL), 0);
  json_decref(after_b);
  assert_true(sees(w.client_a_token, start, "case.created", a));

  /* a type that is not asked for is not there; limit=1 pages one by one */
  snprintf(q, sizeof(q), "after=%lld&types=task.,compensation.", start);
  page(w.ia_handler.token, q, &r);
  assert_int_equal(count_of(json_object_get(r.json, "items"), "case.created", a, NULL), 0);
  tl_response_free(&r);
  snprintf(q, sizeof(q), "after=%lld&limit=1&types=case.created", sa - 1);
  page(w.ia_handler.token, q, &r);
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
  assert_int_equal(json_integer_value(json_object_get(r.json, "next_after")), sa);
  tl_response_free(&r);
}

static void test_only_the_callers_portal(void **state) {
  (void)state;
  long long start = head(w.ib_admin.token);
  char a[37];
  tl_world_case(&w, 59.33, 18.06, a); /* portal A's */
  wait_seen(w.ia_handler.token, start, "case.created", a);
  json_t *all = read_all(w.ib_admin.token, start, NULL), *e;
  size_t i;
  assert_int_equal(count_of(all, "case.created", a, NULL), 0);
  json_array_foreach(all, i, e) {
    const json_t *the_case = json_object_get(json_object_get(e, "data"), "case");
    if (the_case != NULL) assert_string_equal(tl_str(the_case, "portal_id"), w.portal_b);
  }
  json_decref(all);
}

/* Numbers follow commit order: while another apply holds the feed's lock (here the test, with
 * an event of its own numbered and not committed yet), the consumer's apply of a new case waits
 * for it, so the case's event cannot commit first with a higher number and let a reader step
 * over the one committed after it. */
static void test_numbers_follow_commit_order(void **state) {
  (void)state;
  char c[37], portal[37], event_id[64];
  long long start = head(w.ia_handler.token);
  ids_uuid_v4(portal);
  snprintf(event_id, sizeof(event_id), "held-%s", portal);
  tl_sql_run("BEGIN", 0);
  tl_sql_run("SELECT pg_advisory_xact_lock(hashtextextended('claimsuite_feed.customer', 0))", 0);
  tl_sql_run(
      "INSERT INTO customer.feed_events (event_id, portal_id, type, occurred_at, order_id, data)"
      " VALUES ($1, $2::uuid, 'order.done', now(), gen_random_uuid(), '{}')",
      2, event_id, portal);
  char *held = tl_sql("SELECT seq::text FROM customer.feed_events WHERE event_id = $1", 1,
                      (const char *[]){event_id});
  tl_world_case(&w, 0, 0, c);
  /* the cases service committed it; the customer service's apply waits on the lock */
  usleep(1500 * 1000);
  int early = sees(w.ia_handler.token, start, "case.created", c);
  tl_sql_run("COMMIT", 0);
  if (early) fail_msg("the case's event committed while another apply held the feed's lock");
  long long seq = wait_seen(w.ia_handler.token, start, "case.created", c);
  assert_true(seq > strtoll(held, NULL, 10));
  free(held);
}

/* The data of an event is what a webhook delivery carries: an external invitee's link (its
 * credential) stays out. */
static void test_data_as_webhooks_send_it(void **state) {
  (void)state;
  char c[37], task[37], path[200];
  long long start = head(w.ia_handler.token);
  struct tl_response r;
  tl_world_case(&w, 0, 0, c);
  tl_world_task(&w, c, "repair", "flooring", NULL, task);
  snprintf(path, sizeof(path), "/v1/cases/%s/rfqs", c);
  char body[512];
  snprintf(body, sizeof(body),
           "{\"task_id\": \"%s\", \"description\": \"Replace the kitchen floor\","
           " \"due_date\": \"2099-06-30\", \"office_ids\": [],"
           " \"external_partners\": [{\"name\": \"Golv AB\", \"email\": \"offert@golv.test\"}]}",
           task);
  tl_cases("POST", path, w.ia_handler.token, body, NULL, &r);
  tl_expect(&r, 201);
  tl_response_free(&r);
  wait_seen(w.ia_handler.token, start, "rfq.invited_external", c);
  /* the outbox has the link; the feed does not */
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.outbox WHERE aggregate_id = $1"
                               " AND type = 'rfq.invited_external' AND data ? 'invitation_path'",
                               1, (const char *[]){c}),
                   1);
  json_t *all = read_all(w.ia_handler.token, start, NULL), *e;
  size_t i;
  int found = 0;
  json_array_foreach(all, i, e) {
    if (strcmp(tl_str(e, "type"), "rfq.invited_external") || strcmp(tl_str(e, "case_id"), c))
      continue;
    const json_t *data = json_object_get(e, "data");
    found++;
    assert_null(json_object_get(data, "invitation_path"));
    assert_string_equal(tl_str(data, "email"), "offert@golv.test");
  }
  assert_int_equal(found, 1);
  json_decref(all);
}

/* A one-line budget drafted on task_id as token. */
static void budget(const char *token, const char *case_id, const char *task_id) {
  char path[200];
  struct tl_response r;
  snprintf(path, sizeof(path), "/v1/cases/%s/tasks/%s/budgets", case_id, task_id);
  tl_cases("POST", path, token,
           "{\"lines\": [{\"description\": \"Carpenter\", \"quantity\": 2, \"unit\": \"h\","
           " \"unit_price\": 45000, \"vat_rate\": 25}]}",
           NULL, &r);
  tl_expect(&r, 201);
  tl_response_free(&r);
}

/* The number of events of type in items whose data.task_id is task_id. */
static int task_events(const json_t *items, const char *type, const char *task_id) {
  const json_t *e;
  size_t i;
  int n = 0;
  json_array_foreach(items, i, e) {
    const char *t = json_string_value(json_object_get(json_object_get(e, "data"), "task_id"));
    n += !strcmp(tl_str(e, "type"), type) && t != NULL && !strcmp(t, task_id);
  }
  return n;
}

static void test_partner_sees_its_cases_and_its_own_money(void **state) {
  (void)state;
  char c[37], tp[37], tq[37], other[37], path[200];
  long long start = head(w.ia_handler.token);
  struct tl_response r;
  tl_world_case(&w, 0, 0, c);
  tl_world_task(&w, c, "repair", "carpentry", w.p_sthlm, tp); /* partner P's */
  tl_world_task(&w, c, "repair", "painting", w.q_gbg, tq);    /* partner Q's */
  tl_world_case(&w, 0, 0, other);                             /* no partner on it */
  budget(w.p_worker.token, c, tp);
  budget(w.q_worker.token, c, tq);
  snprintf(path, sizeof(path), "/v1/cases/%s/chat/messages", c);
  tl_cases("POST", path, w.ia_handler.token, "{\"text\": \"for the insurer's eyes\"}", NULL, &r);
  tl_expect(&r, 201);
  tl_response_free(&r);
  /* the insurer sees all of it once the customer service applied it */
  wait_seen(w.ia_handler.token, start, "chat.message_posted", c);
  json_t *all = read_all(w.ia_handler.token, start, NULL);
  assert_int_equal(task_events(all, "budget.created", tp), 1);
  assert_int_equal(task_events(all, "budget.created", tq), 1);
  json_decref(all);

  /* P: from when its office got a task (tl_world_task adds the task, then gives it to the
   * office) the events of the case, Q's task too (the case document shows every task); its
   * own budget, not Q's, not the chat, nothing of a case it is not on */
  json_t *p = read_all(w.p_worker.token, start, NULL), *e;
  assert_int_equal(task_events(p, "task.added", tp), 0);
  assert_int_equal(task_events(p, "task.office_assigned", tp), 1);
  assert_int_equal(task_events(p, "task.added", tq), 1);
  assert_int_equal(task_events(p, "task.office_assigned", tq), 1);
  assert_int_equal(task_events(p, "budget.created", tp), 1);
  assert_int_equal(task_events(p, "budget.created", tq), 0);
  assert_int_equal(count_of(p, "chat.message_posted", c, NULL), 0);
  assert_int_equal(count_of(p, "case.created", other, NULL), 0);
  size_t i;
  json_array_foreach(p, i, e) {
    assert_true(json_is_string(json_object_get(e, "case_id")));
    const char *type = tl_str(e, "type");
    if (!strncmp(type, "chat.", 5) || !strncmp(type, "compensation.", 13) ||
        !strncmp(type, "order.", 6) || !strncmp(type, "call.", 5))
      fail_msg("a partner read %s", type);
  }
  json_decref(p);
  /* Q: the same from its side */
  json_t *q = read_all(w.q_worker.token, start, NULL);
  assert_int_equal(task_events(q, "budget.created", tq), 1);
  assert_int_equal(task_events(q, "budget.created", tp), 0);
  assert_int_equal(task_events(q, "task.office_assigned", tq), 1);
  /* before Q was on the case: not Q's to read */
  assert_int_equal(task_events(q, "task.office_assigned", tp), 0);
  json_decref(q);
}

/* ---- orders ------------------------------------------------------------------------------- */

/* Places an order as p to agent_id through the gateway; its id into id. */
static void place(const struct tl_person *p, const char *agent_id, char id[37]) {
  static int n;
  char body[1024];
  struct tl_response r;
  snprintf(body, sizeof(body),
           "{\"order_type\": \"via_agent_connection\", \"agent_company_id\": \"%s\","
           " \"service\": \"feed-%d\","
           " \"organisation\": {\"org_number\": \"212000-0142\", \"hsa_id\": \"SE2120000142-A1\","
           "   \"name\": \"Region Test\"},"
           " \"contact\": {\"name\": \"Eva Ek\", \"email\": \"eva@example.test\","
           "   \"phone\": \"+46 70 174 06 20\"},"
           " \"technical\": {\"environment\": \"production\","
           "   \"endpoint_url\": \"https://api.example.test/connect\"}}",
           agent_id, ++n);
  tl_call(tl_env("GATEWAY_URL"), "POST", "/v1/orders", p->token, body, NULL, &r);
  tl_expect(&r, 201);
  snprintf(id, 37, "%s", tl_str(r.json, "id"));
  tl_response_free(&r);
}

static void test_order_events_for_its_organisations(void **state) {
  (void)state;
  char o[37];
  long long start = head(w.ia_admin.token);
  place(&orderer, agent, o);
  /* the customer organisation that placed it and the agent of it */
  long long seq = wait_seen(orderer.token, start, "order.submitted", o);
  assert_true(seq > start);
  assert_true(sees(handler.token, start, "order.submitted", o));
  /* the portal's administrators and API clients */
  assert_true(sees(w.ia_admin.token, start, "order.submitted", o));
  assert_true(sees(w.client_a_token, start, "order.submitted", o));
  /* nobody else: another customer organisation, another agent, an insurer user below level 6,
   * a partner, another portal */
  const char *others[] = {outsider.token, handler_b.token, w.ia_handler.token, w.p_worker.token,
                          w.ib_admin.token};
  for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
    if (sees(others[i], start, "order.submitted", o)) fail_msg("caller %zu read the order", i);
  /* the item: the order's id, no case; the data as webhooks send it */
  json_t *all = read_all(orderer.token, start, NULL), *e;
  size_t i;
  json_array_foreach(all, i, e) {
    assert_true(json_is_null(json_object_get(e, "case_id")));
    const json_t *data = json_object_get(e, "data");
    assert_string_equal(tl_str(data, "customer_company_id"), customer);
  }
  json_decref(all);
}

/* 1 once the customer service's offset of the orders events reached the seq in arg. */
static int orders_applied(void *arg) {
  return tl_sql_long("SELECT last_seq FROM customer.event_offsets WHERE source = 'orders'", 0,
                     NULL) >= *(const long long *)arg;
}

static void test_an_event_applied_twice_is_kept_once(void **state) {
  (void)state;
  char o1[37], o2[37];
  long long start = head(orderer.token);
  place(&orderer, agent, o1);
  wait_seen(orderer.token, start, "order.submitted", o1);
  char *seq1 = tl_sql(
      "SELECT seq::text FROM orders.outbox WHERE aggregate_id = $1 AND type = 'order.submitted'", 1,
      (const char *[]){o1});
  assert_non_null(seq1);
  /* the customer service forgets it applied o1's event: the next event is a gap, and the
   * catch-up applies o1's again */
  tl_sql_run("UPDATE customer.event_offsets SET last_seq = $1::bigint - 1 WHERE source = 'orders'",
             1, seq1);
  free(seq1);
  place(&orderer, agent, o2);
  wait_seen(orderer.token, start, "order.submitted", o2);
  long long seq2 = tl_sql_long(
      "SELECT seq FROM orders.outbox WHERE aggregate_id = $1 AND type = 'order.submitted'", 1,
      (const char *[]){o2});
  assert_true(tl_wait(orders_applied, &seq2, 15000));
  json_t *all = read_all(orderer.token, start, NULL);
  assert_int_equal(count_of(all, "order.submitted", o1, NULL), 1);
  assert_int_equal(count_of(all, "order.submitted", o2, NULL), 1);
  json_decref(all);
}

/* ---- the query ---------------------------------------------------------------------------- */

static void test_refusals(void **state) {
  (void)state;
  struct tl_response r;
  tl_customer_call("GET", "/v1/events", NULL, NULL, NULL, &r);
  assert_int_equal(r.status, 401);
  tl_response_free(&r);
  /* every bad parameter named */
  tl_customer_call("GET", "/v1/events?after=-1&limit=501&wait=31&types=Case&colour=red",
                   w.ia_handler.token, NULL, NULL, &r);
  tl_assert_problem(&r, 400, PROBLEM("invalid-parameter"));
  const char *fields[] = {"after", "limit", "wait", "types", "colour"};
  for (size_t k = 0; k < 5; k++)
    if (tl_error_for(json_object_get(r.json, "errors"), fields[k], NULL) == NULL)
      fail_msg("no error for %s: %s", fields[k], r.body);
  tl_response_free(&r);
  /* 17 type prefixes, one too many; an empty one */
  tl_customer_call("GET", "/v1/events?types=a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", w.ia_handler.token,
                   NULL, NULL, &r);
  tl_assert_problem(&r, 400, PROBLEM("invalid-parameter"));
  tl_assert_field_code(&r, "types", "format");
  tl_response_free(&r);
  tl_customer_call("GET", "/v1/events?types=case.,,task.", w.ia_handler.token, NULL, NULL, &r);
  tl_assert_problem(&r, 400, PROBLEM("invalid-parameter"));
  tl_response_free(&r);
  /* a cursor of the feed the cases service served before (its outbox's numbers, small) is no
   * cursor of this one: 410, go on from purged_through */
  tl_customer_call("GET", "/v1/events?after=1", w.ia_handler.token, NULL, NULL, &r);
  tl_assert_problem(&r, 410, PROBLEM("gone"));
  tl_response_free(&r);
}

static void *create_later(void *arg) {
  usleep(700 * 1000);
  tl_world_case(&w, 59.33, 18.06, arg);
  return NULL;
}

static void test_long_polling(void **state) {
  (void)state;
  long long start = head(w.ia_handler.token);
  char q[96];
  struct tl_response r;
  /* nothing new: the answer comes empty when the wait is over */
  snprintf(q, sizeof(q), "after=%lld&wait=2&types=case.created", start + 1000000);
  long long t0 = tl_now_ms();
  page(w.ia_handler.token, q, &r);
  long long waited = tl_now_ms() - t0;
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
  assert_true(waited >= 1500 && waited < 6000);
  tl_response_free(&r);
  /* a case made while the request waits: it answers with the event as soon as the customer
   * service applied it */
  char id[37] = "";
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, create_later, id), 0);
  snprintf(q, sizeof(q), "after=%lld&wait=20&types=case.created", start);
  t0 = tl_now_ms();
  page(w.ia_handler.token, q, &r);
  long long answered = tl_now_ms() - t0;
  pthread_join(t, NULL);
  printf("long poll answered %lld ms after it was asked (the case made after 700 ms)\n", answered);
  assert_true(answered < 10000);
  assert_int_equal(count_of(json_object_get(r.json, "items"), "case.created", id, NULL), 1);
  tl_response_free(&r);
}

/* 1 once purged_through reached the seq in arg. */
static int purged(void *arg) {
  return tl_sql_long("SELECT purged_through FROM customer.feed_retention", 0, NULL) >=
         *(const long long *)arg;
}

/* Last: the purge moves purged_through up for every later reader. */
static void test_through_the_gateway_and_retention(void **state) {
  (void)state;
  char a[37], q[96], url[512], auth[2048];
  long long start = head(w.ia_handler.token);
  tl_world_case(&w, 59.33, 18.06, a);
  long long seq = wait_seen(w.ia_handler.token, start, "case.created", a);
  snprintf(url, sizeof(url), "%s/v1/events?after=%lld", tl_env("GATEWAY_URL"), seq - 1);
  snprintf(auth, sizeof(auth), "Authorization: Bearer %s", w.ia_handler.token);
  const char *h[] = {auth, NULL};
  struct tl_response r;
  assert_int_equal(tl_http("GET", url, h, NULL, 0, 0, &r), 0);
  tl_expect(&r, 200);
  assert_int_equal(count_of(json_object_get(r.json, "items"), "case.created", a, NULL), 1);
  assert_true(json_integer_value(json_object_get(r.json, "next_after")) >= seq);
  tl_response_free(&r);
  /* the event ages past OUTBOX_RETENTION_SECONDS: the purge (every RETENTION_CHECK_SECONDS)
   * deletes it and moves purged_through up to it */
  char s[24];
  snprintf(s, sizeof(s), "%lld", seq);
  tl_sql_run(
      "UPDATE customer.feed_events SET stored_at = now() - interval '8 days'"
      " WHERE seq = $1::bigint",
      1, s);
  assert_true(tl_wait(purged, &seq, 10000));
  assert_int_equal(tl_sql_long("SELECT count(*) FROM customer.feed_events WHERE seq = $1::bigint",
                               1, (const char *[]){s}),
                   0);
  /* a cursor before it: 410, whatever else the page would hold; at it: on as before */
  snprintf(q, sizeof(q), "/v1/events?after=%lld", seq - 1);
  tl_customer_call("GET", q, w.ia_handler.token, NULL, NULL, &r);
  tl_assert_problem(&r, 410, PROBLEM("gone"));
  tl_response_free(&r);
  snprintf(q, sizeof(q), "after=%lld", seq);
  page(w.ia_handler.token, q, &r);
  assert_true(json_integer_value(json_object_get(r.json, "purged_through")) >= seq);
  tl_response_free(&r);
}

/* 1 when the list answered for query names case_id. */
static int listed(const char *query, const char *case_id) {
  json_t *c = tl_cases_listed(w.ia_handler.token, query, case_id);
  int found = c != NULL;
  json_decref(c);
  return found;
}

/* The case list's updated_since: what changed since an instant, the pull feed's companion. */
static void test_list_updated_since(void **state) {
  (void)state;
  char id[37], query[160];
  tl_world_case(&w, 59.33, 18.06, id);
  char *at = tl_sql(
      "SELECT to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
      " FROM cases.cases WHERE id = $1::uuid",
      1, (const char *[]){id});
  snprintf(query, sizeof(query), "sort=updated&updated_since=%s", at);
  assert_true(listed(query, id));
  assert_false(listed("sort=updated&updated_since=2999-01-01T00:00:00Z", id));
  assert_true(listed("updated_since=2000-01-01T00:00:00%2B01:00", id));
  free(at);
  struct tl_response r;
  /* an offset or a year PostgreSQL would refuse is the caller's mistake too (it was a 500) */
  const char *bad[] = {"yesterday", "2026-01-01T00:00:00%2B99:00", "0000-01-01T00:00:00Z"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char path[96];
    snprintf(path, sizeof(path), "/v1/cases?updated_since=%s", bad[i]);
    tl_cases("GET", path, w.ia_handler.token, NULL, NULL, &r);
    tl_assert_problem(&r, 400, PROBLEM("invalid-parameter"));
    tl_response_free(&r);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_case_events_in_order_after_a_cursor),
      cmocka_unit_test(test_only_the_callers_portal),
      cmocka_unit_test(test_numbers_follow_commit_order),
      cmocka_unit_test(test_data_as_webhooks_send_it),
      cmocka_unit_test(test_partner_sees_its_cases_and_its_own_money),
      cmocka_unit_test(test_order_events_for_its_organisations),
      cmocka_unit_test(test_an_event_applied_twice_is_kept_once),
      cmocka_unit_test(test_refusals),
      cmocka_unit_test(test_long_polling),
      cmocka_unit_test(test_list_updated_since),
      cmocka_unit_test(test_through_the_gateway_and_retention),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
