/* The world the fault scenarios write in, and the checks they share (see faults.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "faults.h"
#include "tl_org.h"

static struct tl_world world;
static struct fg gateway;
static char authz_ia[2048];

void fw_setup(const char *const *gateway_env) {
  tl_world_create(&world);
  fw_replicas_sync();
  snprintf(authz_ia, sizeof(authz_ia), "Authorization: Bearer %s", world.ia_handler.token);
  fg_start(&gateway, gateway_env);
}

void fw_replicas_sync(void) {
  /* the services decide who the callers are from their replicas of the policy facts */
  const char *schemas[] = {"cases", "customer", "orders"};
  for (size_t i = 0; i < 3; i++)
    if (!tl_wait(tl_org_replica_caught_up, (void *)schemas[i], 15000))
      fail_msg("the %s replica did not catch up", schemas[i]);
}

void fw_teardown(void) {
  fg_stop(&gateway);
  tl_world_free(&world);
  tl_sql_close();
}

struct tl_world *fw_world(void) {
  return &world;
}
struct fg *fw_gateway(void) {
  return &gateway;
}
const char *fw_authz_handler(void) { return authz_ia; }

char *fw_case_body(size_t i, void *run) {
  char *b = malloc(1024);
  snprintf(b, 1024,
           "{\"claim_number\": \"%s-%zu\", \"damage_type\": \"water\", \"damage_date\": "
           "\"2026-11-01\", \"address\": {\"street\": \"Storgatan 1\", \"postal_code\": \"111 22\","
           " \"city\": \"Stockholm\"}, \"case_handler_id\": \"%s\", \"contacts\": [{\"kind\": "
           "\"policyholder\", \"name\": \"Anna Andersson\", \"phone\": \"+46701234567\"}]}",
           (const char *)run, i, world.ia_handler.id);
  return b;
}

void fw_load(struct fl_load *l, const char *scenario, const char *path, const char *authorization,
             char *(*body)(size_t, void *), void (*fault)(void *), void *fault_arg) {
  static char url[256];
  memset(l, 0, sizeof(*l));
  snprintf(l->run, sizeof(l->run), "%s-%s", scenario, world.sfx);
  for (char *c = l->run; *c; c++)
    if (*c == ' ') *c = '_';
  snprintf(url, sizeof(url), "%s%s", gateway.url, path);
  l->url = url;
  l->authorization = authorization;
  l->body = body;
  l->body_arg = l->run;
  l->writes = (size_t)faults_writes();
  l->fault = fault;
  l->fault_arg = fault_arg;
  l->fault_after = l->writes / 4;
}

long fw_emitted_twice(const struct fl_load *l, const char *schema) {
  char sql[512];
  long seen;
  snprintf(sql, sizeof(sql),
           "SELECT string_agg(a || ':' || n, ',') FROM (SELECT aggregate_id a, max(n) n FROM"
           " (SELECT aggregate_id, type, count(*) n FROM %s.outbox WHERE aggregate_id ="
           " ANY($1::text[]) GROUP BY 1, 2) x GROUP BY 1) y",
           schema);
  long twice = fl_count_twice(l, sql, &seen);
  if (seen != l->acknowledged)
    fail_msg("%ld of %ld acknowledged writes emitted an event", seen, l->acknowledged);
  return twice;
}

struct awaited {
  const struct fl_load *l;
  const char *sql;
  long seen, twice;
};

static int all_applied(void *arg) {
  struct awaited *a = arg;
  a->twice = fl_count_twice(a->l, a->sql, &a->seen);
  return a->seen == a->l->acknowledged;
}

long fw_applied_twice(const struct fl_load *l, const char *sql, const char *what,
                      long long *applied_at_ms) {
  struct awaited a = {l, sql, 0, 0};
  if (!tl_wait(all_applied, &a, 15000))
    fail_msg("%s: %ld of %ld applied", what, a.seen, l->acknowledged);
  if (applied_at_ms != NULL) *applied_at_ms = tl_now_ms();
  return a.twice;
}

long fw_cases_checked(const struct fl_load *l, struct fl_rows *rows, long long *applied_at_ms) {
  fl_count_rows(l,
                "SELECT string_agg(substring(claim_number from '[0-9]+$') || ':' || id, ',')"
                " FROM cases.cases WHERE claim_number LIKE $1",
                rows);
  long twice = fw_emitted_twice(l, "cases");
  twice += fw_applied_twice(l,
                            "SELECT string_agg(case_id || ':' || 1, ',') FROM customer.cases"
                            " WHERE case_id = ANY($1::uuid[])",
                            "the customer service's copies of the cases", applied_at_ms);
  return twice;
}

void fw_assert_nothing_lost(const struct fl_load *l, const struct fl_rows *rows, long twice) {
  assert_true(l->fault_started_ms > 0);
  assert_int_equal(l->unexpected, 0);
  assert_int_equal(l->given_up, 0);
  assert_int_equal(l->acknowledged, (long)l->writes);
  assert_int_equal(rows->lost, 0);
  assert_int_equal(rows->duplicated, 0);
  assert_int_equal(twice, 0);
  assert_int_equal(l->replays_differing, 0);
}

void fw_orders_create(struct fw_orders *o) {
  struct tl_world *w = fw_world();
  tl_org_company(w, o->agent, "agent", "Agent");
  tl_org_company(w, o->customer, "customer", "Customer");
  tl_org_person(w, &o->handler, "handler", o->agent, "agent", "{agent_handler}");
  tl_org_person(w, &o->orderer, "orderer", o->customer, "customer", "{}");
  fw_replicas_sync();
}

void fw_orders_free(struct fw_orders *o) {
  free(o->handler.token);
  free(o->orderer.token);
}
