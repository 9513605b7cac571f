/* The caller of the cases service (services/cases/core/caller.c) against scripted reads of the
 * authority replica: users and API clients are re-checked (gone, inactive, another portal or
 * company: 401; the replica unreadable or too old: 503), and the portal's time zone is taken
 * from its row, the default only when it names none, refused when it is not shaped like an
 * IANA name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../services/cases/core/caller.c"

#define PORTAL "00000000-0000-4000-8000-de0000000201"
#define OTHER_PORTAL "00000000-0000-4000-8000-de0000000202"
#define INSURER "00000000-0000-4000-8000-de0000000101"
#define OTHER_COMPANY "00000000-0000-4000-8000-de0000000102"
#define USER "00000000-0000-4000-8000-de0000000504"
#define CLIENT "00000000-0000-4000-8000-de0000000701"

/* ---- the replica, scripted: each read answers policy.rc and a copy of part of policy.answer */

static struct {
  int rc;
  json_t *answer; /* the whole answer: {items, portal} or the client with its portal */
  int calls;      /* reads of the user or the client */
  int stale;      /* replica_fresh refuses */
} policy;

int replica_fresh(struct cs_refusal *err) {
  if (policy.stale) return cs_refuse(err, PROBLEM_UNAVAILABLE, "the facts are too old");
  return CS_OK;
}

int replica_portal(PGconn *conn, const char *portal_id, json_t **portal) {
  assert_null(conn);
  assert_string_equal(portal_id, PORTAL);
  const json_t *p = json_object_get(policy.answer, "portal");
  *portal = policy.rc == CS_OK && json_is_object(p) ? json_deep_copy(p) : NULL;
  return policy.rc;
}

int replica_user(PGconn *conn, const char *portal_id, const char *user_id, json_t **user) {
  assert_null(conn);
  assert_string_equal(portal_id, PORTAL);
  assert_string_equal(user_id, USER);
  policy.calls++;
  *user = policy.rc == CS_OK
              ? json_deep_copy(json_array_get(json_object_get(policy.answer, "items"), 0))
              : NULL;
  return policy.rc;
}

int replica_api_client(PGconn *conn, const char *id, json_t **client) {
  assert_null(conn);
  assert_string_equal(id, CLIENT);
  policy.calls++;
  *client =
      policy.rc == CS_OK && json_is_object(policy.answer) ? json_deep_copy(policy.answer) : NULL;
  if (*client != NULL) json_object_del(*client, "portal");
  return policy.rc;
}

/* ---- helpers ------------------------------------------------------------------------------ */

static void answer(int rc, json_t *a) {
  json_decref(policy.answer);
  policy.rc = rc;
  policy.answer = a;
  policy.calls = 0;
  policy.stale = 0;
}

/* The portal's replica row; without tz, a row naming no time zone. */
static json_t *portal_with(const char *tz) {
  return tz != NULL ? json_pack("{s:s, s:s}", "id", PORTAL, "timezone", tz)
                    : json_pack("{s:s}", "id", PORTAL);
}

/* The replica's answer for USER (insurer, level 3, active, in the portal). */
static json_t *user_answer(json_t *portal) {
  json_t *a = json_pack("{s:[{s:s, s:s, s:s, s:s, s:b, s:b, s:i, s:[], s:b}]}", "items", "id",
                        USER, "company_id", INSURER, "company_kind", "insurer", "email",
                        "ia@example.se", "active", 1, "in_portal", 1, "authority_level", 3,
                        "office_ids", "external_case_handler", 0);
  if (portal != NULL) json_object_set_new(a, "portal", portal);
  return a;
}

static json_t *client_answer(const char *portal_id, const char *company, int active,
                             json_t *portal) {
  return json_pack("{s:s, s:s, s:s, s:b, s:o}", "id", CLIENT, "portal_id", portal_id,
                   "company_id", company, "active", active, "portal", portal);
}

struct outcome {
  int rc;
  long status;
  char detail[256];
  struct cases_caller c;
};

/* Loads the caller of a token of kind for sub in PORTAL for company. */
static void load(const char *kind, const char *sub, const char *company, struct outcome *o) {
  struct cs_refusal err = {0};
  json_t *claims = json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind", kind, "sub", sub, "portal_id",
                             PORTAL, "company_id", company, "company_kind", "insurer");
  memset(o, 0, sizeof(*o));
  o->rc = cases_caller_load(claims, &o->c, &err);
  if (o->rc != CS_OK) {
    /* the HTTP layer answers the kind's status (and WWW-Authenticate with a 401) */
    o->status = problem_type_of(err.kind)->status;
    snprintf(o->detail, sizeof(o->detail), "%s", err.detail);
    if (o->status == 401) assert_int_equal(err.kind, PROBLEM_INVALID_TOKEN);
    assert_null(o->c.office_ids);
  }
  cs_refusal_clear(&err);
  json_decref(claims);
}

static void expect_refused(const char *kind, const char *sub, const char *company, long status,
                           const char *detail) {
  struct outcome o;
  load(kind, sub, company, &o);
  assert_int_not_equal(o.rc, CS_OK);
  assert_int_equal(o.status, status);
  assert_string_equal(o.detail, detail);
}

static const char gone_client[] = "the API client is no longer active in this portal";
static const char gone_user[] = "the user is no longer active in this portal";
static const char unavailable[] = CASES_POLICY_FAILED_DETAIL;

/* ---- users -------------------------------------------------------------------------------- */

static void test_user_takes_the_portals_time_zone(void **state) {
  (void)state;
  struct outcome o;

  answer(CS_OK, user_answer(portal_with("Pacific/Kiritimati")));
  load("user", USER, INSURER, &o);
  assert_int_equal(o.rc, CS_OK);
  assert_string_equal(o.c.timezone, "Pacific/Kiritimati");
  assert_string_equal(o.c.company_kind, "insurer");
  assert_int_equal(o.c.level, 3);
  assert_false(o.c.is_client);
  cases_caller_clear(&o.c);

  /* a portal naming no time zone: the default */
  answer(CS_OK, user_answer(portal_with(NULL)));
  load("user", USER, INSURER, &o);
  assert_int_equal(o.rc, CS_OK);
  assert_string_equal(o.c.timezone, "Europe/Stockholm");
  cases_caller_clear(&o.c);

  /* refused: the portal gone, another company, the replica unreadable or too old */
  answer(CS_OK, user_answer(NULL));
  expect_refused("user", USER, INSURER, 401, gone_user);
  answer(CS_OK, user_answer(portal_with("Europe/Oslo")));
  expect_refused("user", USER, OTHER_COMPANY, 401, gone_user);
  answer(CS_ERR_UNAVAILABLE, NULL);
  expect_refused("user", USER, INSURER, 503, unavailable);
  answer(CS_OK, user_answer(portal_with("Europe/Oslo")));
  policy.stale = 1;
  expect_refused("user", USER, INSURER, 503, "the facts are too old");
  assert_int_equal(policy.calls, 0);
}

static void test_time_zone_shapes(void **state) {
  (void)state;
  struct outcome o;
  char longest[64], too_long[65];
  memset(longest, 'A', 63);
  longest[63] = '\0';
  memset(too_long, 'A', 64);
  too_long[64] = '\0';

  const char *const good[] = {"UTC", "Etc/GMT+5", "Etc/GMT-14", "America/Port-au-Prince",
                              "America/Argentina/Buenos_Aires", longest};
  for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
    answer(CS_OK, user_answer(portal_with(good[i])));
    load("user", USER, INSURER, &o);
    if (o.rc != CS_OK) fail_msg("time zone '%s' refused", good[i]);
    assert_string_equal(o.c.timezone, good[i]);
    cases_caller_clear(&o.c);
  }
  /* anything else is an answer the cases service cannot use: 503, never a guess */
  const char *const bad[] = {"", "Europe/Stockholm'; --", "Europe Stockholm", "Europe/Malmö",
                             "Europe/Stockholm\n", "%s", too_long};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    answer(CS_OK, user_answer(portal_with(bad[i])));
    expect_refused("user", USER, INSURER, 503, unavailable);
  }
  answer(CS_OK, user_answer(json_pack("{s:s, s:i}", "id", PORTAL, "timezone", 1)));
  expect_refused("user", USER, INSURER, 503, unavailable);
}

/* ---- API clients -------------------------------------------------------------------------- */

static void test_client_checked(void **state) {
  (void)state;
  struct outcome o;

  answer(CS_OK, client_answer(PORTAL, INSURER, 1, portal_with("Asia/Tokyo")));
  load("client", CLIENT, INSURER, &o);
  assert_int_equal(o.rc, CS_OK);
  assert_int_equal(policy.calls, 1);
  assert_true(o.c.is_client);
  assert_string_equal(o.c.company_kind, "insurer");
  assert_string_equal(o.c.timezone, "Asia/Tokyo");
  assert_true(json_is_array(o.c.office_ids));
  assert_int_equal(json_array_size(o.c.office_ids), 0);
  cases_caller_clear(&o.c);
  answer(CS_OK, client_answer(PORTAL, INSURER, 1, portal_with(NULL)));
  load("client", CLIENT, INSURER, &o);
  assert_int_equal(o.rc, CS_OK);
  assert_string_equal(o.c.timezone, "Europe/Stockholm");
  cases_caller_clear(&o.c);
  /* the portal gone */
  answer(CS_OK, client_answer(PORTAL, INSURER, 1, json_null()));
  expect_refused("client", CLIENT, INSURER, 401, gone_client);

  /* inactive, of another portal, of another company than the token says, unknown */
  answer(CS_OK, client_answer(PORTAL, INSURER, 0, portal_with("Europe/Stockholm")));
  expect_refused("client", CLIENT, INSURER, 401, gone_client);
  answer(CS_OK, client_answer(OTHER_PORTAL, INSURER, 1, portal_with("Europe/Stockholm")));
  expect_refused("client", CLIENT, INSURER, 401, gone_client);
  answer(CS_OK, client_answer(PORTAL, INSURER, 1, portal_with("Europe/Stockholm")));
  expect_refused("client", CLIENT, OTHER_COMPANY, 401, gone_client);
  answer(CS_OK, json_pack("{s:s, s:s}", "id", CLIENT, "portal_id", PORTAL));
  expect_refused("client", CLIENT, INSURER, 401, gone_client);
  answer(CS_OK, NULL);
  expect_refused("client", CLIENT, INSURER, 401, gone_client);
  /* the replica unreadable, or an unusable time zone */
  answer(CS_ERR_UNAVAILABLE, NULL);
  expect_refused("client", CLIENT, INSURER, 503, unavailable);
  answer(CS_OK, client_answer(PORTAL, INSURER, 1, portal_with("Mars/Olympus Mons")));
  expect_refused("client", CLIENT, INSURER, 503, unavailable);

  /* a sub that is no id is refused before the replica is read */
  answer(CS_OK, client_answer(PORTAL, INSURER, 1, json_null()));
  expect_refused("client", "core-system", INSURER, 401, "the token does not name an API client");
  assert_int_equal(policy.calls, 0);
}

static int teardown(void **state) {
  (void)state;
  answer(CS_OK, NULL);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_user_takes_the_portals_time_zone),
      cmocka_unit_test(test_time_zone_shapes),
      cmocka_unit_test(test_client_checked),
  };
  return cmocka_run_group_tests(tests, NULL, teardown);
}
