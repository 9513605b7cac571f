/* A user's mobile travels from the policy service to every replica (policy's
 * migrations/0008_user_mobile.sql, common/replica_migrations/0003_user_mobile.sql) against the
 * running stack: a user created with a mobile through the policy API reaches the cases
 * service's replica, a change of it (PATCH /v1/users/{id}) publishes a new fact of the user
 * that reaches it too, removing it leaves NULL, and what replica_user reads there says so. A
 * refused change publishes nothing; a user fact without the member (published before policy
 * carried it) keeps NULL. */
#include <libpq-fe.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "db.h"
#include "ids.h"
#include "replica.h"
#include "status.h"
#include "tl_world.h"

#define PROBLEM(slug) "urn:claimsuite:problem:" slug

static struct tl_world w;
static PGconn *replica_db;

/* The cases service's schema, read as the cases service reads its replica. */
static PGconn *cases_db(void) {
  if (replica_db == NULL) {
    char conninfo[512];
    snprintf(conninfo, sizeof(conninfo), "%s options='-csearch_path=cases,public'",
             tl_env("PG_SUPERUSER_CONNINFO"));
    replica_db = PQconnectdb(conninfo);
    if (PQstatus(replica_db) != CONNECTION_OK) fail_msg("%s", PQerrorMessage(replica_db));
  }
  return replica_db;
}

/* cases.replica_user.mobile of id: a new string, "(null)" for NULL, "(none)" without a row. */
static char *kept_mobile(const char *id) {
  char *v = tl_sql(
      "SELECT coalesce(mobile, '(null)') FROM cases.replica_user WHERE id = $1::uuid"
      " UNION ALL SELECT '(none)' WHERE NOT EXISTS"
      " (SELECT 1 FROM cases.replica_user WHERE id = $1::uuid)",
      1, (const char *[]){id});
  return v;
}

static void assert_kept(const char *id, const char *expected) {
  char *v = kept_mobile(id);
  assert_string_equal(v, expected);
  free(v);
}

/* How many facts of the user policy published. */
static long facts_of(const char *id) {
  char aggregate[64];
  snprintf(aggregate, sizeof(aggregate), "user/%s", id);
  return tl_sql_long(
      "SELECT count(*) FROM policy.outbox WHERE type = 'fact.user' AND aggregate_id = $1", 1,
      (const char *[]){aggregate});
}

/* The mobile in the user's newest fact: a new string, "(null)" when JSON null, "(absent)". */
static char *fact_mobile(const char *id) {
  char aggregate[64];
  snprintf(aggregate, sizeof(aggregate), "user/%s", id);
  return tl_sql(
      "SELECT CASE WHEN NOT data->'state' ? 'mobile' THEN '(absent)'"
      " ELSE coalesce(data->'state'->>'mobile', '(null)') END"
      " FROM policy.outbox WHERE type = 'fact.user' AND aggregate_id = $1"
      " ORDER BY (data->>'version')::bigint DESC LIMIT 1",
      1, (const char *[]){aggregate});
}

static void assert_mobile(const json_t *u, const char *expected) {
  assert_non_null(u);
  json_t *m = json_object_get(u, "mobile");
  assert_non_null(m); /* always a member */
  if (expected == NULL)
    assert_true(json_is_null(m));
  else
    assert_string_equal(json_string_value(m), expected);
}

/* replica_users as the cases service reads it (this process keeps no cache of it, where
 * replica_user's would hold the first answer): the user's "mobile" (NULL: JSON null). */
static void assert_read(const char *id, const char *expected) {
  json_t *items = NULL, *ids = json_pack("[s]", id);
  assert_int_equal(replica_users(cases_db(), w.portal_a, ids, &items), CS_OK);
  json_decref(ids);
  assert_int_equal(json_array_size(items), 1);
  assert_mobile(json_array_get(items, 0), expected);
  json_decref(items);
}

/* PATCH /v1/users/{id} as token, with the user's current ETag (read as the insurer's admin). */
static long patch_user(const char *token, const char *id, const char *body, struct tl_response *r) {
  char path[96], if_match[96];
  snprintf(path, sizeof(path), "/v1/users/%s", id);
  tl_call(tl_env("POLICY_URL"), "GET", path, w.ia_admin.token, NULL, NULL, r);
  tl_expect(r, 200);
  char *etag = tl_header(r, "ETag");
  tl_response_free(r);
  assert_non_null(etag);
  snprintf(if_match, sizeof(if_match), "If-Match: %s", etag);
  free(etag);
  return tl_call(tl_env("POLICY_URL"), "PATCH", path, token, body, if_match, r);
}

static void test_mobile_created_and_changed(void **state) {
  (void)state;
  struct tl_response r;
  char body[512], id[37];
  snprintf(body, sizeof(body),
           "{\"email\": \"mobile.handler+%s@world.test\", \"name\": \"Mona Mobile\","
           " \"mobile\": \"+46 70 111 22 33\", \"password\": \"long enough\","
           " \"authority_level\": 3}",
           w.sfx);
  tl_call(tl_env("POLICY_URL"), "POST", "/v1/users", w.ia_admin.token, body, NULL, &r);
  tl_expect(&r, 201);
  tl_assert_str(r.json, "mobile", "+46 70 111 22 33");
  snprintf(id, sizeof(id), "%s", tl_str(r.json, "id"));
  tl_response_free(&r);
  char *m = fact_mobile(id);
  assert_string_equal(m, "+46 70 111 22 33");
  free(m);
  tl_replica_sync();
  assert_kept(id, "+46 70 111 22 33");
  assert_read(id, "+46 70 111 22 33");
  json_t *u = NULL;
  assert_int_equal(replica_user(cases_db(), w.portal_a, id, &u), CS_OK);
  assert_mobile(u, "+46 70 111 22 33");
  json_decref(u);

  /* a change of the mobile alone: one more fact, carried to the replica */
  long facts = facts_of(id);
  patch_user(w.ia_admin.token, id, "{\"mobile\": \"+46 70 999 88 77\"}", &r);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "mobile", "+46 70 999 88 77");
  tl_response_free(&r);
  assert_int_equal(facts_of(id), facts + 1);
  m = fact_mobile(id);
  assert_string_equal(m, "+46 70 999 88 77");
  free(m);
  tl_replica_sync();
  assert_kept(id, "+46 70 999 88 77");
  assert_read(id, "+46 70 999 88 77");

  /* refused changes publish nothing: too long, another company's admin, another portal */
  facts = facts_of(id);
  patch_user(w.ia_admin.token, id, "{\"mobile\": \"+46 70 000 00 00 00 00 00 00 00 00 00 00 00\"}",
             &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "mobile", "too_long");
  tl_response_free(&r);
  patch_user(w.ia_admin.token, id, "{\"mobile\": 4670}", &r);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "mobile", "wrong_type");
  tl_response_free(&r);
  patch_user(w.p_admin.token, id, "{\"mobile\": \"+46 70 666 66 66\"}", &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found")); /* not a user of its company */
  tl_response_free(&r);
  patch_user(w.ib_admin.token, id, "{\"mobile\": \"+46 70 666 66 66\"}", &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  patch_user(w.ia_handler.token, id, "{\"mobile\": \"+46 70 666 66 66\"}", &r); /* level 3 */
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  tl_response_free(&r);
  assert_int_equal(facts_of(id), facts);
  tl_replica_sync();
  assert_kept(id, "+46 70 999 88 77");

  /* removed: null in the fact, NULL in the replica */
  patch_user(w.ia_admin.token, id, "{\"mobile\": null}", &r);
  tl_expect(&r, 200);
  assert_true(json_is_null(json_object_get(r.json, "mobile")));
  tl_response_free(&r);
  m = fact_mobile(id);
  assert_string_equal(m, "(null)");
  free(m);
  tl_replica_sync();
  assert_kept(id, "(null)");
  assert_read(id, NULL);
}

/* A user made without a mobile: its fact says null, the replica NULL. */
static void test_user_without_mobile(void **state) {
  (void)state;
  char *m = fact_mobile(w.ia_handler.id);
  assert_string_equal(m, "(null)");
  free(m);
  tl_replica_sync();
  assert_kept(w.ia_handler.id, "(null)");
  assert_read(w.ia_handler.id, NULL);
  json_t *u = NULL; /* and one user alone, as a request reads its caller */
  assert_int_equal(replica_user(cases_db(), w.portal_a, w.ia_handler.id, &u), CS_OK);
  assert_mobile(u, NULL);
  json_decref(u);
}

/* A user fact published before policy carried the member (no "mobile" at all) keeps NULL; the
 * next one sets it. Applied in a transaction rolled back, for a user of no one. */
static void test_fact_without_the_member(void **state) {
  (void)state;
  char ghost[37], state_json[1024];
  PGresult *res;
  ids_uuid_v4(ghost);
  snprintf(state_json, sizeof(state_json),
           "{\"id\":\"%s\",\"company_id\":\"%s\",\"email\":\"ghost+%s@world.test\","
           "\"name\":\"Ghost\",\"active\":true,\"external_case_handler\":false,"
           "\"authority_level\":3,\"budget_limit\":null,\"office_ids\":[],\"org_roles\":[]}",
           ghost, w.insurer_a, w.sfx);
  /* BEGIN now: db_begin would send it with the first statement through db.h, and the
   * statements below go through libpq directly (they would commit, leaving the ghost) */
  assert_int_equal(db_exec(cases_db(), "BEGIN", 0, NULL, NULL, NULL), CS_OK);
  const char *apply = "SELECT replica_apply('user', $1, $2::bigint, $3::jsonb)";
  const char *mobile = "SELECT coalesce(mobile, '(null)') FROM replica_user WHERE id = $1::uuid";
  res = PQexecParams(cases_db(), apply, 3, NULL, (const char *[]){ghost, "1", state_json}, NULL,
                     NULL, 0);
  if (PQresultStatus(res) != PGRES_TUPLES_OK) fail_msg("%s", PQerrorMessage(cases_db()));
  assert_string_equal(PQgetvalue(res, 0, 0), "t");
  PQclear(res);
  res = PQexecParams(cases_db(), mobile, 1, NULL, (const char *[]){ghost}, NULL, NULL, 0);
  assert_int_equal(PQntuples(res), 1);
  assert_string_equal(PQgetvalue(res, 0, 0), "(null)");
  PQclear(res);

  json_t *with = json_loads(state_json, 0, NULL);
  json_object_set_new(with, "mobile", json_string("+358 40 123 4567"));
  char *with_text = json_dumps(with, JSON_COMPACT);
  json_decref(with);
  res = PQexecParams(cases_db(), apply, 3, NULL, (const char *[]){ghost, "2", with_text}, NULL,
                     NULL, 0);
  free(with_text);
  if (PQresultStatus(res) != PGRES_TUPLES_OK) fail_msg("%s", PQerrorMessage(cases_db()));
  assert_string_equal(PQgetvalue(res, 0, 0), "t");
  PQclear(res);
  res = PQexecParams(cases_db(), mobile, 1, NULL, (const char *[]){ghost}, NULL, NULL, 0);
  assert_int_equal(PQntuples(res), 1);
  assert_string_equal(PQgetvalue(res, 0, 0), "+358 40 123 4567");
  PQclear(res);
  assert_int_equal(db_rollback(cases_db()), CS_OK);
}

int main(void) {
  tl_world_create(&w);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mobile_created_and_changed),
      cmocka_unit_test(test_user_without_mobile),
      cmocka_unit_test(test_fact_without_the_member),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  if (replica_db != NULL) PQfinish(replica_db);
  tl_sql_close();
  tl_world_free(&w);
  return failed;
}
