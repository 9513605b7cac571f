/* The external case handler role against the running stack (the headline story, after
 * the seed guide external-case-handler.en.txt), the office recommendations and the caller's
 * allowed actions on a case:
 *   PUT/DELETE /v1/cases/{id}/external-case-handler[/office|/user],
 *   GET /v1/cases/{id}/office-recommendations, GET /v1/cases/{id}/allowed-actions.
 * The world (tests/support/tl_world.h): portal A with insurer IA, partners P (offices Stockholm
 * with the marked p_ech, Uppsala without a marked user) and Q (Göteborg with the marked q_ech,
 * an office without coordinates nor users), portal B with ib_admin. Every negative answer is
 * checked for its status and its problem body; every change for its history row and its event.
 * The story runs through the screens too: the supplier's red arrow and dashboard row, the
 * handler's dashboard row and filters, the report's email column (their own details are tested
 * in test_cases_list.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "http.h"
#include "ids.h"
#include "tl_world.h"

#define PROBLEM(slug) "urn:claimsuite:problem:" slug
#define STHLM_LAT 59.3293
#define STHLM_LON 18.0686

static struct tl_world w;

/* ---- helpers ------------------------------------------------------------------------------ */

/* Calls the cases service on a printf-style path; returns the status. */
static long api(struct tl_response *r, const char *method, const char *token, const char *body,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static long api(struct tl_response *r, const char *method, const char *token, const char *body,
                const char *fmt, ...) {
  char path[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(path, sizeof(path), fmt, ap);
  va_end(ap);
  return tl_cases(method, path, token, body, NULL, r);
}

static long put_office(struct tl_response *r, const char *token, const char *case_id,
                       const char *office_id) {
  char body[128];
  snprintf(body, sizeof(body), "{\"office_id\": \"%s\"}", office_id);
  return api(r, "PUT", token, body, "/v1/cases/%s/external-case-handler/office", case_id);
}

static long put_user(struct tl_response *r, const char *token, const char *case_id,
                     const char *user_id) {
  char body[128];
  snprintf(body, sizeof(body), "{\"user_id\": \"%s\"}", user_id);
  return api(r, "PUT", token, body, "/v1/cases/%s/external-case-handler/user", case_id);
}

static long recommendations(struct tl_response *r, const char *token, const char *case_id,
                            const char *task_type) {
  return api(r, "GET", token, NULL, "/v1/cases/%s/office-recommendations?task_type=%s", case_id,
             task_type);
}

static long allowed_actions(struct tl_response *r, const char *token, const char *case_id) {
  return api(r, "GET", token, NULL, "/v1/cases/%s/allowed-actions", case_id);
}

static const char *text(const json_t *o, const char *member) {
  const char *s = json_string_value(json_object_get(o, member));
  return s != NULL ? s : "";
}

/* The case's external_case_handler.office.id / .user.id, "" when absent. */
static const char *ech_office_id(const json_t *doc) {
  return text(json_object_get(json_object_get(doc, "external_case_handler"), "office"), "id");
}
static const char *ech_user_id(const json_t *doc) {
  return text(json_object_get(json_object_get(doc, "external_case_handler"), "user"), "id");
}

/* A problem with this status and slug whose errors name field with message. */
static void assert_field_problem(const struct tl_response *r, long status, const char *type,
                                 const char *field, const char *message) {
  tl_assert_problem(r, status, type);
  const json_t *e = json_array_get(json_object_get(r->json, "errors"), 0);
  assert_non_null(e);
  assert_string_equal(text(e, "field"), field);
  if (message != NULL) assert_string_equal(text(e, "message"), message);
}

/* The answer carries the case's ETag: "\"<version>\"". */
static void assert_case_etag(const struct tl_response *r) {
  char expected[48], *etag = tl_header(r, "ETag");
  snprintf(expected, sizeof(expected), "\"%lld\"",
           (long long)json_integer_value(json_object_get(r->json, "version")));
  assert_non_null(etag);
  assert_string_equal(etag, expected);
  free(etag);
}

/* The ids of a list of offices, in order, compared with ids (n of them). */
static void assert_office_ids(const json_t *list, const char *const *ids, size_t n) {
  if (json_array_size(list) != n) {
    char *dump = json_dumps(list, JSON_COMPACT);
    fail_msg("expected %zu offices, got %s", n, dump);
  }
  for (size_t i = 0; i < n; i++) assert_string_equal(text(json_array_get(list, i), "id"), ids[i]);
}

/* The case's version now, read from the database. */
static long long case_version(const char *case_id) {
  return tl_sql_long("SELECT version FROM cases.cases WHERE id = $1", 1, (const char *[]){case_id});
}

/* The newest outbox event of type for case_id: {type, portal_id, data} (new), or NULL. */
static json_t *last_event(const char *case_id, const char *type) {
  const char *p[] = {case_id, type};
  char *row = tl_sql("SELECT json_build_object('portal_id', portal_id, 'data', data)::text "
                     "FROM cases.outbox WHERE aggregate_id = $1 AND type = $2 "
                     "ORDER BY pos DESC LIMIT 1",
                     2, p);
  json_t *out = row != NULL ? json_loads(row, 0, NULL) : NULL;
  free(row);
  return out;
}

static long count_events(const char *case_id, const char *type) {
  return tl_sql_long("SELECT count(*) FROM cases.outbox WHERE aggregate_id = $1 AND type = $2", 2,
                     (const char *[]){case_id, type});
}

/* The newest history row of action for case_id: {actor_id, company_id, before, after}. */
static json_t *last_history(const char *case_id, const char *action) {
  const char *p[] = {case_id, action};
  char *row = tl_sql(
      "SELECT json_build_object('actor_id', actor_id, 'company_id', company_id, 'before', before, "
      "'after', after)::text FROM cases.case_history WHERE case_id = $1 AND action = $2 "
      "ORDER BY id DESC LIMIT 1",
      2, p);
  json_t *out = row != NULL ? json_loads(row, 0, NULL) : NULL;
  free(row);
  return out;
}

/* Gives partner P a task on case_id assigned to its Stockholm office, as the tasks resource
 * would (written directly so that this test does not depend on the tasks API's shapes). */
static void give_p_a_task(const char *case_id) {
  char id[37];
  ids_uuid_v4(id);
  tl_sql_run("INSERT INTO cases.tasks (id, case_id, portal_id, type, status, office_id, "
             "office_name, company_id, company_name, office_assigned_at) VALUES ($1, $2, "
             "$3, 'repair', '1', $4, 'P Stockholm', $5, 'Partner P', now())",
             5, id, case_id, w.portal_a, w.p_sthlm, w.partner_p);
}

/* The decision of action in an allowed-actions answer. */
static const json_t *decision(const json_t *answer, const char *action) {
  size_t i;
  const json_t *d;
  json_array_foreach(json_object_get(answer, "actions"), i, d) {
    if (!strcmp(text(d, "action"), action)) return d;
  }
  fail_msg("no decision for %s", action);
  return NULL;
}

static const char *const every_action[] = {
    "add_remove_tasks", "allocate_partners", "show_office_categories",
    "make_compensation_decision", "cash_offer_all_tasks", "cash_offer_before_budget_approval",
    "add_budget_for_other_partners", "approve_budget", "approve_tasks", "rfq_initiate_edit",
    "rfq_add_external_partners", "rfq_decide", "customer_communication", "chat_notifications",
    "cash_offer_wi_before_budget_approval", "start_inspection", "chat", "documents",
    "reported_information", NULL};
#define EVERY_ACTION (sizeof(every_action) / sizeof(every_action[0]) - 1)

/* Exactly the actions in allowed (NULL-terminated) are allowed, every other one refused; each
 * with a reason. */
static void assert_allowed_exactly(const json_t *answer, const char *const *allowed) {
  assert_int_equal(json_array_size(json_object_get(answer, "actions")), EVERY_ACTION);
  for (size_t i = 0; i < EVERY_ACTION; i++) {
    int expected = 0;
    for (size_t j = 0; allowed[j] != NULL; j++) expected |= !strcmp(allowed[j], every_action[i]);
    const json_t *d = json_array_get(json_object_get(answer, "actions"), i);
    assert_string_equal(text(d, "action"), every_action[i]); /* in the documented order */
    if (json_is_true(json_object_get(d, "allowed")) != expected)
      fail_msg("%s: allowed is %s, expected %s (reason: %s)", every_action[i],
               json_is_true(json_object_get(d, "allowed")) ? "true" : "false",
               expected ? "true" : "false", text(d, "reason"));
    assert_true(strlen(text(d, "reason")) > 0);
  }
}

static void assert_roles(const json_t *answer, const char *role) {
  const json_t *roles = json_object_get(answer, "case_roles");
  assert_true(json_is_array(roles));
  if (role == NULL) {
    assert_int_equal(json_array_size(roles), 0);
  } else {
    assert_int_equal(json_array_size(roles), 1);
    assert_string_equal(json_string_value(json_array_get(roles, 0)), role);
  }
}

/* A case with the role at P's Stockholm office and p_ech as its user. */
static void case_with_p_ech(char id[37]) {
  struct tl_response r;
  tl_world_case(&w, STHLM_LAT, STHLM_LON, id);
  put_office(&r, w.ia_handler.token, id, w.p_sthlm);
  tl_expect(&r, 200);
  tl_response_free(&r);
  put_user(&r, w.p_admin.token, id, w.p_ech.id);
  tl_expect(&r, 200);
  tl_response_free(&r);
}

/* ---- the story of the seed guide ------------------------------------------------------------ */

static void story_recommend(const char *case_id) {
  struct tl_response r;
  /* only offices with a marked user: Stockholm (~0 km) before Göteborg (~400 km); not Uppsala,
   * not the office without users */
  recommendations(&r, w.ia_handler.token, case_id, "external_case_handler");
  tl_expect(&r, 200);
  assert_string_equal(text(r.json, "task_type"), "external_case_handler");
  const json_t *site = json_object_get(r.json, "damage_site");
  assert_true(json_real_value(json_object_get(site, "latitude")) > 59.32);
  assert_true(json_real_value(json_object_get(site, "longitude")) > 18.06);
  const char *nearest[] = {w.p_sthlm, w.q_gbg};
  assert_office_ids(json_object_get(r.json, "recommended"), nearest, 2);
  const char *by_name[] = {w.p_sthlm, w.q_gbg}; /* "P Stockholm" < "Q Goteborg" */
  assert_office_ids(json_object_get(r.json, "all"), by_name, 2);
  const json_t *sthlm = json_array_get(json_object_get(r.json, "recommended"), 0);
  const json_t *gbg = json_array_get(json_object_get(r.json, "recommended"), 1);
  assert_true(json_number_value(json_object_get(sthlm, "distance_km")) < 1.0);
  double km = json_number_value(json_object_get(gbg, "distance_km"));
  if (km < 380 || km > 420) fail_msg("Stockholm-Göteborg is %f km", km);
  assert_string_equal(text(sthlm, "name"), "P Stockholm");
  assert_string_equal(text(sthlm, "company_id"), w.partner_p);
  assert_true(strncmp(text(sthlm, "company_name"), "Partner P", 9) == 0);
  assert_string_equal(text(sthlm, "city"), "Stockholm");
  assert_int_equal(json_integer_value(json_object_get(sthlm, "external_case_handler_users")), 1);
  /* the insurer sees the office categories */
  const json_t *cats = json_object_get(sthlm, "categories");
  assert_int_equal(json_array_size(cats), 1);
  assert_string_equal(json_string_value(json_array_get(cats, 0)), "Water");
  assert_int_equal(json_array_size(json_object_get(gbg, "categories")), 0);
  tl_response_free(&r);
}

static void story_assign_office(const char *case_id) {
  struct tl_response r;
  long long version = case_version(case_id);
  put_office(&r, w.ia_handler.token, case_id, w.p_sthlm);
  tl_expect(&r, 200);
  assert_string_equal(text(r.json, "id"), case_id);
  assert_string_equal(ech_office_id(r.json), w.p_sthlm);
  const json_t *role = json_object_get(r.json, "external_case_handler");
  const json_t *office = json_object_get(role, "office");
  assert_string_equal(text(office, "name"), "P Stockholm");
  assert_string_equal(text(office, "company_id"), w.partner_p);
  assert_true(strlen(text(office, "assigned_at")) > 0);
  assert_true(json_is_null(json_object_get(role, "user")));
  assert_int_equal(json_integer_value(json_object_get(r.json, "version")), version + 1);
  assert_case_etag(&r);
  tl_response_free(&r);

  json_t *ev = last_event(case_id, "external_case_handler.office_assigned");
  assert_non_null(ev);
  assert_string_equal(text(ev, "portal_id"), w.portal_a);
  const json_t *data = json_object_get(ev, "data");
  assert_string_equal(text(data, "case_id"), case_id);
  assert_true(strlen(text(data, "claim_number")) > 0);
  assert_string_equal(text(json_object_get(data, "office"), "id"), w.p_sthlm);
  assert_string_equal(text(json_object_get(data, "office"), "company_id"), w.partner_p);
  assert_true(json_is_null(json_object_get(data, "previous_office")));
  assert_string_equal(text(json_object_get(data, "actor"), "id"), w.ia_handler.id);
  json_decref(ev);

  json_t *h = last_history(case_id, "external_case_handler.office_assigned");
  assert_non_null(h);
  assert_string_equal(text(h, "actor_id"), w.ia_handler.id);
  assert_true(json_is_null(json_object_get(h, "before")));
  assert_string_equal(text(json_object_get(json_object_get(h, "after"), "office"), "id"),
                      w.p_sthlm);
  json_decref(h);

  /* the supplier now sees the case; another partner still does not */
  api(&r, "GET", w.p_admin.token, NULL, "/v1/cases/%s", case_id);
  tl_expect(&r, 200);
  assert_string_equal(ech_office_id(r.json), w.p_sthlm);
  tl_response_free(&r);
  api(&r, "GET", w.q_worker.token, NULL, "/v1/cases/%s", case_id);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
}

static void story_assign_user(const char *case_id) {
  struct tl_response r;
  /* only a marked user of the company holding the role */
  put_user(&r, w.p_admin.token, case_id, w.p_worker.id);
  assert_field_problem(&r, 422, PROBLEM("validation"), "user_id",
                       "the user is not marked as external case handler");
  tl_response_free(&r);
  put_user(&r, w.p_admin.token, case_id, w.q_ech.id);
  assert_field_problem(&r, 422, PROBLEM("validation"), "user_id",
                       "the user is not of the company holding the external case handler role");
  tl_response_free(&r);
  put_user(&r, w.p_admin.token, case_id, w.ib_admin.id);
  assert_field_problem(&r, 422, PROBLEM("validation"), "user_id", "is not a user of this portal");
  tl_response_free(&r);
  char nobody[37];
  ids_uuid_v4(nobody);
  put_user(&r, w.p_admin.token, case_id, nobody);
  assert_field_problem(&r, 422, PROBLEM("validation"), "user_id", "is not a user of this portal");
  tl_response_free(&r);
  assert_int_equal(count_events(case_id, "external_case_handler.assigned"), 0);

  /* the supplier assigns its marked user */
  put_user(&r, w.p_admin.token, case_id, w.p_ech.id);
  tl_expect(&r, 200);
  assert_string_equal(ech_office_id(r.json), w.p_sthlm);
  assert_string_equal(ech_user_id(r.json), w.p_ech.id);
  assert_string_equal(
      text(json_object_get(json_object_get(r.json, "external_case_handler"), "user"), "name"),
      "p-ech");
  assert_case_etag(&r);
  tl_response_free(&r);

  json_t *ev = last_event(case_id, "external_case_handler.assigned");
  assert_non_null(ev);
  const json_t *data = json_object_get(ev, "data");
  assert_string_equal(text(json_object_get(data, "user"), "id"), w.p_ech.id);
  assert_string_equal(text(json_object_get(data, "user"), "name"), "p-ech");
  assert_string_equal(text(json_object_get(data, "office"), "id"), w.p_sthlm);
  assert_true(json_is_null(json_object_get(data, "previous_user")));
  assert_string_equal(text(json_object_get(data, "actor"), "id"), w.p_admin.id);
  assert_string_equal(text(json_object_get(data, "actor"), "company_id"), w.partner_p);
  json_decref(ev);
  json_t *h = last_history(case_id, "external_case_handler.assigned");
  assert_string_equal(text(h, "actor_id"), w.p_admin.id);
  assert_string_equal(text(h, "company_id"), w.partner_p);
  assert_true(json_is_null(json_object_get(json_object_get(h, "before"), "user")));
  assert_string_equal(text(json_object_get(json_object_get(h, "after"), "user"), "id"),
                      w.p_ech.id);
  json_decref(h);

  /* the same user again changes nothing */
  long long version = case_version(case_id);
  put_user(&r, w.p_admin.token, case_id, w.p_ech.id);
  tl_expect(&r, 200);
  assert_int_equal(json_integer_value(json_object_get(r.json, "version")), version);
  tl_response_free(&r);
  assert_int_equal(count_events(case_id, "external_case_handler.assigned"), 1);
}

static void story_rights(const char *case_id, const char *other_case) {
  struct tl_response r;
  const char *granted[] = {"add_remove_tasks", "allocate_partners", "approve_budget", "chat",
                           "documents", "reported_information", NULL};
  allowed_actions(&r, w.p_ech.token, case_id);
  tl_expect(&r, 200);
  assert_string_equal(text(r.json, "case_id"), case_id);
  assert_roles(r.json, "external_case_handler");
  assert_allowed_exactly(r.json, granted);
  assert_string_equal(text(decision(r.json, "allocate_partners"), "reason"),
                      "granted by role external_case_handler");
  assert_string_equal(text(decision(r.json, "chat"), "reason"),
                      "always allowed to the external_case_handler role");
  /* bounded by the user's own limit, not the portal's default of 10000 */
  assert_int_equal(json_integer_value(json_object_get(r.json, "budget_approval_limit_remaining")),
                   50000);
  tl_response_free(&r);

  /* the handler may now allocate partners here: recommendations, but no categories */
  recommendations(&r, w.p_ech.token, case_id, "repair");
  tl_expect(&r, 200);
  const json_t *sthlm = tl_item(json_object_get(r.json, "all"), w.p_sthlm);
  assert_non_null(sthlm);
  assert_null(json_object_get(sthlm, "categories"));
  assert_null(json_object_get(sthlm, "external_case_handler_users"));
  tl_response_free(&r);

  /* on another case (P holds a task there, p_ech no role) the definition gives nothing */
  allowed_actions(&r, w.p_ech.token, other_case);
  tl_expect(&r, 200);
  assert_roles(r.json, NULL);
  const char *none[] = {NULL};
  assert_allowed_exactly(r.json, none);
  assert_true(json_is_null(json_object_get(r.json, "budget_approval_limit_remaining")));
  assert_string_equal(text(decision(r.json, "approve_budget"), "reason"),
                      "no case role grants this action");
  tl_response_free(&r);
  recommendations(&r, w.p_ech.token, other_case, "repair");
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  assert_non_null(strstr(text(r.json, "detail"), "allocate_partners"));
  tl_response_free(&r);

  /* the definition changes: the handler's rights change at once */
  tl_world_define_role(&w, "external_case_handler",
                       "[\"allocate_partners\", \"add_remove_tasks\"]");
  allowed_actions(&r, w.p_ech.token, case_id);
  tl_expect(&r, 200);
  const char *fewer[] = {"add_remove_tasks", "allocate_partners", "chat", "documents",
                         "reported_information", NULL};
  assert_allowed_exactly(r.json, fewer);
  assert_true(json_is_null(json_object_get(r.json, "budget_approval_limit_remaining")));
  tl_response_free(&r);
}

static void story_remove(const char *case_id) {
  struct tl_response r;
  /* only the insurer removes the role */
  api(&r, "DELETE", w.p_admin.token, NULL, "/v1/cases/%s/external-case-handler", case_id);
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  tl_response_free(&r);
  api(&r, "DELETE", w.ia_handler.token, NULL, "/v1/cases/%s/external-case-handler", case_id);
  tl_expect(&r, 200);
  assert_true(json_is_null(json_object_get(r.json, "external_case_handler")));
  assert_case_etag(&r);
  tl_response_free(&r);

  json_t *ev = last_event(case_id, "external_case_handler.removed");
  assert_non_null(ev);
  const json_t *data = json_object_get(ev, "data");
  assert_string_equal(text(json_object_get(data, "office"), "id"), w.p_sthlm);
  assert_string_equal(text(json_object_get(data, "user"), "id"), w.p_ech.id);
  json_decref(ev);
  json_t *h = last_history(case_id, "external_case_handler.removed");
  assert_string_equal(text(json_object_get(json_object_get(h, "before"), "user"), "id"),
                      w.p_ech.id);
  assert_true(json_is_null(json_object_get(h, "after")));
  json_decref(h);

  /* P holds nothing else in the case: it is gone for P's users */
  api(&r, "GET", w.p_ech.token, NULL, "/v1/cases/%s", case_id);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  allowed_actions(&r, w.p_ech.token, case_id);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  put_user(&r, w.p_admin.token, case_id, w.p_ech.id);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);

  /* and there is nothing left to remove */
  api(&r, "DELETE", w.ia_handler.token, NULL, "/v1/cases/%s/external-case-handler", case_id);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);
}


/* ---- the screens of the story: case list, dashboard, report -------------------------------- */

/* The item of case_id in the first page of GET /v1/cases?<query> as token (a new reference),
 * or NULL when the list does not hold it. */
static json_t *listed(const char *token, const char *query, const char *case_id) {
  char q[256];
  snprintf(q, sizeof(q), "limit=200&%s", query);
  return tl_cases_listed(token, q, case_id);
}

/* The count of the dashboard row named row for token, -1 when the row is absent. */
static long long dashboard_count(const char *token, const char *row) {
  struct tl_response r;
  api(&r, "GET", token, NULL, "/v1/dashboard");
  tl_expect(&r, 200);
  long long count = tl_dashboard_count(&r, row);
  tl_response_free(&r);
  return count;
}

/* Once the role is at P's office: the supplier is told a user must be assigned (red arrow in
 * the list, the dashboard row); another partner's lists show nothing of it. */
static void story_supplier_told(const char *case_id) {
  json_t *item = listed(w.p_admin.token, "action_required=true", case_id);
  assert_non_null(item);
  const json_t *reasons = json_object_get(item, "action_reasons");
  assert_int_equal(json_array_size(reasons), 1);
  assert_string_equal(json_string_value(json_array_get(reasons, 0)),
                      "external_case_handler_awaiting_user");
  json_decref(item);
  assert_true(dashboard_count(w.p_admin.token, "new_external_case_handler_awaiting_user") >= 1);
  item = listed(w.p_admin.token, "action_reason=external_case_handler_awaiting_user", case_id);
  assert_non_null(item);
  json_decref(item);
  assert_null(listed(w.q_worker.token, "", case_id));
  assert_null(listed(w.q_ech.token, "has_external_case_handler=true", case_id));
}

/* Once p_ech holds the role: its dashboard row and its filters show the case, the supplier's
 * red arrow is gone, and the case statistics report names p_ech's email. */
static void story_handler_finds_it(const char *case_id) {
  assert_true(dashboard_count(w.p_ech.token, "cases_assigned_to_me_as_external_case_handler") >= 1);
  assert_int_equal(dashboard_count(w.p_worker.token, "cases_assigned_to_me_as_external_case_handler"),
                   -1); /* not marked: no such row */
  const char *mine[] = {"external_case_handler=me", "my_tasks=true", "has_external_case_handler=true"};
  for (size_t i = 0; i < sizeof(mine) / sizeof(mine[0]); i++) {
    json_t *item = listed(w.p_ech.token, mine[i], case_id);
    if (item == NULL) fail_msg("p_ech's list with %s does not show the case", mine[i]);
    json_decref(item);
  }
  char by_user[64];
  snprintf(by_user, sizeof(by_user), "user_id=%s", w.p_ech.id);
  json_t *item = listed(w.ia_handler.token, by_user, case_id);
  assert_non_null(item);
  assert_string_equal(text(json_object_get(json_object_get(item, "external_case_handler"), "user"),
                           "id"),
                      w.p_ech.id);
  json_decref(item);
  item = listed(w.p_admin.token, "action_reason=external_case_handler_awaiting_user", case_id);
  assert_null(item);

  struct tl_response r;
  size_t i;
  const json_t *row;
  int seen = 0;
  api(&r, "GET", w.ia_admin.token, NULL, "/v1/reports/case-statistics");
  tl_expect(&r, 200);
  json_array_foreach(json_object_get(r.json, "rows"), i, row) {
    if (strcmp(text(row, "case_id"), case_id) != 0) continue;
    assert_string_equal(text(row, "external_case_handler_email"), w.p_ech.email);
    seen = 1;
  }
  assert_true(seen);
  tl_response_free(&r);
}

static void test_story(void **state) {
  (void)state;
  char case_id[37], other[37];
  struct tl_response r;
  /* the insurer marks the user for the role: its dashboard row appears at once */
  tl_world_mark_external(&w, &w.p_ech, 0);
  assert_int_equal(dashboard_count(w.p_ech.token, "cases_assigned_to_me_as_external_case_handler"),
                   -1);
  tl_world_mark_external(&w, &w.p_ech, 1);
  assert_true(dashboard_count(w.p_ech.token, "cases_assigned_to_me_as_external_case_handler") >= 0);
  tl_world_define_role(&w, "external_case_handler",
                       "[\"allocate_partners\", \"approve_budget\", \"add_remove_tasks\"]");
  tl_world_case(&w, STHLM_LAT, STHLM_LON, case_id);
  tl_world_case(&w, STHLM_LAT, STHLM_LON, other);
  give_p_a_task(other);

  /* before the role: the case is the insurer's alone */
  api(&r, "GET", w.p_admin.token, NULL, "/v1/cases/%s", case_id);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);

  story_recommend(case_id);
  story_assign_office(case_id);
  story_supplier_told(case_id);
  story_assign_user(case_id);
  story_handler_finds_it(case_id);
  story_rights(case_id, other);
  story_remove(case_id);
}

/* ---- recommendations ------------------------------------------------------------------------ */

static void test_recommendations_for_tasks(void **state) {
  (void)state;
  char case_id[37], far_away[37];
  struct tl_response r;
  tl_world_case(&w, STHLM_LAT, STHLM_LON, case_id);

  /* a task may go to any partner office of the portal, marked users or not */
  recommendations(&r, w.ia_admin.token, case_id, "inspection");
  tl_expect(&r, 200);
  assert_string_equal(text(r.json, "task_type"), "inspection");
  const char *nearest[] = {w.p_sthlm, w.p_upps, w.q_gbg};
  assert_office_ids(json_object_get(r.json, "recommended"), nearest, 3);
  const char *by_name[] = {w.p_sthlm, w.p_upps, w.q_gbg, w.q_nocoord};
  assert_office_ids(json_object_get(r.json, "all"), by_name, 4);
  const json_t *upps = tl_item(json_object_get(r.json, "all"), w.p_upps);
  double km = json_number_value(json_object_get(upps, "distance_km"));
  if (km < 55 || km > 75) fail_msg("Stockholm-Uppsala is %f km", km);
  const json_t *nowhere = tl_item(json_object_get(r.json, "all"), w.q_nocoord);
  assert_true(json_is_null(json_object_get(nowhere, "distance_km")));
  assert_true(json_is_array(json_object_get(nowhere, "categories")));
  assert_null(json_object_get(nowhere, "external_case_handler_users"));
  tl_response_free(&r);

  /* the other task types are accepted too; an API client acts for the insurer */
  const char *types[] = {"first_aid", "repair", "project_management"};
  for (size_t i = 0; i < 3; i++) {
    recommendations(&r, w.client_a_token, case_id, types[i]);
    tl_expect(&r, 200);
    assert_string_equal(text(r.json, "task_type"), types[i]);
    assert_int_equal(json_array_size(json_object_get(r.json, "all")), 4);
    tl_response_free(&r);
  }

  /* a case without coordinates: nothing to measure from, the full list only */
  tl_world_case(&w, 0, 0, far_away);
  recommendations(&r, w.ia_handler.token, far_away, "external_case_handler");
  tl_expect(&r, 200);
  assert_true(json_is_null(json_object_get(r.json, "damage_site")));
  assert_int_equal(json_array_size(json_object_get(r.json, "recommended")), 0);
  const char *marked[] = {w.p_sthlm, w.q_gbg};
  assert_office_ids(json_object_get(r.json, "all"), marked, 2);
  assert_true(json_is_null(json_object_get(json_array_get(json_object_get(r.json, "all"), 0),
                                           "distance_km")));
  tl_response_free(&r);
}

static void test_recommendations_refused(void **state) {
  (void)state;
  char case_id[37];
  struct tl_response r;
  tl_world_define_role(&w, "external_case_handler", "[\"allocate_partners\"]");
  case_with_p_ech(case_id);

  /* task_type is required and must be one of the five */
  const char *bad[] = {"", "painting", "Repair", "external-case-handler"};
  for (size_t i = 0; i < 4; i++) {
    recommendations(&r, w.ia_handler.token, case_id, bad[i]);
    assert_field_problem(&r, 400, PROBLEM("invalid-parameter"), "task_type", NULL);
    tl_response_free(&r);
  }
  api(&r, "GET", w.ia_handler.token, NULL, "/v1/cases/%s/office-recommendations", case_id);
  assert_field_problem(&r, 400, PROBLEM("invalid-parameter"), "task_type", NULL);
  tl_response_free(&r);

  /* a partner user without allocate_partners in this case */
  recommendations(&r, w.p_admin.token, case_id, "repair");
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  assert_non_null(strstr(text(r.json, "detail"), "allocate_partners is not allowed"));
  tl_response_free(&r);

  /* categories follow show_office_categories */
  recommendations(&r, w.p_ech.token, case_id, "external_case_handler");
  tl_expect(&r, 200);
  assert_null(json_object_get(json_array_get(json_object_get(r.json, "all"), 0), "categories"));
  tl_response_free(&r);
  tl_world_define_role(&w, "external_case_handler",
                       "[\"allocate_partners\", \"show_office_categories\"]");
  recommendations(&r, w.p_ech.token, case_id, "external_case_handler");
  tl_expect(&r, 200);
  const json_t *sthlm = tl_item(json_object_get(r.json, "all"), w.p_sthlm);
  assert_int_equal(json_array_size(json_object_get(sthlm, "categories")), 1);
  tl_response_free(&r);

  /* a user marked in their profile but not given the role holds no right here */
  tl_world_define_role(&w, "external_case_handler", "[]");
  recommendations(&r, w.p_ech.token, case_id, "repair");
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  tl_response_free(&r);
}

/* ---- the office ----------------------------------------------------------------------------- */

static void test_office_rules(void **state) {
  (void)state;
  char case_id[37], nobody[37];
  struct tl_response r;
  tl_world_case(&w, STHLM_LAT, STHLM_LON, case_id);

  /* not an office that can hold the role */
  put_office(&r, w.ia_handler.token, case_id, w.p_upps);
  assert_field_problem(&r, 422, PROBLEM("validation"), "office_id",
                       "office has no user marked as external case handler");
  tl_response_free(&r);
  put_office(&r, w.ia_handler.token, case_id, w.q_nocoord);
  assert_field_problem(&r, 422, PROBLEM("validation"), "office_id",
                       "office has no user marked as external case handler");
  tl_response_free(&r);
  ids_uuid_v4(nobody);
  put_office(&r, w.ia_handler.token, case_id, nobody);
  assert_field_problem(&r, 422, PROBLEM("validation"), "office_id",
                       "is not a partner office serving this portal");
  tl_response_free(&r);

  /* bad bodies */
  api(&r, "PUT", w.ia_handler.token, "{\"office_id\": \"stockholm\"}",
      "/v1/cases/%s/external-case-handler/office", case_id);
  assert_field_problem(&r, 422, PROBLEM("validation"), "office_id", "must be a UUID");
  tl_response_free(&r);
  api(&r, "PUT", w.ia_handler.token, "{}", "/v1/cases/%s/external-case-handler/office", case_id);
  assert_field_problem(&r, 422, PROBLEM("validation"), "office_id", "is required");
  tl_response_free(&r);
  api(&r, "PUT", w.ia_handler.token, "{\"office_id\": 1",
      "/v1/cases/%s/external-case-handler/office", case_id);
  tl_assert_problem(&r, 400, NULL);
  tl_response_free(&r);

  /* a partner user cannot give the role, not even one who sees the case */
  give_p_a_task(case_id);
  put_office(&r, w.p_admin.token, case_id, w.p_sthlm);
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  tl_response_free(&r);
  assert_int_equal(count_events(case_id, "external_case_handler.office_assigned"), 0);

  /* If-Match refers to the case's ETag */
  tl_cases("PUT", "/v1/cases/00000000-0000-4000-8000-000000000000/external-case-handler/office",
           w.ia_handler.token, "{\"office_id\": \"00000000-0000-4000-8000-000000000000\"}", NULL,
           &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  char path[160], body[96];
  snprintf(path, sizeof(path), "/v1/cases/%s/external-case-handler/office", case_id);
  snprintf(body, sizeof(body), "{\"office_id\": \"%s\"}", w.p_sthlm);
  tl_cases("PUT", path, w.ia_handler.token, body, "If-Match: \"999\"", &r);
  tl_assert_problem(&r, 412, NULL);
  tl_response_free(&r);
  char if_match[64];
  snprintf(if_match, sizeof(if_match), "If-Match: \"%lld\"", case_version(case_id));
  tl_cases("PUT", path, w.ia_handler.token, body, if_match, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  put_user(&r, w.ia_handler.token, case_id, w.p_ech.id); /* the insurer may pick the user too */
  tl_expect(&r, 200);
  assert_string_equal(ech_user_id(r.json), w.p_ech.id);
  tl_response_free(&r);

  /* the same office again keeps the user */
  long long version = case_version(case_id);
  put_office(&r, w.ia_handler.token, case_id, w.p_sthlm);
  tl_expect(&r, 200);
  assert_string_equal(ech_user_id(r.json), w.p_ech.id);
  assert_int_equal(json_integer_value(json_object_get(r.json, "version")), version);
  tl_response_free(&r);
  assert_int_equal(count_events(case_id, "external_case_handler.office_assigned"), 1);

  /* reassigned to Q: P's user is dropped, Q must pick one; P still sees the case by its task */
  put_office(&r, w.client_a_token, case_id, w.q_gbg);
  tl_expect(&r, 200);
  assert_string_equal(ech_office_id(r.json), w.q_gbg);
  assert_string_equal(ech_user_id(r.json), "");
  tl_response_free(&r);
  json_t *ev = last_event(case_id, "external_case_handler.office_assigned");
  const json_t *data = json_object_get(ev, "data");
  assert_string_equal(text(json_object_get(data, "office"), "id"), w.q_gbg);
  assert_string_equal(text(json_object_get(data, "previous_office"), "id"), w.p_sthlm);
  assert_string_equal(text(json_object_get(data, "previous_user"), "id"), w.p_ech.id);
  assert_string_equal(text(json_object_get(data, "actor"), "kind"), "client");
  json_decref(ev);
  allowed_actions(&r, w.p_ech.token, case_id);
  tl_expect(&r, 200);
  assert_roles(r.json, NULL);
  tl_response_free(&r);
  put_user(&r, w.p_admin.token, case_id, w.p_ech.id); /* P is no longer the supplier */
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  tl_response_free(&r);
  put_user(&r, w.q_worker.token, case_id, w.q_ech.id); /* Q now sees and assigns */
  tl_expect(&r, 200);
  assert_string_equal(ech_user_id(r.json), w.q_ech.id);
  tl_response_free(&r);

  /* a closed case is not given to anyone */
  api(&r, "POST", w.ia_handler.token, NULL, "/v1/cases/%s/close", case_id);
  tl_expect(&r, 200);
  tl_response_free(&r);
  put_office(&r, w.ia_handler.token, case_id, w.p_sthlm);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);
  put_user(&r, w.q_worker.token, case_id, w.q_ech.id);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);
  /* but access can always be taken away */
  api(&r, "DELETE", w.ia_handler.token, NULL, "/v1/cases/%s/external-case-handler", case_id);
  tl_expect(&r, 200);
  assert_true(json_is_null(json_object_get(r.json, "external_case_handler")));
  tl_response_free(&r);
  api(&r, "GET", w.q_worker.token, NULL, "/v1/cases/%s", case_id);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
}

/* ---- the user ------------------------------------------------------------------------------- */

static void test_user_rules(void **state) {
  (void)state;
  char case_id[37];
  struct tl_response r;
  tl_world_case(&w, STHLM_LAT, STHLM_LON, case_id);

  /* no office holds the role yet */
  put_user(&r, w.ia_handler.token, case_id, w.p_ech.id);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);
  api(&r, "DELETE", w.ia_handler.token, NULL, "/v1/cases/%s/external-case-handler", case_id);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);

  put_office(&r, w.ia_handler.token, case_id, w.p_sthlm);
  tl_expect(&r, 200);
  tl_response_free(&r);
  /* a user of P deactivated, or unmarked, after the office was chosen */
  tl_sql_run("UPDATE policy.users SET external_case_handler = false WHERE id = $1", 1, w.p_ech.id);
  put_user(&r, w.p_admin.token, case_id, w.p_ech.id);
  assert_field_problem(&r, 422, PROBLEM("validation"), "user_id",
                       "the user is not marked as external case handler");
  tl_response_free(&r);
  tl_sql_run("UPDATE policy.users SET external_case_handler = true, active = false "
             "WHERE id = $1", 1, w.p_ech.id);
  put_user(&r, w.p_admin.token, case_id, w.p_ech.id);
  assert_field_problem(&r, 422, PROBLEM("validation"), "user_id", "the user is not active");
  tl_response_free(&r);
  tl_sql_run("UPDATE policy.users SET active = true WHERE id = $1", 1, w.p_ech.id);

  /* bad bodies */
  api(&r, "PUT", w.p_admin.token, "{\"user_id\": \"x\", \"office_id\": \"y\"}",
      "/v1/cases/%s/external-case-handler/user", case_id);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  assert_int_equal(json_array_size(json_object_get(r.json, "errors")), 2);
  tl_response_free(&r);

  /* a user of the Uppsala office of the same company may act for the supplier */
  put_user(&r, w.p_upps_worker.token, case_id, w.p_ech.id);
  tl_expect(&r, 200);
  assert_string_equal(ech_user_id(r.json), w.p_ech.id);
  tl_response_free(&r);
  assert_int_equal(count_events(case_id, "external_case_handler.assigned"), 1);
}

/* ---- allowed actions of the insurer and of an API client ------------------------------------ */

static void test_allowed_actions_internal(void **state) {
  (void)state;
  char case_id[37];
  struct tl_response r;
  tl_world_case(&w, STHLM_LAT, STHLM_LON, case_id);

  allowed_actions(&r, w.ia_handler.token, case_id);
  tl_expect(&r, 200);
  assert_roles(r.json, NULL);
  assert_allowed_exactly(r.json, every_action);
  assert_string_equal(text(decision(r.json, "rfq_decide"), "reason"),
                      "internal user of the insurer");
  /* no own limit: the portal's default */
  assert_int_equal(json_integer_value(json_object_get(r.json, "budget_approval_limit_remaining")),
                   10000);
  tl_response_free(&r);

  allowed_actions(&r, w.client_a_token, case_id);
  tl_expect(&r, 200);
  assert_string_equal(text(r.json, "case_id"), case_id);
  assert_roles(r.json, NULL);
  assert_allowed_exactly(r.json, every_action);
  assert_string_equal(text(decision(r.json, "approve_budget"), "reason"),
                      "API client of the portal's insurer");
  assert_true(json_is_null(json_object_get(r.json, "budget_approval_limit_remaining")));
  tl_response_free(&r);

  /* an unmarked user holding nothing sees the case by a task of P and may do nothing */
  give_p_a_task(case_id);
  allowed_actions(&r, w.p_worker.token, case_id);
  tl_expect(&r, 200);
  const char *none[] = {NULL};
  assert_allowed_exactly(r.json, none);
  tl_response_free(&r);
}

/* ---- BOLA ----------------------------------------------------------------------------------- */

/* Every path of this resource answers 404 to token, and nothing changes. */
static void assert_invisible(const char *token, const char *case_id) {
  struct tl_response r;
  long long version = case_version(case_id);
  recommendations(&r, token, case_id, "external_case_handler");
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  recommendations(&r, token, case_id, "nonsense"); /* 404 before the query is looked at */
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  allowed_actions(&r, token, case_id);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  put_office(&r, token, case_id, w.q_gbg);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  put_user(&r, token, case_id, w.q_ech.id);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  api(&r, "DELETE", token, NULL, "/v1/cases/%s/external-case-handler", case_id);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  api(&r, "GET", token, NULL, "/v1/cases/%s", case_id);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  assert_int_equal(case_version(case_id), version);
}

static void test_bola(void **state) {
  (void)state;
  char case_id[37];
  struct tl_response r;
  tl_world_define_role(&w, "external_case_handler", "[\"allocate_partners\"]");
  case_with_p_ech(case_id);

  assert_invisible(w.ib_admin.token, case_id); /* the insurer of another portal */
  assert_invisible(w.q_worker.token, case_id); /* a partner of another company */
  assert_invisible(w.q_ech.token, case_id);    /* ... even one marked for the role */
  char *p_in_b = tl_world_token_in(&w, &w.p_ech, w.portal_b); /* P, acting in portal B */
  assert_invisible(p_in_b, case_id);
  free(p_in_b);

  /* ids that name no case, and no token at all */
  char nobody[37];
  ids_uuid_v4(nobody);
  allowed_actions(&r, w.ia_handler.token, nobody);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  recommendations(&r, w.ia_handler.token, "not-a-uuid", "repair");
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  allowed_actions(&r, NULL, case_id);
  tl_assert_problem(&r, 401, NULL);
  tl_response_free(&r);

  /* still intact for those who may see it */
  allowed_actions(&r, w.p_ech.token, case_id);
  tl_expect(&r, 200);
  assert_roles(r.json, "external_case_handler");
  tl_response_free(&r);
}

/* ---- fixture -------------------------------------------------------------------------------- */

static int setup(void **state) {
  (void)state;
  tl_world_create(&w);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  tl_world_free(&w);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_story),
      cmocka_unit_test(test_recommendations_for_tasks),
      cmocka_unit_test(test_recommendations_refused),
      cmocka_unit_test(test_office_rules),
      cmocka_unit_test(test_user_rules),
      cmocka_unit_test(test_allowed_actions_internal),
      cmocka_unit_test(test_bola),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
