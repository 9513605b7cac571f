/* The authority replica's reads (common/replica.h) against the running stack: facts written to
 * the policy schema reach the cases service's replica, and what the cases service reads there
 * is what the policy service has: the partner offices serving a portal (nearest first, only
 * those with an active marked user when asked, each portal's own categories), users as a portal
 * sees them, API clients, the portal with its settings (a portal fact from before a setting
 * existed leaves the replica's default); and decisions made in-process (replica_decide) are the
 * decisions of the policy service's POST /internal/authorize, which stays for callers outside
 * the suite (its batch form answers in order and logs nothing).
 *
 * Fixtures are inserted as the database superuser, in portals created for this run:
 *   portal A (default budget limit 20000): insurer I (office "HQ" in Stockholm, admin alice),
 *     partner P (offices Stockholm, Uppsala, "Uppsala Annex" at the same point, one without
 *     coordinates), partner Q (office Gothenburg), an agent company with an office;
 *     users: eric (P, marked, Uppsala), ivan (P, marked but inactive, Stockholm and Uppsala),
 *     pia (P, not marked, Stockholm and Uppsala), quinn (Q, marked, own limit 70000,
 *     Gothenburg);
 *   portal B: partner R serving B only (office Malmo, user rolf);
 *   portal C: an insurer without partners, time zone Asia/Tokyo (A and B: the default,
 *     Europe/Stockholm).
 * API clients of portal A for insurer I: "core" (active) and "old" (inactive).
 * Categories "Vattenskada" and "Brand" of portal A, "Storm" of portal B, linked to P's offices.
 * The replica is read on a connection of its own in the cases schema. */
#include <libpq-fe.h>
#include <math.h>
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
#include "replica.h"
#include "status.h"
#include "tl_world.h"

static struct {
  char sfx[9];
  char insurer_i[37], insurer_j[37], insurer_k[37], partner_p[37], partner_q[37], partner_r[37],
      agent[37];
  char portal_a[37], portal_b[37], portal_c[37];
  char sthlm[37], upps[37], annex[37], nocoord[37], gbg[37], malmo[37];
  char alice[37], eric[37], ivan[37], pia[37], quinn[37], rolf[37];
  char client_core[37], client_old[37];
} fx;

/* ---- helpers ------------------------------------------------------------------------------ */

/* method path [body] on the policy service, without a token; returns the status. */
static long call(const char *method, const char *path, const char *body, struct tl_response *r) {
  return tl_service_call(tl_env("POLICY_URL"), "policy", method, path, body, r);
}

/* A JSON array of k times "chat" into buf. */
static const char *chats(char *buf, size_t len, int k) {
  size_t n = (size_t)snprintf(buf, len, "[");
  for (int i = 0; i < k; i++) n += (size_t)snprintf(buf + n, len - n, "%s\"chat\"", i ? "," : "");
  snprintf(buf + n, len - n, "]");
  return buf;
}

static long decision_rows(void) {
  return tl_sql_long("SELECT count(*) FROM policy.decision_log WHERE portal_id = $1", 1,
                     (const char *[]){fx.portal_a});
}

/* ---- fixtures ----------------------------------------------------------------------------- */

static void add_company(char *id, const char *kind, const char *label) {
  char name[96];
  ids_uuid_v4(id);
  snprintf(name, sizeof(name), "Dir %s %s", label, fx.sfx);
  tl_sql_run("INSERT INTO policy.companies (id, kind, name) VALUES ($1, $2, $3)", 3, id, kind,
             name);
}

static void add_portal(char *id, const char *insurer) {
  ids_uuid_v4(id);
  tl_sql_run(
      "INSERT INTO policy.portals (id, insurer_company_id, name, default_budget_limit)"
      " VALUES ($1, $2, 'Dir portal ' || $3, 20000)",
      3, id, insurer, fx.sfx);
}

static void serve(const char *company, const char *portal) {
  tl_sql_run("INSERT INTO policy.company_portals (company_id, portal_id) VALUES ($1, $2)", 2,
             company, portal);
}

/* lat and lon NULL: an office without coordinates. */
static void add_office(char *id, const char *company, const char *name, const char *city,
                       const char *lat, const char *lon) {
  ids_uuid_v4(id);
  tl_sql_run(
      "INSERT INTO policy.offices (id, company_id, name, street, postal_code, city,"
      " latitude, longitude) VALUES ($1, $2, $3, 'Storgatan 1', '111 22', $4,"
      " $5::double precision, $6::double precision)",
      6, id, company, name, city, lat, lon);
}

static void add_category(const char *portal, const char *name, const char *office) {
  char id[37];
  ids_uuid_v4(id);
  tl_sql_run(
      "WITH c AS (INSERT INTO policy.office_categories (id, portal_id, name)"
      "           VALUES ($1, $2, $3) RETURNING id)"
      " INSERT INTO policy.office_category_links (office_id, category_id)"
      " SELECT $4, id FROM c",
      4, id, portal, name, office);
}

static void link_category(const char *portal, const char *name, const char *office) {
  tl_sql_run(
      "INSERT INTO policy.office_category_links (office_id, category_id)"
      " SELECT $3, id FROM policy.office_categories WHERE portal_id = $1 AND name = $2",
      3, portal, name, office);
}

static void add_user(char *id, const char *label, const char *company, const char *marked,
                     const char *active, const char *budget_limit) {
  char email[128];
  ids_uuid_v4(id);
  snprintf(email, sizeof(email), "%s+%s@directory.test", label, fx.sfx);
  tl_sql_run(
      "INSERT INTO policy.users (id, company_id, email, name, authority_level,"
      " external_case_handler, active, budget_limit)"
      " VALUES ($1, $2, $3, $4, 3, $5, $6, $7::bigint)",
      7, id, company, email, label, marked, active, budget_limit);
}

static void add_client(char *id, const char *label, const char *active) {
  char client_id[64];
  ids_uuid_v4(id);
  snprintf(client_id, sizeof(client_id), "dir-%s-%s", label, fx.sfx);
  tl_sql_run(
      "INSERT INTO policy.api_clients (id, portal_id, company_id, name, client_id,"
      " secret_hash, active) VALUES ($1, $2, $3, $4, $4, 'unused', $5)",
      5, id, fx.portal_a, fx.insurer_i, client_id, active);
}

static void in_office(const char *user, const char *office) {
  tl_sql_run("INSERT INTO policy.user_offices (user_id, office_id) VALUES ($1, $2)", 2, user,
             office);
}

static int setup(void **state) {
  (void)state;
  char rnd[37], hq[37], agent_office[37];
  ids_uuid_v4(rnd);
  snprintf(fx.sfx, sizeof(fx.sfx), "%.8s", rnd);

  add_company(fx.insurer_i, "insurer", "insurer I");
  add_company(fx.insurer_j, "insurer", "insurer J");
  add_company(fx.insurer_k, "insurer", "insurer K");
  add_company(fx.partner_p, "partner", "partner P");
  add_company(fx.partner_q, "partner", "partner Q");
  add_company(fx.partner_r, "partner", "partner R");
  add_company(fx.agent, "agent", "agent");
  add_portal(fx.portal_a, fx.insurer_i);
  add_portal(fx.portal_b, fx.insurer_j);
  add_portal(fx.portal_c, fx.insurer_k);
  serve(fx.insurer_i, fx.portal_a);
  serve(fx.partner_p, fx.portal_a);
  serve(fx.partner_q, fx.portal_a);
  serve(fx.agent, fx.portal_a);
  serve(fx.insurer_j, fx.portal_b);
  serve(fx.partner_r, fx.portal_b);
  serve(fx.insurer_k, fx.portal_c);
  tl_sql_run("UPDATE policy.portals SET timezone = 'Asia/Tokyo' WHERE id = $1", 1, fx.portal_c);

  add_office(hq, fx.insurer_i, "HQ", "Stockholm", "59.3293", "18.0686");
  add_office(agent_office, fx.agent, "Agency", "Stockholm", "59.3293", "18.0686");
  add_office(fx.sthlm, fx.partner_p, "Stockholm", "Stockholm", "59.3293", "18.0686");
  add_office(fx.upps, fx.partner_p, "Uppsala", "Uppsala", "59.8586", "17.6389");
  add_office(fx.annex, fx.partner_p, "Uppsala Annex", "Uppsala", "59.8586", "17.6389");
  add_office(fx.nocoord, fx.partner_p, "Aaa No Coordinates", "Kiruna", NULL, NULL);
  add_office(fx.gbg, fx.partner_q, "Gothenburg", "Göteborg", "57.7089", "11.9746");
  add_office(fx.malmo, fx.partner_r, "Malmo", "Malmö", "55.6050", "13.0038");

  add_category(fx.portal_a, "Vattenskada", fx.sthlm);
  link_category(fx.portal_a, "Vattenskada", fx.upps);
  add_category(fx.portal_a, "Brand", fx.sthlm);
  add_category(fx.portal_b, "Storm", fx.sthlm); /* another portal's label: never shown in A */

  add_user(fx.alice, "alice", fx.insurer_i, "false", "true", NULL);
  add_user(fx.eric, "eric", fx.partner_p, "true", "true", NULL);
  add_user(fx.ivan, "ivan", fx.partner_p, "true", "false", NULL);
  add_user(fx.pia, "pia", fx.partner_p, "false", "true", NULL);
  add_user(fx.quinn, "quinn", fx.partner_q, "true", "true", "70000");
  add_user(fx.rolf, "rolf", fx.partner_r, "true", "true", NULL);
  in_office(fx.eric, fx.upps);
  in_office(fx.ivan, fx.sthlm);
  in_office(fx.ivan, fx.upps);
  in_office(fx.pia, fx.upps);
  in_office(fx.pia, fx.sthlm);
  in_office(fx.quinn, fx.gbg);
  in_office(fx.rolf, fx.malmo);
  add_client(fx.client_core, "core", "true");
  add_client(fx.client_old, "old", "false");
  tl_sql_run(
      "INSERT INTO policy.role_definitions (portal_id, role, rights)"
      " VALUES ($1, 'project_manager', '{approve_budget,start_inspection}')",
      1, fx.portal_a);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  tl_sql_close();
  return 0;
}

/* ---- the replica, read as the cases service reads it ------------------------------------- */

static PGconn *replica_db;

static PGconn *db(void) {
  if (replica_db == NULL) {
    char conninfo[512];
    snprintf(conninfo, sizeof(conninfo), "%s options='-csearch_path=cases,public'",
             tl_env("PG_SUPERUSER_CONNINFO"));
    replica_db = PQconnectdb(conninfo);
    if (PQstatus(replica_db) != CONNECTION_OK) fail_msg("%s", PQerrorMessage(replica_db));
  }
  return replica_db;
}

/* The ids of items, comma-joined, against the expected ones (NULL-terminated). */
static void assert_ids(const json_t *items, ...) {
  char want[2048] = "";
  size_t n = 0;
  va_list ap;
  json_t *ids = json_array(), *it;
  size_t i;
  json_array_foreach(items, i, it) json_array_append_new(ids, json_string(tl_str(it, "id")));
  va_start(ap, items);
  for (const char *s = va_arg(ap, const char *); s != NULL; s = va_arg(ap, const char *))
    n += (size_t)snprintf(want + n, sizeof(want) - n, "%s%s", n ? "," : "", s);
  va_end(ap);
  if (strcmp(tl_joined(ids), want) != 0)
    fail_msg("ids\n  %s\nexpected\n  %s", tl_joined(ids), want);
  json_decref(ids);
}

/* The compact JSON text of v (borrowed), in a buffer the next call reuses. */
static const char *compact_text(const json_t *v) {
  static char buf[512];
  char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
  snprintf(buf, sizeof(buf), "%s", text != NULL ? text : "(null)");
  free(text);
  return buf;
}

/* The item of items with this id, or fails. Borrowed. */
static json_t *item(const json_t *items, const char *id) {
  json_t *it = tl_item(items, id);
  if (it == NULL) fail_msg("no item %s", id);
  return it;
}

/* distance_km of o lies in [lo, hi] and is rounded to 0.1 km. */
static void assert_km(const json_t *o, double lo, double hi) {
  const json_t *v = json_object_get(o, "distance_km");
  double km = json_number_value(v);
  if (!json_is_number(v) || km < lo || km > hi)
    fail_msg("distance_km of %s is %g, expected %g..%g", tl_str(o, "name"), km, lo, hi);
  if (fabs(km * 10 - round(km * 10)) > 1e-6) fail_msg("distance_km %.17g is not rounded", km);
}

/* The offices of portal from the replica: a new array. lat/lon NULL: no point. */
static json_t *offices(const char *portal, const double *lat, const double *lon, int ech_only) {
  json_t *items = NULL;
  assert_int_equal(replica_offices(db(), portal, lat, lon, ech_only, &items), CS_OK);
  assert_true(json_is_array(items));
  return items;
}

/* ---- offices ------------------------------------------------------------------------------ */

static void test_offices_by_distance(void **state) {
  (void)state;
  const double sthlm[] = {59.3293, 18.0686}, gbg[] = {57.7089, 11.9746};
  json_t *o;

  /* from Stockholm: nearest first, the Uppsala tie by name, no coordinates last; the insurer's,
   * the agent's and portal B's partner's offices never */
  json_t *items = offices(fx.portal_a, &sthlm[0], &sthlm[1], 0);
  assert_ids(items, fx.sthlm, fx.upps, fx.annex, fx.gbg, fx.nocoord, NULL);
  assert_km(item(items, fx.sthlm), 0, 0);
  assert_km(item(items, fx.upps), 61, 67); /* Stockholm → Uppsala ≈ 64 km */
  assert_km(item(items, fx.annex), 61, 67);
  assert_km(item(items, fx.gbg), 394, 401); /* → Gothenburg ≈ 397 km */
  assert_true(json_is_null(json_object_get(item(items, fx.nocoord), "distance_km")));
  assert_true(json_is_null(json_object_get(item(items, fx.nocoord), "latitude")));
  assert_true(json_is_null(json_object_get(item(items, fx.nocoord), "longitude")));

  /* every member of one office */
  o = item(items, fx.upps);
  assert_int_equal(json_object_size(o), 13);
  tl_assert_str(o, "name", "Uppsala");
  tl_assert_str(o, "company_id", fx.partner_p);
  char company[64];
  snprintf(company, sizeof(company), "Dir partner P %s", fx.sfx);
  tl_assert_str(o, "company_name", company);
  tl_assert_str(o, "street", "Storgatan 1");
  tl_assert_str(o, "postal_code", "111 22");
  tl_assert_str(o, "city", "Uppsala");
  tl_assert_str(o, "country", "SE");
  assert_true(fabs(json_number_value(json_object_get(o, "latitude")) - 59.8586) < 1e-9);
  assert_true(fabs(json_number_value(json_object_get(o, "longitude")) - 17.6389) < 1e-9);
  assert_string_equal(tl_joined(json_object_get(o, "categories")), "Vattenskada");
  /* eric counts; ivan is marked but inactive, pia is not marked */
  assert_int_equal(json_integer_value(json_object_get(o, "external_case_handler_users")), 1);
  o = item(items, fx.sthlm);
  assert_string_equal(tl_joined(json_object_get(o, "categories")), "Brand,Vattenskada");
  assert_int_equal(json_integer_value(json_object_get(o, "external_case_handler_users")), 0);
  assert_string_equal(tl_joined(json_object_get(item(items, fx.nocoord), "categories")), "");
  assert_int_equal(
      json_integer_value(json_object_get(item(items, fx.gbg), "external_case_handler_users")), 1);
  json_decref(items);

  /* from Gothenburg the order turns around */
  items = offices(fx.portal_a, &gbg[0], &gbg[1], 0);
  assert_ids(items, fx.gbg, fx.sthlm, fx.upps, fx.annex, fx.nocoord, NULL);
  assert_km(item(items, fx.gbg), 0, 0);
  assert_km(item(items, fx.sthlm), 394, 401);
  json_decref(items);

  /* without a point: every distance null, by name */
  items = offices(fx.portal_a, NULL, NULL, 0);
  assert_ids(items, fx.nocoord, fx.gbg, fx.sthlm, fx.upps, fx.annex, NULL);
  assert_true(json_is_null(json_object_get(item(items, fx.sthlm), "distance_km")));
  json_decref(items);
}

static void test_offices_external_case_handler(void **state) {
  (void)state;
  const double sthlm[] = {59.3293, 18.0686};
  char ghost[37];

  /* only offices with an active marked user: Stockholm (ivan inactive, pia unmarked), the
   * annex and the one without coordinates have none */
  json_t *items = offices(fx.portal_a, &sthlm[0], &sthlm[1], 1);
  assert_ids(items, fx.upps, fx.gbg, NULL);
  assert_km(item(items, fx.upps), 61, 67);
  json_decref(items);

  /* portal B: its own partner only, without portal A's categories */
  items = offices(fx.portal_b, NULL, NULL, 1);
  assert_ids(items, fx.malmo, NULL);
  assert_string_equal(tl_joined(json_object_get(item(items, fx.malmo), "categories")), "");
  json_decref(items);

  /* a portal without partners, an unknown one, no portal id at all: nothing */
  items = offices(fx.portal_c, NULL, NULL, 0);
  assert_int_equal(json_array_size(items), 0);
  json_decref(items);
  ids_uuid_v4(ghost);
  items = offices(ghost, &sthlm[0], &sthlm[1], 0);
  assert_int_equal(json_array_size(items), 0);
  json_decref(items);
  items = offices("nope", NULL, NULL, 0);
  assert_int_equal(json_array_size(items), 0);
  json_decref(items);
}

/* ---- users, API clients, portals ----------------------------------------------------------- */

static void test_users(void **state) {
  (void)state;
  char ghost[37], upper[37];
  json_t *items = NULL, *u;

  ids_uuid_v4(ghost);
  snprintf(upper, sizeof(upper), "%s", fx.pia);
  for (char *c = upper; *c; c++)
    if (*c >= 'a' && *c <= 'f') *c = (char)(*c - 'a' + 'A');
  json_t *ids = json_pack("[s,s,s,s,s,s,s,s]", fx.quinn, fx.rolf, ghost, fx.ivan, fx.quinn, upper,
                          fx.alice, "not-a-uuid");
  assert_int_equal(replica_users(db(), fx.portal_a, ids, &items), CS_OK);
  json_decref(ids);
  /* ordered by id, each once (pia asked in capitals), the unknown ids absent */
  const char *found[] = {fx.quinn, fx.rolf, fx.ivan, fx.pia, fx.alice};
  char sorted[200];
  tl_sort_join(found, 5, sorted, sizeof(sorted)); /* sorts found in place */
  assert_ids(items, found[0], found[1], found[2], found[3], found[4], NULL);

  u = item(items, fx.quinn);
  assert_int_equal(json_object_size(u), 13);
  tl_assert_str(u, "company_id", fx.partner_q);
  assert_true(json_is_array(json_object_get(u, "org_roles")));
  assert_true(json_is_null(json_object_get(u, "mobile"))); /* none given */
  tl_assert_str(u, "company_kind", "partner");
  char email[128];
  snprintf(email, sizeof(email), "quinn+%s@directory.test", fx.sfx);
  tl_assert_str(u, "email", email);
  tl_assert_str(u, "name", "quinn");
  assert_true(json_is_true(json_object_get(u, "active")));
  assert_true(json_is_true(json_object_get(u, "external_case_handler")));
  assert_int_equal(json_integer_value(json_object_get(u, "authority_level")), 3);
  assert_int_equal(json_integer_value(json_object_get(u, "budget_limit")), 70000);
  assert_string_equal(tl_joined(json_object_get(u, "office_ids")), fx.gbg);
  assert_true(json_is_true(json_object_get(u, "in_portal")));
  /* portal B's partner: found, but not in portal A */
  u = item(items, fx.rolf);
  assert_true(json_is_false(json_object_get(u, "in_portal")));
  assert_string_equal(tl_joined(json_object_get(u, "office_ids")), fx.malmo);
  /* inactive, no own limit, two offices sorted */
  u = item(items, fx.ivan);
  assert_true(json_is_false(json_object_get(u, "active")));
  assert_true(json_is_null(json_object_get(u, "budget_limit")));
  char two_offices[80];
  const char *two[] = {fx.sthlm, fx.upps};
  tl_sort_join(two, 2, two_offices, sizeof(two_offices));
  assert_string_equal(tl_joined(json_object_get(u, "office_ids")), two_offices);
  assert_string_equal(tl_joined(json_object_get(item(items, fx.pia), "office_ids")), two_offices);
  assert_true(json_is_false(json_object_get(item(items, fx.pia), "external_case_handler")));
  u = item(items, fx.alice);
  tl_assert_str(u, "company_kind", "insurer");
  assert_true(json_is_true(json_object_get(u, "in_portal")));
  assert_string_equal(tl_joined(json_object_get(u, "office_ids")), "");
  json_decref(items);

  /* in portal B the answer is the other way round */
  assert_int_equal(replica_user(db(), fx.portal_b, fx.rolf, &u), CS_OK);
  assert_true(json_is_true(json_object_get(u, "in_portal")));
  json_decref(u);
  assert_int_equal(replica_user(db(), fx.portal_b, fx.quinn, &u), CS_OK);
  assert_true(json_is_false(json_object_get(u, "in_portal")));
  json_decref(u);
  assert_int_equal(replica_user(db(), fx.portal_a, ghost, &u), CS_OK);
  assert_null(u);
}

static void test_api_clients_and_portals(void **state) {
  (void)state;
  json_t *c = NULL, *p = NULL;
  char ghost[37];

  assert_int_equal(replica_api_client(db(), fx.client_core, &c), CS_OK);
  assert_int_equal(json_object_size(c), 4);
  tl_assert_str(c, "portal_id", fx.portal_a);
  tl_assert_str(c, "company_id", fx.insurer_i);
  assert_true(json_is_true(json_object_get(c, "active")));
  json_decref(c);
  /* deactivated: still found, inactive */
  assert_int_equal(replica_api_client(db(), fx.client_old, &c), CS_OK);
  assert_true(json_is_false(json_object_get(c, "active")));
  json_decref(c);
  /* unknown ids, a user's id, and what is no id at all */
  ids_uuid_v4(ghost);
  const char *absent[] = {ghost, fx.alice, "not-a-uuid"};
  for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
    assert_int_equal(replica_api_client(db(), absent[i], &c), CS_OK);
    assert_null(c);
  }

  assert_int_equal(replica_portal(db(), fx.portal_c, &p), CS_OK);
  tl_assert_str(p, "timezone", "Asia/Tokyo");
  json_decref(p);
  assert_int_equal(replica_portal(db(), fx.portal_a, &p), CS_OK);
  assert_int_equal(json_object_size(p), 11);
  tl_assert_str(p, "id", fx.portal_a);
  tl_assert_str(p, "timezone", "Europe/Stockholm");
  /* the settings the cases service decides from, as the portals table's defaults made them */
  tl_assert_str(p, "office_hours_start", "08:00");
  tl_assert_str(p, "office_hours_end", "16:00");
  assert_string_equal(compact_text(json_object_get(p, "office_days")), "[1,2,3,4,5]");
  assert_string_equal(compact_text(json_object_get(p, "public_holidays")), "[]");
  assert_true(json_is_false(json_object_get(p, "enhanced_temporary_cases")));
  tl_assert_str(p, "temporary_cases_report", "weekly");
  assert_int_equal(json_integer_value(json_object_get(p, "default_budget_limit")), 20000);
  tl_assert_str(p, "currency", "SEK");
  assert_string_equal(tl_joined(json_object_get(json_object_get(p, "roles"), "project_manager")),
                      "approve_budget,start_inspection");
  json_decref(p);
  assert_int_equal(replica_portal(db(), ghost, &p), CS_OK);
  assert_null(p);
}

/* A changed portal's settings reach the replica with its next fact. Portal B is read from the
 * replica here for the first time (the reads are cached in this process until a fact is applied
 * in it, which never happens in a test). */
static void test_portal_settings_reach_the_replica(void **state) {
  (void)state;
  json_t *p = NULL;
  tl_sql_run(
      "UPDATE policy.portals SET temporary_cases_report = 'monthly', office_hours_start = '07:30',"
      " office_hours_end = '15:30', office_days = '{1,2,3,4}',"
      " public_holidays = '{2026-12-24,2026-06-19}', enhanced_temporary_cases = true"
      " WHERE id = $1",
      1, fx.portal_b);
  tl_replica_sync();
  char *report = tl_sql("SELECT temporary_cases_report FROM cases.replica_portal WHERE id = $1", 1,
                        (const char *[]){fx.portal_b});
  assert_string_equal(report, "monthly");
  free(report);

  assert_int_equal(replica_portal(db(), fx.portal_b, &p), CS_OK);
  assert_int_equal(json_object_size(p), 11);
  tl_assert_str(p, "temporary_cases_report", "monthly");
  tl_assert_str(p, "office_hours_start", "07:30");
  tl_assert_str(p, "office_hours_end", "15:30");
  assert_string_equal(compact_text(json_object_get(p, "office_days")), "[1,2,3,4]");
  assert_string_equal(compact_text(json_object_get(p, "public_holidays")),
                      "[\"2026-06-19\",\"2026-12-24\"]");
  assert_true(json_is_true(json_object_get(p, "enhanced_temporary_cases")));
  json_decref(p);
  /* portal A kept the default */
  report = tl_sql("SELECT temporary_cases_report FROM cases.replica_portal WHERE id = $1", 1,
                  (const char *[]){fx.portal_a});
  assert_string_equal(report, "weekly");
  free(report);
}

/* A portal fact published before policy had the setting carries no such member: the replica
 * keeps the column's default. Applied in a transaction rolled back, for a portal of no one. */
static void test_portal_fact_without_the_member(void **state) {
  (void)state;
  char ghost[37], state_json[1024];
  ids_uuid_v4(ghost);
  snprintf(state_json, sizeof(state_json),
           "{\"id\":\"%s\",\"insurer_company_id\":\"%s\",\"name\":\"Before the report\","
           "\"timezone\":\"Europe/Stockholm\",\"office_hours_start\":\"08:00\","
           "\"office_hours_end\":\"16:00\",\"office_days\":[1,2,3,4,5],\"public_holidays\":[],"
           "\"enhanced_temporary_cases\":false,\"default_budget_limit\":0,\"currency\":\"SEK\"}",
           ghost, fx.insurer_i);
  /* BEGIN now: db_begin would send it with the first statement through db.h, and the
   * statements below go through libpq directly (they would commit, leaving the ghost) */
  assert_int_equal(db_exec(db(), "BEGIN", 0, NULL, NULL, NULL), CS_OK);
  PGresult *res;

  const char *apply = "SELECT replica_apply('portal', $1, $2::bigint, $3::jsonb)";
  const char *report = "SELECT temporary_cases_report FROM replica_portal WHERE id = $1::uuid";
  const char *first[] = {ghost, "1", state_json};
  res = PQexecParams(db(), apply, 3, NULL, first, NULL, NULL, 0);
  if (PQresultStatus(res) != PGRES_TUPLES_OK) fail_msg("%s", PQerrorMessage(db()));
  assert_string_equal(PQgetvalue(res, 0, 0), "t");
  PQclear(res);
  res = PQexecParams(db(), report, 1, NULL, (const char *[]){ghost}, NULL, NULL, 0);
  assert_int_equal(PQntuples(res), 1);
  assert_string_equal(PQgetvalue(res, 0, 0), "weekly");
  PQclear(res);

  /* the next fact carries it */
  json_t *with = json_loads(state_json, 0, NULL);
  json_object_set_new(with, "temporary_cases_report", json_string("monthly"));
  char *with_text = json_dumps(with, JSON_COMPACT);
  json_decref(with);
  const char *second[] = {ghost, "2", with_text};
  res = PQexecParams(db(), apply, 3, NULL, second, NULL, NULL, 0);
  if (PQresultStatus(res) != PGRES_TUPLES_OK) fail_msg("%s", PQerrorMessage(db()));
  assert_string_equal(PQgetvalue(res, 0, 0), "t");
  PQclear(res);
  free(with_text);
  res = PQexecParams(db(), report, 1, NULL, (const char *[]){ghost}, NULL, NULL, 0);
  assert_int_equal(PQntuples(res), 1);
  assert_string_equal(PQgetvalue(res, 0, 0), "monthly");
  PQclear(res);

  assert_int_equal(db_rollback(db()), CS_OK);
}

/* ---- POST /internal/authorize, the batch form --------------------------------------------- */

/* The decision i of a batch answer: action, allow, reason containing needle (NULL: any),
 * limit_remaining (-1: absent). */
static void assert_decision(const struct tl_response *r, size_t i, const char *action, int allow,
                            const char *needle, long long remaining) {
  json_t *d = json_array_get(json_object_get(r->json, "decisions"), i);
  if (d == NULL) fail_msg("no decision %zu in %s", i, r->body);
  tl_assert_str(d, "action", action);
  if (json_is_true(json_object_get(d, "allow")) != allow ||
      !json_is_boolean(json_object_get(d, "allow")))
    fail_msg("decision %zu (%s): %s", i, action, r->body);
  if (needle != NULL && strstr(tl_str(d, "reason"), needle) == NULL)
    fail_msg("reason '%s' lacks '%s'", tl_str(d, "reason"), needle);
  if (remaining < 0) {
    assert_null(json_object_get(d, "limit_remaining"));
    assert_int_equal(json_object_size(d), 3);
  } else {
    assert_int_equal(json_integer_value(json_object_get(d, "limit_remaining")), remaining);
    assert_int_equal(json_object_size(d), 4);
  }
}

static long batch(const char *user, const char *actions, const char *roles, const char *amount,
                  struct tl_response *r) {
  char body[2048];
  int n = snprintf(body, sizeof(body),
                   "{\"user_id\":\"%s\",\"portal_id\":\"%s\",\"actions\":%s,\"case_roles\":%s",
                   user, fx.portal_a, actions, roles);
  if (amount != NULL) n += snprintf(body + n, sizeof(body) - (size_t)n, ",\"amount\":%s", amount);
  snprintf(body + n, sizeof(body) - (size_t)n, "}");
  return call("POST", "/internal/authorize", body, r);
}

static void test_authorize_batch(void **state) {
  (void)state;
  struct tl_response r;
  const char *pm = "[\"project_manager\"]";
  long before = decision_rows();

  /* in the order asked, duplicates answered twice; approve_budget without an amount: the
   * whole own limit */
  batch(fx.quinn,
        "[\"start_inspection\",\"chat\",\"approve_budget\",\"rfq_decide\","
        "\"start_inspection\"]",
        pm, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_object_size(r.json), 1);
  assert_int_equal(json_array_size(json_object_get(r.json, "decisions")), 5);
  assert_decision(&r, 0, "start_inspection", 1, "granted by role project_manager", -1);
  assert_decision(&r, 1, "chat", 0, "no case role", -1);
  assert_decision(&r, 2, "approve_budget", 1, "own budget limit", 70000);
  assert_decision(&r, 3, "rfq_decide", 0, "no case role", -1);
  assert_decision(&r, 4, "start_inspection", 1, NULL, -1);
  tl_response_free(&r);

  /* an amount applies to approve_budget */
  batch(fx.quinn, "[\"approve_budget\",\"chat\"]",
        "[\"project_manager\",\"external_case_handler\"]", "50000", &r);
  tl_expect(&r, 200);
  assert_decision(&r, 0, "approve_budget", 1, NULL, 20000);
  assert_decision(&r, 1, "chat", 1, "always allowed", -1);
  tl_response_free(&r);
  batch(fx.quinn, "[\"approve_budget\"]", pm, "70001", &r);
  tl_expect(&r, 200);
  assert_decision(&r, 0, "approve_budget", 0, "exceeds the own", 70000);
  tl_response_free(&r);

  /* the portal default for a user without an own limit; an insurer user; users outside */
  batch(fx.pia, "[\"approve_budget\"]", pm, NULL, &r);
  tl_expect(&r, 200);
  assert_decision(&r, 0, "approve_budget", 1, "portal default", 20000);
  tl_response_free(&r);
  batch(fx.alice, "[\"rfq_decide\",\"approve_budget\"]", "[]", "1", &r);
  tl_expect(&r, 200);
  assert_decision(&r, 0, "rfq_decide", 1, "internal user", -1);
  assert_decision(&r, 1, "approve_budget", 1, "internal user", 19999);
  tl_response_free(&r);
  batch(fx.rolf, "[\"chat\",\"approve_budget\"]", "[\"external_case_handler\"]", NULL, &r);
  tl_expect(&r, 200);
  assert_decision(&r, 0, "chat", 0, "user not in portal", -1);
  assert_decision(&r, 1, "approve_budget", 0, "user not in portal", -1);
  tl_response_free(&r);
  batch(fx.ivan, "[\"chat\"]", "[\"external_case_handler\"]", NULL, &r);
  tl_expect(&r, 200);
  assert_decision(&r, 0, "chat", 0, "user inactive", -1);
  tl_response_free(&r);

  /* batches are not logged; a single decision still is */
  assert_int_equal(decision_rows(), before);
  char body[512];
  snprintf(body, sizeof(body),
           "{\"user_id\":\"%s\",\"portal_id\":\"%s\",\"action\":\"approve_budget\","
           "\"case_roles\":[\"project_manager\"],\"amount\":100}",
           fx.quinn, fx.portal_a);
  call("POST", "/internal/authorize", body, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_object_size(r.json), 3);
  assert_true(json_is_true(json_object_get(r.json, "allow")));
  assert_int_equal(json_integer_value(json_object_get(r.json, "limit_remaining")), 69900);
  assert_null(json_object_get(r.json, "action"));
  tl_response_free(&r);
  assert_int_equal(decision_rows(), before + 1);
}

static void test_authorize_batch_invalid(void **state) {
  (void)state;
  struct tl_response r;
  char body[1024], many[700];
  long before = decision_rows();

  batch(fx.quinn, "[\"chat\",\"fly\",\"approve_budget\",5]", "[]", NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_error(&r, "actions", "elements 1, 3 are not known actions");
  tl_assert_field_error(&r, "actions", "start_inspection"); /* the valid ones are listed */
  tl_response_free(&r);

  batch(fx.quinn, "[\"fly\"]", "[]", NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_error(&r, "actions", "element 0 is not a known action");
  tl_response_free(&r);

  batch(fx.quinn, "[]", "[]", NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_error(&r, "actions", "1 to 32");
  tl_response_free(&r);

  batch(fx.quinn, chats(many, sizeof(many), 33), "[]", NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_error(&r, "actions", "1 to 32");
  tl_response_free(&r);
  batch(fx.quinn, chats(many, sizeof(many), 32), "[]", NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "decisions")), 32);
  tl_response_free(&r);

  batch(fx.quinn, "\"chat\"", "[]", NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_error(&r, "actions", "array");
  tl_response_free(&r);

  batch(fx.quinn, "[\"approve_budget\"]", "[]", "-1", &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_error(&r, "amount", NULL);
  tl_response_free(&r);

  snprintf(body, sizeof(body),
           "{\"user_id\":\"%s\",\"portal_id\":\"%s\",\"action\":\"chat\",\"actions\":[\"chat\"]}",
           fx.quinn, fx.portal_a);
  call("POST", "/internal/authorize", body, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_error(&r, "actions", "one or the other");
  tl_response_free(&r);

  snprintf(body, sizeof(body), "{\"user_id\":\"%s\",\"portal_id\":\"%s\"}", fx.quinn, fx.portal_a);
  call("POST", "/internal/authorize", body, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_error(&r, "action", "required");
  tl_response_free(&r);

  /* the single form keeps asking for an amount */
  snprintf(body, sizeof(body),
           "{\"user_id\":\"%s\",\"portal_id\":\"%s\",\"action\":\"approve_budget\"}", fx.quinn,
           fx.portal_a);
  call("POST", "/internal/authorize", body, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_error(&r, "amount", "required");
  tl_response_free(&r);

  assert_int_equal(decision_rows(), before);
}

/* The decision made in-process from the replica is the policy service's, for every action,
 * every combination of case roles and both sides of each budget limit. */
static void test_in_process_decisions_are_policys(void **state) {
  (void)state;
  const char *users[] = {fx.quinn, fx.pia, fx.alice, fx.rolf, fx.ivan, fx.eric};
  const char *roles[] = {"[]", "[\"external_case_handler\"]", "[\"project_manager\"]",
                         "[\"external_case_handler\",\"project_manager\","
                         "\"inspector_extra_authority\"]"};
  const unsigned masks[] = {0, 1u, 2u, 7u};
  const char *amounts[] = {"0", "20000", "20001", "70000", "70001"};
  char actions[1024];
  size_t n = (size_t)snprintf(actions, sizeof(actions), "[");
  for (int i = 0; i < CASE_ACTION_COUNT; i++)
    n += (size_t)snprintf(actions + n, sizeof(actions) - n, "%s\"%s\"", i ? "," : "",
                          case_action_names[i]);
  snprintf(actions + n, sizeof(actions) - n, "]");
  int compared = 0;
  for (size_t u = 0; u < sizeof(users) / sizeof(users[0]); u++)
    for (size_t r = 0; r < sizeof(roles) / sizeof(roles[0]); r++)
      for (size_t a = 0; a < sizeof(amounts) / sizeof(amounts[0]); a++) {
        struct tl_response got;
        batch(users[u], actions, roles[r], amounts[a], &got);
        tl_expect(&got, 200);
        const long long amount = atoll(amounts[a]);
        for (int i = 0; i < CASE_ACTION_COUNT; i++) {
          struct authority_decision d;
          const json_t *theirs = json_array_get(json_object_get(got.json, "decisions"), (size_t)i);
          assert_int_equal(replica_decide(db(), users[u], fx.portal_a, case_action_names[i],
                                          masks[r], &amount, &d),
                           CS_OK);
          if (d.allow != json_is_true(json_object_get(theirs, "allow")) ||
              strcmp(d.reason, tl_str(theirs, "reason")) != 0)
            fail_msg("%s %s %s %s: in-process %d '%s', policy %s", users[u], roles[r], amounts[a],
                     case_action_names[i], d.allow, d.reason, json_dumps(theirs, JSON_COMPACT));
          compared++;
        }
        tl_response_free(&got);
      }
  printf("%d decisions compared: in-process and policy agree\n", compared);
}

static int setup_all(void **state) {
  setup(state);
  tl_replica_sync();
  return 0;
}

static int teardown_all(void **state) {
  if (replica_db != NULL) PQfinish(replica_db);
  replica_db = NULL;
  return teardown(state);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_offices_by_distance),
      cmocka_unit_test(test_offices_external_case_handler),
      cmocka_unit_test(test_users),
      cmocka_unit_test(test_api_clients_and_portals),
      cmocka_unit_test(test_portal_settings_reach_the_replica),
      cmocka_unit_test(test_portal_fact_without_the_member),
      cmocka_unit_test(test_authorize_batch),
      cmocka_unit_test(test_authorize_batch_invalid),
      cmocka_unit_test(test_in_process_decisions_are_policys),
  };
  return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
