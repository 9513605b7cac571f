/* The claims world of the cases tests (see tl_world.h). */
#include "tl_world.h"
#include "ids.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "http.h"

static void company(char id[37], const char *kind, const char *name, const char *sfx) {
  char full[128];
  ids_uuid_v4(id);
  snprintf(full, sizeof(full), "%s %s", name, sfx);
  tl_sql_run("INSERT INTO policy.companies (id, kind, name) VALUES ($1, $2, $3)", 3, id, kind,
             full);
}

static void serves(const char *company_id, const char *portal_id) {
  tl_sql_run("INSERT INTO policy.company_portals (company_id, portal_id) VALUES ($1, $2)", 2,
             company_id, portal_id);
}

static void portal(char id[37], const char *insurer, const char *name) {
  ids_uuid_v4(id);
  tl_sql_run("INSERT INTO policy.portals (id, insurer_company_id, name, default_budget_limit) "
             "VALUES ($1, $2, $3, 10000)",
             3, id, insurer, name);
  serves(insurer, id);
}

/* lat/lon NULL: no coordinates. */
static void office(char id[37], const char *company_id, const char *name, const char *city,
                   const char *lat, const char *lon) {
  ids_uuid_v4(id);
  tl_sql_run("INSERT INTO policy.offices (id, company_id, name, city, latitude, longitude) "
             "VALUES ($1, $2, $3, $4, $5::float8, $6::float8)",
             6, id, company_id, name, city, lat, lon);
}

static void person(const struct tl_world *w, struct tl_person *p, const char *who,
                   const char *company_id, const char *kind, const char *level,
                   const char *office_id, int marked, const char *limit) {
  ids_uuid_v4(p->id);
  snprintf(p->email, sizeof(p->email), "%s-%s@world.test", who, w->sfx);
  snprintf(p->company_id, sizeof(p->company_id), "%s", company_id);
  p->company_kind = kind;
  tl_sql_run("INSERT INTO policy.users (id, company_id, email, name, authority_level, "
             "external_case_handler, budget_limit) VALUES ($1, $2, $3, $4, $5::smallint, "
             "$6::boolean, $7::bigint)",
             7, p->id, company_id, p->email, who, level, marked ? "true" : "false", limit);
  if (office_id != NULL)
    tl_sql_run("INSERT INTO policy.user_offices (user_id, office_id) VALUES ($1, $2)", 2, p->id,
               office_id);
}

char *tl_world_token_in(const struct tl_world *w, const struct tl_person *p, const char *portal_id) {
  (void)w;
  json_t *extra = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "kind", "user", "portal_id",
                            portal_id, "company_id", p->company_id, "company_kind",
                            p->company_kind, "email", p->email, "name", p->email);
  char *token = tl_token(p->id, 3600, extra);
  json_decref(extra);
  return token;
}

void tl_world_create(struct tl_world *w) {
  memset(w, 0, sizeof(*w));
  char u[37];
  ids_uuid_v4(u);
  memcpy(w->sfx, u, 8);
  w->sfx[8] = '\0';

  company(w->insurer_a, "insurer", "Insurer A", w->sfx);
  company(w->insurer_b, "insurer", "Insurer B", w->sfx);
  company(w->partner_p, "partner", "Partner P", w->sfx);
  company(w->partner_q, "partner", "Partner Q", w->sfx);
  portal(w->portal_a, w->insurer_a, "Portal A");
  portal(w->portal_b, w->insurer_b, "Portal B");
  serves(w->partner_p, w->portal_a);
  serves(w->partner_p, w->portal_b);
  serves(w->partner_q, w->portal_a);

  office(w->p_sthlm, w->partner_p, "P Stockholm", "Stockholm", "59.3293", "18.0686");
  office(w->p_upps, w->partner_p, "P Uppsala", "Uppsala", "59.8586", "17.6389");
  office(w->q_gbg, w->partner_q, "Q Goteborg", "Goteborg", "57.7089", "11.9746");
  office(w->q_nocoord, w->partner_q, "Q Nowhere", NULL, NULL, NULL);
  char category[37];
  ids_uuid_v4(category);
  tl_sql_run("INSERT INTO policy.office_categories (id, portal_id, name) VALUES ($1, $2, 'Water')",
             2, category, w->portal_a);
  tl_sql_run("INSERT INTO policy.office_category_links (office_id, category_id) VALUES ($1, $2)",
             2, w->p_sthlm, category);

  person(w, &w->ia_admin, "ia-admin", w->insurer_a, "insurer", "6", NULL, 0, NULL);
  person(w, &w->ia_handler, "ia-handler", w->insurer_a, "insurer", "3", NULL, 0, NULL);
  person(w, &w->ib_admin, "ib-admin", w->insurer_b, "insurer", "6", NULL, 0, NULL);
  person(w, &w->p_admin, "p-admin", w->partner_p, "partner", "6", w->p_sthlm, 0, NULL);
  person(w, &w->p_ech, "p-ech", w->partner_p, "partner", "3", w->p_sthlm, 1, "50000");
  person(w, &w->p_worker, "p-worker", w->partner_p, "partner", "3", w->p_sthlm, 0, NULL);
  person(w, &w->p_upps_worker, "p-upps-worker", w->partner_p, "partner", "3", w->p_upps, 0,
         NULL);
  person(w, &w->q_ech, "q-ech", w->partner_q, "partner", "3", w->q_gbg, 1, NULL);
  person(w, &w->q_worker, "q-worker", w->partner_q, "partner", "3", w->q_gbg, 0, NULL);

  struct tl_person *all[] = {&w->ia_admin, &w->ia_handler, &w->p_admin, &w->p_ech, &w->p_worker,
                             &w->p_upps_worker, &w->q_ech, &w->q_worker};
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
    all[i]->token = tl_world_token_in(w, all[i], w->portal_a);
  w->ib_admin.token = tl_world_token_in(w, &w->ib_admin, w->portal_b);

  char client_id[64];
  ids_uuid_v4(w->client_a_id);
  snprintf(client_id, sizeof(client_id), "world-%s", w->sfx);
  tl_sql_run("INSERT INTO policy.api_clients (id, portal_id, company_id, name, client_id, "
             "secret_hash) VALUES ($1, $2, $3, 'core system', $4, 'unused')",
             4, w->client_a_id, w->portal_a, w->insurer_a, client_id);
  json_t *extra = json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind", "client", "portal_id",
                            w->portal_a, "company_id", w->insurer_a, "company_kind", "insurer",
                            "client_id", client_id);
  w->client_a_token = tl_token(w->client_a_id, 3600, extra);
  json_decref(extra);
}

void tl_world_free(struct tl_world *w) {
  struct tl_person *all[] = {&w->ia_admin, &w->ia_handler, &w->ib_admin, &w->p_admin, &w->p_ech,
                             &w->p_worker, &w->p_upps_worker, &w->q_ech, &w->q_worker};
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
    free(all[i]->token);
    all[i]->token = NULL;
  }
  free(w->client_a_token);
  w->client_a_token = NULL;
  tl_sql_close();
}

/* 1 once every event policy has committed is numbered and applied by the cases service. */
static int replica_caught_up(void *arg) {
  (void)arg;
  long unnumbered = tl_sql_long("SELECT count(*) FROM policy.outbox WHERE seq IS NULL", 0, NULL);
  long head = tl_sql_long("SELECT coalesce(max(seq), 0) FROM policy.outbox", 0, NULL);
  long applied = tl_sql_long(
      "SELECT coalesce((SELECT last_seq FROM cases.event_offsets WHERE source = 'policy'), 0)", 0,
      NULL);
  return unnumbered == 0 && applied >= head;
}

void tl_replica_sync(void) {
  /* tl_sql's one connection is not for several threads at once */
  static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
  pthread_mutex_lock(&lock);
  int ok = tl_wait(replica_caught_up, NULL, 10000);
  pthread_mutex_unlock(&lock);
  if (!ok) fail_msg("the cases replica did not catch up");
}

long tl_cases(const char *method, const char *path, const char *token, const char *body,
              const char *extra_header, struct tl_response *r) {
  tl_replica_sync();
  return tl_call(tl_env("CASES_URL"), method, path, token, body, extra_header, r);
}

json_t *tl_cases_listed(const char *token, const char *query, const char *case_id) {
  char path[512];
  struct tl_response r;
  snprintf(path, sizeof(path), "/v1/cases?%s", query);
  tl_cases("GET", path, token, NULL, NULL, &r);
  tl_expect(&r, 200);
  json_t *found = json_incref(tl_item(json_object_get(r.json, "items"), case_id));
  tl_response_free(&r);
  return found;
}

const char *tl_cases_listed_names(const char *token, const char *query, const char *const *ids,
                                  const char *const *names, size_t nfix, char *buf, size_t len,
                                  size_t *n) {
  const char *shown[256];
  char path[512];
  struct tl_response r;
  json_t *item;
  size_t i;
  snprintf(path, sizeof(path), "/v1/cases?limit=200&%s", query);
  tl_cases("GET", path, token, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_true(json_is_null(json_object_get(r.json, "next_cursor")));
  *n = 0;
  json_array_foreach(json_object_get(r.json, "items"), i, item) {
    const char *id = tl_str(item, "id"), *name = id;
    assert_true(*n < 256);
    for (size_t k = 0; k < nfix; k++)
      if (!strcmp(ids[k], id)) name = names[k];
    shown[(*n)++] = name;
  }
  tl_sort_join(shown, *n, buf, len);
  tl_response_free(&r);
  return buf;
}

long long tl_dashboard_count(const struct tl_response *r, const char *row) {
  size_t i;
  const json_t *e;
  json_array_foreach(json_object_get(r->json, "rows"), i, e) {
    const char *name = tl_str(e, "row");
    if (name != NULL && !strcmp(name, row)) return json_integer_value(json_object_get(e, "count"));
  }
  return -1;
}

long long tl_dashboard_row(const char *token, const char *row) {
  struct tl_response r;
  tl_cases("GET", "/v1/dashboard", token, NULL, NULL, &r);
  tl_expect(&r, 200);
  long long n = tl_dashboard_count(&r, row);
  tl_response_free(&r);
  return n;
}

void tl_world_policy_change(const struct tl_world *w, const char *method, const char *path,
                            const char *body) {
  char if_match[96];
  struct tl_response r;
  tl_call(tl_env("POLICY_URL"), "GET", path, w->ia_admin.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  char *etag = tl_header(&r, "ETag");
  tl_response_free(&r);
  snprintf(if_match, sizeof(if_match), "If-Match: %s", etag != NULL ? etag : "*");
  free(etag);
  tl_call(tl_env("POLICY_URL"), method, path, w->ia_admin.token, body, if_match, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
}

void tl_world_define_role(const struct tl_world *w, const char *role, const char *rights_json) {
  char path[128], body[2048];
  snprintf(path, sizeof(path), "/v1/roles/%s", role);
  snprintf(body, sizeof(body), "{\"rights\": %s}", rights_json);
  tl_world_policy_change(w, "PUT", path, body);
}

void tl_world_mark_external(const struct tl_world *w, const struct tl_person *p, int marked) {
  char path[96];
  snprintf(path, sizeof(path), "/v1/users/%s", p->id);
  tl_world_policy_change(
      w, "PATCH", path,
      marked ? "{\"external_case_handler\": true}" : "{\"external_case_handler\": false}");
}

void tl_world_case(const struct tl_world *w, double lat, double lon, char id_out[37]) {
  static int counter;
  char body[1024], coords[128] = "";
  struct tl_response r;
  if (lat != 0 || lon != 0)
    snprintf(coords, sizeof(coords), ", \"latitude\": %.4f, \"longitude\": %.4f", lat, lon);
  snprintf(body, sizeof(body),
           "{\"claim_number\": \"W-%s-%d-%ld\", \"damage_type\": \"water\", "
           "\"damage_date\": \"2026-11-01\", \"address\": {\"street\": \"Storgatan 1\", "
           "\"postal_code\": \"111 22\", \"city\": \"Stockholm\"%s}, \"case_handler_id\": \"%s\", "
           "\"contacts\": [{\"kind\": \"policyholder\", \"name\": \"Anna Andersson\", "
           "\"phone\": \"+46701234567\"}]}",
           w->sfx, ++counter, (long)time(NULL), coords, w->ia_handler.id);
  tl_cases("POST", "/v1/cases", w->ia_handler.token, body, NULL, &r);
  tl_expect(&r, 201);
  const char *id = tl_str(r.json, "id");
  assert_non_null(id);
  snprintf(id_out, 37, "%s", id);
  tl_response_free(&r);
}

void tl_world_task(const struct tl_world *w, const char *case_id, const char *type,
                   const char *trade, const char *office_id, char *task_out) {
  struct tl_response r;
  char path[200], body[160], task_id[37];
  snprintf(path, sizeof(path), "/v1/cases/%s/tasks", case_id);
  if (trade != NULL)
    snprintf(body, sizeof(body), "{\"type\":\"%s\",\"trade\":\"%s\"}", type, trade);
  else
    snprintf(body, sizeof(body), "{\"type\":\"%s\"}", type);
  tl_cases("POST", path, w->ia_handler.token, body, NULL, &r);
  tl_expect(&r, 201);
  char *loc = tl_header(&r, "Location");
  snprintf(task_id, sizeof(task_id), "%s", strrchr(loc, '/') + 1);
  free(loc);
  tl_response_free(&r);
  if (task_out != NULL) snprintf(task_out, 37, "%s", task_id);
  if (office_id == NULL) return;
  snprintf(path, sizeof(path), "/v1/cases/%s/tasks/%s/office", case_id, task_id);
  snprintf(body, sizeof(body), "{\"office_id\":\"%s\"}", office_id);
  tl_cases("PUT", path, w->ia_handler.token, body, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
}

void tl_world_ech(const struct tl_world *w, const char *case_id, const char *office_id,
                  const struct tl_person *user) {
  struct tl_response r;
  char path[200], body[96];
  snprintf(path, sizeof(path), "/v1/cases/%s/external-case-handler/office", case_id);
  snprintf(body, sizeof(body), "{\"office_id\":\"%s\"}", office_id);
  tl_cases("PUT", path, w->ia_handler.token, body, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  if (user == NULL) return;
  snprintf(path, sizeof(path), "/v1/cases/%s/external-case-handler/user", case_id);
  snprintf(body, sizeof(body), "{\"user_id\":\"%s\"}", user->id);
  tl_cases("PUT", path, w->ia_handler.token, body, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
}
