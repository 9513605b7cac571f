/* The customer page's side of the tests (see tl_customer.h). */
#include "tl_customer.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

/* 1 once the customer service has applied every fact the policy service has published and
 * holds them fresh (ready: a test before may have stopped policy or Redis a moment ago). */
static int replica_current(void *arg) {
  (void)arg;
  struct tl_response r;
  long ready = tl_call(tl_env("CUSTOMER_URL"), "GET", "/readyz", NULL, NULL, NULL, &r);
  tl_response_free(&r);
  if (ready != 200) return 0;
  long unnumbered = tl_sql_long("SELECT count(*) FROM policy.outbox WHERE seq IS NULL", 0, NULL);
  long head = tl_sql_long("SELECT coalesce(max(seq), 0) FROM policy.outbox", 0, NULL);
  long applied = tl_sql_long(
      "SELECT coalesce((SELECT last_seq FROM customer.event_offsets WHERE source = 'policy'), 0)",
      0, NULL);
  return unnumbered == 0 && applied >= head;
}

void tl_customer_sync(void) {
  if (!tl_wait(replica_current, NULL, 15000))
    fail_msg("the customer service's replica did not catch up");
}

long tl_customer_call(const char *method, const char *path, const char *token, const char *body,
                      const char *extra_header, struct tl_response *r) {
  static int synced;
  if (!synced) tl_customer_sync();
  synced = 1;
  return tl_call(tl_env("CUSTOMER_URL"), method, path, token, body, extra_header, r);
}

struct row_wait {
  const char *case_id, *query;
};

static int row_there(void *arg) {
  const struct row_wait *d = arg;
  char *v = tl_sql(d->query, 1, (const char *[]){d->case_id});
  free(v);
  return v != NULL;
}

void tl_customer_wait(const char *case_id, const char *query) {
  struct row_wait d = {case_id, query};
  if (!tl_wait(row_there, &d, 10000)) fail_msg("not seen in time: %s", query);
}

void tl_customer_case(const struct tl_world *w, char id[37], char phone[24], char *claim) {
  static int n;
  char body[1024], number[64];
  struct tl_response r;
  n++;
  snprintf(phone, 24, "+4670%07d", (int)((time(NULL) * 10 + n) % 10000000));
  snprintf(number, sizeof(number), "CP-%s-%d", w->sfx, n);
  snprintf(body, sizeof(body),
           "{\"claim_number\": \"%s\", \"damage_type\": \"water\", \"damage_date\": \"2026-11-01\","
           " \"address\": {\"street\": \"Irlandsvej 80\", \"postal_code\": \"2300\", \"city\":"
           " \"København S\"}, \"case_handler_id\": \"%s\", \"contacts\": [{\"kind\":"
           " \"policyholder\", \"name\": \"Bente Larsen\", \"phone\": \"%s\", \"email\":"
           " \"bente-%s-%d@kunde.test\"}, {\"kind\": \"contact\", \"name\": \"Rie Nielsen\","
           " \"email\": \"rie-%s-%d@kunde.test\"}]}",
           number, w->ia_handler.id, phone, w->sfx, n, w->sfx, n);
  tl_cases("POST", "/v1/cases", w->ia_handler.token, body, NULL, &r);
  tl_expect(&r, 201);
  snprintf(id, 37, "%s", tl_str(r.json, "id"));
  tl_response_free(&r);
  if (claim != NULL) snprintf(claim, 64, "%s", number);
  tl_customer_wait(id, "SELECT 1 FROM customer.cases WHERE case_id = $1::uuid");
}

/* 1 once the file the stack's file provider writes for the message (its id) is there. */
static int file_written(void *arg) {
  char path[1024];
  snprintf(path, sizeof(path), "%s/notify-outbox/%s.json", tl_env("STACK_DIR"), (char *)arg);
  FILE *f = fopen(path, "rb");
  if (f != NULL) fclose(f);
  return f != NULL;
}

char *tl_customer_link_token(const char *recipient) {
  /* the queue keeps a link only until it is sent: read what the provider delivered */
  char *id = tl_sql(
      "SELECT id::text FROM customer.outgoing_messages WHERE recipient = $1 ORDER BY created_at"
      " DESC LIMIT 1",
      1, (const char *[]){recipient});
  assert_non_null(id);
  if (!tl_wait(file_written, id, 10000)) fail_msg("message %s was not delivered", id);
  char path[1024];
  snprintf(path, sizeof(path), "%s/notify-outbox/%s.json", tl_env("STACK_DIR"), id);
  free(id);
  json_t *m = json_load_file(path, 0, NULL);
  const char *body = json_string_value(json_object_get(m, "body"));
  assert_non_null(body);
  const char *at = strstr(body, "/c/#");
  assert_non_null(at);
  at += 4;
  char *token = strndup(at, strspn(at,
                                   "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                   "0123456789-_"));
  json_decref(m);
  return token;
}

void tl_customer_open_page(const struct tl_world *w, const char *case_id, const char *phone,
                           char cookie[512]) {
  char path[160], body[600];
  const char *base = tl_env("CUSTOMER_URL");
  struct tl_response r;
  snprintf(path, sizeof(path), "/v1/customer/cases/%s/access", case_id);
  tl_call(base, "POST", path, w->ia_handler.token, "{\"contact_index\": 0}", NULL, &r);
  tl_expect(&r, 201);
  tl_response_free(&r);
  char *token = tl_customer_link_token(phone);
  snprintf(body, sizeof(body), "{\"token\": \"%s\"}", token);
  free(token);
  tl_call(base, "POST", "/v1/customer-portal/login", NULL, body, NULL, &r);
  tl_expect(&r, 201);
  char *set = tl_header(&r, "Set-Cookie");
  assert_non_null(set);
  snprintf(cookie, 512, "Cookie: %.*s", (int)strcspn(set, ";"), set);
  free(set);
  tl_response_free(&r);
}
