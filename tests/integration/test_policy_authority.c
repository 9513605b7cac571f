/* The policy service's authority resources against the running stack: role definitions
 * (GET/PUT /v1/roles/{role}), portal settings (GET/PATCH /v1/portal/settings), the decision
 * point POST /internal/authorize and its log GET /v1/authorize/log, and the events they publish.
 *
 * Fixtures are inserted as the database superuser with ids and emails unique to this run: two
 * insurers with a portal each (A: default budget limit 20000 minor units; B), an admin (level 6)
 * and a case handler (level 3) of insurer A, an admin of insurer B, a partner serving both
 * portals with its admin, an external case handler with an own limit of 50000 (paul), an
 * unmarked partner user without an own limit (nina) and an inactive partner user. Tokens come
 * from POST /v1/auth/token. */
#include <libpq-fe.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "db.h"
#include "http.h"
#include "ids.h"
#include "password.h"
#include "status.h"
#include "testlib.h"

#define PASSWORD "Authority-test-pw"

struct person {
  char id[37];
  char email[128];
  char *token;
};

static struct {
  char sfx[13];
  char insurer_a[37], insurer_b[37], partner[37], portal_a[37], portal_b[37];
  struct person alice; /* insurer A admin */
  struct person carl;  /* insurer A, level 3 */
  struct person bob;   /* insurer B admin */
  struct person padmin; /* partner admin (level 6), token for portal A */
  struct person paul;  /* partner, external case handler, own limit 50000 */
  struct person nina;  /* partner, not marked, no own limit */
  struct person ivan;  /* partner, inactive */
  struct person dora;  /* insurer A admin, demoted and deactivated by test_stale_admin */
} fx;

/* ---- helpers ------------------------------------------------------------------------------ */

static const char *policy(void) { return tl_env("POLICY_URL"); }

static void add_company(char *id, const char *kind, const char *name) {
  ids_uuid_v4(id);
  tl_sql_run("INSERT INTO policy.companies (id, kind, name) VALUES ($1, $2, $3)", 3, id, kind,
             name);
}

static void add_portal(char *id, const char *insurer, const char *name) {
  ids_uuid_v4(id);
  tl_sql_run("INSERT INTO policy.portals (id, insurer_company_id, name, default_budget_limit)"
             " VALUES ($1, $2, $3, 20000)", 3, id, insurer, name);
}

static void serve(const char *company, const char *portal) {
  tl_sql_run("INSERT INTO policy.company_portals (company_id, portal_id) VALUES ($1, $2)", 2,
             company, portal);
}

static void add_user(struct person *u, const char *label, const char *company, const char *level,
                     const char *active, const char *hash) {
  ids_uuid_v4(u->id);
  snprintf(u->email, sizeof(u->email), "%s+%s@authority.test", label, fx.sfx);
  tl_sql_run("INSERT INTO policy.users (id, company_id, email, name, password_hash,"
             " authority_level, active) VALUES ($1, $2, $3, $4, $5, $6, $7)",
             7, u->id, company, u->email, label, hash, level, active);
}

/* A token for the user in portal (NULL: the only one). New string. */
static char *login(const struct person *u, const char *portal) {
  struct tl_response r;
  if (tl_login(policy(), u->email, PASSWORD, portal, &r) != 200)
    fail_msg("login of %s: %ld %s", u->email, r.status, r.body);
  char *t = strdup(tl_str(r.json, "access_token"));
  tl_response_free(&r);
  return t;
}

/* method path [body] with the token (NULL: none) and an If-Match (NULL: none). */
static long call(const char *method, const char *path, const char *token, const char *if_match,
                 const char *body, struct tl_response *r) {
  char im[64];
  if (if_match != NULL) snprintf(im, sizeof(im), "If-Match: %s", if_match);
  return tl_call(policy(), method, path, token, body, if_match != NULL ? im : NULL, r);
}

/* 1 when some error of the problem r names field with a message containing needle. */
static int has_error(const struct tl_response *r, const char *field, const char *needle) {
  return tl_error_for(json_object_get(r->json, "errors"), field, needle) != NULL;
}

/* POST /internal/authorize; returns the status. */
static long authorize(const char *user, const char *action, const char *portal,
                      const char *roles_json, const char *amount, struct tl_response *r) {
  char body[512];
  int n = snprintf(body, sizeof(body),
                   "{\"user_id\":\"%s\",\"action\":\"%s\",\"portal_id\":\"%s\",\"case_roles\":%s",
                   user, action, portal, roles_json);
  if (amount != NULL) n += snprintf(body + n, sizeof(body) - (size_t)n, ",\"amount\":%s", amount);
  snprintf(body + n, sizeof(body) - (size_t)n, "}");
  return tl_service_call(policy(), "policy", "POST", "/internal/authorize", body, r);
}

/* Asserts a decision: allow, reason containing needle, limit_remaining (-1: absent). */
static void expect(const char *user, const char *action, const char *portal, const char *roles,
                   const char *amount, int allow, const char *needle, long long remaining) {
  struct tl_response r;
  if (authorize(user, action, portal, roles, amount, &r) != 200)
    fail_msg("authorize %s: %ld %s", action, r.status, r.body);
  if (json_is_true(json_object_get(r.json, "allow")) != allow)
    fail_msg("%s %s amount %s: %s", action, roles, amount ? amount : "-", r.body);
  assert_true(json_is_boolean(json_object_get(r.json, "allow")));
  if (needle != NULL && strstr(tl_str(r.json, "reason"), needle) == NULL)
    fail_msg("reason '%s' lacks '%s'", tl_str(r.json, "reason"), needle);
  json_t *lr = json_object_get(r.json, "limit_remaining");
  if (remaining < 0) {
    assert_null(lr);
    assert_int_equal(json_object_size(r.json), 2);
  } else {
    assert_true(json_is_integer(lr));
    assert_int_equal(json_integer_value(lr), remaining);
    assert_int_equal(json_object_size(r.json), 3);
  }
  tl_response_free(&r);
}

/* Finds an event of type for portal in the policy feed, whose data satisfies check. */
struct event_query {
  const char *type, *portal, *key, *value;
};

static int event_page(const json_t *items, long long next_after, void *arg) {
  const struct event_query *q = arg;
  size_t i;
  const json_t *ev;
  int found = 0;
  (void)next_after;
  json_array_foreach(items, i, ev) {
    const json_t *data = json_object_get(ev, "data");
    const json_t *v = json_object_get(data, q->key);
    const char *text = json_is_string(v) ? json_string_value(v) : NULL;
    char *dumped = text == NULL && v != NULL ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)
                                             : NULL;
    if (!strcmp(tl_str(ev, "type"), q->type) && tl_str(ev, "portal_id") != NULL &&
        !strcmp(tl_str(ev, "portal_id"), q->portal) &&
        ((text != NULL && !strcmp(text, q->value)) ||
         (dumped != NULL && !strcmp(dumped, q->value))))
      found = 1;
    free(dumped);
  }
  return found;
}

static int event_seen(void *arg) { return tl_feed(policy(), "policy", event_page, arg) > 0; }

static void expect_event(const char *type, const char *portal, const char *key,
                         const char *value) {
  struct event_query q = {type, portal, key, value};
  if (!tl_wait(event_seen, &q, 10000))
    fail_msg("no %s event for portal %s with %s = %s", type, portal, key, value);
}

/* ---- fixtures ----------------------------------------------------------------------------- */

static int setup(void **state) {
  (void)state;
  char rnd[37], name[96], *hash = NULL;
  ids_uuid_v4(rnd);
  snprintf(fx.sfx, sizeof(fx.sfx), "%.8s", rnd);
  if (password_hash(PASSWORD, &hash) != CS_OK) return -1;
  snprintf(name, sizeof(name), "Authority insurer A %s", fx.sfx);
  add_company(fx.insurer_a, "insurer", name);
  snprintf(name, sizeof(name), "Authority insurer B %s", fx.sfx);
  add_company(fx.insurer_b, "insurer", name);
  snprintf(name, sizeof(name), "Authority partner %s", fx.sfx);
  add_company(fx.partner, "partner", name);
  snprintf(name, sizeof(name), "Authority portal A %s", fx.sfx);
  add_portal(fx.portal_a, fx.insurer_a, name);
  snprintf(name, sizeof(name), "Authority portal B %s", fx.sfx);
  add_portal(fx.portal_b, fx.insurer_b, name);
  serve(fx.insurer_a, fx.portal_a);
  serve(fx.insurer_b, fx.portal_b);
  serve(fx.partner, fx.portal_a);
  serve(fx.partner, fx.portal_b);
  add_user(&fx.alice, "alice", fx.insurer_a, "6", "true", hash);
  add_user(&fx.carl, "carl", fx.insurer_a, "3", "true", hash);
  add_user(&fx.bob, "bob", fx.insurer_b, "6", "true", hash);
  add_user(&fx.padmin, "padmin", fx.partner, "6", "true", hash);
  add_user(&fx.paul, "paul", fx.partner, "3", "true", hash);
  add_user(&fx.nina, "nina", fx.partner, "3", "true", hash);
  add_user(&fx.ivan, "ivan", fx.partner, "3", "false", hash);
  add_user(&fx.dora, "dora", fx.insurer_a, "6", "true", hash);
  free(hash);
  tl_sql_run("UPDATE policy.users SET external_case_handler = true, budget_limit = 50000"
             " WHERE id = $1", 1, fx.paul.id);
  fx.alice.token = login(&fx.alice, NULL);
  fx.carl.token = login(&fx.carl, NULL);
  fx.bob.token = login(&fx.bob, NULL);
  fx.padmin.token = login(&fx.padmin, fx.portal_a);
  fx.paul.token = login(&fx.paul, fx.portal_a);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  struct person *all[] = {&fx.alice, &fx.carl, &fx.bob,  &fx.padmin,
                          &fx.paul,  &fx.nina, &fx.ivan, &fx.dora};
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
    free(all[i]->token);
    all[i]->token = NULL;
  }
  tl_sql_close();
  return 0;
}

/* ---- role definitions --------------------------------------------------------------------- */

static void test_roles(void **state) {
  (void)state;
  struct tl_response r;
  const char *ech = "[\"external_case_handler\"]";

  /* no row yet: empty rights, version 0 */
  assert_int_equal(call("GET", "/v1/roles/external_case_handler", fx.alice.token, NULL, NULL, &r),
                   200);
  tl_assert_header(&r, "ETag", "\"0\"");
  assert_string_equal(tl_str(r.json, "portal_id"), fx.portal_a);
  assert_string_equal(tl_str(r.json, "role"), "external_case_handler");
  assert_int_equal(json_array_size(json_object_get(r.json, "rights")), 0);
  assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 0);
  assert_int_equal(json_object_size(r.json), 4);
  tl_response_free(&r);
  expect(fx.paul.id, "allocate_partners", fx.portal_a, ech, NULL, 0, "no case role", -1);

  /* If-Match is required */
  const char *body = "{\"rights\":[\"rfq_decide\",\"allocate_partners\",\"rfq_decide\"]}";
  assert_int_equal(call("PUT", "/v1/roles/external_case_handler", fx.alice.token, NULL, body, &r),
                   428);
  tl_assert_problem(&r, 428, NULL);
  tl_response_free(&r);

  /* the admin of the insurer: duplicates collapse, names sorted, version 1 */
  assert_int_equal(
      call("PUT", "/v1/roles/external_case_handler", fx.alice.token, "\"0\"", body, &r), 200);
  tl_assert_header(&r, "ETag", "\"1\"");
  assert_string_equal(tl_joined(json_object_get(r.json, "rights")), "allocate_partners,rfq_decide");
  assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 1);
  tl_response_free(&r);
  /* the next decision follows at once */
  expect(fx.paul.id, "allocate_partners", fx.portal_a, ech, NULL, 1,
         "granted by role external_case_handler", -1);
  expect(fx.paul.id, "rfq_decide", fx.portal_a, ech, NULL, 1, NULL, -1);
  expect(fx.paul.id, "add_remove_tasks", fx.portal_a, ech, NULL, 0, NULL, -1);
  /* ... for a marked user only */
  expect(fx.nina.id, "allocate_partners", fx.portal_a, ech, NULL, 0, "not marked", -1);

  /* stale If-Match */
  assert_int_equal(call("PUT", "/v1/roles/external_case_handler", fx.alice.token, "\"0\"",
                        "{\"rights\":[]}", &r), 412);
  tl_assert_problem(&r, 412, "urn:claimsuite:problem:precondition-failed");
  tl_assert_header(&r, "ETag", "\"1\"");
  tl_response_free(&r);

  /* unknown rights: 422 naming each */
  assert_int_equal(call("PUT", "/v1/roles/external_case_handler", fx.alice.token, "\"1\"",
                        "{\"rights\":[\"fly\",\"allocate_partners\",\"jump\",7]}", &r), 422);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  assert_true(has_error(&r, "rights/0", "'fly'"));
  assert_true(has_error(&r, "rights/2", "'jump'"));
  tl_assert_field_code(&r, "rights/2", "not_allowed");
  assert_true(has_error(&r, "rights/3", "must be a string"));
  assert_false(has_error(&r, "rights/1", NULL));
  tl_response_free(&r);
  /* a type error and rule errors of one body: one 422 with all of them */
  assert_int_equal(call("PUT", "/v1/roles/external_case_handler", fx.alice.token, "\"1\"",
                        "{\"rights\":[\"fly\",\"rfq_decide\",7],\"colour\":1}", &r), 422);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_code(&r, "colour", "unknown_field");
  tl_assert_field_code(&r, "rights/0", "not_allowed");
  tl_assert_field_code(&r, "rights/2", "wrong_type");
  assert_int_equal(json_array_size(json_object_get(r.json, "errors")), 3);
  tl_response_free(&r);
  /* other bad bodies */
  assert_int_equal(call("PUT", "/v1/roles/external_case_handler", fx.alice.token, "\"1\"",
                        "{\"rights\":\"rfq_decide\"}", &r), 422);
  assert_true(has_error(&r, "rights", NULL));
  tl_response_free(&r);
  assert_int_equal(call("PUT", "/v1/roles/external_case_handler", fx.alice.token, "\"1\"",
                        "{\"rights\":[", &r), 400);
  tl_assert_problem(&r, 400, NULL);
  tl_response_free(&r);
  /* unknown role */
  assert_int_equal(call("GET", "/v1/roles/admin", fx.alice.token, NULL, NULL, &r), 404);
  tl_assert_problem(&r, 404, NULL);
  tl_response_free(&r);
  assert_int_equal(call("PUT", "/v1/roles/admin", fx.alice.token, "\"0\"", body, &r), 404);
  tl_assert_problem(&r, 404, NULL);
  tl_response_free(&r);

  /* not an insurer admin: 403, nothing changed */
  assert_int_equal(call("PUT", "/v1/roles/external_case_handler", fx.padmin.token, "\"1\"",
                        "{\"rights\":[\"approve_budget\"]}", &r), 403);
  tl_assert_problem(&r, 403, NULL);
  tl_response_free(&r);
  assert_int_equal(call("PUT", "/v1/roles/external_case_handler", fx.carl.token, "\"1\"",
                        "{\"rights\":[\"approve_budget\"]}", &r), 403);
  tl_assert_problem(&r, 403, NULL);
  tl_response_free(&r);
  /* without a token */
  assert_int_equal(call("GET", "/v1/roles/external_case_handler", NULL, NULL, NULL, &r), 401);
  tl_assert_problem(&r, 401, NULL);
  tl_response_free(&r);

  /* any user of the portal reads the definition */
  assert_int_equal(call("GET", "/v1/roles/external_case_handler", fx.paul.token, NULL, NULL, &r),
                   200);
  tl_assert_header(&r, "ETag", "\"1\"");
  assert_string_equal(tl_joined(json_object_get(r.json, "rights")), "allocate_partners,rfq_decide");
  tl_response_free(&r);

  /* the admin of portal B sees and changes its own definition only */
  assert_int_equal(call("GET", "/v1/roles/external_case_handler", fx.bob.token, NULL, NULL, &r),
                   200);
  assert_string_equal(tl_str(r.json, "portal_id"), fx.portal_b);
  assert_int_equal(json_array_size(json_object_get(r.json, "rights")), 0);
  tl_assert_header(&r, "ETag", "\"0\"");
  tl_response_free(&r);
  assert_int_equal(call("PUT", "/v1/roles/external_case_handler", fx.bob.token, "\"0\"",
                        "{\"rights\":[\"start_inspection\"]}", &r), 200);
  assert_string_equal(tl_str(r.json, "portal_id"), fx.portal_b);
  tl_response_free(&r);
  assert_int_equal(call("GET", "/v1/roles/external_case_handler", fx.alice.token, NULL, NULL, &r),
                   200);
  assert_string_equal(tl_joined(json_object_get(r.json, "rights")), "allocate_partners,rfq_decide");
  tl_assert_header(&r, "ETag", "\"1\"");
  tl_response_free(&r);
  expect(fx.paul.id, "start_inspection", fx.portal_b, ech, NULL, 1, NULL, -1);
  expect(fx.paul.id, "start_inspection", fx.portal_a, ech, NULL, 0, NULL, -1);
  expect(fx.paul.id, "allocate_partners", fx.portal_b, ech, NULL, 0, NULL, -1);

  /* the events */
  expect_event("role.updated", fx.portal_a, "rights", "[\"allocate_partners\",\"rfq_decide\"]");
  expect_event("role.updated", fx.portal_b, "rights", "[\"start_inspection\"]");
  expect_event("role.updated", fx.portal_a, "portal_id", fx.portal_a);
}

/* ---- portal settings ---------------------------------------------------------------------- */

static void test_settings(void **state) {
  (void)state;
  struct tl_response r;

  assert_int_equal(call("GET", "/v1/portal/settings", fx.carl.token, NULL, NULL, &r), 200);
  assert_string_equal(tl_str(r.json, "portal_id"), fx.portal_a);
  assert_string_equal(tl_str(r.json, "timezone"), "Europe/Stockholm");
  assert_string_equal(tl_str(json_object_get(r.json, "office_hours"), "start"), "08:00");
  assert_string_equal(tl_str(json_object_get(r.json, "office_hours"), "end"), "16:00");
  assert_int_equal(json_array_size(json_object_get(r.json, "office_days")), 5);
  assert_int_equal(json_array_size(json_object_get(r.json, "public_holidays")), 0);
  assert_true(json_is_false(json_object_get(r.json, "enhanced_temporary_cases")));
  assert_string_equal(tl_str(r.json, "temporary_cases_report"), "weekly"); /* the default */
  assert_int_equal(json_integer_value(json_object_get(r.json, "default_budget_limit")), 20000);
  assert_string_equal(tl_str(r.json, "currency"), "SEK");
  assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 1);
  assert_int_equal(json_object_size(r.json), 11);
  tl_assert_header(&r, "ETag", "\"1\"");
  tl_response_free(&r);
  /* a partner user of the portal reads it too; the other portal's admin sees its own */
  assert_int_equal(call("GET", "/v1/portal/settings", fx.paul.token, NULL, NULL, &r), 200);
  assert_string_equal(tl_str(r.json, "portal_id"), fx.portal_a);
  tl_response_free(&r);
  assert_int_equal(call("GET", "/v1/portal/settings", fx.bob.token, NULL, NULL, &r), 200);
  assert_string_equal(tl_str(r.json, "portal_id"), fx.portal_b);
  tl_response_free(&r);

  /* not an admin of the insurer */
  assert_int_equal(call("PATCH", "/v1/portal/settings", fx.carl.token, "\"1\"",
                        "{\"currency\":\"EUR\"}", &r), 403);
  tl_assert_problem(&r, 403, NULL);
  tl_response_free(&r);
  assert_int_equal(call("PATCH", "/v1/portal/settings", fx.padmin.token, "\"1\"",
                        "{\"currency\":\"EUR\"}", &r), 403);
  tl_assert_problem(&r, 403, NULL);
  tl_response_free(&r);
  /* the report's frequency is the admin's too: a level-3 insurer user, a partner's admin */
  assert_int_equal(call("PATCH", "/v1/portal/settings", fx.carl.token, "\"1\"",
                        "{\"temporary_cases_report\":\"monthly\"}", &r),
                   403);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  assert_true(strstr(tl_str(r.json, "detail"), "authority level 6") != NULL);
  tl_response_free(&r);
  assert_int_equal(call("PATCH", "/v1/portal/settings", fx.padmin.token, "\"1\"",
                        "{\"temporary_cases_report\":\"monthly\"}", &r),
                   403);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  tl_response_free(&r);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM policy.portals WHERE id = $1"
                               " AND temporary_cases_report = 'weekly' AND version = 1",
                               1, (const char *[]){fx.portal_a}),
                   1);

  /* every field wrong at once: one 422 listing them */
  assert_int_equal(
      call("PATCH", "/v1/portal/settings", fx.alice.token, "\"1\"",
           "{\"name\":\"\",\"office_hours\":{\"start\":\"17:00\",\"end\":\"08:00\"},"
           "\"office_days\":[0,8],\"public_holidays\":[\"2025-13-01\"],"
           "\"enhanced_temporary_cases\":\"yes\",\"default_budget_limit\":-1,"
           "\"temporary_cases_report\":\"daily\",\"currency\":\"sek\",\"colour\":\"red\"}",
           &r),
      422);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  assert_true(has_error(&r, "name", NULL));
  assert_true(has_error(&r, "office_hours", "before"));
  tl_assert_field_code(&r, "office_days/0", "out_of_range");
  tl_assert_field_code(&r, "office_days/1", "out_of_range");
  tl_assert_field_code(&r, "public_holidays/0", "format");
  assert_true(has_error(&r, "enhanced_temporary_cases", NULL));
  assert_true(has_error(&r, "default_budget_limit", NULL));
  tl_assert_field_code(&r, "temporary_cases_report", "not_allowed");
  assert_true(has_error(&r, "currency", NULL));
  assert_true(has_error(&r, "colour", NULL));
  tl_response_free(&r);
  /* the report's frequency alone: only weekly or monthly, named in the message; not another
   * type, not null, not in capitals */
  assert_int_equal(call("PATCH", "/v1/portal/settings", fx.alice.token, "\"1\"",
                        "{\"temporary_cases_report\":\"yearly\"}", &r),
                   422);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_code(&r, "temporary_cases_report", "not_allowed");
  assert_true(has_error(&r, "temporary_cases_report", "weekly or monthly"));
  assert_int_equal(json_array_size(json_object_get(r.json, "errors")), 1);
  tl_response_free(&r);
  assert_int_equal(call("PATCH", "/v1/portal/settings", fx.alice.token, "\"1\"",
                        "{\"temporary_cases_report\":\"Monthly\"}", &r),
                   422);
  tl_assert_field_code(&r, "temporary_cases_report", "not_allowed");
  tl_response_free(&r);
  assert_int_equal(call("PATCH", "/v1/portal/settings", fx.alice.token, "\"1\"",
                        "{\"temporary_cases_report\":30}", &r),
                   422);
  tl_assert_field_code(&r, "temporary_cases_report", "wrong_type");
  tl_response_free(&r);
  assert_int_equal(call("PATCH", "/v1/portal/settings", fx.alice.token, "\"1\"",
                        "{\"temporary_cases_report\":null}", &r),
                   422);
  tl_assert_field_code(&r, "temporary_cases_report", "required");
  tl_response_free(&r);
  /* types, rules and the time zone of one body at once, each with its code */
  assert_int_equal(
      call("PATCH", "/v1/portal/settings", fx.alice.token, "\"1\"",
           "{\"enhanced_temporary_cases\":\"yes\",\"currency\":\"sek\","
           "\"office_hours\":{\"start\":\"8\",\"lunch\":\"12:00\"},"
           "\"timezone\":\"Mars/Olympus_Mons\",\"office_days\":[]}",
           &r),
      422);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_code(&r, "enhanced_temporary_cases", "wrong_type");
  tl_assert_field_code(&r, "currency", "format");
  tl_assert_field_code(&r, "office_hours/start", "format");
  tl_assert_field_code(&r, "office_hours/end", "required");
  tl_assert_field_code(&r, "office_hours/lunch", "unknown_field");
  tl_assert_field_code(&r, "timezone", "not_found");
  tl_assert_field_code(&r, "office_days", "required");
  tl_response_free(&r);
  assert_int_equal(call("PATCH", "/v1/portal/settings", fx.alice.token, "\"1\"",
                        "{\"timezone\":\"Mars/Olympus_Mons\"}", &r), 422);
  assert_true(has_error(&r, "timezone", "time zone"));
  tl_response_free(&r);
  assert_int_equal(call("PATCH", "/v1/portal/settings", fx.alice.token, "\"1\"",
                        "{\"office_hours\":{\"start\":\"8:00\",\"end\":\"24:00\"},"
                        "\"currency\":\"SEKK\",\"default_budget_limit\":1.5,\"name\":null}",
                        &r),
      422);
  assert_true(has_error(&r, "office_hours/start", NULL));
  assert_true(has_error(&r, "office_hours/end", NULL));
  assert_true(has_error(&r, "currency", NULL));
  assert_true(has_error(&r, "default_budget_limit", NULL));
  assert_true(has_error(&r, "name", NULL));
  tl_response_free(&r);
  assert_int_equal(call("PATCH", "/v1/portal/settings", fx.alice.token, "\"1\"",
                        "{\"office_hours\":{\"start\":\"08:00\",\"end\":\"08:00\"}}", &r), 422);
  assert_true(has_error(&r, "office_hours", "before"));
  tl_response_free(&r);

  /* If-Match required */
  assert_int_equal(call("PATCH", "/v1/portal/settings", fx.alice.token, NULL,
                        "{\"currency\":\"NOK\"}", &r), 428);
  tl_assert_problem(&r, 428, NULL);
  tl_response_free(&r);

  /* a valid change */
  assert_int_equal(
      call("PATCH", "/v1/portal/settings", fx.alice.token, "\"1\"",
           "{\"timezone\":\"Europe/Oslo\",\"office_hours\":{\"start\":\"07:30\",\"end\":\"15:30\"},"
           "\"office_days\":[5,1,2,1],\"public_holidays\":[\"2025-12-26\",\"2025-12-25\"],"
           "\"enhanced_temporary_cases\":true,\"temporary_cases_report\":\"monthly\","
           "\"currency\":\"NOK\",\"default_budget_limit\":20000}",
           &r),
      200);
  tl_assert_header(&r, "ETag", "\"2\"");
  assert_string_equal(tl_str(r.json, "timezone"), "Europe/Oslo");
  assert_string_equal(tl_str(json_object_get(r.json, "office_hours"), "start"), "07:30");
  assert_string_equal(tl_str(json_object_get(r.json, "office_hours"), "end"), "15:30");
  char *days = json_dumps(json_object_get(r.json, "office_days"), JSON_COMPACT);
  assert_string_equal(days, "[1,2,5]");
  free(days);
  assert_string_equal(tl_joined(json_object_get(r.json, "public_holidays")),
                      "2025-12-25,2025-12-26");
  assert_true(json_is_true(json_object_get(r.json, "enhanced_temporary_cases")));
  assert_string_equal(tl_str(r.json, "temporary_cases_report"), "monthly");
  assert_string_equal(tl_str(r.json, "currency"), "NOK");
  assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 2);
  tl_response_free(&r);
  /* read back, also by a user who may not change it */
  assert_int_equal(call("GET", "/v1/portal/settings", fx.carl.token, NULL, NULL, &r), 200);
  assert_string_equal(tl_str(r.json, "temporary_cases_report"), "monthly");
  tl_assert_header(&r, "ETag", "\"2\"");
  tl_response_free(&r);
  /* a patch without it keeps it; back to weekly and on to monthly again */
  assert_int_equal(call("PATCH", "/v1/portal/settings", fx.alice.token, "\"2\"",
                        "{\"default_budget_limit\":20000}", &r),
                   200);
  assert_string_equal(tl_str(r.json, "temporary_cases_report"), "monthly");
  tl_response_free(&r);
  assert_int_equal(call("PATCH", "/v1/portal/settings", fx.alice.token, "\"3\"",
                        "{\"temporary_cases_report\":\"weekly\"}", &r),
                   200);
  assert_string_equal(tl_str(r.json, "temporary_cases_report"), "weekly");
  tl_response_free(&r);
  assert_int_equal(call("PATCH", "/v1/portal/settings", fx.alice.token, "\"4\"",
                        "{\"temporary_cases_report\":\"monthly\"}", &r),
                   200);
  assert_string_equal(tl_str(r.json, "temporary_cases_report"), "monthly");
  tl_assert_header(&r, "ETag", "\"5\"");
  tl_response_free(&r);
  /* stale If-Match */
  assert_int_equal(call("PATCH", "/v1/portal/settings", fx.alice.token, "\"1\"",
                        "{\"currency\":\"EUR\"}", &r), 412);
  tl_assert_problem(&r, 412, NULL);
  tl_response_free(&r);
  /* portal B untouched */
  assert_int_equal(call("GET", "/v1/portal/settings", fx.bob.token, NULL, NULL, &r), 200);
  assert_string_equal(tl_str(r.json, "currency"), "SEK");
  assert_string_equal(tl_str(r.json, "timezone"), "Europe/Stockholm");
  assert_string_equal(tl_str(r.json, "temporary_cases_report"), "weekly");
  tl_response_free(&r);

  expect_event("portal.updated", fx.portal_a, "currency", "NOK");
  expect_event("portal.updated", fx.portal_a, "temporary_cases_report", "weekly");
  expect_event("portal.updated", fx.portal_a, "temporary_cases_report", "monthly");
}

/* ---- decisions ---------------------------------------------------------------------------- */

static void test_authorize(void **state) {
  (void)state;
  struct tl_response r;
  const char *pm = "[\"project_manager\"]", *ech = "[\"external_case_handler\"]";
  tl_sql_run("INSERT INTO policy.role_definitions (portal_id, role, rights)"
             " VALUES ($1, 'project_manager', '{approve_budget,start_inspection}')", 1,
             fx.portal_a);

  /* own limit 50000: equal allowed, one minor unit above denied */
  expect(fx.paul.id, "approve_budget", fx.portal_a, pm, "50000", 1, "own budget limit", 0);
  expect(fx.paul.id, "approve_budget", fx.portal_a, pm, "50001", 0, "exceeds the own", 50000);
  expect(fx.paul.id, "approve_budget", fx.portal_a, pm, "1", 1, NULL, 49999);
  /* the portal default (20000) for a user without an own limit */
  expect(fx.nina.id, "approve_budget", fx.portal_a, pm, "20000", 1, "portal default", 0);
  expect(fx.nina.id, "approve_budget", fx.portal_a, pm, "20001", 0, "portal default", 20000);
  /* an insurer user needs no case role, bounded by the default too */
  expect(fx.carl.id, "approve_budget", fx.portal_a, "[]", "20000", 1, "internal user", 0);
  expect(fx.carl.id, "approve_budget", fx.portal_a, "[]", "20001", 0, NULL, 20000);
  expect(fx.carl.id, "make_compensation_decision", fx.portal_a, "[]", NULL, 1, "internal user",
         -1);
  /* without the right no limit */
  expect(fx.nina.id, "approve_budget", fx.portal_a, "[]", "1", 0, "no case role", -1);

  /* the trio of the external case handler, for a marked user only */
  expect(fx.paul.id, "chat", fx.portal_a, ech, NULL, 1, "always allowed", -1);
  expect(fx.paul.id, "documents", fx.portal_a, ech, NULL, 1, NULL, -1);
  expect(fx.paul.id, "reported_information", fx.portal_a, ech, NULL, 1, NULL, -1);
  expect(fx.nina.id, "chat", fx.portal_a, ech, NULL, 0, "not marked", -1);
  expect(fx.paul.id, "chat", fx.portal_a, pm, NULL, 0, NULL, -1);

  /* users outside the portal, inactive, unknown */
  expect(fx.bob.id, "approve_tasks", fx.portal_a, "[]", NULL, 0, "user not in portal", -1);
  expect(fx.alice.id, "approve_tasks", fx.portal_b, "[]", NULL, 0, "user not in portal", -1);
  expect(fx.ivan.id, "start_inspection", fx.portal_a, pm, NULL, 0, "user inactive", -1);
  char ghost[37];
  ids_uuid_v4(ghost);
  expect(ghost, "start_inspection", fx.portal_a, pm, NULL, 0, "user not in portal", -1);

  /* bad requests */
  assert_int_equal(authorize(fx.paul.id, "fly", fx.portal_a, pm, NULL, &r), 422);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  assert_true(has_error(&r, "action", "start_inspection"));
  assert_true(has_error(&r, "action", "reported_information"));
  tl_response_free(&r);
  assert_int_equal(authorize(fx.paul.id, "approve_budget", fx.portal_a, pm, NULL, &r), 422);
  assert_true(has_error(&r, "amount", "required"));
  tl_response_free(&r);
  assert_int_equal(authorize(fx.paul.id, "approve_budget", fx.portal_a, pm, "-1", &r), 422);
  assert_true(has_error(&r, "amount", NULL));
  tl_response_free(&r);
  assert_int_equal(authorize(fx.paul.id, "approve_budget", fx.portal_a, pm, "\"5\"", &r), 422);
  assert_true(has_error(&r, "amount", NULL));
  tl_response_free(&r);
  assert_int_equal(authorize(fx.paul.id, "chat", fx.portal_a, "[\"boss\"]", NULL, &r), 422);
  assert_true(has_error(&r, "case_roles/0", NULL));
  tl_response_free(&r);
  assert_int_equal(authorize("not-a-uuid", "chat", "also-not", ech, NULL, &r), 422);
  assert_true(has_error(&r, "user_id", NULL));
  assert_true(has_error(&r, "portal_id", NULL));
  tl_response_free(&r);
  assert_int_equal(
      tl_service_call(policy(), "policy", "POST", "/internal/authorize", "{\"user_id\":", &r), 400);
  tl_assert_problem(&r, 400, NULL);
  tl_response_free(&r);
}

static void test_decision_log(void **state) {
  (void)state;
  struct tl_response r;
  char path[300];
  size_t i;
  json_t *it;

  /* one decision of paul in portal B, which the log of A must not show */
  expect(fx.paul.id, "documents", fx.portal_b, "[\"external_case_handler\"]", NULL, 1, NULL, -1);

  snprintf(path, sizeof(path), "/v1/authorize/log?user_id=%s", fx.paul.id);
  assert_int_equal(call("GET", path, fx.alice.token, NULL, NULL, &r), 200);
  json_t *items = json_object_get(r.json, "items");
  assert_true(json_array_size(items) >= 10);
  assert_true(json_is_null(json_object_get(r.json, "next_cursor")));
  long long prev = -1;
  json_array_foreach(items, i, it) {
    long long id = strtoll(tl_str(it, "id"), NULL, 10);
    if (prev >= 0) assert_true(id < prev); /* newest first */
    prev = id;
    assert_string_equal(tl_str(it, "user_id"), fx.paul.id);
    assert_string_equal(tl_str(it, "portal_id"), fx.portal_a); /* not the one in portal B */
    assert_non_null(tl_str(it, "reason"));
    assert_non_null(tl_str(it, "decided_at"));
  }
  /* the newest of paul in A is the "chat" denial for project_manager */
  it = json_array_get(items, 0);
  assert_string_equal(tl_str(it, "action"), "chat");
  assert_true(json_is_false(json_object_get(it, "allow")));
  assert_string_equal(tl_joined(json_object_get(it, "case_roles")), "project_manager");
  tl_response_free(&r);

  /* filters */
  snprintf(path, sizeof(path), "/v1/authorize/log?user_id=%s&action=approve_budget&allow=false",
           fx.paul.id);
  assert_int_equal(call("GET", path, fx.alice.token, NULL, NULL, &r), 200);
  items = json_object_get(r.json, "items");
  assert_int_equal(json_array_size(items), 1);
  it = json_array_get(items, 0);
  assert_int_equal(json_integer_value(json_object_get(it, "amount")), 50001);
  assert_int_equal(json_integer_value(json_object_get(it, "limit_remaining")), 50000);
  assert_true(json_is_false(json_object_get(it, "allow")));
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/authorize/log?user_id=%s&action=approve_budget&allow=true",
           fx.nina.id);
  assert_int_equal(call("GET", path, fx.alice.token, NULL, NULL, &r), 200);
  items = json_object_get(r.json, "items");
  assert_int_equal(json_array_size(items), 1);
  assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "amount")), 20000);
  tl_response_free(&r);

  /* paging: two pages of one, then the rest */
  snprintf(path, sizeof(path), "/v1/authorize/log?user_id=%s&limit=1", fx.paul.id);
  assert_int_equal(call("GET", path, fx.alice.token, NULL, NULL, &r), 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
  char *first = strdup(tl_str(json_array_get(json_object_get(r.json, "items"), 0), "id"));
  char *cursor = strdup(tl_str(r.json, "next_cursor"));
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/authorize/log?user_id=%s&limit=1&cursor=%s", fx.paul.id,
           cursor);
  assert_int_equal(call("GET", path, fx.alice.token, NULL, NULL, &r), 200);
  const char *second = tl_str(json_array_get(json_object_get(r.json, "items"), 0), "id");
  assert_true(strtoll(second, NULL, 10) < strtoll(first, NULL, 10));
  assert_non_null(tl_str(r.json, "next_cursor"));
  tl_response_free(&r);
  free(first);
  free(cursor);

  /* the admin of portal B sees only B's decisions */
  snprintf(path, sizeof(path), "/v1/authorize/log?user_id=%s", fx.paul.id);
  assert_int_equal(call("GET", path, fx.bob.token, NULL, NULL, &r), 200);
  items = json_object_get(r.json, "items");
  json_array_foreach(items, i, it) {
    /* B saw: start_inspection allowed, allocate_partners denied (roles test), documents */
    const char *a = tl_str(it, "action");
    assert_string_equal(tl_str(it, "portal_id"), fx.portal_b);
    assert_true(!strcmp(a, "documents") || !strcmp(a, "start_inspection") ||
                !strcmp(a, "allocate_partners"));
  }
  assert_int_equal(json_array_size(items), 3);
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/authorize/log?user_id=%s", fx.nina.id);
  assert_int_equal(call("GET", path, fx.bob.token, NULL, NULL, &r), 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
  tl_response_free(&r);

  /* others: 403 */
  assert_int_equal(call("GET", "/v1/authorize/log", fx.carl.token, NULL, NULL, &r), 403);
  tl_assert_problem(&r, 403, NULL);
  tl_response_free(&r);
  assert_int_equal(call("GET", "/v1/authorize/log", fx.padmin.token, NULL, NULL, &r), 403);
  tl_assert_problem(&r, 403, NULL);
  tl_response_free(&r);
  assert_int_equal(call("GET", "/v1/authorize/log", fx.paul.token, NULL, NULL, &r), 403);
  tl_assert_problem(&r, 403, NULL);
  tl_response_free(&r);
  /* bad parameters */
  assert_int_equal(call("GET", "/v1/authorize/log?allow=maybe", fx.alice.token, NULL, NULL, &r),
                   400);
  tl_assert_problem(&r, 400, NULL);
  tl_response_free(&r);
  assert_int_equal(call("GET", "/v1/authorize/log?user_id=x", fx.alice.token, NULL, NULL, &r),
                   400);
  tl_assert_problem(&r, 400, NULL);
  tl_response_free(&r);
  assert_int_equal(call("GET", "/v1/authorize/log?cursor=e30", fx.alice.token, NULL, NULL, &r),
                   400);
  tl_assert_problem(&r, 400, NULL);
  tl_response_free(&r);
}

/* Through the gateway: the public paths are routed, /internal is not. */
static void test_gateway(void **state) {
  (void)state;
  struct tl_response r;
  const char *gw = tl_env("GATEWAY_URL");
  tl_call(gw, "GET", "/v1/roles/external_case_handler", fx.paul.token, NULL, NULL, &r);
  assert_int_equal(r.status, 200);
  assert_string_equal(tl_str(r.json, "portal_id"), fx.portal_a);
  tl_response_free(&r);
  tl_call(gw, "POST", "/internal/authorize", fx.paul.token, "{}", NULL, &r);
  assert_int_equal(r.status, 404);
  tl_response_free(&r);
}

/* The admin check re-reads the user: a token issued to an admin loses the admin rights when the
 * user is demoted (403) and every right when deactivated (401), before the token expires. */
static void test_stale_admin(void **state) {
  (void)state;
  struct tl_response r;
  const char *body = "{\"rights\":[\"approve_tasks\"]}";
  fx.dora.token = login(&fx.dora, NULL);
  assert_int_equal(call("GET", "/v1/authorize/log?limit=1", fx.dora.token, NULL, NULL, &r), 200);
  assert_true(json_is_array(json_object_get(r.json, "items")));
  tl_response_free(&r);
  assert_int_equal(call("GET", "/v1/roles/project_manager", fx.dora.token, NULL, NULL, &r), 200);
  char etag[32];
  char *e = tl_header(&r, "ETag");
  assert_non_null(e);
  snprintf(etag, sizeof(etag), "%s", e);
  free(e);
  tl_response_free(&r);

  tl_sql_run("UPDATE policy.users SET authority_level = 3 WHERE id = $1", 1, fx.dora.id);
  call("PUT", "/v1/roles/project_manager", fx.dora.token, etag, body, &r);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  tl_response_free(&r);
  call("PATCH", "/v1/portal/settings", fx.dora.token, "\"1\"", "{\"name\":\"Stale\"}", &r);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  tl_response_free(&r);
  call("GET", "/v1/authorize/log", fx.dora.token, NULL, NULL, &r);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  tl_response_free(&r);
  /* nothing changed */
  assert_int_equal(call("GET", "/v1/roles/project_manager", fx.alice.token, NULL, NULL, &r), 200);
  e = tl_header(&r, "ETag");
  assert_non_null(e);
  assert_string_equal(e, etag);
  free(e);
  tl_response_free(&r);

  /* promoted back, then deactivated: 401 with the same token */
  tl_sql_run("UPDATE policy.users SET authority_level = 6, active = false WHERE id = $1", 1,
             fx.dora.id);
  call("PUT", "/v1/roles/project_manager", fx.dora.token, etag, body, &r);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:invalid-token");
  tl_response_free(&r);
  call("GET", "/v1/authorize/log", fx.dora.token, NULL, NULL, &r);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:invalid-token");
  tl_response_free(&r);
  /* reads too: the definitions and the settings are no longer for a deactivated user */
  call("GET", "/v1/roles/project_manager", fx.dora.token, NULL, NULL, &r);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:invalid-token");
  tl_response_free(&r);
  call("GET", "/v1/portal/settings", fx.dora.token, NULL, NULL, &r);
  tl_assert_problem(&r, 401, "urn:claimsuite:problem:invalid-token");
  tl_response_free(&r);
  /* an admin still active keeps working */
  assert_int_equal(call("GET", "/v1/authorize/log?limit=1", fx.alice.token, NULL, NULL, &r), 200);
  tl_response_free(&r);
}

/* A statement that runs past the service's statement timeout is 504, not 500: another
 * transaction holds the role definitions locked while an admin reads one. */
static void test_database_timeout_is_504(void **state) {
  (void)state;
  struct tl_response r;
  PGconn *locker = PQconnectdb(tl_env("PG_SUPERUSER_CONNINFO"));
  assert_int_equal(PQstatus(locker), CONNECTION_OK);
  assert_int_equal(db_begin(locker), CS_OK);
  assert_int_equal(db_exec(locker, "LOCK TABLE policy.role_definitions IN ACCESS EXCLUSIVE MODE",
                           0, NULL, NULL, NULL),
                   CS_OK);
  call("GET", "/v1/roles/external_case_handler", fx.alice.token, NULL, NULL, &r);
  tl_assert_problem(&r, 504, NULL);
  tl_response_free(&r);
  assert_int_equal(db_rollback(locker), CS_OK);
  PQfinish(locker);
  assert_int_equal(call("GET", "/v1/roles/external_case_handler", fx.alice.token, NULL, NULL, &r),
                   200);
  tl_response_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_roles),
      cmocka_unit_test(test_settings),
      cmocka_unit_test(test_authorize),
      cmocka_unit_test(test_decision_log),
      cmocka_unit_test(test_gateway),
      cmocka_unit_test(test_stale_admin),
      cmocka_unit_test(test_database_timeout_is_504),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
