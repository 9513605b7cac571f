/* The customer's access to the customer page (services/customer/access/), against the running
 * stack: a grant by hand sends the link (read back from the SMS and email the stack's file
 * provider writes), the link opens a session in a cookie, the SMS code when the case asks for it
 * (tries, expiry, single use, the rate of sends), revocation (its sessions end; its link answers
 * as an unknown one, byte for byte), a link of one case never opens another, the trigger
 * case_created grants the contacts the setting access chooses and sends once even when its event
 * is applied again, the closure rule (410), and the staff routes' refusals (wrong user, wrong
 * portal, invalid and oversized bodies).
 *
 * Fixtures: the world of tl_world.h; calls go to the customer service directly (CUSTOMER_URL)
 * and the cases service (tl_cases). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include "tl_customer.h"

static struct tl_world w;

/* ---- calls ------------------------------------------------------------------------------- */

static long call(const char *method, const char *path, const char *token, const char *body,
                 const char *extra_header, struct tl_response *r) {
  return tl_customer_call(method, path, token, body, extra_header, r);
}

/* A customer's call: no staff token, the session cookie (cookie NULL: none). */
static long customer(const char *method, const char *path, const char *body, const char *cookie,
                     struct tl_response *r) {
  char header[160];
  if (cookie != NULL) snprintf(header, sizeof(header), "Cookie: claimsuite_customer=%s", cookie);
  return call(method, path, NULL, body, cookie != NULL ? header : NULL, r);
}

static char *access_path(const char *case_id, char *buf, size_t len) {
  snprintf(buf, len, "/v1/customer/cases/%s/access", case_id);
  return buf;
}

/* ---- fixtures ---------------------------------------------------------------------------- */

static const char *const ANNA_PHONE = "+46 70-111 22 67"; /* written as people write it */
static const char *const ANNA_SMS = "+46701112267";

static char anna_email[96], cecilia_email[96], other_email[96];

/* The contacts of the cases made here: the policyholder Anna (phone and email), the contact
 * person Cecilia (email only) and the contact person Nils (neither). */
static const char *contacts_json(void) {
  static char buf[600];
  snprintf(buf, sizeof(buf),
           "[{\"kind\": \"policyholder\", \"name\": \"Anna Andersson\", \"phone\": \"%s\","
           " \"email\": \"%s\"}, {\"kind\": \"contact\", \"name\": \"Cecilia Carlsson\","
           " \"email\": \"%s\"}, {\"kind\": \"contact\", \"name\": \"Nils Nilsson\"}]",
           ANNA_PHONE, anna_email, cecilia_email);
  return buf;
}

static int case_known(void *arg) {
  char *one = tl_sql("SELECT 1 FROM customer.cases WHERE case_id = $1", 1, (const char *[]){arg});
  free(one);
  return one != NULL;
}

/* A case of portal A with contacts_json, known to the customer service; its id into id. */
static void make_case(char id[37]) {
  static int counter;
  char body[1400];
  struct tl_response r;
  snprintf(body, sizeof(body),
           "{\"claim_number\": \"ACC-%s-%d\", \"damage_type\": \"water\", \"damage_date\":"
           " \"2026-11-01\", \"address\": {\"street\": \"Storgatan 1\", \"postal_code\":"
           " \"111 22\", \"city\": \"Stockholm\"}, \"case_handler_id\": \"%s\", \"contacts\": %s}",
           w.sfx, ++counter, w.ia_handler.id, contacts_json());
  tl_cases("POST", "/v1/cases", w.ia_handler.token, body, NULL, &r);
  tl_expect(&r, 201);
  snprintf(id, 37, "%s", tl_str(r.json, "id"));
  tl_response_free(&r);
  if (!tl_wait(case_known, id, 15000)) fail_msg("the customer service did not learn of the case");
}

/* Sets members (a JSON object text) of portal A's customer page settings as its admin. */
static void portal_settings(const char *members) {
  struct tl_response r;
  call("GET", "/v1/customer/settings", w.ia_admin.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  char *etag = tl_header(&r, "ETag"), header[96];
  json_t *doc = json_incref(r.json), *change = json_loads(members, 0, NULL);
  tl_response_free(&r);
  assert_non_null(change);
  json_object_update(doc, change);
  char *body = json_dumps(doc, JSON_COMPACT);
  snprintf(header, sizeof(header), "If-Match: %s", etag);
  call("PUT", "/v1/customer/settings", w.ia_admin.token, body, header, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  free(body);
  free(etag);
  json_decref(doc);
  json_decref(change);
}

/* Sets case_id's override of the settings (a JSON object text). */
static void case_settings(const char *case_id, const char *override) {
  struct tl_response r;
  char path[160], header[96];
  snprintf(path, sizeof(path), "/v1/customer/cases/%s/settings", case_id);
  call("GET", path, w.ia_admin.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  char *etag = tl_header(&r, "ETag");
  tl_response_free(&r);
  snprintf(header, sizeof(header), "If-Match: %s", etag);
  call("PUT", path, w.ia_admin.token, override, strcmp(etag, "\"0\"") ? header : NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  free(etag);
}

/* ---- messages the file provider wrote ------------------------------------------------------ */

static long long messages_to(const char *recipient) {
  return tl_sql_long("SELECT count(*) FROM customer.outgoing_messages WHERE recipient = $1", 1,
                     (const char *[]){recipient});
}

struct message_wait {
  const char *recipient;
  long long after; /* messages_to before */
  char id[37];
};

/* 1 once the (after+1)th message to the recipient is queued and its file written. */
static int message_written(void *arg) {
  struct message_wait *m = arg;
  char n[24], path[1024];
  snprintf(n, sizeof(n), "%lld", m->after);
  char *id = tl_sql(
      "SELECT id::text FROM customer.outgoing_messages WHERE recipient = $1"
      " ORDER BY created_at, id OFFSET $2::int LIMIT 1",
      2, (const char *[]){m->recipient, n});
  if (id == NULL) return 0;
  snprintf(m->id, sizeof(m->id), "%s", id);
  free(id);
  snprintf(path, sizeof(path), "%s/notify-outbox/%s.json", tl_env("STACK_DIR"), m->id);
  FILE *f = fopen(path, "rb");
  if (f != NULL) fclose(f);
  return f != NULL;
}

/* The (after+1)th message to recipient as the file provider wrote it: new {id, channel, to,
 * subject, body}. */
static json_t *message_file(const char *recipient, long long after) {
  struct message_wait m = {recipient, after, ""};
  char path[1024];
  if (!tl_wait(message_written, &m, 15000)) fail_msg("no message %lld to %s", after + 1, recipient);
  snprintf(path, sizeof(path), "%s/notify-outbox/%s.json", tl_env("STACK_DIR"), m.id);
  json_t *doc = json_load_file(path, 0, NULL);
  assert_non_null(doc);
  return doc;
}

/* The link token in text (after "/c/#") into token (44 bytes). */
static void token_of(const char *text, char token[44]) {
  const char *link = strstr(text, "http://localhost:8080/c/#");
  assert_non_null(link);
  link += strlen("http://localhost:8080/c/#");
  assert_true(strspn(link, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
              43);
  memcpy(token, link, 43);
  token[43] = '\0';
}

/* The six digits of a code message ("... is 123456. ...") into code (7 bytes). */
static void code_of(const char *text, char code[7]) {
  for (const char *s = text; *s != '\0'; s++) {
    if (*s == ' ' && strspn(s + 1, "0123456789") == 6 && s[7] == '.') {
      memcpy(code, s + 1, 6);
      code[6] = '\0';
      return;
    }
  }
  fail_msg("no code in: %s", text);
}

/* Grants by hand on case_id with body, expecting 201: the grant's id into id (may be NULL). */
static void grant(const char *case_id, const char *body, char *id) {
  struct tl_response r;
  char path[160];
  call("POST", access_path(case_id, path, sizeof(path)), w.ia_handler.token, body, NULL, &r);
  tl_expect(&r, 201);
  if (id != NULL) snprintf(id, 37, "%s", tl_str(r.json, "id"));
  tl_response_free(&r);
}

/* Grants Anna (contact 0) access to case_id and reads her link from the SMS: token (44). */
static void grant_anna(const char *case_id, char token[44], char *id) {
  long long before = messages_to(ANNA_SMS);
  grant(case_id, "{\"contact_index\": 0, \"send\": [\"sms\"]}", id);
  json_t *sms = message_file(ANNA_SMS, before);
  token_of(tl_str(sms, "body"), token);
  json_decref(sms);
}

/* Logs in with token (sms code off): the session cookie's value into cookie (44 bytes). */
static void login(const char *token, char cookie[44], const char *case_id) {
  struct tl_response r;
  char body[128];
  snprintf(body, sizeof(body), "{\"token\": \"%s\"}", token);
  customer("POST", "/v1/customer-portal/login", body, NULL, &r);
  tl_expect(&r, 201);
  tl_assert_str(r.json, "case_id", case_id);
  assert_non_null(tl_str(r.json, "expires_at"));
  char *set = tl_header(&r, "Set-Cookie");
  assert_non_null(set);
  assert_memory_equal(set, "claimsuite_customer=", 20);
  assert_non_null(strstr(set, "; HttpOnly"));
  assert_non_null(strstr(set, "; Secure"));
  assert_non_null(strstr(set, "; SameSite=Strict"));
  assert_non_null(strstr(set, "; Path=/"));
  assert_non_null(strstr(set, "; Max-Age=28800"));
  memcpy(cookie, set + 20, 43);
  cookie[43] = '\0';
  assert_int_equal(
      strspn(cookie, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), 43);
  free(set);
  tl_assert_header(&r, "Cache-Control", "no-store");
  tl_response_free(&r);
}

/* The session's answer for cookie: its status; case_id (may be NULL) checked on 200. */
static long session_status(const char *cookie, const char *case_id) {
  struct tl_response r;
  long status = customer("GET", "/v1/customer-portal/session", NULL, cookie, &r);
  if (status == 200 && case_id != NULL) tl_assert_str(r.json, "case_id", case_id);
  if (status == 401) tl_assert_problem(&r, 401, "urn:claimsuite:problem:invalid-credentials");
  tl_response_free(&r);
  return status;
}

/* ---- tests ------------------------------------------------------------------------------- */

static void test_grant_by_hand_and_login(void **state) {
  (void)state;
  char case_id[37], path[160], location[200], token[44], email_token[44], cookie[44];
  struct tl_response r;
  make_case(case_id);
  /* the link is sent manually by default: creating the case granted nobody */
  assert_int_equal(tl_sql_long("SELECT count(*) FROM customer.access_grants WHERE case_id = $1", 1,
                               (const char *[]){case_id}),
                   0);
  long long sms_before = messages_to(ANNA_SMS), mail_before = messages_to(anna_email);
  call("POST", access_path(case_id, path, sizeof(path)), w.ia_handler.token,
       "{\"contact_index\": 0}", NULL, &r);
  tl_expect(&r, 201);
  const char *id = tl_str(r.json, "id");
  snprintf(location, sizeof(location), "/v1/customer/cases/%s/access/%s", case_id, id);
  tl_assert_header(&r, "Location", location);
  json_t *contact = json_object_get(r.json, "contact");
  tl_assert_str(contact, "kind", "policyholder");
  tl_assert_str(contact, "name", "Anna Andersson");
  tl_assert_str(contact, "phone", ANNA_SMS); /* written as SMS go to it */
  tl_assert_str(contact, "email", anna_email);
  assert_int_equal(json_integer_value(json_object_get(contact, "index")), 0);
  tl_assert_str(r.json, "granted_by", "manual");
  tl_assert_str(r.json, "created_by", w.ia_handler.id);
  assert_string_equal(tl_joined(json_object_get(r.json, "sent_to")), "sms,email");
  assert_true(json_is_false(json_object_get(r.json, "revoked")));
  assert_null(strstr(r.body, "token"));
  tl_response_free(&r);

  /* the SMS and the email carry the same link, in English (the portal's language) */
  json_t *sms = message_file(ANNA_SMS, sms_before), *mail = message_file(anna_email, mail_before);
  tl_assert_str(sms, "channel", "sms");
  tl_assert_str(mail, "channel", "email");
  token_of(tl_str(sms, "body"), token);
  token_of(tl_str(mail, "body"), email_token);
  assert_string_equal(token, email_token);
  assert_non_null(strstr(tl_str(sms, "body"), "Hello Anna Andersson"));
  assert_non_null(strstr(tl_str(mail, "subject"), "your personal link"));
  assert_null(strstr(tl_str(mail, "body"), "{"));
  json_decref(sms);
  json_decref(mail);
  /* the database keeps only the digest */
  assert_int_equal(tl_sql_long("SELECT count(*) FROM customer.access_grants WHERE id = $1 AND"
                               " token_sha256 = encode(sha256(convert_to($2, 'UTF8')), 'hex')",
                               2, (const char *[]){location + strlen(location) - 36, token}),
                   1);

  /* the list shows it, never a token */
  call("GET", path, w.ia_handler.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
  assert_true(json_is_null(json_object_get(r.json, "next_cursor")));
  assert_null(strstr(r.body, "token"));
  assert_null(strstr(r.body, token));
  tl_response_free(&r);

  /* the link opens a session at once (no SMS code): the cookie is the session */
  login(token, cookie, case_id);
  customer("GET", "/v1/customer-portal/session", NULL, cookie, &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "case_id", case_id);
  tl_assert_str(r.json, "contact_name", "Anna Andersson");
  assert_non_null(tl_str(r.json, "expires_at"));
  tl_response_free(&r);
  /* no cookie, a cookie of another shape, a bearer token instead: 401 */
  assert_int_equal(session_status(NULL, NULL), 401);
  assert_int_equal(session_status("nonsense", NULL), 401);
  assert_int_equal(session_status("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL), 401);
  call("GET", "/v1/customer-portal/session", cookie, NULL, NULL, &r);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:invalid-credentials");
  tl_response_free(&r);

  /* logout ends it and clears the cookie */
  customer("POST", "/v1/customer-portal/logout", NULL, cookie, &r);
  tl_expect(&r, 204);
  char *set = tl_header(&r, "Set-Cookie");
  assert_non_null(set);
  assert_non_null(strstr(set, "claimsuite_customer=;"));
  assert_non_null(strstr(set, "Max-Age=0"));
  free(set);
  tl_response_free(&r);
  assert_int_equal(session_status(cookie, NULL), 401);
  /* the link still opens a new one */
  login(token, cookie, case_id);
  assert_int_equal(session_status(cookie, case_id), 200);

  /* a person not on the case, by email only */
  long long other_before = messages_to(other_email);
  char body[300];
  snprintf(body, sizeof(body), "{\"name\": \"Olle Ohlsson\", \"email\": \"%s\"}", other_email);
  call("POST", path, w.ia_admin.token, body, NULL, &r);
  tl_expect(&r, 201);
  tl_assert_str(json_object_get(r.json, "contact"), "kind", "other");
  assert_true(json_is_null(json_object_get(json_object_get(r.json, "contact"), "index")));
  assert_string_equal(tl_joined(json_object_get(r.json, "sent_to")), "email");
  tl_response_free(&r);
  json_t *olle = message_file(other_email, other_before);
  assert_non_null(strstr(tl_str(olle, "body"), "Hello Olle Ohlsson"));
  json_decref(olle);
}

static void test_grant_refusals(void **state) {
  (void)state;
  char case_id[37], path[160], key[96];
  struct tl_response r;
  make_case(case_id);
  access_path(case_id, path, sizeof(path));
  struct {
    const char *body, *field, *code;
  } bad[] = {
      {"{\"contact_index\": 2}", "contact_index", "invalid"}, /* Nils: no phone, no email */
      {"{\"contact_index\": 9}", "contact_index", "not_found"},
      {"{\"contact_index\": \"0\"}", "contact_index", "wrong_type"},
      {"{\"contact_index\": 0, \"name\": \"X\"}", "name", "not_allowed"},
      {"{\"contact_index\": 1, \"send\": [\"sms\"]}", "send/0", "invalid"}, /* Cecilia: email */
      {"{\"contact_index\": 0, \"send\": [\"fax\"]}", "send/0", "not_allowed"},
      {"{\"contact_index\": 0, \"send\": [\"sms\", \"sms\"]}", "send/1", "not_unique"},
      {"{\"contact_index\": 0, \"send\": []}", "send", "invalid"},
      {"{\"name\": \"Olle\"}", "phone", "required"},
      {"{\"email\": \"o@example.se\"}", "name", "required"},
      {"{\"name\": \"Olle\", \"phone\": \"call me\"}", "phone", "format"},
      {"{\"name\": \"Olle\", \"email\": \"not an address\"}", "email", "format"},
      {"{\"contact_index\": 0, \"colour\": \"red\"}", "colour", "unknown_field"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    call("POST", path, w.ia_handler.token, bad[i].body, NULL, &r);
    tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
    tl_assert_field_code(&r, bad[i].field, bad[i].code);
    tl_response_free(&r);
  }
  /* every error of a body at once */
  call("POST", path, w.ia_handler.token,
       "{\"name\": \"\", \"email\": \"x\", \"phone\": \"y\", \"send\": [\"fax\"]}", NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_code(&r, "name", "format");
  tl_assert_field_code(&r, "email", "format");
  tl_assert_field_code(&r, "phone", "format");
  tl_assert_field_code(&r, "send/0", "not_allowed");
  tl_response_free(&r);
  call("POST", path, w.ia_handler.token, "{\"contact_index\": ", NULL, &r);
  tl_assert_problem(&r, 400, NULL);
  tl_response_free(&r);
  /* a body over the limit is refused before it is read */
  size_t big = 3 * 1024 * 1024;
  char *huge = malloc(big + 64);
  snprintf(huge, 64, "{\"name\": \"");
  memset(huge + strlen(huge), 'a', big);
  snprintf(huge + 10 + big, 54, "\"}");
  call("POST", path, w.ia_handler.token, huge, NULL, &r);
  tl_assert_problem(&r, 413, "urn:claimsuite:problem:body-too-large");
  tl_response_free(&r);
  free(huge);
  /* nothing was granted by any of them */
  assert_int_equal(tl_sql_long("SELECT count(*) FROM customer.access_grants WHERE case_id = $1", 1,
                               (const char *[]){case_id}),
                   0);

  /* Idempotency-Key: a retried grant is one grant and one message */
  long long before = messages_to(cecilia_email);
  snprintf(key, sizeof(key), "Idempotency-Key: access-%s", w.sfx);
  char first[37];
  call("POST", path, w.ia_handler.token, "{\"contact_index\": 1}", key, &r);
  tl_expect(&r, 201);
  snprintf(first, sizeof(first), "%s", tl_str(r.json, "id"));
  tl_response_free(&r);
  call("POST", path, w.ia_handler.token, "{\"contact_index\": 1}", key, &r);
  tl_expect(&r, 201);
  tl_assert_str(r.json, "id", first);
  tl_response_free(&r);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM customer.access_grants WHERE case_id = $1", 1,
                               (const char *[]){case_id}),
                   1);
  json_t *mail = message_file(cecilia_email, before);
  json_decref(mail);
  assert_int_equal(messages_to(cecilia_email), before + 1);
  /* the same key for another body */
  call("POST", path, w.ia_handler.token, "{\"contact_index\": 0}", key, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:idempotency-key-reused");
  tl_response_free(&r);
}

static void test_wrong_callers(void **state) {
  (void)state;
  char case_id[37], path[160], one[200], access_id[37], token[44];
  struct tl_response r;
  make_case(case_id);
  grant_anna(case_id, token, access_id);
  access_path(case_id, path, sizeof(path));
  snprintf(one, sizeof(one), "%s/%s", path, access_id);
  /* a partner's users (not the case's external case handler) and another portal's admin: the
   * case is not theirs to see */
  char *ib_in_b = w.ib_admin.token;
  const char *tokens[] = {w.p_admin.token, w.p_worker.token, ib_in_b};
  for (size_t i = 0; i < 3; i++) {
    call("GET", path, tokens[i], NULL, NULL, &r);
    tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
    tl_response_free(&r);
    call("POST", path, tokens[i], "{\"contact_index\": 0}", NULL, &r);
    tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
    tl_response_free(&r);
    call("DELETE", one, tokens[i], NULL, NULL, &r);
    tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
    tl_response_free(&r);
  }
  /* no token */
  call("GET", path, NULL, NULL, NULL, &r);
  tl_assert_problem(&r, 401, NULL);
  tl_response_free(&r);
  /* a case id that is no UUID, an unknown case */
  call("GET", "/v1/customer/cases/nope/access", w.ia_handler.token, NULL, NULL, &r);
  tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
  tl_response_free(&r);
  call("GET", "/v1/customer/cases/6a1f9b52-8c8e-4c55-9f1e-1d2c3b4a5f60/access", w.ia_handler.token,
       NULL, NULL, &r);
  tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
  tl_response_free(&r);
  /* the portal's API client may */
  call("GET", path, w.client_a_token, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
  tl_response_free(&r);
  /* nothing was revoked by the refused calls */
  char cookie[44];
  login(token, cookie, case_id);
}

static void test_revoke(void **state) {
  (void)state;
  char case_id[37], path[160], one[200], access_id[37], token[44], cookie[44];
  struct tl_response r, unknown, revoked, malformed;
  make_case(case_id);
  grant_anna(case_id, token, access_id);
  login(token, cookie, case_id);
  assert_int_equal(session_status(cookie, case_id), 200);
  snprintf(one, sizeof(one), "%s/%s", access_path(case_id, path, sizeof(path)), access_id);
  call("DELETE", one, w.ia_handler.token, NULL, NULL, &r);
  tl_expect(&r, 204);
  tl_response_free(&r);
  /* its session ends at once */
  assert_int_equal(session_status(cookie, NULL), 401);
  /* revoked again: 204, nothing changes; an access not of the case: 404 */
  call("DELETE", one, w.ia_handler.token, NULL, NULL, &r);
  tl_expect(&r, 204);
  tl_response_free(&r);
  snprintf(one, sizeof(one), "%s/6a1f9b52-8c8e-4c55-9f1e-1d2c3b4a5f60", path);
  call("DELETE", one, w.ia_handler.token, NULL, NULL, &r);
  tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
  tl_response_free(&r);
  call("GET", path, w.ia_handler.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  json_t *g = json_array_get(json_object_get(r.json, "items"), 0);
  assert_true(json_is_true(json_object_get(g, "revoked")));
  tl_assert_str(g, "revoked_by", w.ia_handler.id);
  assert_non_null(tl_str(g, "revoked_at"));
  tl_response_free(&r);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM customer.outbox WHERE aggregate_id = $1"
                               " AND type = 'customer_access.revoked'",
                               1, (const char *[]){case_id}),
                   1);

  /* the revoked link answers exactly as one that never existed, and as a malformed one */
  char body[128];
  snprintf(body, sizeof(body), "{\"token\": \"%s\"}", token);
  customer("POST", "/v1/customer-portal/login", body, NULL, &revoked);
  customer("POST", "/v1/customer-portal/login",
           "{\"token\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}", NULL, &unknown);
  customer("POST", "/v1/customer-portal/login", "{\"token\": \"short\"}", NULL, &malformed);
  tl_assert_problem(&revoked, 401, "urn:claimsuite:problem:invalid-credentials");
  assert_string_equal(revoked.body, unknown.body);
  assert_string_equal(revoked.body, malformed.body);
  /* the same headers too, but the request's own id and the date */
  char *h[2] = {revoked.headers, unknown.headers};
  for (int i = 0; i < 2; i++) {
    char *out = h[i], *line = h[i];
    while (*line != '\0') {
      size_t n = strcspn(line, "\n") + (line[strcspn(line, "\n")] == '\n');
      if (strncasecmp(line, "X-Request-Id:", 13) && strncasecmp(line, "Date:", 5)) {
        memmove(out, line, n);
        out += n;
      }
      line += n;
    }
    *out = '\0';
  }
  assert_string_equal(revoked.headers, unknown.headers);
  tl_response_free(&revoked);
  tl_response_free(&unknown);
  tl_response_free(&malformed);
  /* the code route too */
  snprintf(body, sizeof(body), "{\"token\": \"%s\", \"code\": \"123456\"}", token);
  customer("POST", "/v1/customer-portal/login/code", body, NULL, &r);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:invalid-credentials");
  tl_response_free(&r);
  /* a login body without a token */
  customer("POST", "/v1/customer-portal/login", "{}", NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_code(&r, "token", "required");
  tl_response_free(&r);
}

static void test_one_case_only(void **state) {
  (void)state;
  char case_a[37], case_b[37], path[160], one[200], access_a[37], token_a[44], cookie[44];
  struct tl_response r;
  make_case(case_a);
  make_case(case_b);
  grant_anna(case_a, token_a, access_a);
  login(token_a, cookie, case_a);
  /* Anna is a contact of both cases, but A's link opens A only */
  assert_int_equal(session_status(cookie, case_a), 200);
  customer("GET", "/v1/customer-portal/session", NULL, cookie, &r);
  assert_string_not_equal(tl_str(r.json, "case_id"), case_b);
  tl_response_free(&r);
  /* A's grant is not B's to list or revoke */
  call("GET", access_path(case_b, path, sizeof(path)), w.ia_handler.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
  tl_response_free(&r);
  snprintf(one, sizeof(one), "%s/%s", path, access_a);
  call("DELETE", one, w.ia_handler.token, NULL, NULL, &r);
  tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
  tl_response_free(&r);
  assert_int_equal(session_status(cookie, case_a), 200);
}

/* Logs in with token while the code is on: 202; the code sent into code. */
static void login_for_code(const char *token, const char *recipient, char code[7]) {
  struct tl_response r;
  char body[128];
  long long before = messages_to(recipient);
  snprintf(body, sizeof(body), "{\"token\": \"%s\"}", token);
  customer("POST", "/v1/customer-portal/login", body, NULL, &r);
  tl_expect(&r, 202);
  assert_true(json_is_true(json_object_get(r.json, "code_required")));
  assert_int_equal(json_integer_value(json_object_get(r.json, "expires_in")), 300);
  char *set = tl_header(&r, "Set-Cookie");
  assert_null(set);
  tl_response_free(&r);
  json_t *msg = message_file(recipient, before);
  code_of(tl_str(msg, "body"), code);
  json_decref(msg);
}

static long try_code(const char *token, const char *code, struct tl_response *r) {
  char body[160];
  snprintf(body, sizeof(body), "{\"token\": \"%s\", \"code\": \"%s\"}", token, code);
  return customer("POST", "/v1/customer-portal/login/code", body, NULL, r);
}

static void test_sms_code(void **state) {
  (void)state;
  char case_id[37], token[44], code[7], code2[7], wrong[7], cookie[44], body[128];
  struct tl_response r;
  make_case(case_id);
  case_settings(case_id, "{\"sms_security_code\": true}");
  grant_anna(case_id, token, NULL);

  /* the code goes by SMS to the grant's phone, named masked */
  long long before = messages_to(ANNA_SMS);
  snprintf(body, sizeof(body), "{\"token\": \"%s\"}", token);
  customer("POST", "/v1/customer-portal/login", body, NULL, &r);
  tl_expect(&r, 202);
  tl_assert_str(r.json, "sent_to", "+46 *** ** 67");
  tl_response_free(&r);
  json_t *sms = message_file(ANNA_SMS, before);
  code_of(tl_str(sms, "body"), code);
  assert_non_null(strstr(tl_str(sms, "body"), "valid for 5 minutes"));
  json_decref(sms);
  /* stored as a digest only */
  assert_int_equal(tl_sql_long("SELECT count(*) FROM customer.access_codes WHERE code_sha256 = $1"
                               " OR code_sha256 = encode(sha256(convert_to($1, 'UTF8')), 'hex')",
                               1, (const char *[]){code}),
                   0);
  /* not another while it is usable and fresh */
  customer("POST", "/v1/customer-portal/login", body, NULL, &r);
  tl_assert_problem(&r, 429, "urn:claimsuite:problem:too-many-attempts");
  char *retry = tl_header(&r, "Retry-After");
  assert_non_null(retry);
  assert_in_range(atol(retry), 1, 30);
  free(retry);
  tl_response_free(&r);
  assert_int_equal(messages_to(ANNA_SMS), before + 1);

  /* five wrong tries: 401 with what is left; the sixth, even right, 429 and the code burnt */
  memcpy(wrong, code, sizeof(wrong));
  wrong[5] = (char)(wrong[5] == '9' ? '0' : wrong[5] + 1);
  for (int i = 0; i < 5; i++) {
    try_code(token, wrong, &r);
    tl_assert_problem(&r, 401, "urn:claimsuite:problem:invalid-credentials");
    assert_int_equal(json_integer_value(json_object_get(r.json, "tries_left")), 4 - i);
    assert_null(tl_header(&r, "Set-Cookie"));
    tl_response_free(&r);
  }
  try_code(token, code, &r);
  tl_assert_problem(&r, 429, "urn:claimsuite:problem:too-many-attempts");
  retry = tl_header(&r, "Retry-After");
  assert_non_null(retry);
  free(retry);
  tl_response_free(&r);

  /* a new login sends a new code at once; it opens the page */
  login_for_code(token, ANNA_SMS, code2);
  try_code(token, code2, &r);
  tl_expect(&r, 201);
  tl_assert_str(r.json, "case_id", case_id);
  char *set = tl_header(&r, "Set-Cookie");
  assert_non_null(set);
  assert_non_null(strstr(set, "HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=28800"));
  memcpy(cookie, set + 20, 43);
  cookie[43] = '\0';
  free(set);
  tl_response_free(&r);
  assert_int_equal(session_status(cookie, case_id), 200);
  /* used once, never again */
  try_code(token, code2, &r);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:invalid-credentials");
  tl_response_free(&r);
  /* the burnt code's earlier right answer does not work either */
  try_code(token, code, &r);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:invalid-credentials");
  tl_response_free(&r);

  /* an expired code: 410 */
  login_for_code(token, ANNA_SMS, code);
  tl_sql_run(
      "UPDATE customer.access_codes SET expires_at = now() - interval '1 second'"
      " WHERE access_id = (SELECT id FROM customer.access_grants WHERE case_id = $1)",
      1, case_id);
  try_code(token, code, &r);
  assert_int_equal(r.status, 410);
  tl_assert_str(r.json, "type", "urn:claimsuite:problem:gone");
  tl_response_free(&r);
  /* an input that is no code is a wrong try like any other */
  login_for_code(token, ANNA_SMS, code);
  try_code(token, "abc", &r);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:invalid-credentials");
  assert_int_equal(json_integer_value(json_object_get(r.json, "tries_left")), 4);
  tl_response_free(&r);

  /* a grant without a phone gets its code by email, saying why */
  long long mails = messages_to(cecilia_email);
  grant(case_id, "{\"contact_index\": 1}", NULL);
  json_t *link = message_file(cecilia_email, mails);
  char cecilia_token[44];
  token_of(tl_str(link, "body"), cecilia_token);
  json_decref(link);
  mails = messages_to(cecilia_email);
  snprintf(body, sizeof(body), "{\"token\": \"%s\"}", cecilia_token);
  customer("POST", "/v1/customer-portal/login", body, NULL, &r);
  tl_expect(&r, 202);
  tl_assert_str(r.json, "sent_to", "c***@example.se");
  tl_response_free(&r);
  json_t *mail = message_file(cecilia_email, mails);
  tl_assert_str(mail, "channel", "email");
  assert_non_null(strstr(tl_str(mail, "body"), "no mobile number"));
  code_of(tl_str(mail, "body"), code);
  json_decref(mail);
  try_code(cecilia_token, code, &r);
  tl_expect(&r, 201);
  tl_response_free(&r);
}

static void test_closed_case(void **state) {
  (void)state;
  char case_id[37], token[44], cookie[44], body[128];
  struct tl_response r;
  make_case(case_id);
  grant_anna(case_id, token, NULL);
  login(token, cookie, case_id);
  /* the case closed 31 days ago: past the default 30 days */
  tl_sql_run(
      "UPDATE customer.cases SET doc = jsonb_set(doc, '{status}', '\"closed\"'),"
      " closed_at = now() - interval '31 days' WHERE case_id = $1",
      1, case_id);
  customer("GET", "/v1/customer-portal/session", NULL, cookie, &r);
  assert_int_equal(r.status, 410);
  tl_assert_str(r.json, "type", "urn:claimsuite:problem:gone");
  tl_response_free(&r);
  snprintf(body, sizeof(body), "{\"token\": \"%s\"}", token);
  customer("POST", "/v1/customer-portal/login", body, NULL, &r);
  assert_int_equal(r.status, 410);
  tl_assert_str(r.json, "type", "urn:claimsuite:problem:gone");
  assert_null(tl_header(&r, "Set-Cookie"));
  tl_response_free(&r);
  /* shown 60 days for this case: open again */
  case_settings(case_id, "{\"visible_days_after_closing\": 60}");
  assert_int_equal(session_status(cookie, case_id), 200);
}

/* ---- the trigger ---------------------------------------------------------------------------- */

static int grants_made(void *arg) {
  return tl_sql_long("SELECT count(*) FROM customer.access_grants WHERE case_id = $1", 1,
                     (const char *[]){arg}) > 0;
}

/* The kinds of case_id's grants, sorted, into buf. */
static const char *granted(const char *case_id) {
  static char buf[200];
  char *s = tl_sql(
      "SELECT coalesce(string_agg(contact_name || '/' || granted_by, ',' ORDER BY contact_name),"
      " '') FROM customer.access_grants WHERE case_id = $1 AND created_by IS NULL",
      1, (const char *[]){case_id});
  snprintf(buf, sizeof(buf), "%s", s != NULL ? s : "");
  free(s);
  return buf;
}

static long long case_messages(const char *event_id) {
  char like[96];
  snprintf(like, sizeof(like), "access:%s:%%", event_id);
  return tl_sql_long("SELECT count(*) FROM customer.outgoing_messages WHERE dedupe_key LIKE $1", 1,
                     (const char *[]){like});
}

static int customer_caught_up(void *arg) {
  (void)arg;
  long head = tl_sql_long("SELECT coalesce(max(seq), 0) FROM cases.outbox", 0, NULL);
  return tl_sql_long(
             "SELECT coalesce((SELECT last_seq FROM customer.event_offsets"
             " WHERE source = 'cases'), 0)",
             0, NULL) >= head;
}

static void test_trigger_case_created(void **state) {
  (void)state;
  char case_id[37], other[37];
  portal_settings("{\"link_sending\": \"case_created\", \"access\": \"both\"}");
  long long sms_before = messages_to(ANNA_SMS), mail_before = messages_to(cecilia_email);
  make_case(case_id);
  assert_true(tl_wait(grants_made, case_id, 15000));
  /* the policyholder and the contact person who can be reached; not Nils (no phone, no email) */
  assert_string_equal(granted(case_id),
                      "Anna Andersson/case_created,Cecilia Carlsson/case_created");
  char *event_id =
      tl_sql("SELECT id::text FROM cases.outbox WHERE aggregate_id = $1 AND type = 'case.created'",
             1, (const char *[]){case_id});
  assert_non_null(event_id);
  /* Anna's link by SMS and email, Cecilia's by email: once each, named by the event */
  json_t *sms = message_file(ANNA_SMS, sms_before),
         *mail = message_file(cecilia_email, mail_before);
  char token[44], cookie[44];
  token_of(tl_str(sms, "body"), token);
  json_decref(sms);
  json_decref(mail);
  assert_int_equal(case_messages(event_id), 3);
  login(token, cookie, case_id);

  /* the same event applied again (the consumer's offset set back, the case forgotten): no grant
   * and no message more */
  char *seq = tl_sql("SELECT (seq - 1)::text FROM cases.outbox WHERE id = $1::uuid", 1,
                     (const char *[]){event_id});
  assert_non_null(seq);
  assert_int_equal(tl_stack("kill", "customer"), 0);
  tl_sql_run("UPDATE customer.event_offsets SET last_seq = $1::bigint WHERE source = 'cases'", 1,
             seq);
  tl_sql_run("DELETE FROM customer.cases WHERE case_id = $1", 1, case_id);
  assert_int_equal(tl_stack("restart", "customer"), 0);
  assert_true(tl_wait(case_known, case_id, 30000));
  assert_true(tl_wait(customer_caught_up, NULL, 30000));
  assert_string_equal(granted(case_id),
                      "Anna Andersson/case_created,Cecilia Carlsson/case_created");
  assert_int_equal(case_messages(event_id), 3);
  assert_int_equal(session_status(cookie, case_id), 200);
  free(seq);
  free(event_id);

  /* contact_person: the contact persons only */
  portal_settings("{\"access\": \"contact_person\"}");
  make_case(other);
  assert_true(tl_wait(grants_made, other, 15000));
  assert_string_equal(granted(other), "Cecilia Carlsson/case_created");
  /* another trigger than the one set: nothing on case creation */
  portal_settings("{\"link_sending\": \"inspector_assigned\", \"access\": \"all_contacts\"}");
  make_case(other);
  assert_true(tl_wait(customer_caught_up, NULL, 15000));
  assert_string_equal(granted(other), "");
  portal_settings("{\"link_sending\": \"manual\", \"access\": \"contact_person\"}");
}

int main(void) {
  tl_world_create(&w);
  snprintf(anna_email, sizeof(anna_email), "anna-%s@example.se", w.sfx);
  snprintf(cecilia_email, sizeof(cecilia_email), "cecilia-%s@example.se", w.sfx);
  snprintf(other_email, sizeof(other_email), "olle-%s@example.se", w.sfx);
  /* what these tests take for granted, whatever other tests of the stack left in portal A */
  portal_settings(
      "{\"sms_security_code\": false, \"link_sending\": \"manual\", \"access\":"
      " \"contact_person\", \"visible_days_after_closing\": 30, \"language\": \"en\"}");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_grant_by_hand_and_login),
      cmocka_unit_test(test_grant_refusals),
      cmocka_unit_test(test_wrong_callers),
      cmocka_unit_test(test_revoke),
      cmocka_unit_test(test_one_case_only),
      cmocka_unit_test(test_sms_code),
      cmocka_unit_test(test_closed_case),
      cmocka_unit_test(test_trigger_case_created),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  tl_world_free(&w);
  return failed;
}
