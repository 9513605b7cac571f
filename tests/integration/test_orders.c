/* The orders (services/orders/order/) through the gateway, in the world of tl_world.h with an
 * agent and a customer organisation of portal A added (and a second of each, to look from
 * outside): the create (valid, every invalid field at once, the wrong kind of organisation, an
 * agent that is none, an oversized and a malformed body, a replayed Idempotency-Key), who sees
 * which orders, "my approvals" per role, the rejection, the agent handler's approval (an
 * attestant that is none, the handler itself, a stale If-Match), the 409 of a wrong state with
 * its allowed next states, the connection steps, the history, and the emails and inbox notices
 * the customer service makes of the events. The signed steps and the ticket are the signing and
 * ticket parts' (test_orders_signing.c, test_orders_tickets.c): a state they reach is set here by
 * hand where a list needs it, and their events are published again by hand for the
 * notifications they make. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ids.h"
#include "tl_org.h"
#include "tl_world.h"

#define PROBLEM(slug) "urn:claimsuite:problem:" slug

static struct tl_world w;
/* agent: handler, handler2 (agent_handler), attestant, both (agent_handler and attestant);
 * agent_b: handler_b, attestant_b; customer: orderer (no role), cattest (customer_attestant);
 * customer_b: outsider (no role). */
static char agent[37], agent_b[37], customer[37], customer_b[37];
static struct tl_person handler, handler2, attestant, both, handler_b, attestant_b, orderer,
    cattest, outsider;

/* ---- the world ---------------------------------------------------------------------------- */

static int setup(void **state) {
  (void)state;
  tl_world_create(&w);
  tl_org_company(&w, agent, "agent", "Agent");
  tl_org_company(&w, agent_b, "agent", "Agent B");
  tl_org_company(&w, customer, "customer", "Customer");
  tl_org_company(&w, customer_b, "customer", "Customer B");
  tl_org_person(&w, &handler, "handler", agent, "agent", "{agent_handler}");
  tl_org_person(&w, &handler2, "handler2", agent, "agent", "{agent_handler}");
  tl_org_person(&w, &attestant, "attestant", agent, "agent", "{attestant}");
  tl_org_person(&w, &both, "both", agent, "agent", "{agent_handler,attestant}");
  tl_org_person(&w, &handler_b, "handler-b", agent_b, "agent", "{agent_handler}");
  tl_org_person(&w, &attestant_b, "attestant-b", agent_b, "agent", "{attestant}");
  tl_org_person(&w, &orderer, "orderer", customer, "customer", "{}");
  tl_org_person(&w, &cattest, "cattest", customer, "customer", "{customer_attestant}");
  tl_org_person(&w, &outsider, "outsider", customer_b, "customer", "{}");
  /* what the orders and customer services decide from is then what the world holds */
  if (!tl_wait(tl_org_replica_caught_up, "orders", 15000))
    fail_msg("the orders replica did not catch up");
  if (!tl_wait(tl_org_replica_caught_up, "customer", 15000))
    fail_msg("the customer replica did not catch up");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  struct tl_person *all[] = {&handler,     &handler2, &attestant, &both,    &handler_b,
                             &attestant_b, &orderer,  &cattest,   &outsider};
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) free(all[i]->token);
  tl_world_free(&w);
  return 0;
}

/* ---- helpers ------------------------------------------------------------------------------ */

static long gw(const char *method, const char *path, const char *token, const char *body,
               const char *extra_header, struct tl_response *r) {
  return tl_call(tl_env("GATEWAY_URL"), method, path, token, body, extra_header, r);
}

/* A valid order's body to agent_id, as text (a static buffer). */
static const char *order_body(const char *agent_id, const char *service) {
  static char buf[2048];
  snprintf(buf, sizeof(buf),
           "{\"order_type\": \"via_agent_connection\", \"agent_company_id\": \"%s\","
           " \"service\": \"%s\","
           " \"organisation\": {\"org_number\": \"212000-0142\", \"hsa_id\": \"SE2120000142-A1\","
           "   \"name\": \"Region Test\"},"
           " \"contact\": {\"name\": \"Eva Ek\", \"email\": \"eva@example.test\","
           "   \"phone\": \"+46 70 174 06 20\"},"
           " \"technical\": {\"environment\": \"production\","
           "   \"endpoint_url\": \"https://api.example.test/connect\"},"
           " \"note\": \"as agreed\"}",
           agent_id, service);
  return buf;
}

/* Places an order as p to agent_id; its id into id. */
static void place(const struct tl_person *p, const char *agent_id, const char *service,
                  char id[37]) {
  struct tl_response r;
  gw("POST", "/v1/orders", p->token, order_body(agent_id, service), NULL, &r);
  tl_expect(&r, 201);
  snprintf(id, 37, "%s", tl_str(r.json, "id"));
  tl_response_free(&r);
}

/* Sets order id's state by hand (a state the signing part reaches), with attestant. */
static void set_state(const char *id, const char *status, const char *attestant_id) {
  tl_sql_run(
      "UPDATE orders.orders SET status = $2, attestant_id = coalesce($3::uuid, attestant_id),"
      " version = version + 1 WHERE id = $1",
      3, id, status, attestant_id);
}

static const char *approval_body(const char *attestant_id) {
  static char buf[1024];
  snprintf(buf, sizeof(buf),
           "{\"terms_accepted\": true, \"certified\": true, \"attestant_id\": \"%s\","
           " \"billing\": {\"organisation_name\": \"Agent AB\", \"org_number\": \"556677-8899\","
           "   \"reference\": \"PO-17\"},"
           " \"attest_info\": {\"reference\": \"Kst 4711\"}}",
           attestant_id);
  return buf;
}

/* 1 when the list path as token holds order id. */
static int lists(const char *path, const struct tl_person *p, const char *id) {
  struct tl_response r;
  gw("GET", path, p->token, NULL, NULL, &r);
  tl_expect(&r, 200);
  int found = tl_item(json_object_get(r.json, "items"), id) != NULL;
  tl_response_free(&r);
  return found;
}

static void assert_wrong_state(const struct tl_response *r, const char *current,
                               const char *next_joined) {
  tl_assert_problem(r, 409, PROBLEM("wrong-state"));
  tl_assert_str(r->json, "current_state", current);
  assert_string_equal(tl_joined(json_object_get(r->json, "allowed_next")), next_joined);
}

/* ---- the create --------------------------------------------------------------------------- */

static void test_create(void **state) {
  (void)state;
  struct tl_response r;
  gw("POST", "/v1/orders", orderer.token, order_body(agent, "Journal"), "Idempotency-Key: c-1", &r);
  tl_expect(&r, 201);
  const char *id = tl_str(r.json, "id");
  char location[128], first[37];
  snprintf(first, sizeof(first), "%s", id);
  snprintf(location, sizeof(location), "/v1/orders/%s", id);
  tl_assert_header(&r, "Location", location);
  tl_assert_header(&r, "ETag", "\"1\"");
  tl_assert_str(r.json, "status", "submitted");
  tl_assert_str(r.json, "order_type", "via_agent_connection");
  tl_assert_str(r.json, "customer_company_id", customer);
  tl_assert_str(r.json, "agent_company_id", agent);
  tl_assert_str(r.json, "ordered_by", orderer.id);
  json_t *details = json_object_get(r.json, "details");
  tl_assert_str(details, "service", "Journal");
  tl_assert_str(json_object_get(details, "organisation"), "hsa_id", "SE2120000142-A1");
  tl_assert_str(json_object_get(details, "technical"), "environment", "production");
  tl_assert_str(details, "note", "as agreed");
  assert_string_equal(tl_joined(json_object_get(r.json, "allowed_next")), "agent_signing,rejected");
  json_t *steps = json_object_get(r.json, "steps");
  assert_int_equal(json_array_size(steps), 3);
  tl_assert_str(json_array_get(steps, 0), "step", "agent_approval");
  tl_assert_str(json_array_get(steps, 0), "status", "waiting");
  tl_response_free(&r);

  /* the same key and body: the first answer again, no second order */
  gw("POST", "/v1/orders", orderer.token, order_body(agent, "Journal"), "Idempotency-Key: c-1", &r);
  tl_expect(&r, 201);
  tl_assert_str(r.json, "id", first);
  tl_response_free(&r);
  /* the same key, another body */
  gw("POST", "/v1/orders", orderer.token, order_body(agent, "Other"), "Idempotency-Key: c-1", &r);
  tl_assert_problem(&r, 422, PROBLEM("idempotency-key-reused"));
  tl_response_free(&r);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM orders.orders WHERE ordered_by = $1"
                               " AND details->>'service' = 'Journal'",
                               1, (const char *[]){orderer.id}),
                   1);
}

static void test_create_invalid(void **state) {
  (void)state;
  struct tl_response r;
  /* every error at once */
  char body[1024];
  snprintf(body, sizeof(body),
           "{\"order_type\": \"via_agent_connection\", \"agent_company_id\": \"%s\","
           " \"service\": \"\", \"extra\": 1,"
           " \"organisation\": {\"org_number\": \"12-34\", \"hsa_id\": \"XX1\", \"x\": \"y\"},"
           " \"contact\": {\"name\": \"Eva\", \"email\": \"not-an-email\", \"phone\": \"abc\"},"
           " \"technical\": {\"environment\": \"staging\", \"endpoint_url\": \"http://plain\","
           "   \"port\": \"443\"}}",
           agent);
  gw("POST", "/v1/orders", orderer.token, body, NULL, &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "service", "format");
  tl_assert_field_code(&r, "extra", "unknown_field");
  tl_assert_field_code(&r, "organisation/org_number", "format");
  tl_assert_field_code(&r, "organisation/hsa_id", "format");
  tl_assert_field_code(&r, "organisation/x", "unknown_field");
  tl_assert_field_code(&r, "contact/email", "format");
  tl_assert_field_code(&r, "contact/phone", "format");
  tl_assert_field_code(&r, "technical/environment", "format");
  tl_assert_field_code(&r, "technical/endpoint_url", "format");
  tl_assert_field_code(&r, "technical/port", "unknown_field");
  tl_response_free(&r);

  /* required members, a wrong order type, an agent that is a partner, a wrong type */
  snprintf(body, sizeof(body),
           "{\"order_type\": \"direct\", \"agent_company_id\": \"%s\", \"service\": 7,"
           " \"organisation\": {}, \"contact\": {}, \"technical\": {}}",
           w.partner_p);
  gw("POST", "/v1/orders", orderer.token, body, NULL, &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "order_type", "not_allowed");
  tl_assert_field_code(&r, "agent_company_id", "not_found");
  tl_assert_field_code(&r, "service", "wrong_type");
  tl_assert_field_code(&r, "organisation/org_number", "required");
  tl_assert_field_code(&r, "contact/name", "required");
  tl_assert_field_code(&r, "contact/email", "required");
  tl_response_free(&r);
  gw("POST", "/v1/orders", orderer.token, "{}", NULL, &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "agent_company_id", "required");
  tl_assert_field_code(&r, "technical", "required");
  tl_response_free(&r);
  /* an agent of no portal of ours is none */
  char stranger[37];
  ids_uuid_v4(stranger);
  gw("POST", "/v1/orders", orderer.token, order_body(stranger, "Journal"), NULL, &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "agent_company_id", "not_found");
  tl_response_free(&r);

  /* malformed and oversized bodies */
  gw("POST", "/v1/orders", orderer.token, "{\"service\": ", NULL, &r);
  tl_assert_problem(&r, 400, PROBLEM("malformed-json"));
  tl_response_free(&r);
  size_t n = 2 * 1024 * 1024;
  char *big = malloc(n + 64);
  assert_non_null(big);
  int k = snprintf(big, n + 64, "{\"note\": \"");
  memset(big + k, 'x', n);
  snprintf(big + k + n, 64, "\"}");
  gw("POST", "/v1/orders", orderer.token, big, NULL, &r);
  tl_assert_problem(&r, 413, PROBLEM("body-too-large"));
  tl_response_free(&r);
  free(big);

  /* only a customer organisation's user orders */
  gw("POST", "/v1/orders", handler.token, order_body(agent, "Journal"), NULL, &r);
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  tl_response_free(&r);
  gw("POST", "/v1/orders", w.ia_handler.token, order_body(agent, "Journal"), NULL, &r);
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  tl_response_free(&r);
  gw("POST", "/v1/orders", NULL, order_body(agent, "Journal"), NULL, &r);
  tl_assert_problem(&r, 401, NULL);
  tl_response_free(&r);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM orders.orders WHERE ordered_by = ANY"
                               " (ARRAY[$1, $2]::uuid[])",
                               2, (const char *[]){handler.id, w.ia_handler.id}),
                   0);
}

/* ---- who sees what ------------------------------------------------------------------------ */

static void test_scope(void **state) {
  (void)state;
  char id[37], path[128];
  struct tl_response r;
  place(&orderer, agent, "Scoped", id);
  snprintf(path, sizeof(path), "/v1/orders/%s", id);
  /* its customer and its agent see it, in the list and whole */
  assert_true(lists("/v1/orders?limit=200", &orderer, id));
  assert_true(lists("/v1/orders?limit=200", &cattest, id));
  assert_true(lists("/v1/orders?limit=200", &handler, id));
  assert_true(lists("/v1/orders?limit=200", &attestant, id));
  gw("GET", path, handler.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "id", id);
  tl_assert_header(&r, "ETag", "\"1\"");
  tl_response_free(&r);
  /* nobody else: another customer, another agent, the insurer, a partner */
  struct tl_person *others[] = {&outsider, &handler_b, &attestant_b, &w.ia_handler, &w.p_admin};
  for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
    gw("GET", "/v1/orders?limit=200", others[i]->token, NULL, NULL, &r);
    tl_expect(&r, 200);
    assert_null(tl_item(json_object_get(r.json, "items"), id));
    tl_response_free(&r);
    gw("GET", path, others[i]->token, NULL, NULL, &r);
    tl_assert_problem(&r, 404, PROBLEM("not-found"));
    tl_response_free(&r);
  }
  /* the insurer's user and the other customer see no orders at all */
  gw("GET", "/v1/orders", w.ia_handler.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
  tl_response_free(&r);
  gw("GET", "/v1/orders", outsider.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
  tl_response_free(&r);
  /* filters and paging */
  assert_true(lists("/v1/orders?status=submitted&limit=200", &orderer, id));
  assert_false(lists("/v1/orders?status=done", &orderer, id));
  /* what changed since an instant (an integrator's poll) */
  char *at = tl_sql(
      "SELECT to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
      " FROM orders.orders WHERE id = $1::uuid",
      1, (const char *[]){id});
  char since[160];
  snprintf(since, sizeof(since), "/v1/orders?limit=200&updated_since=%s", at);
  free(at);
  assert_true(lists(since, &orderer, id));
  assert_false(lists("/v1/orders?limit=200&updated_since=2999-01-01T00:00:00Z", &orderer, id));
  static const char *const bad[] = {
      "/v1/orders?updated_since=soon", "/v1/orders?updated_since=2026-01-01T00:00:00%2B99:00",
      "/v1/orders?status=nonsense", "/v1/orders?action_required=maybe",
      "/v1/orders?cursor=bm9uc2Vuc2U"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    gw("GET", bad[i], orderer.token, NULL, NULL, &r);
    tl_assert_problem(&r, 400, PROBLEM("invalid-parameter"));
    tl_response_free(&r);
  }
  char second[37];
  place(&orderer, agent, "Scoped 2", second);
  gw("GET", "/v1/orders?limit=1", orderer.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_assert_str(json_array_get(json_object_get(r.json, "items"), 0), "id", second);
  const char *cursor = tl_str(r.json, "next_cursor");
  assert_non_null(cursor);
  char next[512];
  snprintf(next, sizeof(next), "/v1/orders?limit=1&cursor=%s", cursor);
  tl_response_free(&r);
  gw("GET", next, orderer.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_assert_str(json_array_get(json_object_get(r.json, "items"), 0), "id", id);
  tl_response_free(&r);
  gw("GET", "/v1/orders/not-a-uuid", orderer.token, NULL, NULL, &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
}

/* ---- my approvals ------------------------------------------------------------------------- */

static void test_approvals(void **state) {
  (void)state;
  char id[37], own[37], path[128];
  struct tl_response r;
  place(&orderer, agent, "Approvals", id);
  /* submitted: every agent handler of the agent, nobody else */
  assert_true(lists("/v1/approvals?limit=200", &handler, id));
  assert_true(lists("/v1/approvals?limit=200", &handler2, id));
  assert_true(lists("/v1/orders?action_required=true&limit=200", &handler, id));
  assert_true(lists("/v1/orders?action_required=false&limit=200", &attestant, id));
  assert_false(lists("/v1/approvals?limit=200", &attestant, id));
  assert_false(lists("/v1/approvals?limit=200", &handler_b, id));
  assert_false(lists("/v1/approvals?limit=200", &orderer, id));
  assert_false(lists("/v1/approvals?limit=200", &cattest, id));
  /* agent_signing: the handler who approved (its signature waits), not the other */
  snprintf(path, sizeof(path), "/v1/orders/%s/agent-approval", id);
  gw("POST", path, handler.token, approval_body(attestant.id), NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  assert_true(lists("/v1/approvals?limit=200", &handler, id));
  assert_false(lists("/v1/approvals?limit=200", &handler2, id));
  assert_false(lists("/v1/approvals?limit=200", &attestant, id));
  /* agent_attest (the signature is the signing part's): the named attestant only */
  set_state(id, "agent_attest", NULL);
  assert_true(lists("/v1/approvals?limit=200", &attestant, id));
  assert_false(lists("/v1/approvals?limit=200", &both, id));
  assert_false(lists("/v1/approvals?limit=200", &handler, id));
  assert_false(lists("/v1/approvals?limit=200", &attestant_b, id));
  /* customer_attest: the customer's attestants, but never for their own order */
  set_state(id, "customer_attest", NULL);
  assert_true(lists("/v1/approvals?limit=200", &cattest, id));
  assert_false(lists("/v1/approvals?limit=200", &attestant, id));
  assert_false(lists("/v1/approvals?limit=200", &orderer, id));
  assert_false(lists("/v1/approvals?limit=200", &outsider, id));
  place(&cattest, agent, "Own", own);
  set_state(own, "customer_attest", attestant.id);
  assert_false(lists("/v1/approvals?limit=200", &cattest, own));
  assert_true(lists("/v1/orders?limit=200", &cattest, own));
  /* ticket_opened: the agent's handlers again */
  set_state(id, "ticket_opened", NULL);
  assert_true(lists("/v1/approvals?limit=200", &handler2, id));
  assert_false(lists("/v1/approvals?limit=200", &cattest, id));
  set_state(id, "done", NULL);
  assert_false(lists("/v1/approvals?limit=200", &handler, id));
}

/* ---- the agent handler's steps ----------------------------------------------------------- */

static void test_reject(void **state) {
  (void)state;
  char id[37], path[128], hist[128];
  struct tl_response r;
  place(&orderer, agent, "Rejected", id);
  snprintf(path, sizeof(path), "/v1/orders/%s/reject", id);
  /* only an agent handler of the order's agent */
  gw("POST", path, orderer.token, "{\"reason\": \"no\"}", NULL, &r);
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  tl_response_free(&r);
  gw("POST", path, attestant.token, "{\"reason\": \"no\"}", NULL, &r);
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  tl_response_free(&r);
  gw("POST", path, handler_b.token, "{\"reason\": \"no\"}", NULL, &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  /* the reason: required, 1..2000 */
  gw("POST", path, handler.token, "{\"reason\": \"\"}", NULL, &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "reason", "format");
  tl_response_free(&r);
  char *long_reason = malloc(2100);
  memcpy(long_reason, "{\"reason\": \"", 12);
  memset(long_reason + 12, 'r', 2001);
  snprintf(long_reason + 12 + 2001, 8, "\"}");
  gw("POST", path, handler.token, long_reason, NULL, &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "reason", "too_long");
  tl_response_free(&r);
  free(long_reason);
  gw("POST", path, handler.token, "{}", NULL, &r);
  tl_assert_field_code(&r, "reason", "required");
  tl_response_free(&r);
  /* a stale If-Match */
  gw("POST", path, handler.token, "{\"reason\": \"no\"}", "If-Match: \"7\"", &r);
  tl_assert_problem(&r, 412, PROBLEM("precondition-failed"));
  tl_response_free(&r);
  gw("POST", path, handler.token, "{\"reason\": \"The HSA id is not ours\"}", "If-Match: \"1\"",
     &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "status", "rejected");
  tl_assert_str(r.json, "reject_reason", "The HSA id is not ours");
  tl_assert_header(&r, "ETag", "\"2\"");
  assert_int_equal(json_array_size(json_object_get(r.json, "allowed_next")), 0);
  tl_assert_str(json_array_get(json_object_get(r.json, "steps"), 0), "status", "skipped");
  tl_response_free(&r);
  /* nothing leaves rejected */
  gw("POST", path, handler.token, "{\"reason\": \"again\"}", NULL, &r);
  assert_wrong_state(&r, "rejected", "");
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/orders/%s/agent-approval", id);
  gw("POST", path, handler.token, approval_body(attestant.id), NULL, &r);
  assert_wrong_state(&r, "rejected", "");
  tl_response_free(&r);
  /* the history: who, when, from where to where, why */
  snprintf(hist, sizeof(hist), "/v1/orders/%s/history", id);
  gw("GET", hist, orderer.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  json_t *items = json_object_get(r.json, "items");
  assert_int_equal(json_array_size(items), 2);
  json_t *h0 = json_array_get(items, 0), *h1 = json_array_get(items, 1);
  tl_assert_str(h0, "action", "order");
  tl_assert_str(h0, "actor_id", orderer.id);
  tl_assert_str(h0, "actor_company", customer);
  tl_assert_str(h0, "to_status", "submitted");
  assert_true(json_is_null(json_object_get(h0, "from_status")));
  tl_assert_str(h1, "action", "reject");
  tl_assert_str(h1, "actor_id", handler.id);
  tl_assert_str(h1, "actor_company", agent);
  tl_assert_str(h1, "from_status", "submitted");
  tl_assert_str(h1, "to_status", "rejected");
  tl_assert_str(json_object_get(h1, "detail"), "reason", "The HSA id is not ours");
  assert_non_null(tl_str(h1, "at"));
  tl_response_free(&r);
  gw("GET", hist, outsider.token, NULL, NULL, &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
}

static void test_agent_approval(void **state) {
  (void)state;
  char id[37], path[128], other[128];
  struct tl_response r;
  place(&orderer, agent, "Approved", id);
  snprintf(path, sizeof(path), "/v1/orders/%s/agent-approval", id);
  /* the attestant: an attestant of the handler's own agent */
  gw("POST", path, handler.token, approval_body(handler2.id), NULL, &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "attestant_id", "not_found");
  tl_response_free(&r);
  gw("POST", path, handler.token, approval_body(attestant_b.id), NULL, &r);
  tl_assert_field_code(&r, "attestant_id", "not_found");
  tl_response_free(&r);
  gw("POST", path, handler.token, approval_body(cattest.id), NULL, &r);
  tl_assert_field_code(&r, "attestant_id", "not_found");
  tl_response_free(&r);
  /* never the handler itself, whatever its roles */
  gw("POST", path, both.token, approval_body(both.id), NULL, &r);
  tl_assert_problem(&r, 403, PROBLEM("separation-of-duties"));
  tl_response_free(&r);
  /* what must be said yes to, billing and attest information, all errors at once */
  gw("POST", path, handler.token,
     "{\"terms_accepted\": false, \"certified\": \"yes\", \"attestant_id\": \"x\","
     " \"billing\": {\"org_number\": \"1\"}, \"attest_info\": {}}",
     NULL, &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "terms_accepted", "not_allowed");
  tl_assert_field_code(&r, "certified", "wrong_type");
  tl_assert_field_code(&r, "attestant_id", "format");
  tl_assert_field_code(&r, "billing/org_number", "format");
  tl_assert_field_code(&r, "billing/organisation_name", "required");
  tl_assert_field_code(&r, "billing/reference", "required");
  tl_assert_field_code(&r, "attest_info/reference", "required");
  tl_response_free(&r);
  /* not the agent's handler: the customer, another agent */
  gw("POST", path, orderer.token, approval_body(attestant.id), NULL, &r);
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  tl_response_free(&r);
  gw("POST", path, handler_b.token, approval_body(attestant_b.id), NULL, &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  /* approved: the handler's signature waits */
  gw("POST", path, handler.token, approval_body(attestant.id), "Idempotency-Key: a-1", &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "status", "agent_signing");
  tl_assert_str(r.json, "approved_by", handler.id);
  tl_assert_str(r.json, "attestant_id", attestant.id);
  json_t *approval = json_object_get(r.json, "approval");
  assert_true(json_is_true(json_object_get(approval, "terms_accepted")));
  assert_true(json_is_true(json_object_get(approval, "certified")));
  tl_assert_str(json_object_get(approval, "billing"), "reference", "PO-17");
  tl_assert_str(json_object_get(approval, "attest_info"), "reference", "Kst 4711");
  json_t *steps = json_object_get(r.json, "steps");
  tl_assert_str(json_array_get(steps, 0), "status", "pending");
  tl_assert_str(json_array_get(steps, 0), "signer_id", handler.id);
  tl_assert_str(json_array_get(steps, 1), "signer_id", attestant.id);
  tl_assert_str(json_array_get(steps, 1), "status", "waiting");
  tl_response_free(&r);
  /* replayed, the same answer */
  gw("POST", path, handler.token, approval_body(attestant.id), "Idempotency-Key: a-1", &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "status", "agent_signing");
  tl_response_free(&r);
  /* wrong state: neither a second approval, a rejection nor the connection */
  gw("POST", path, handler2.token, approval_body(attestant.id), NULL, &r);
  assert_wrong_state(&r, "agent_signing", "agent_attest,rejected");
  tl_response_free(&r);
  snprintf(other, sizeof(other), "/v1/orders/%s/reject", id);
  gw("POST", other, handler.token, "{\"reason\": \"late\"}", NULL, &r);
  assert_wrong_state(&r, "agent_signing", "agent_attest,rejected");
  tl_response_free(&r);
  snprintf(other, sizeof(other), "/v1/orders/%s/connection-started", id);
  gw("POST", other, handler.token, NULL, NULL, &r);
  assert_wrong_state(&r, "agent_signing", "agent_attest,rejected");
  tl_response_free(&r);
  /* the history names the approval and the attestant */
  snprintf(other, sizeof(other), "/v1/orders/%s/history", id);
  gw("GET", other, attestant.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  json_t *h1 = json_array_get(json_object_get(r.json, "items"), 1);
  tl_assert_str(h1, "action", "agent_approval");
  tl_assert_str(h1, "to_status", "agent_signing");
  tl_assert_str(json_object_get(h1, "detail"), "attestant_id", attestant.id);
  tl_response_free(&r);
}

static void test_connection(void **state) {
  (void)state;
  char id[37], started[128], done[128];
  struct tl_response r;
  place(&orderer, agent, "Connected", id);
  snprintf(started, sizeof(started), "/v1/orders/%s/connection-started", id);
  snprintf(done, sizeof(done), "/v1/orders/%s/connection-done", id);
  gw("POST", done, handler.token, NULL, NULL, &r);
  assert_wrong_state(&r, "submitted", "agent_signing,rejected");
  tl_response_free(&r);
  /* the ticket is the ticket part's; the agent goes on from there */
  set_state(id, "ticket_opened", attestant.id);
  gw("POST", started, attestant.token, NULL, NULL, &r);
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  tl_response_free(&r);
  gw("POST", started, handler2.token, "{\"note\": 7}", NULL, &r);
  tl_assert_field_code(&r, "note", "wrong_type");
  tl_response_free(&r);
  gw("POST", started, handler2.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "status", "connection_started");
  tl_response_free(&r);
  gw("POST", done, handler.token, "{\"note\": \"live since 10:00\"}", NULL, &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "status", "done");
  tl_response_free(&r);
  gw("POST", done, handler.token, NULL, NULL, &r);
  assert_wrong_state(&r, "done", "");
  tl_response_free(&r);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM orders.order_history WHERE order_id = $1"
                               " AND action IN ('connection_started', 'connection_done')",
                               1, (const char *[]){id}),
                   2);
}

/* ---- what people are told ------------------------------------------------------------------ */

/* An email to recipient whose body holds needle and what (the order's service or reason), its
 * dedupe key like dedupe. */
struct queued {
  const char *recipient, *needle, *what, *dedupe;
};

static int email_queued(void *arg) {
  const struct queued *q = arg;
  return tl_sql_long(
             "SELECT count(*) FROM customer.outgoing_messages WHERE channel = 'email'"
             " AND recipient = $1 AND strpos(body, $2) > 0 AND strpos(body, $3) > 0"
             " AND dedupe_key LIKE $4",
             4, (const char *[]){q->recipient, q->needle, q->what, q->dedupe}) == 1;
}

static long notices(const char *user_id, const char *kind, const char *order_id) {
  return tl_sql_long(
      "SELECT count(*) FROM customer.notifications WHERE user_id = $1"
      " AND kind = $2 AND data->>'order_id' = $3",
      3, (const char *[]){user_id, kind, order_id});
}

static void test_notifications(void **state) {
  (void)state;
  char id[37], path[128], dedupe[160];
  struct tl_response r;
  place(&orderer, agent, "Told", id);
  /* every agent handler of the agent: an email with the link to My approvals and a notice */
  struct tl_person *handlers[] = {&handler, &handler2, &both};
  for (size_t i = 0; i < 3; i++) {
    snprintf(dedupe, sizeof(dedupe), "%%:%s:email", handlers[i]->id);
    struct queued q = {handlers[i]->email, "My approvals", "Told", dedupe};
    assert_true(tl_wait(email_queued, &q, 10000));
    struct queued link = {handlers[i]->email, "/v1/approvals", "Told", dedupe};
    assert_true(email_queued(&link));
    assert_int_equal(notices(handlers[i]->id, "order_submitted", id), 1);
  }
  /* nobody else */
  assert_int_equal(notices(attestant.id, "order_submitted", id), 0);
  assert_int_equal(notices(handler_b.id, "order_submitted", id), 0);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM customer.outgoing_messages"
                               " WHERE recipient = ANY(ARRAY[$1, $2])",
                               2, (const char *[]){attestant.email, handler_b.email}),
                   0);
  /* the handler reads it in its inbox */
  gw("GET", "/v1/notifications?limit=200", handler.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  json_t *n, *found = NULL;
  size_t i;
  json_array_foreach(json_object_get(r.json, "items"), i, n) {
    const char *oid = tl_str(json_object_get(n, "data"), "order_id");
    if (oid != NULL && !strcmp(oid, id)) found = n;
  }
  assert_non_null(found);
  tl_assert_str(found, "kind", "order_submitted");
  tl_assert_str(found, "link", "/v1/approvals");
  assert_non_null(strstr(tl_str(found, "title"), "Told"));
  tl_response_free(&r);

  /* a rejection: the orderer, with the reason */
  snprintf(path, sizeof(path), "/v1/orders/%s/reject", id);
  gw("POST", path, handler.token, "{\"reason\": \"Wrong service name\"}", NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  snprintf(dedupe, sizeof(dedupe), "%%:%s:email", orderer.id);
  struct queued q = {orderer.email, "Reason: Wrong service name", "Told", dedupe};
  assert_true(tl_wait(email_queued, &q, 10000));
  assert_int_equal(notices(orderer.id, "order_rejected", id), 1);
  assert_int_equal(notices(cattest.id, "order_rejected", id), 0);
}

/* An event of type about order id as the signing and ticket parts publish it (their steps are
 * theirs to test): the order's agent_approved event again under type. */
static void publish_as(const char *id, const char *type) {
  tl_sql_run(
      "INSERT INTO orders.outbox (id, type, portal_id, aggregate_id, data)"
      " SELECT gen_random_uuid(), $2, portal_id, aggregate_id, data FROM orders.outbox"
      " WHERE aggregate_id = $1 AND type = 'order.agent_approved'",
      2, id, type);
}

struct notice_wait {
  const char *user, *kind, *order;
};

static int noticed(void *arg) {
  const struct notice_wait *n = arg;
  return notices(n->user, n->kind, n->order) == 1;
}

static void test_notifications_of_later_steps(void **state) {
  (void)state;
  char id[37], own[37], path[128];
  struct tl_response r;
  place(&orderer, agent, "Later", id);
  place(&cattest, agent, "Later own", own);
  const char *ids[] = {id, own};
  for (size_t i = 0; i < 2; i++) {
    snprintf(path, sizeof(path), "/v1/orders/%s/agent-approval", ids[i]);
    gw("POST", path, handler.token, approval_body(attestant.id), NULL, &r);
    tl_expect(&r, 200);
    tl_response_free(&r);
  }
  /* signed by the handler: the named attestant, nobody else of the agent */
  publish_as(id, "order.agent_signed");
  struct notice_wait n = {attestant.id, "order_agent_signed", id};
  assert_true(tl_wait(noticed, &n, 10000));
  char dedupe[160];
  snprintf(dedupe, sizeof(dedupe), "%%:%s:email", attestant.id);
  struct queued q = {attestant.email, "My approvals", "connection to Later.", dedupe};
  assert_true(email_queued(&q));
  assert_int_equal(notices(both.id, "order_agent_signed", id), 0);
  assert_int_equal(notices(handler.id, "order_agent_signed", id), 0);
  /* attested by the agent: the customer's attestants, never for their own order */
  publish_as(own, "order.agent_attested");
  publish_as(id, "order.agent_attested");
  struct notice_wait m = {cattest.id, "order_agent_attested", id};
  assert_true(tl_wait(noticed, &m, 10000));
  /* the events are applied in order: own's came before */
  assert_int_equal(notices(cattest.id, "order_agent_attested", own), 0);
  assert_int_equal(notices(orderer.id, "order_agent_attested", id), 0);
  assert_int_equal(notices(outsider.id, "order_agent_attested", id), 0);
  /* stopped: the orderer */
  publish_as(id, "order.stopped");
  struct notice_wait o = {orderer.id, "order_stopped", id};
  assert_true(tl_wait(noticed, &o, 10000));
  /* the ticket: every handler of the agent hears the connection can start */
  publish_as(id, "order.ticket_opened");
  struct tl_person *handlers[] = {&handler, &handler2, &both};
  for (size_t i = 0; i < 3; i++) {
    struct notice_wait h = {handlers[i]->id, "order_ticket_opened", id};
    assert_true(tl_wait(noticed, &h, 10000));
  }
  assert_int_equal(notices(attestant.id, "order_ticket_opened", id), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_create),
      cmocka_unit_test(test_create_invalid),
      cmocka_unit_test(test_scope),
      cmocka_unit_test(test_approvals),
      cmocka_unit_test(test_reject),
      cmocka_unit_test(test_agent_approval),
      cmocka_unit_test(test_connection),
      cmocka_unit_test(test_notifications),
      cmocka_unit_test(test_notifications_of_later_steps),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
