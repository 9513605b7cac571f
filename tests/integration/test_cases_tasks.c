/* Tasks of a case (services/cases/task/tasks.c): adding and removing, the office and the user,
 * meeting time and schedule, every status transition with its events in the outbox and its
 * history, the wrong transitions (409 listing the allowed ones), and who may do what: the
 * supplier of another company, an outsider company, the insurer of another portal, a partner
 * without add_remove_tasks and then with it through a role definition, If-Match, a closed
 * case. Fixtures: tl_world.h. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tl_world.h"

static struct tl_world w;

/* An id nobody has. */
#define NOBODY "00000000-0000-4000-8000-000000000001"

/* The task task_id in a case document, NULL when absent. */
static const json_t *task_of(const json_t *doc, const char *task_id) {
  return tl_item(json_object_get(doc, "tasks"), task_id);
}

/* method on /v1/cases/{case_id}/tasks/{task_id}{suffix} (task_id NULL: /tasks). */
static long on_task(const char *method, const char *case_id, const char *task_id,
                    const char *suffix, const char *token, const char *body, const char *header,
                    struct tl_response *r) {
  char path[256];
  if (task_id == NULL)
    snprintf(path, sizeof(path), "/v1/cases/%s/tasks", case_id);
  else
    snprintf(path, sizeof(path), "/v1/cases/%s/tasks/%s%s", case_id, task_id, suffix);
  return tl_cases(method, path, token, body, header, r);
}

/* POSTs a task and expects 201 with Location naming it; copies its id. */
static void add_task(const char *case_id, const char *token, const char *body, char id[37]) {
  struct tl_response r;
  char prefix[160];
  on_task("POST", case_id, NULL, "", token, body, NULL, &r);
  tl_expect(&r, 201);
  snprintf(prefix, sizeof(prefix), "/v1/cases/%s/tasks/", case_id);
  char *loc = tl_header(&r, "Location");
  assert_non_null(loc);
  assert_int_equal(strncmp(loc, prefix, strlen(prefix)), 0);
  snprintf(id, 37, "%s", loc + strlen(prefix));
  assert_non_null(task_of(r.json, id));
  assert_string_equal(tl_str(r.json, "id"), case_id); /* the whole case answers */
  free(loc);
  tl_response_free(&r);
}

/* Expects status and, for a success, the task in task_status. */
static void expect_task(const struct tl_response *r, long status, const char *task_id,
                        const char *task_status) {
  tl_expect(r, status);
  const json_t *t = task_of(r->json, task_id);
  assert_non_null(t);
  assert_string_equal(tl_str(t, "status"), task_status);
}

static void put_office(const char *case_id, const char *task_id, const char *token,
                       const char *office_id, long status) {
  struct tl_response r;
  char body[96];
  snprintf(body, sizeof(body), "{\"office_id\": \"%s\"}", office_id);
  on_task("PUT", case_id, task_id, "/office", token, body, NULL, &r);
  if (status == 200) expect_task(&r, 200, task_id, "1");
  else tl_expect(&r, status);
  tl_response_free(&r);
}

static void put_user(const char *case_id, const char *task_id, const char *token,
                     const char *user_id, long status) {
  struct tl_response r;
  char body[96];
  snprintf(body, sizeof(body), "{\"user_id\": \"%s\"}", user_id);
  on_task("PUT", case_id, task_id, "/user", token, body, NULL, &r);
  if (status == 200) expect_task(&r, 200, task_id, "2");
  else tl_expect(&r, status);
  tl_response_free(&r);
}

static long set_status(const char *case_id, const char *task_id, const char *token,
                       const char *to, struct tl_response *r) {
  char body[48];
  snprintf(body, sizeof(body), "{\"status\": \"%s\"}", to);
  return on_task("POST", case_id, task_id, "/status", token, body, NULL, r);
}

static void move(const char *case_id, const char *task_id, const char *token, const char *to) {
  struct tl_response r;
  set_status(case_id, task_id, token, to, &r);
  expect_task(&r, 200, task_id, to);
  tl_response_free(&r);
}

/* A 409 invalid-transition naming current and listing allowed (concatenated, "" for none). */
static void expect_transition_refused(const struct tl_response *r, const char *current,
                                      const char *allowed) {
  char got[16] = "";
  size_t i, n = 0;
  const json_t *v, *list = json_object_get(r->json, "allowed_transitions");
  tl_assert_problem(r, 409, "urn:claimsuite:problem:wrong-state");
  assert_true(json_is_array(list));
  json_array_foreach(list, i, v) n += (size_t)snprintf(got + n, sizeof(got) - n, "%s",
                                                       json_string_value(v));
  assert_string_equal(got, allowed);
  assert_string_equal(tl_str(r->json, "current_status"), current);
}

/* Events of type in the outbox about task_id. */
static long events(const char *type, const char *task_id) {
  return tl_sql_long("SELECT count(*) FROM cases.outbox WHERE type = $1 AND data->>'task_id' = $2",
                     2, (const char *[]){type, task_id});
}

/* The data of the latest event of type about task_id: a new reference. */
static json_t *event_data(const char *type, const char *task_id) {
  char *text = tl_sql("SELECT data::text FROM cases.outbox WHERE type = $1 AND "
                      "data->>'task_id' = $2 ORDER BY pos DESC LIMIT 1",
                      2, (const char *[]){type, task_id});
  assert_non_null(text);
  json_t *data = json_loads(text, 0, NULL);
  free(text);
  assert_non_null(data);
  return data;
}

static const char *inner(const json_t *o, const char *member, const char *key) {
  return tl_str(json_object_get(o, member), key);
}

/* ---- the whole life of an inspection ----------------------------------------------------- */

static void test_inspection_lifecycle(void **state) {
  (void)state;
  struct tl_response r;
  char case_id[37], task[37], body[256], company_name[96];
  tl_world_case(&w, 59.3293, 18.0686, case_id);

  /* the insurer adds the inspection straight to P's Stockholm office */
  snprintf(body, sizeof(body),
           "{\"type\": \"inspection\", \"office_id\": \"%s\", \"meeting_at\": "
           "\"2026-11-20T09:00:00+01:00\"}",
           w.p_sthlm);
  on_task("POST", case_id, NULL, "", w.ia_handler.token, body, NULL, &r);
  tl_expect(&r, 201);
  char *etag = tl_header(&r, "ETag");
  assert_string_equal(etag, "\"2\"");
  free(etag);
  char *loc = tl_header(&r, "Location");
  snprintf(task, sizeof(task), "%s", strrchr(loc, '/') + 1);
  free(loc);
  const json_t *t = task_of(r.json, task);
  assert_non_null(t);
  assert_string_equal(tl_str(t, "type"), "inspection");
  assert_string_equal(tl_str(t, "status"), "1");
  assert_true(json_is_null(json_object_get(t, "trade")));
  assert_true(json_is_null(json_object_get(t, "user")));
  assert_string_equal(inner(t, "office", "id"), w.p_sthlm);
  assert_string_equal(inner(t, "office", "name"), "P Stockholm");
  assert_string_equal(inner(t, "office", "company_id"), w.partner_p);
  snprintf(company_name, sizeof(company_name), "Partner P %s", w.sfx);
  assert_string_equal(inner(t, "office", "company_name"), company_name);
  assert_string_equal(tl_str(t, "meeting_at"), "2026-11-20T08:00:00.000000Z");
  tl_response_free(&r);

  /* events: task.added with the plan, task.office_assigned with the office */
  assert_int_equal(events("task.added", task), 1);
  json_t *d = event_data("task.added", task);
  assert_string_equal(tl_str(d, "case_id"), case_id);
  assert_string_equal(tl_str(d, "task_type"), "inspection");
  assert_string_equal(tl_str(d, "status"), "1");
  assert_string_equal(tl_str(d, "meeting_at"), "2026-11-20T08:00:00.000000Z");
  assert_string_equal(inner(d, "actor", "id"), w.ia_handler.id);
  assert_non_null(tl_str(d, "claim_number"));
  json_decref(d);
  d = event_data("task.office_assigned", task);
  assert_string_equal(inner(d, "office", "id"), w.p_sthlm);
  assert_string_equal(inner(d, "office", "company_name"), company_name);
  assert_true(json_is_null(json_object_get(d, "previous_office")));
  json_decref(d);

  /* P now sees the case; its admin assigns the inspector (a user of its own office) */
  char path[128];
  snprintf(path, sizeof(path), "/v1/cases/%s", case_id);
  tl_cases("GET", path, w.p_admin.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  put_user(case_id, task, w.p_admin.token, w.p_worker.id, 200);
  d = event_data("task.user_assigned", task);
  assert_string_equal(inner(d, "user", "id"), w.p_worker.id);
  assert_string_equal(inner(d, "user", "name"), "p-worker");
  assert_string_equal(tl_str(d, "company_id"), w.partner_p);
  assert_string_equal(inner(d, "office", "id"), w.p_sthlm);
  json_decref(d);
  assert_int_equal(events("project_manager.changed", task), 0);

  /* the inspector starts, reports complete; the insurer reopens; complete again; approve */
  move(case_id, task, w.p_worker.token, "3");
  d = event_data("task.status_changed", task);
  assert_string_equal(tl_str(d, "from"), "2");
  assert_string_equal(tl_str(d, "to"), "3");
  json_decref(d);
  assert_int_equal(events("inspection.started", task), 1);
  d = event_data("inspection.started", task);
  assert_string_equal(inner(d, "user", "id"), w.p_worker.id);
  assert_non_null(tl_str(d, "at"));
  json_decref(d);
  move(case_id, task, w.p_worker.token, "4");
  assert_int_equal(events("inspection.completed", task), 1);
  /* the inspector may not approve its own work: approve_tasks is not in any definition */
  set_status(case_id, task, w.p_worker.token, "A", &r);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  assert_non_null(strstr(tl_str(r.json, "detail"), "approve_tasks"));
  tl_response_free(&r);
  move(case_id, task, w.ia_handler.token, "3");
  move(case_id, task, w.p_worker.token, "4");
  move(case_id, task, w.ia_handler.token, "A");
  assert_int_equal(events("task.status_changed", task), 5);
  assert_int_equal(events("inspection.started", task), 1); /* a reopen is not a new start */
  assert_int_equal(events("inspection.completed", task), 2);
  d = event_data("task.status_changed", task);
  assert_string_equal(tl_str(d, "from"), "4");
  assert_string_equal(tl_str(d, "to"), "A");
  json_decref(d);

  /* approved is final; an approved task cannot be removed */
  set_status(case_id, task, w.ia_handler.token, "3", &r);
  expect_transition_refused(&r, "A", "");
  tl_response_free(&r);
  on_task("DELETE", case_id, task, "", w.ia_handler.token, NULL, NULL, &r);
  tl_assert_problem(&r, 409, "urn:claimsuite:problem:wrong-state");
  assert_non_null(strstr(tl_str(r.json, "detail"), "status A"));
  tl_response_free(&r);

  /* the history of the task, in order, with before and after */
  char *actions = tl_sql("SELECT string_agg(action, ',' ORDER BY id) FROM "
                         "cases.case_history WHERE task_id = $1",
                         1, (const char *[]){task});
  assert_string_equal(actions, "task.added,task.user_assigned,task.status_changed,"
                               "task.status_changed,task.status_changed,task.status_changed,"
                               "task.status_changed");
  free(actions);
  char *last = tl_sql("SELECT (before->>'status') || '>' || (after->>'status') || ' ' || "
                      "actor_id FROM cases.case_history WHERE task_id = $1 ORDER BY id "
                      "DESC LIMIT 1",
                      1, (const char *[]){task});
  char want[96];
  snprintf(want, sizeof(want), "4>A %s", w.ia_handler.id);
  assert_string_equal(last, want);
  free(last);
}

/* ---- wrong transitions --------------------------------------------------------------------- */

static void test_wrong_transitions(void **state) {
  (void)state;
  struct tl_response r;
  char case_id[37], task[37];
  tl_world_case(&w, 59.3293, 18.0686, case_id);
  add_task(case_id, w.ia_handler.token, "{\"type\": \"repair\", \"trade\": \"plumbing\"}", task);

  /* 0: nothing but an office */
  set_status(case_id, task, w.ia_handler.token, "3", &r);
  expect_transition_refused(&r, "0", "");
  assert_non_null(strstr(tl_str(r.json, "detail"), "status 0"));
  tl_response_free(&r);
  on_task("PUT", case_id, task, "/user", w.ia_handler.token,
          "{\"user_id\": \"00000000-0000-4000-8000-000000000000\"}", NULL, &r);
  expect_transition_refused(&r, "0", "");
  tl_response_free(&r);
  set_status(case_id, task, w.ia_handler.token, "1", &r); /* not a status one may ask for */
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  assert_string_equal(tl_str(json_array_get(json_object_get(r.json, "errors"), 0), "field"),
                      "status");
  tl_response_free(&r);
  set_status(case_id, task, w.ia_handler.token, "X", &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_response_free(&r);
  on_task("POST", case_id, task, "/status", w.ia_handler.token, "{\"status\": 3}", NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_response_free(&r);

  /* 1: another office, or a user */
  put_office(case_id, task, w.ia_handler.token, w.q_gbg, 200);
  put_office(case_id, task, w.ia_handler.token, w.p_sthlm, 200); /* reassigned */
  json_t *d = event_data("task.office_assigned", task);
  assert_string_equal(inner(d, "office", "id"), w.p_sthlm);
  assert_string_equal(inner(d, "previous_office", "id"), w.q_gbg);
  assert_string_equal(tl_str(d, "trade"), "plumbing");
  json_decref(d);
  assert_int_equal(events("task.office_assigned", task), 2);
  put_office(case_id, task, w.ia_handler.token, w.p_sthlm, 200); /* the same: no change */
  assert_int_equal(events("task.office_assigned", task), 2);
  set_status(case_id, task, w.ia_handler.token, "3", &r);
  expect_transition_refused(&r, "1", "");
  tl_response_free(&r);

  /* 2: start only; the office is fixed once a user accepted */
  put_user(case_id, task, w.p_admin.token, w.p_worker.id, 200);
  set_status(case_id, task, w.p_worker.token, "4", &r);
  expect_transition_refused(&r, "2", "3");
  tl_response_free(&r);
  set_status(case_id, task, w.p_worker.token, "2", &r);
  expect_transition_refused(&r, "2", "3");
  tl_response_free(&r);
  char body[96];
  snprintf(body, sizeof(body), "{\"office_id\": \"%s\"}", w.q_gbg);
  on_task("PUT", case_id, task, "/office", w.ia_handler.token, body, NULL, &r);
  expect_transition_refused(&r, "2", "");
  tl_response_free(&r);
  /* the supplier picks another user of the same company, from its other office */
  put_user(case_id, task, w.p_admin.token, w.p_upps_worker.id, 200);

  /* 3: report complete only; then 4: approve or reopen */
  move(case_id, task, w.p_upps_worker.token, "3");
  set_status(case_id, task, w.p_upps_worker.token, "A", &r);
  expect_transition_refused(&r, "3", "4");
  tl_response_free(&r);
  put_user(case_id, task, w.p_admin.token, w.p_worker.id, 409);
  on_task("DELETE", case_id, task, "", w.ia_handler.token, NULL, NULL, &r);
  tl_assert_problem(&r, 409, "urn:claimsuite:problem:wrong-state");
  assert_non_null(strstr(tl_str(r.json, "detail"), "status 3 (started)"));
  tl_response_free(&r);
  move(case_id, task, w.p_admin.token, "4"); /* any user of the company reports */
  set_status(case_id, task, w.p_admin.token, "2", &r);
  expect_transition_refused(&r, "4", "A3");
  tl_response_free(&r);
  /* no event and no history for a refused change */
  assert_int_equal(events("task.status_changed", task), 2);
}

/* ---- who sees and who may ----------------------------------------------------------------- */

static void test_other_companies_and_portals(void **state) {
  (void)state;
  struct tl_response r;
  char case_id[37], p_task[37], q_task[37], body[256], path[128];
  tl_world_case(&w, 59.3293, 18.0686, case_id);
  snprintf(body, sizeof(body), "{\"type\": \"first_aid\", \"office_id\": \"%s\"}", w.p_sthlm);
  add_task(case_id, w.ia_handler.token, body, p_task);

  /* Q holds nothing: 404 on every task path */
  snprintf(path, sizeof(path), "/v1/cases/%s", case_id);
  const char *q_paths[][3] = {{"POST", "", "{\"type\": \"repair\"}"},
                              {"DELETE", "", NULL},
                              {"PATCH", "", "{\"meeting_at\": null}"},
                              {"PUT", "/office", "{\"office_id\": \"" NOBODY "\"}"},
                              {"PUT", "/user", "{\"user_id\": \"" NOBODY "\"}"},
                              {"POST", "/status", "{\"status\": \"3\"}"}};
  for (size_t i = 0; i < sizeof(q_paths) / sizeof(q_paths[0]); i++) {
    int is_add = i == 0;
    on_task(q_paths[i][0], case_id, is_add ? NULL : p_task, q_paths[i][1], w.q_worker.token,
            q_paths[i][2], NULL, &r);
    tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
    assert_string_equal(tl_str(r.json, "detail"), "no such case");
    tl_response_free(&r);
    /* the insurer of portal B, and P acting in portal B (P serves both), see nothing either */
    char *p_in_b = tl_world_token_in(&w, &w.p_admin, w.portal_b);
    const char *others[] = {w.ib_admin.token, p_in_b};
    for (int k = 0; k < 2; k++) {
      on_task(q_paths[i][0], case_id, is_add ? NULL : p_task, q_paths[i][1], others[k],
              q_paths[i][2], NULL, &r);
      tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
      tl_response_free(&r);
    }
    free(p_in_b);
  }
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.tasks WHERE case_id = $1", 1,
                               (const char *[]){case_id}),
                   1);

  /* Q gets a task of its own: it sees the case, but P's task is not its to handle */
  snprintf(body, sizeof(body),
           "{\"type\": \"repair\", \"trade\": \"carpentry\", \"office_id\": \"%s\"}", w.q_gbg);
  add_task(case_id, w.ia_handler.token, body, q_task);
  tl_cases("GET", path, w.q_worker.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  on_task("PUT", case_id, p_task, "/user", w.q_worker.token,
          "{\"user_id\": \"" NOBODY "\"}", NULL, &r);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  tl_response_free(&r);
  on_task("PATCH", case_id, p_task, "", w.q_worker.token,
          "{\"meeting_at\": \"2026-12-01T10:00:00Z\"}", NULL, &r);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  tl_response_free(&r);
  on_task("DELETE", case_id, p_task, "", w.q_worker.token, NULL, NULL, &r);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  assert_non_null(strstr(tl_str(r.json, "detail"), "add_remove_tasks"));
  tl_response_free(&r);
  put_office(case_id, p_task, w.q_worker.token, w.q_gbg, 403); /* allocate_partners */
  put_user(case_id, q_task, w.q_worker.token, w.q_worker.id, 200);  /* its own: fine */
  move(case_id, q_task, w.q_worker.token, "3");
  put_user(case_id, p_task, w.p_admin.token, w.p_worker.id, 200);
  move(case_id, p_task, w.p_worker.token, "3");
  set_status(case_id, p_task, w.q_worker.token, "4", &r); /* another company's work */
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  tl_response_free(&r);

  /* the user must be of the company holding the task (any of its offices) */
  char other_case[37], task[37];
  tl_world_case(&w, 59.3293, 18.0686, other_case);
  snprintf(body, sizeof(body), "{\"type\": \"repair\", \"office_id\": \"%s\"}", w.p_sthlm);
  add_task(other_case, w.ia_handler.token, body, task);
  const char *strangers[] = {w.q_worker.id, w.ia_handler.id, w.ib_admin.id,
                             "00000000-0000-4000-8000-000000000002"};
  for (size_t i = 0; i < 4; i++) {
    snprintf(body, sizeof(body), "{\"user_id\": \"%s\"}", strangers[i]);
    on_task("PUT", other_case, task, "/user", w.p_admin.token, body, NULL, &r);
    tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
    const json_t *e = json_array_get(json_object_get(r.json, "errors"), 0);
    assert_string_equal(tl_str(e, "field"), "user_id");
    assert_string_equal(tl_str(e, "message"), "must be a user of the company holding the task");
    tl_response_free(&r);
  }
  tl_sql_run("UPDATE policy.users SET active = false WHERE id = $1", 1, w.p_upps_worker.id);
  put_user(other_case, task, w.p_admin.token, w.p_upps_worker.id, 422); /* inactive */
  tl_sql_run("UPDATE policy.users SET active = true WHERE id = $1", 1, w.p_upps_worker.id);
  put_user(other_case, task, w.p_admin.token, w.p_upps_worker.id, 200);

  /* a task of another case, or no task at all: 404 */
  on_task("POST", case_id, task, "/status", w.ia_handler.token, "{\"status\": \"3\"}", NULL, &r);
  tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
  assert_string_equal(tl_str(r.json, "detail"), "no such task in this case");
  tl_response_free(&r);
  on_task("DELETE", case_id, "not-a-uuid", "", w.ia_handler.token, NULL, NULL, &r);
  tl_assert_problem(&r, 404, NULL);
  tl_response_free(&r);

  /* an office that does not serve the case's portal: Q serves portal A only */
  char b_case[37], b_task[37];
  snprintf(body, sizeof(body),
           "{\"claim_number\": \"B-%s-tasks\", \"damage_type\": \"fire\", \"damage_date\": "
           "\"2026-11-02\", \"address\": {\"street\": \"Kungsgatan 2\", \"city\": \"Uppsala\"}}",
           w.sfx);
  tl_cases("POST", "/v1/cases", w.ib_admin.token, body, NULL, &r);
  tl_expect(&r, 201);
  snprintf(b_case, sizeof(b_case), "%s", tl_str(r.json, "id"));
  tl_response_free(&r);
  add_task(b_case, w.ib_admin.token, "{\"type\": \"inspection\"}", b_task);
  const char *not_eligible[] = {w.q_gbg, "00000000-0000-4000-8000-000000000003"};
  for (int i = 0; i < 2; i++) {
    snprintf(body, sizeof(body), "{\"office_id\": \"%s\"}", not_eligible[i]);
    on_task("PUT", b_case, b_task, "/office", w.ib_admin.token, body, NULL, &r);
    tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
    const json_t *e = json_array_get(json_object_get(r.json, "errors"), 0);
    assert_string_equal(tl_str(e, "field"), "office_id");
    assert_string_equal(tl_str(e, "message"), "is not an office of a partner serving this portal");
    tl_response_free(&r);
  }
  put_office(b_case, b_task, w.ib_admin.token, w.p_upps, 200);
  /* and portal A's insurer does not see portal B's case */
  on_task("DELETE", b_case, b_task, "", w.ia_admin.token, NULL, NULL, &r);
  tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
  tl_response_free(&r);
}

/* ---- add_remove_tasks through a role definition -------------------------------------------- */

static void test_rights_through_roles(void **state) {
  (void)state;
  struct tl_response r;
  char case_id[37], pm[37], extra[37], insp[37], body[256];
  tl_world_case(&w, 59.3293, 18.0686, case_id);
  snprintf(body, sizeof(body), "{\"type\": \"project_management\", \"office_id\": \"%s\"}",
           w.p_sthlm);
  add_task(case_id, w.client_a_token, body, pm); /* the integration acts for the insurer */
  json_t *d = event_data("task.added", pm);
  assert_string_equal(inner(d, "actor", "kind"), "client");
  json_decref(d);

  /* a second project management task: 409 */
  on_task("POST", case_id, NULL, "", w.ia_handler.token, "{\"type\": \"project_management\"}",
          NULL, &r);
  tl_assert_problem(&r, 409, "urn:claimsuite:problem:conflict");
  tl_response_free(&r);

  /* p_worker becomes project manager: project_manager.changed */
  put_user(case_id, pm, w.p_admin.token, w.p_worker.id, 200);
  d = event_data("project_manager.changed", pm);
  assert_string_equal(inner(d, "user", "id"), w.p_worker.id);
  assert_true(json_is_null(json_object_get(d, "previous_user")));
  json_decref(d);

  /* without a definition the project manager may not add tasks */
  on_task("POST", case_id, NULL, "", w.p_worker.token, "{\"type\": \"first_aid\"}", NULL, &r);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  assert_non_null(strstr(tl_str(r.json, "detail"), "add_remove_tasks"));
  tl_response_free(&r);

  tl_world_define_role(&w, "project_manager", "[\"add_remove_tasks\", \"start_inspection\"]");
  add_task(case_id, w.p_worker.token, "{\"type\": \"first_aid\"}", extra);
  /* ... but not allocate partners with it */
  snprintf(body, sizeof(body), "{\"type\": \"repair\", \"office_id\": \"%s\"}", w.p_sthlm);
  on_task("POST", case_id, NULL, "", w.p_worker.token, body, NULL, &r);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  assert_non_null(strstr(tl_str(r.json, "detail"), "allocate_partners"));
  tl_response_free(&r);
  /* the role is the user's, in this case: a colleague holding nothing may not */
  on_task("POST", case_id, NULL, "", w.p_admin.token, "{\"type\": \"first_aid\"}", NULL, &r);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  tl_response_free(&r);
  on_task("DELETE", case_id, extra, "", w.p_worker.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_null(task_of(r.json, extra));
  tl_response_free(&r);
  assert_int_equal(events("task.removed", extra), 1);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.case_history WHERE task_id = $1 AND "
                               "action = 'task.removed' AND after IS NULL AND "
                               "before->>'type' = 'first_aid'",
                               1, (const char *[]){extra}),
                   1);

  /* an inspection held by q_ech: the project manager starts it with start_inspection, while
   * q_worker (same company as the inspector, no right) may not */
  snprintf(body, sizeof(body), "{\"type\": \"inspection\", \"office_id\": \"%s\"}", w.q_gbg);
  add_task(case_id, w.ia_handler.token, body, insp);
  put_user(case_id, insp, w.q_worker.token, w.q_ech.id, 200);
  set_status(case_id, insp, w.q_worker.token, "3", &r);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  assert_non_null(strstr(tl_str(r.json, "detail"), "start_inspection"));
  tl_response_free(&r);
  move(case_id, insp, w.p_worker.token, "3");
  assert_int_equal(events("inspection.started", insp), 1);

  /* removing the project management task takes the project manager away */
  tl_world_define_role(&w, "project_manager", "[]");
  on_task("DELETE", case_id, pm, "", w.p_worker.token, NULL, NULL, &r);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  tl_response_free(&r);
  on_task("DELETE", case_id, pm, "", w.ia_handler.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  d = event_data("project_manager.changed", pm);
  assert_true(json_is_null(json_object_get(d, "user")));
  assert_string_equal(inner(d, "previous_user", "id"), w.p_worker.id);
  json_decref(d);
}

/* ---- meeting time and schedule ------------------------------------------------------------- */

static void test_meeting_and_schedule(void **state) {
  (void)state;
  struct tl_response r;
  char case_id[37], task[37], body[256];
  tl_world_case(&w, 59.3293, 18.0686, case_id);
  snprintf(body, sizeof(body),
           "{\"type\": \"repair\", \"trade\": \"carpentry\", \"office_id\": \"%s\"}",
           w.p_sthlm);
  add_task(case_id, w.ia_handler.token, body, task);

  /* the supplier sets the meeting time */
  on_task("PATCH", case_id, task, "", w.p_admin.token,
          "{\"meeting_at\": \"2026-12-01T10:00:00+01:00\"}", NULL, &r);
  tl_expect(&r, 200);
  assert_string_equal(tl_str(task_of(r.json, task), "meeting_at"), "2026-12-01T09:00:00.000000Z");
  tl_response_free(&r);
  json_t *d = event_data("meeting_time.changed", task);
  assert_string_equal(tl_str(d, "meeting_at"), "2026-12-01T09:00:00.000000Z");
  assert_string_equal(tl_str(d, "company_id"), w.partner_p);
  assert_string_equal(inner(d, "office", "id"), w.p_sthlm);
  assert_string_equal(tl_str(d, "task_type"), "repair");
  json_decref(d);

  /* the schedule: end before start, missing members, foreign members */
  const char *bad[][2] = {
      {"{\"schedule\": {\"start\": \"2026-12-02T08:00:00Z\", "
       "\"end\": \"2026-12-02T08:59:00+01:00\"}}",
       "schedule/end"},
      {"{\"schedule\": {\"start\": \"2026-12-02T08:00:00Z\"}}", "schedule/end"},
      {"{\"schedule\": {\"start\": \"tomorrow\", \"end\": \"2026-12-02T08:00:00Z\"}}",
       "schedule/start"},
      {"{\"schedule\": {\"start\": \"2026-12-02T08:00:00Z\", \"end\": \"2026-12-03T08:00:00Z\", "
       "\"note\": \"x\"}}",
       "schedule/note"},
      {"{\"schedule\": \"next week\"}", "schedule"},
      {"{\"meeting_at\": \"2026-12-01 10:00\"}", "meeting_at"},
      {"{}", "meeting_at"},
      {"{\"status\": \"3\"}", "status"}};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    on_task("PATCH", case_id, task, "", w.p_admin.token, bad[i][0], NULL, &r);
    tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
    char *errors = json_dumps(json_object_get(r.json, "errors"), 0);
    char want[64];
    snprintf(want, sizeof(want), "\"field\": \"%s\"", bad[i][1]);
    if (strstr(errors, want) == NULL) fail_msg("%s: %s lacks %s", bad[i][0], errors, want);
    free(errors);
    tl_response_free(&r);
  }

  /* every invalid field of one body in one answer: the field table's and the rules' */
  on_task("PATCH", case_id, task, "", w.p_admin.token,
          "{\"meeting_at\": 12, \"schedule\": {\"start\": \"2026-12-02T08:00:00Z\", "
          "\"end\": \"2026-12-01T08:00:00Z\", \"room\": \"A\"}, \"note\": 1}",
          NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_code(&r, "meeting_at", "wrong_type");
  tl_assert_field_code(&r, "schedule/end", "out_of_range");
  tl_assert_field_code(&r, "schedule/room", "unknown_field");
  tl_assert_field_code(&r, "note", "unknown_field");
  assert_int_equal(json_array_size(json_object_get(r.json, "errors")), 4);
  tl_response_free(&r);
  on_task("PATCH", case_id, task, "", w.p_admin.token,
          "{\"meeting_at\": \"soon\", \"schedule\": \"next week\"}", NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_code(&r, "meeting_at", "format");
  tl_assert_field_code(&r, "schedule", "wrong_type");
  assert_int_equal(json_array_size(json_object_get(r.json, "errors")), 2);
  tl_response_free(&r);
  /* a new task's body likewise, before anything is asked of the policy service */
  on_task("POST", case_id, NULL, "", w.ia_handler.token,
          "{\"type\": \"party\", \"trade\": \"Carpentry\", \"meeting_at\": 5, "
          "\"schedule\": {\"start\": \"tomorrow\"}}",
          NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_code(&r, "type", "not_allowed");
  tl_assert_field_code(&r, "trade", "not_allowed");
  tl_assert_field_code(&r, "meeting_at", "wrong_type");
  tl_assert_field_code(&r, "schedule/start", "format");
  tl_assert_field_code(&r, "schedule/end", "required");
  tl_response_free(&r);

  const char *schedule = "{\"schedule\": {\"start\": \"2026-12-02T08:00:00Z\", \"end\": "
                         "\"2026-12-04T16:00:00+01:00\"}}";
  on_task("PATCH", case_id, task, "", w.p_worker.token, schedule, NULL, &r);
  tl_expect(&r, 200);
  char *etag = tl_header(&r, "ETag");
  const json_t *s = json_object_get(task_of(r.json, task), "schedule");
  assert_string_equal(tl_str(s, "start"), "2026-12-02T08:00:00.000000Z");
  assert_string_equal(tl_str(s, "end"), "2026-12-04T15:00:00.000000Z");
  tl_response_free(&r);
  assert_int_equal(events("schedule.changed", task), 1);
  assert_int_equal(events("meeting_time.changed", task), 1);

  /* the same plan again, spelled otherwise: nothing changes, no event, same ETag */
  on_task("PATCH", case_id, task, "", w.p_worker.token,
          "{\"meeting_at\": \"2026-12-01T09:00:00Z\", \"schedule\": {\"start\": "
          "\"2026-12-02T09:00:00+01:00\", \"end\": \"2026-12-04T15:00:00.000Z\"}}",
          NULL, &r);
  tl_expect(&r, 200);
  char *same = tl_header(&r, "ETag");
  assert_string_equal(same, etag);
  free(same);
  tl_response_free(&r);
  assert_int_equal(events("schedule.changed", task), 1);
  assert_int_equal(events("meeting_time.changed", task), 1);

  /* the insurer clears both */
  on_task("PATCH", case_id, task, "", w.ia_handler.token,
          "{\"meeting_at\": null, \"schedule\": null}", "If-Match: \"1\"", &r);
  tl_assert_problem(&r, 412, NULL);
  tl_response_free(&r);
  char if_match[64];
  snprintf(if_match, sizeof(if_match), "If-Match: %s", etag);
  on_task("PATCH", case_id, task, "", w.ia_handler.token,
          "{\"meeting_at\": null, \"schedule\": null}", if_match, &r);
  tl_expect(&r, 200);
  assert_true(json_is_null(json_object_get(task_of(r.json, task), "meeting_at")));
  tl_response_free(&r);
  free(etag);
  d = event_data("schedule.changed", task);
  assert_true(json_is_null(json_object_get(json_object_get(d, "schedule"), "start")));
  assert_true(json_is_null(json_object_get(json_object_get(d, "schedule"), "end")));
  json_decref(d);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.case_history WHERE task_id = $1 AND "
                               "action = 'task.updated'",
                               1, (const char *[]){task}),
                   3);
}

/* ---- If-Match and the closed case ---------------------------------------------------------- */

static void test_if_match_and_closed_case(void **state) {
  (void)state;
  struct tl_response r;
  char case_id[37], task[37], path[128], body[256];
  tl_world_case(&w, 59.3293, 18.0686, case_id);
  snprintf(body, sizeof(body), "{\"type\": \"inspection\", \"office_id\": \"%s\"}", w.p_sthlm);
  add_task(case_id, w.ia_handler.token, body, task); /* version 2 */

  on_task("POST", case_id, NULL, "", w.ia_handler.token, "{\"type\": \"first_aid\"}",
          "If-Match: \"1\"", &r);
  tl_assert_problem(&r, 412, NULL);
  tl_response_free(&r);
  snprintf(body, sizeof(body), "{\"user_id\": \"%s\"}", w.p_worker.id);
  on_task("PUT", case_id, task, "/user", w.p_admin.token, body, "If-Match: \"1\"", &r);
  tl_assert_problem(&r, 412, NULL);
  tl_response_free(&r);
  on_task("PUT", case_id, task, "/user", w.p_admin.token, body, "If-Match: \"2\"", &r);
  expect_task(&r, 200, task, "2");
  char *etag = tl_header(&r, "ETag");
  assert_string_equal(etag, "\"3\"");
  free(etag);
  tl_response_free(&r);

  /* unknown and duplicate members, not JSON */
  on_task("POST", case_id, NULL, "", w.ia_handler.token, "{\"type\": \"roofing\", \"size\": 3}",
          NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_response_free(&r);
  on_task("POST", case_id, NULL, "", w.ia_handler.token,
          "{\"type\": \"first_aid\", \"trade\": \"plumbing\"}", NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  assert_string_equal(tl_str(json_array_get(json_object_get(r.json, "errors"), 0), "field"),
                      "trade");
  tl_response_free(&r);
  on_task("POST", case_id, NULL, "", w.ia_handler.token,
          "{\"type\": \"repair\", \"trade\": \"Plumbing!\"}", NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_response_free(&r);
  on_task("POST", case_id, NULL, "", w.ia_handler.token, "{\"type\": \"repair\"", NULL, &r);
  tl_assert_problem(&r, 400, NULL);
  tl_response_free(&r);

  /* closed: no task changes at all */
  snprintf(path, sizeof(path), "/v1/cases/%s/close", case_id);
  tl_cases("POST", path, w.ia_handler.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  long versions = tl_sql_long("SELECT version FROM cases.cases WHERE id = $1", 1,
                              (const char *[]){case_id});
  on_task("POST", case_id, NULL, "", w.ia_handler.token, "{\"type\": \"first_aid\"}", NULL, &r);
  tl_assert_problem(&r, 409, "urn:claimsuite:problem:wrong-state");
  tl_response_free(&r);
  on_task("DELETE", case_id, task, "", w.ia_handler.token, NULL, NULL, &r);
  tl_assert_problem(&r, 409, "urn:claimsuite:problem:wrong-state");
  tl_response_free(&r);
  on_task("PATCH", case_id, task, "", w.p_admin.token, "{\"meeting_at\": null}", NULL, &r);
  tl_assert_problem(&r, 409, "urn:claimsuite:problem:wrong-state");
  tl_response_free(&r);
  put_office(case_id, task, w.ia_handler.token, w.p_upps, 409);
  put_user(case_id, task, w.p_admin.token, w.p_admin.id, 409);
  set_status(case_id, task, w.p_worker.token, "3", &r);
  tl_assert_problem(&r, 409, "urn:claimsuite:problem:wrong-state");
  tl_response_free(&r);
  assert_int_equal(tl_sql_long("SELECT version FROM cases.cases WHERE id = $1", 1,
                               (const char *[]){case_id}),
                   versions);

  /* reopened, work goes on */
  snprintf(path, sizeof(path), "/v1/cases/%s/reopen", case_id);
  tl_cases("POST", path, w.ia_handler.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  move(case_id, task, w.p_worker.token, "3");
}

/* A core system retrying the same task create gets the first answer, not a second task. */
static void test_idempotent_task_create(void **state) {
  (void)state;
  struct tl_response r;
  char case_id[37], key[96];
  tl_world_case(&w, 59.3293, 18.0686, case_id);
  snprintf(key, sizeof(key), "Idempotency-Key: task-%s-%s", w.sfx, case_id);
  on_task("POST", case_id, NULL, "", w.client_a_token, "{\"type\": \"first_aid\"}", key, &r);
  tl_expect(&r, 201);
  char *location = tl_header(&r, "Location");
  assert_non_null(location);
  tl_response_free(&r);
  on_task("POST", case_id, NULL, "", w.client_a_token, "{\"type\": \"first_aid\"}", key, &r);
  tl_expect(&r, 201);
  char *again = tl_header(&r, "Location"), *replayed = tl_header(&r, "Idempotent-Replayed");
  assert_non_null(again);
  assert_string_equal(again, location);
  assert_non_null(replayed);
  assert_int_equal(json_array_size(json_object_get(r.json, "tasks")), 1);
  tl_response_free(&r);
  on_task("POST", case_id, NULL, "", w.client_a_token, "{\"type\": \"repair\"}", key, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:idempotency-key-reused");
  tl_response_free(&r);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.tasks WHERE case_id = $1", 1,
                               (const char *[]){case_id}),
                   1);
  free(location);
  free(again);
  free(replayed);
}

/* Changes of one case racing each other without If-Match: each PATCH of a task (each with its
 * own meeting time, so each success is a change) meets the others between its check and its
 * lock, and the runner checks again. */
#define RACERS 6
#define RACE_ROUNDS 5

struct racer {
  const char *case_id, *task_id;
  int n;
  long status[RACE_ROUNDS];
};

static void *race(void *arg) {
  struct racer *r = arg;
  struct tl_response resp;
  char body[96];
  for (int i = 0; i < RACE_ROUNDS; i++) {
    snprintf(body, sizeof(body), "{\"meeting_at\": \"2027-01-%02dT%02d:00:00Z\"}", r->n + 1,
             i + 1);
    r->status[i] = on_task("PATCH", r->case_id, r->task_id, "", w.ia_handler.token, body, NULL,
                           &resp);
    tl_response_free(&resp);
  }
  return NULL;
}

static void test_racing_changes_of_one_case(void **state) {
  (void)state;
  struct racer racers[RACERS];
  pthread_t threads[RACERS];
  char case_id[37], task[37];
  long changed = 0;
  tl_world_case(&w, 59.3293, 18.0686, case_id);
  add_task(case_id, w.ia_handler.token, "{\"type\": \"first_aid\"}", task);
  for (int i = 0; i < RACERS; i++) {
    racers[i] = (struct racer){.case_id = case_id, .task_id = task, .n = i};
    pthread_create(&threads[i], NULL, race, &racers[i]);
  }
  for (int i = 0; i < RACERS; i++) {
    pthread_join(threads[i], NULL);
    for (int j = 0; j < RACE_ROUNDS; j++) {
      long st = racers[i].status[j];
      if (st != 200 && st != 409 && st != 503) fail_msg("a racing change answered %ld", st);
      changed += st == 200;
    }
  }
  assert_true(changed > 0);
  /* exactly one history entry and one event per successful change */
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.case_history WHERE case_id = $1 AND "
                               "action = 'task.updated'",
                               1, (const char *[]){case_id}),
                   changed);
  assert_int_equal(events("meeting_time.changed", task), changed);
  /* the case's version counts every change: created, task added, and each success */
  struct tl_response r;
  char path[128];
  snprintf(path, sizeof(path), "/v1/cases/%s", case_id);
  tl_cases("GET", path, w.ia_handler.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 2 + changed);
  tl_response_free(&r);
}

/* After every change above (and of any other test before): the counts the supplier's dashboard
 * reads (migrations/0007) are the waiting cases counted from the tasks themselves, per company
 * and per office of every portal. */
static void test_waiting_counts_match_tasks(void **state) {
  (void)state;
  long differ = tl_sql_long(
      "WITH kept AS (SELECT portal_id, scope_id, sum(n) AS n FROM cases.waiting_case_counts"
      "              GROUP BY 1, 2 HAVING sum(n) <> 0),"
      " waiting AS (SELECT portal_id, company_id AS scope_id, case_id FROM cases.tasks"
      "              WHERE status = '1' AND NOT case_closed AND company_id IS NOT NULL"
      "             UNION ALL"
      "             SELECT portal_id, office_id, case_id FROM cases.tasks"
      "              WHERE status = '1' AND NOT case_closed AND company_id IS NOT NULL"
      "                AND office_id IS NOT NULL),"
      " counted AS (SELECT portal_id, scope_id, count(DISTINCT case_id) AS n FROM waiting"
      "              GROUP BY 1, 2)"
      " SELECT count(*) FROM kept FULL JOIN counted USING (portal_id, scope_id)"
      "  WHERE kept.n IS DISTINCT FROM counted.n",
      0, NULL);
  long kept = tl_sql_long("SELECT count(*) FROM cases.waiting_case_counts", 0, NULL);
  assert_true(kept > 0); /* the tests above left tasks waiting */
  assert_int_equal(differ, 0);
}

int main(void) {
  tl_world_create(&w);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_inspection_lifecycle),
      cmocka_unit_test(test_wrong_transitions),
      cmocka_unit_test(test_other_companies_and_portals),
      cmocka_unit_test(test_rights_through_roles),
      cmocka_unit_test(test_meeting_and_schedule),
      cmocka_unit_test(test_if_match_and_closed_case),
      cmocka_unit_test(test_idempotent_task_create),
      cmocka_unit_test(test_racing_changes_of_one_case),
      cmocka_unit_test(test_waiting_counts_match_tasks),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  tl_world_free(&w);
  return failed;
}
