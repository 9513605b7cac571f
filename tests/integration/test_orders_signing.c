/* The e-ID signatures of an order's steps (services/orders/signing/) through the gateway, against
 * the stack's BankID stand-in (tests/support/bankid_double.c) and the SMS files of the stack
 * (SMS_PROVIDER=file): a BankID signing pending -> userSign -> complete that moves the order and
 * keeps the evidence; a cancelled, a replaced, a failed and an expired one; a code by SMS that
 * completes, one tried wrong five times (then burnt), a used one and an expired one; who may poll,
 * cancel and answer (the signer only: others 404); separation of duties; the refused bodies. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <cmocka.h>

#include "ids.h"
#include "testlib.h"
#include "tl_ticket.h"

#define PROBLEM(slug) "urn:claimsuite:problem:" slug

struct user {
  char id[37], company_id[37], mobile[24];
  const char *kind;
  char *token;
};

static struct {
  char sfx[9], portal[37], insurer[37], customer[37], agent[37], agent_b[37];
  struct user orderer, cattest, handler, attestant, nomobile, handler_b;
} w;

/* ---- the world ---------------------------------------------------------------------------- */

static void company(char id[37], const char *kind, const char *name) {
  char full[128];
  ids_uuid_v4(id);
  snprintf(full, sizeof(full), "%s %s", name, w.sfx);
  tl_sql_run("INSERT INTO policy.companies (id, kind, name) VALUES ($1, $2, $3)", 3, id, kind,
             full);
  if (strcmp(kind, "insurer") != 0)
    tl_sql_run("INSERT INTO policy.company_portals (company_id, portal_id) VALUES ($1, $2)", 2, id,
               w.portal);
}

/* A user of company with roles (a PostgreSQL array text) and a mobile unique to the run (none
 * when has_mobile is 0), and its token in the portal. */
static void user(struct user *u, const char *who, const char *company_id, const char *kind,
                 const char *roles, int has_mobile) {
  char email[128];
  ids_uuid_v4(u->id);
  snprintf(u->company_id, sizeof(u->company_id), "%s", company_id);
  u->kind = kind;
  if (has_mobile) snprintf(u->mobile, sizeof(u->mobile), "+4670%07d", rand() % 10000000);
  snprintf(email, sizeof(email), "%s-%s@orders.test", who, w.sfx);
  tl_sql_run(
      "WITH u AS (INSERT INTO policy.users (id, company_id, email, name, mobile, authority_level)"
      " VALUES ($1, $2, $3, $4, $5, 3) RETURNING id)"
      " INSERT INTO policy.user_org_roles (user_id, role)"
      " SELECT u.id, r FROM u, unnest($6::text[]) r",
      6, u->id, company_id, email, who, has_mobile ? u->mobile : NULL, roles);
  json_t *extra =
      json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "kind", "user", "portal_id", w.portal,
                "company_id", company_id, "company_kind", kind, "email", email, "name", who);
  u->token = tl_token(u->id, 3600, extra);
  json_decref(extra);
}

/* 1 once the orders service's replica holds every user of the world with its roles. */
static int replica_ready(void *arg) {
  (void)arg;
  const char *p[] = {w.orderer.id,   w.cattest.id,  w.handler.id,
                     w.attestant.id, w.nomobile.id, w.handler_b.id};
  char ids[300];
  snprintf(ids, sizeof(ids), "{%s,%s,%s,%s,%s,%s}", p[0], p[1], p[2], p[3], p[4], p[5]);
  const char *q[] = {ids};
  return tl_sql_long(
             "SELECT count(*) FROM orders.replica_user WHERE id = ANY($1::uuid[])"
             " AND active",
             1, q) == 6 &&
         tl_sql_long(
             "SELECT coalesce(sum(cardinality(org_roles)), 0) FROM orders.replica_user"
             " WHERE id = ANY($1::uuid[])",
             1, q) == 6;
}

static int setup(void **state) {
  (void)state;
  char u[37];
  ids_uuid_v4(u);
  memcpy(w.sfx, u, 8);
  srand((unsigned)time(NULL) ^ (unsigned)u[0]);
  ids_uuid_v4(w.insurer);
  tl_sql_run("INSERT INTO policy.companies (id, kind, name) VALUES ($1, 'insurer', $2)", 2,
             w.insurer, w.sfx);
  ids_uuid_v4(w.portal);
  tl_sql_run(
      "INSERT INTO policy.portals (id, insurer_company_id, name, default_budget_limit)"
      " VALUES ($1, $2, 'Orders portal', 10000)",
      2, w.portal, w.insurer);
  tl_sql_run("INSERT INTO policy.company_portals (company_id, portal_id) VALUES ($1, $2)", 2,
             w.insurer, w.portal);
  company(w.customer, "customer", "Kund BRF");
  company(w.agent, "agent", "Agentur AB");
  company(w.agent_b, "agent", "Annan Agent AB");
  user(&w.orderer, "orderer", w.customer, "customer", "{}", 1);
  user(&w.cattest, "cattest", w.customer, "customer", "{customer_attestant}", 1);
  user(&w.handler, "handler", w.agent, "agent", "{agent_handler,attestant}", 1);
  user(&w.attestant, "attestant", w.agent, "agent", "{attestant}", 1);
  user(&w.nomobile, "nomobile", w.agent, "agent", "{agent_handler}", 0);
  user(&w.handler_b, "handler-b", w.agent_b, "agent", "{agent_handler}", 1);
  if (!tl_wait(replica_ready, NULL, 15000)) fail_msg("the orders replica did not catch up");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  struct user *all[] = {&w.orderer,   &w.cattest,  &w.handler,
                        &w.attestant, &w.nomobile, &w.handler_b};
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) free(all[i]->token);
  tl_sql_close();
  return 0;
}

/* ---- calls -------------------------------------------------------------------------------- */

static long call(const char *method, const char *path, const struct user *u, const char *body,
                 struct tl_response *r) {
  return tl_call(tl_env("GATEWAY_URL"), method, path, u != NULL ? u->token : NULL, body, NULL, r);
}

/* A new order of the customer through the agent, approved by approver naming attestant: in
 * agent_signing. approver NULL: left submitted. */
static void new_order(const struct user *approver, const struct user *attestant, char id[37]) {
  struct tl_response r;
  char body[1024];
  snprintf(body, sizeof(body),
           "{\"order_type\":\"via_agent_connection\",\"agent_company_id\":\"%s\","
           "\"service\":\"Journal via agent\",\"organisation\":{\"org_number\":\"556677-8899\"},"
           "\"contact\":{\"name\":\"Olle Orderer\",\"email\":\"olle@kund.test\"},"
           "\"technical\":{\"environment\":\"test\",\"endpoint_url\":\"https://agent.test/ws\"}}",
           w.agent);
  call("POST", "/v1/orders", &w.orderer, body, &r);
  tl_expect(&r, 201);
  snprintf(id, 37, "%s", tl_str(r.json, "id"));
  tl_response_free(&r);
  if (approver == NULL) return;
  char path[128];
  snprintf(path, sizeof(path), "/v1/orders/%s/agent-approval", id);
  snprintf(body, sizeof(body),
           "{\"terms_accepted\":true,\"certified\":true,\"attestant_id\":\"%s\","
           "\"billing\":{\"organisation_name\":\"Kund BRF\",\"org_number\":\"556677-8899\","
           "\"reference\":\"R-1\"},\"attest_info\":{\"reference\":\"A-1\"}}",
           attestant->id);
  call("POST", path, approver, body, &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "status", "agent_signing");
  tl_response_free(&r);
}

static char *order_status(const char *order) {
  struct tl_response r;
  char path[128];
  snprintf(path, sizeof(path), "/v1/orders/%s", order);
  call("GET", path, &w.orderer, NULL, &r);
  tl_expect(&r, 200);
  char *s = strdup(tl_str(r.json, "status"));
  tl_response_free(&r);
  return s;
}

static void assert_order_status(const char *order, const char *expected) {
  char *s = order_status(order);
  assert_string_equal(s, expected);
  free(s);
}

/* POST .../signatures as u: the status; the signature's id into sid (when 202). */
static long start(const char *order, const struct user *u, const char *method, const char *decision,
                  char sid[37], struct tl_response *r) {
  char path[128], body[128];
  snprintf(path, sizeof(path), "/v1/orders/%s/signatures", order);
  snprintf(body, sizeof(body), "{\"method\":\"%s\",\"decision\":\"%s\"}", method, decision);
  long status = call("POST", path, u, body, r);
  if (status == 202 && sid != NULL) snprintf(sid, 37, "%s", tl_str(r->json, "id"));
  return status;
}

static long sig_call(const char *method, const char *order, const char *sid, const char *tail,
                     const struct user *u, const char *body, struct tl_response *r) {
  char path[200];
  snprintf(path, sizeof(path), "/v1/orders/%s/signatures/%s%s", order, sid, tail);
  return call(method, path, u, body, r);
}

/* The qrStartToken in qr_data "bankid.<token>.<seconds>.<hex>", checked for its shape. */
static void qr_token(const json_t *sig, char token[64]) {
  const char *qr = tl_str(sig, "qr_data");
  assert_non_null(qr);
  assert_memory_equal(qr, "bankid.", 7);
  const char *dot = strchr(qr + 7, '.');
  assert_non_null(dot);
  snprintf(token, 64, "%.*s", (int)(dot - qr - 7), qr + 7);
  const char *dot2 = strchr(dot + 1, '.');
  assert_non_null(dot2);
  assert_true(strtol(dot + 1, NULL, 10) >= 0);
  assert_int_equal(strlen(dot2 + 1), 64);
}

/* The stand-in's view of the BankID order with qrStartToken token. New reference. */
static json_t *double_order(const char *token) {
  struct tl_response r;
  char path[128];
  snprintf(path, sizeof(path), "/double/qr/%s", token);
  tl_call(tl_env("BANKID_DOUBLE_URL"), "GET", path, NULL, NULL, NULL, &r);
  tl_expect(&r, 200);
  json_t *o = json_incref(r.json);
  tl_response_free(&r);
  return o;
}

/* The signer's hand in the app: action (userSign, complete, fail) on the BankID order. */
static void double_act(const json_t *o, const char *action, const char *body) {
  struct tl_response r;
  char path[160];
  snprintf(path, sizeof(path), "/double/orders/%s/%s", tl_str(o, "orderRef"), action);
  tl_call(tl_env("BANKID_DOUBLE_URL"), "POST", path, NULL, body != NULL ? body : "{}", NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
}

/* The code in the newest signing SMS to mobile (the stack's NOTIFY_FILE_DIR); fails without. */
static void sms_code(const char *mobile, char code[7]) {
  char dir[512], path[1024];
  snprintf(dir, sizeof(dir), "%s/notify-outbox", tl_env("STACK_DIR"));
  DIR *d = opendir(dir);
  struct dirent *e;
  struct timespec newest = {0, 0};
  code[0] = '\0';
  assert_non_null(d);
  while ((e = readdir(d)) != NULL) {
    struct stat st;
    if (e->d_name[0] == '.' || strstr(e->d_name, ".json") == NULL) continue;
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    json_t *m = json_load_file(path, 0, NULL);
    const char *body = tl_str(m, "body"), *at = body ? strstr(body, "sign order") : NULL;
    if (m != NULL && at != NULL && tl_str(m, "to") && !strcmp(tl_str(m, "to"), mobile) &&
        stat(path, &st) == 0 &&
        (st.st_mtim.tv_sec > newest.tv_sec ||
         (st.st_mtim.tv_sec == newest.tv_sec && st.st_mtim.tv_nsec > newest.tv_nsec))) {
      const char *c = strstr(at, ": ");
      assert_non_null(c);
      assert_string_equal(tl_str(m, "channel"), "sms");
      snprintf(code, 7, "%s", c + 2);
      newest = st.st_mtim;
    }
    json_decref(m);
  }
  closedir(d);
  assert_int_equal(strlen(code), 6);
}

/* A six-digit code that is not right. */
static void wrong_code(const char *right, char out[7]) {
  int v = (int)((strtol(right, NULL, 10) + 1) % 1000000);
  for (int i = 5; i >= 0; i--, v /= 10) out[i] = (char)('0' + v % 10);
  out[6] = '\0';
}

static void assert_no_secrets(const struct tl_response *r) {
  assert_null(strstr(r->body, "secret"));
  assert_null(strstr(r->body, "otp_hash"));
  assert_null(strstr(r->body, "order_ref"));
}

/* ---- BankID ------------------------------------------------------------------------------- */

/* pending -> userSign -> complete: the order moves to agent_attest, the evidence is kept with
 * the signature and the order's history; the attestant then signs by SMS code (customer_attest),
 * and the approving handler may not attest (separation of duties), nor the orderer. */
static void test_bankid_complete(void **state) {
  (void)state;
  struct tl_response r;
  char order[37], sid[37], token[64], code[7];
  new_order(&w.handler, &w.attestant, order);
  assert_int_equal(start(order, &w.handler, "bankid", "approve", sid, &r), 202);
  tl_assert_str(r.json, "status", "pending");
  tl_assert_str(r.json, "hint_code", "outstandingTransaction");
  tl_assert_str(r.json, "method", "bankid");
  tl_assert_str(r.json, "step", "agent_approval");
  assert_non_null(tl_str(r.json, "expires_at"));
  char *location = tl_header(&r, "Location");
  char expected[200];
  snprintf(expected, sizeof(expected), "/v1/orders/%s/signatures/%s", order, sid);
  assert_string_equal(location, expected);
  free(location);
  assert_no_secrets(&r);
  qr_token(r.json, token);
  tl_response_free(&r);
  json_t *o = double_order(token);
  /* what the app shows names the order and the decision; the signer's address went along */
  assert_non_null(strstr(tl_str(o, "userVisibleData"), order));
  assert_non_null(strstr(tl_str(o, "userVisibleData"), "approve"));
  assert_true(strlen(tl_str(o, "endUserIp")) > 0);

  assert_int_equal(sig_call("GET", order, sid, "", &w.handler, NULL, &r), 200);
  tl_assert_str(r.json, "status", "pending");
  tl_assert_str(r.json, "hint_code", "outstandingTransaction");
  char again[64];
  qr_token(r.json, again);
  assert_string_equal(again, token);
  tl_response_free(&r);

  double_act(o, "userSign", NULL);
  assert_int_equal(sig_call("GET", order, sid, "", &w.handler, NULL, &r), 200);
  tl_assert_str(r.json, "hint_code", "userSign");
  tl_response_free(&r);
  assert_order_status(order, "agent_signing");

  /* nobody but the signer sees it: another of the same agent, another agent, the customer */
  assert_int_equal(sig_call("GET", order, sid, "", &w.attestant, NULL, &r), 404);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  assert_int_equal(sig_call("GET", order, sid, "", &w.handler_b, NULL, &r), 404);
  tl_response_free(&r);
  assert_int_equal(sig_call("DELETE", order, sid, "", &w.orderer, NULL, &r), 404);
  tl_response_free(&r);

  double_act(o, "complete",
             "{\"personalNumber\":\"199001011234\",\"givenName\":\"Hanna\",\"surname\":\"Handl\"}");
  assert_int_equal(sig_call("GET", order, sid, "", &w.handler, NULL, &r), 200);
  tl_assert_str(r.json, "status", "complete");
  assert_non_null(tl_str(r.json, "completed_at"));
  assert_null(json_object_get(r.json, "qr_data"));
  assert_no_secrets(&r);
  tl_response_free(&r);
  assert_order_status(order, "agent_attest");
  /* the evidence: BankID's completion data with the signature, and the order's history names
   * the signature */
  const char *p[] = {sid};
  char *pn = tl_sql(
      "SELECT completion->'completion_data'->'user'->>'personalNumber'"
      " FROM orders.signatures WHERE id = $1",
      1, p);
  assert_string_equal(pn, "199001011234");
  free(pn);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM orders.order_history WHERE signature_id = $1"
                               " AND detail->'evidence'->'completion_data'->>'signature' <> ''"
                               " AND detail->'evidence'->'completion_data'->>'ocspResponse' <> ''",
                               1, p),
                   1);
  /* polled again: as it is, BankID not asked again */
  json_decref(o);
  o = double_order(token);
  long collects = json_integer_value(json_object_get(o, "collects"));
  assert_int_equal(sig_call("GET", order, sid, "", &w.handler, NULL, &r), 200);
  tl_assert_str(r.json, "status", "complete");
  tl_response_free(&r);
  json_decref(o);
  o = double_order(token);
  assert_int_equal(json_integer_value(json_object_get(o, "collects")), collects);
  json_decref(o);
  /* a completed signature is not cancelled */
  assert_int_equal(sig_call("DELETE", order, sid, "", &w.handler, NULL, &r), 409);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_assert_str(r.json, "current_state", "complete");
  tl_response_free(&r);

  /* the handler who approved holds the attestant role too, but may not attest */
  assert_int_equal(start(order, &w.handler, "bankid", "approve", NULL, &r), 403);
  tl_assert_problem(&r, 403, PROBLEM("separation-of-duties"));
  tl_response_free(&r);
  /* the named attestant signs by SMS code */
  assert_int_equal(start(order, &w.attestant, "sms_otp", "approve", sid, &r), 202);
  tl_assert_str(r.json, "status", "pending");
  tl_assert_str(r.json, "step", "agent_attest");
  char masked[32];
  snprintf(masked, sizeof(masked), "%.3s *** ** %.13s", w.attestant.mobile,
           w.attestant.mobile + 10);
  tl_assert_str(r.json, "sent_to", masked);
  assert_null(json_object_get(r.json, "qr_data"));
  tl_response_free(&r);
  sms_code(w.attestant.mobile, code);
  char body[64];
  snprintf(body, sizeof(body), "{\"code\":\"%s\"}", code);
  /* the code is the signer's alone */
  assert_int_equal(sig_call("POST", order, sid, "/otp", &w.handler, body, &r), 404);
  tl_response_free(&r);
  assert_int_equal(sig_call("POST", order, sid, "/otp", &w.attestant, body, &r), 200);
  tl_assert_str(r.json, "status", "complete");
  assert_no_secrets(&r);
  tl_response_free(&r);
  assert_order_status(order, "customer_attest");
  const char *q[] = {sid};
  char *via = tl_sql(
      "SELECT detail->'evidence'->>'method' FROM orders.order_history"
      " WHERE signature_id = $1",
      1, q);
  assert_string_equal(via, "sms_otp");
  free(via);
  /* used: 409 */
  assert_int_equal(sig_call("POST", order, sid, "/otp", &w.attestant, body, &r), 409);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);
  /* the orderer may not attest its own order */
  assert_int_equal(start(order, &w.orderer, "sms_otp", "approve", NULL, &r), 403);
  tl_assert_problem(&r, 403, PROBLEM("separation-of-duties"));
  tl_response_free(&r);
}

/* Cancelled by the signer (at BankID too): the order stays where it was; a second cancel is
 * the same 204; a new signing order replaces a pending one. */
static void test_bankid_cancel_and_replace(void **state) {
  (void)state;
  struct tl_response r;
  char order[37], sid[37], sid2[37], token[64];
  new_order(&w.handler, &w.attestant, order);
  assert_int_equal(start(order, &w.handler, "bankid", "approve", sid, &r), 202);
  qr_token(r.json, token);
  tl_response_free(&r);
  assert_int_equal(sig_call("DELETE", order, sid, "", &w.handler, NULL, &r), 204);
  tl_response_free(&r);
  assert_int_equal(sig_call("GET", order, sid, "", &w.handler, NULL, &r), 200);
  tl_assert_str(r.json, "status", "cancelled");
  assert_null(json_object_get(r.json, "qr_data"));
  tl_response_free(&r);
  json_t *o = double_order(token);
  assert_int_equal(json_integer_value(json_object_get(o, "cancels")), 1);
  json_decref(o);
  assert_int_equal(sig_call("DELETE", order, sid, "", &w.handler, NULL, &r), 204);
  tl_response_free(&r);
  assert_order_status(order, "agent_signing");

  /* one pending at a time: the second cancels the first, at BankID too */
  assert_int_equal(start(order, &w.handler, "bankid", "reject", sid, &r), 202);
  qr_token(r.json, token);
  tl_response_free(&r);
  assert_int_equal(start(order, &w.handler, "sms_otp", "approve", sid2, &r), 202);
  tl_response_free(&r);
  assert_int_equal(sig_call("GET", order, sid, "", &w.handler, NULL, &r), 200);
  tl_assert_str(r.json, "status", "cancelled");
  tl_assert_str(r.json, "hint_code", "replaced");
  tl_response_free(&r);
  o = double_order(token);
  assert_int_equal(json_integer_value(json_object_get(o, "cancels")), 1);
  json_decref(o);
  assert_int_equal(sig_call("GET", order, sid2, "", &w.handler, NULL, &r), 200);
  tl_assert_str(r.json, "status", "pending");
  tl_response_free(&r);
}

/* The signer cancels in the app: failed with BankID's hint; the order stays. */
static void test_bankid_failed(void **state) {
  (void)state;
  struct tl_response r;
  char order[37], sid[37], token[64];
  new_order(&w.handler, &w.attestant, order);
  assert_int_equal(start(order, &w.handler, "bankid", "approve", sid, &r), 202);
  qr_token(r.json, token);
  tl_response_free(&r);
  json_t *o = double_order(token);
  double_act(o, "fail", "{\"hintCode\":\"userCancel\"}");
  json_decref(o);
  assert_int_equal(sig_call("GET", order, sid, "", &w.handler, NULL, &r), 200);
  tl_assert_str(r.json, "status", "failed");
  tl_assert_str(r.json, "hint_code", "userCancel");
  tl_response_free(&r);
  assert_order_status(order, "agent_signing");
}

/* Past its time: expired on the next poll, cancelled at BankID, and no longer cancellable. */
static void test_bankid_expired(void **state) {
  (void)state;
  struct tl_response r;
  char order[37], sid[37], token[64];
  new_order(&w.handler, &w.attestant, order);
  assert_int_equal(start(order, &w.handler, "bankid", "approve", sid, &r), 202);
  qr_token(r.json, token);
  tl_response_free(&r);
  tl_sql_run(
      "UPDATE orders.signatures SET expires_at = now() - interval '1 second'"
      " WHERE id = $1",
      1, sid);
  assert_int_equal(sig_call("GET", order, sid, "", &w.handler, NULL, &r), 200);
  tl_assert_str(r.json, "status", "expired");
  tl_assert_str(r.json, "hint_code", "expiredTransaction");
  assert_null(json_object_get(r.json, "qr_data"));
  tl_response_free(&r);
  json_t *o = double_order(token);
  assert_int_equal(json_integer_value(json_object_get(o, "cancels")), 1);
  assert_int_equal(json_integer_value(json_object_get(o, "collects")), 0);
  json_decref(o);
  assert_int_equal(sig_call("DELETE", order, sid, "", &w.handler, NULL, &r), 409);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_assert_str(r.json, "current_state", "expired");
  tl_response_free(&r);
  assert_order_status(order, "agent_signing");
}

/* ---- the SMS code ------------------------------------------------------------------------- */

/* Four wrong codes 401 with the tries left, the fifth 429 and the code burnt (the right one too
 * then); a new signature's right code completes: the handler's rejection ends the order. */
static void test_otp_wrong_five_times(void **state) {
  (void)state;
  struct tl_response r;
  char order[37], sid[37], code[7], wrong[7], body[64];
  new_order(&w.handler, &w.attestant, order);
  assert_int_equal(start(order, &w.handler, "sms_otp", "reject", sid, &r), 202);
  assert_true(json_is_null(json_object_get(r.json, "hint_code")));
  assert_int_equal(json_integer_value(json_object_get(r.json, "tries_left")), 5);
  tl_response_free(&r);
  sms_code(w.handler.mobile, code);
  wrong_code(code, wrong);
  snprintf(body, sizeof(body), "{\"code\":\"%s\"}", wrong);
  for (int i = 1; i <= 4; i++) {
    assert_int_equal(sig_call("POST", order, sid, "/otp", &w.handler, body, &r), 401);
    tl_assert_problem(&r, 401, PROBLEM("invalid-credentials"));
    assert_int_equal(json_integer_value(json_object_get(r.json, "tries_left")), 5 - i);
    tl_response_free(&r);
  }
  assert_int_equal(sig_call("POST", order, sid, "/otp", &w.handler, body, &r), 429);
  tl_assert_problem(&r, 429, PROBLEM("too-many-attempts"));
  assert_int_equal(json_integer_value(json_object_get(r.json, "tries_left")), 0);
  tl_response_free(&r);
  snprintf(body, sizeof(body), "{\"code\":\"%s\"}", code);
  assert_int_equal(sig_call("POST", order, sid, "/otp", &w.handler, body, &r), 429);
  tl_response_free(&r);
  assert_int_equal(sig_call("GET", order, sid, "", &w.handler, NULL, &r), 200);
  tl_assert_str(r.json, "status", "failed");
  tl_assert_str(r.json, "hint_code", "tooManyTries");
  tl_response_free(&r);
  const char *p[] = {sid};
  char *hash = tl_sql("SELECT otp_hash FROM orders.signatures WHERE id = $1", 1, p);
  assert_null(strstr(hash, code)); /* only its digest is kept */
  free(hash);
  assert_order_status(order, "agent_signing");

  assert_int_equal(start(order, &w.handler, "sms_otp", "reject", sid, &r), 202);
  tl_response_free(&r);
  sms_code(w.handler.mobile, code);
  snprintf(body, sizeof(body), "{\"code\":\"%s\"}", code);
  assert_int_equal(sig_call("POST", order, sid, "/otp", &w.handler, body, &r), 200);
  tl_assert_str(r.json, "status", "complete");
  tl_assert_str(r.json, "decision", "reject");
  tl_response_free(&r);
  assert_order_status(order, "rejected");
}

/* A code past its five minutes: 410, and the signature expired. */
static void test_otp_expired(void **state) {
  (void)state;
  struct tl_response r;
  char order[37], sid[37], code[7], body[64];
  new_order(&w.handler, &w.attestant, order);
  assert_int_equal(start(order, &w.handler, "sms_otp", "approve", sid, &r), 202);
  tl_response_free(&r);
  sms_code(w.handler.mobile, code);
  tl_sql_run(
      "UPDATE orders.signatures SET expires_at = now() - interval '1 second'"
      " WHERE id = $1",
      1, sid);
  snprintf(body, sizeof(body), "{\"code\":\"%s\"}", code);
  assert_int_equal(sig_call("POST", order, sid, "/otp", &w.handler, body, &r), 410);
  tl_assert_problem(&r, 410, PROBLEM("gone"));
  tl_response_free(&r);
  assert_int_equal(sig_call("GET", order, sid, "", &w.handler, NULL, &r), 200);
  tl_assert_str(r.json, "status", "expired");
  tl_response_free(&r);
  assert_order_status(order, "agent_signing");
}

/* ---- the whole routine --------------------------------------------------------------------- */

/* The email queued to who's address with kind of notice (its inbox notice too): 1 once there. */
struct told {
  const struct user *who;
  const char *kind;
};

static int was_told(void *arg) {
  const struct told *t = arg;
  const char *p[] = {t->who->id, t->kind};
  return tl_sql_long(
             "SELECT count(*) FROM customer.notifications WHERE user_id = $1"
             " AND kind = $2",
             2, p) > 0 &&
         tl_sql_long(
             "SELECT count(*) FROM customer.outgoing_messages m JOIN orders.replica_user u"
             " ON u.email = m.recipient WHERE u.id = $1::uuid",
             1, p) > 0;
}

static void assert_told(const struct user *who, const char *kind) {
  struct told t = {who, kind};
  if (!tl_wait(was_told, &t, 10000)) fail_msg("%s was not told (%s)", who->id, kind);
}

/* A signature of u by SMS code: started, the code read from the SMS, answered. */
static void sign_by_code(const char *order, const struct user *u) {
  struct tl_response r;
  char sid[37], code[7], body[64];
  assert_int_equal(start(order, u, "sms_otp", "approve", sid, &r), 202);
  tl_response_free(&r);
  sms_code(u->mobile, code);
  snprintf(body, sizeof(body), "{\"code\":\"%s\"}", code);
  assert_int_equal(sig_call("POST", order, sid, "/otp", u, body, &r), 200);
  tl_assert_str(r.json, "status", "complete");
  tl_response_free(&r);
}

static int has_status(void *arg) {
  const char **a = arg;
  char *s = order_status(a[0]);
  int same = !strcmp(s, a[1]);
  free(s);
  return same;
}

/* The seed's routine end to end through the gateway: the customer orders; the agent's handler
 * is told, approves and signs with BankID; the attestant is told and attests by SMS code; the
 * customer's attestant is told and attests; the ticket is opened at the provider (once); the
 * handler is told and marks the connection started and done. Every step in the history. */
static struct tl_ticket *ticket_endpoint; /* while test_whole_routine runs */

static int routine_teardown(void **state) {
  (void)state;
  if (ticket_endpoint == NULL) return 0;
  tl_ticket_orders_restore(); /* the stack's own orders service, also after a failure */
  tl_ticket_stop(ticket_endpoint);
  ticket_endpoint = NULL;
  return 0;
}

static void test_whole_routine(void **state) {
  (void)state;
  struct tl_response r;
  struct tl_ticket *t = NULL;
  char order[37], sid[37], token[64], path[160], url_env[300];
  new_order(NULL, NULL, order);
  assert_told(&w.handler, "order_submitted");
  snprintf(path, sizeof(path), "/v1/orders/%s/agent-approval", order);
  char body[600];
  snprintf(body, sizeof(body),
           "{\"terms_accepted\":true,\"certified\":true,\"attestant_id\":\"%s\","
           "\"billing\":{\"organisation_name\":\"Kund BRF\",\"org_number\":\"556677-8899\","
           "\"reference\":\"R-1\"},\"attest_info\":{\"reference\":\"A-1\"}}",
           w.attestant.id);
  call("POST", path, &w.handler, body, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  /* the handler signs its approval with BankID */
  assert_int_equal(start(order, &w.handler, "bankid", "approve", sid, &r), 202);
  qr_token(r.json, token);
  tl_response_free(&r);
  json_t *o = double_order(token);
  double_act(o, "userSign", NULL);
  double_act(o, "complete", "{\"personalNumber\":\"199001011234\"}");
  json_decref(o);
  assert_int_equal(sig_call("GET", order, sid, "", &w.handler, NULL, &r), 200);
  tl_assert_str(r.json, "status", "complete");
  tl_response_free(&r);
  assert_order_status(order, "agent_attest");
  assert_told(&w.attestant, "order_agent_signed");
  sign_by_code(order, &w.attestant);
  assert_order_status(order, "customer_attest");
  assert_told(&w.cattest, "order_agent_attested");
  sign_by_code(order, &w.cattest);
  assert_order_status(order, "attested");
  /* the ticket, at a provider that fails once first */
  tl_ticket_start(&t);
  ticket_endpoint = t;
  tl_ticket_fail_next(t, 1, 503);
  snprintf(url_env, sizeof(url_env), "TICKET_URL=%s", tl_ticket_url(t));
  const char *env[] = {url_env, "TICKET_RETRY_BASE_MS=100", "TICKET_POLL_MS=100", NULL};
  tl_ticket_orders_start(env);
  const char *want[] = {order, "ticket_opened"};
  assert_true(tl_wait(has_status, want, 15000));
  assert_int_equal(tl_ticket_created(t, order), 1);
  assert_told(&w.handler, "order_ticket_opened");
  snprintf(path, sizeof(path), "/v1/orders/%s/connection-started", order);
  call("POST", path, &w.handler, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/orders/%s/connection-done", order);
  call("POST", path, &w.handler, NULL, &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "status", "done");
  char *ref = tl_ticket_ref(t, order); /* the provider's reference, kept with the order */
  tl_assert_str(r.json, "ticket_ref", ref);
  free(ref);
  tl_response_free(&r);
  routine_teardown(NULL);
  /* who did what, when, with which signature */
  snprintf(path, sizeof(path), "/v1/orders/%s/history", order);
  call("GET", path, &w.orderer, NULL, &r);
  tl_expect(&r, 200);
  json_t *items = json_object_get(r.json, "items"), *h;
  size_t i, signed_steps = 0;
  char tos[400] = "";
  json_array_foreach(items, i, h) {
    strncat(tos, tl_str(h, "to_status") ? tl_str(h, "to_status") : "-",
            sizeof(tos) - strlen(tos) - 2);
    strcat(tos, ",");
    if (tl_str(h, "signature_id") != NULL) signed_steps++;
  }
  assert_string_equal(tos,
                      "submitted,agent_signing,agent_attest,customer_attest,attested,"
                      "ticket_opened,connection_started,done,");
  assert_int_equal(signed_steps, 3);
  tl_response_free(&r);
}

/* ---- refusals ----------------------------------------------------------------------------- */

static void test_refusals(void **state) {
  (void)state;
  struct tl_response r;
  char order[37], submitted[37], sid[37], path[160], path_otp[200];
  new_order(&w.handler, &w.attestant, order);
  snprintf(path, sizeof(path), "/v1/orders/%s/signatures", order);
  /* every invalid field at once */
  assert_int_equal(call("POST", path, &w.handler, "{}", &r), 422);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "method", "required");
  tl_assert_field_code(&r, "decision", "required");
  tl_response_free(&r);
  assert_int_equal(
      call("POST", path, &w.handler, "{\"method\":\"fax\",\"decision\":\"maybe\",\"x\":1}", &r),
      422);
  tl_assert_field_code(&r, "method", "not_allowed");
  tl_assert_field_code(&r, "decision", "not_allowed");
  tl_assert_field_code(&r, "x", "unknown_field");
  tl_response_free(&r);
  assert_int_equal(call("POST", path, &w.handler, "{\"method\":\"bankid\",", &r), 400);
  tl_assert_problem(&r, 400, PROBLEM("malformed-json"));
  tl_response_free(&r);
  size_t big = 2 * 1024 * 1024;
  char *huge = malloc(big + 64);
  assert_non_null(huge);
  int n = snprintf(huge, 64, "{\"method\":\"bankid\",\"decision\":\"");
  memset(huge + n, 'a', big);
  memcpy(huge + n + big, "\"}", 3);
  assert_int_equal(call("POST", path, &w.handler, huge, &r), 413);
  tl_response_free(&r);
  free(huge);
  /* not the signer of the step: the attestant (403); another agent's handler (404); no token */
  assert_int_equal(start(order, &w.attestant, "bankid", "approve", NULL, &r), 403);
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  tl_response_free(&r);
  assert_int_equal(start(order, &w.handler_b, "bankid", "approve", NULL, &r), 404);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  assert_int_equal(call("POST", path, NULL, "{\"method\":\"bankid\",\"decision\":\"approve\"}", &r),
                   401);
  tl_response_free(&r);
  /* no step to sign yet */
  new_order(NULL, NULL, submitted);
  assert_int_equal(start(submitted, &w.handler, "bankid", "approve", NULL, &r), 409);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);
  /* an approver with no mobile cannot get a code */
  char own[37];
  new_order(&w.nomobile, &w.attestant, own);
  assert_int_equal(start(own, &w.nomobile, "sms_otp", "approve", NULL, &r), 409);
  tl_assert_problem(&r, 409, PROBLEM("conflict"));
  assert_non_null(strstr(tl_str(r.json, "detail"), "mobile"));
  tl_response_free(&r);
  /* a code's body; a BankID signature takes none; a signature of another order is none */
  assert_int_equal(start(order, &w.handler, "sms_otp", "approve", sid, &r), 202);
  tl_response_free(&r);
  snprintf(path_otp, sizeof(path_otp), "/v1/orders/%s/signatures/%s/otp", order, sid);
  assert_int_equal(call("POST", path_otp, &w.handler, "{\"code\":\"12ab\",\"y\":2}", &r), 422);
  tl_assert_field_code(&r, "code", "format");
  tl_assert_field_code(&r, "y", "unknown_field");
  tl_response_free(&r);
  assert_int_equal(call("POST", path_otp, &w.handler, "{}", &r), 422);
  tl_assert_field_code(&r, "code", "required");
  tl_response_free(&r);
  assert_int_equal(sig_call("GET", own, sid, "", &w.handler, NULL, &r), 404);
  tl_response_free(&r);
  assert_int_equal(start(order, &w.handler, "bankid", "approve", sid, &r), 202);
  tl_response_free(&r);
  assert_int_equal(sig_call("POST", order, sid, "/otp", &w.handler, "{\"code\":\"123456\"}", &r),
                   409);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);
  assert_int_equal(sig_call("GET", order, "not-a-uuid", "", &w.handler, NULL, &r), 404);
  tl_response_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bankid_complete),
      cmocka_unit_test(test_bankid_cancel_and_replace),
      cmocka_unit_test(test_bankid_failed),
      cmocka_unit_test(test_bankid_expired),
      cmocka_unit_test(test_otp_wrong_five_times),
      cmocka_unit_test(test_otp_expired),
      cmocka_unit_test(test_refusals),
      cmocka_unit_test_teardown(test_whole_routine, routine_teardown),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
