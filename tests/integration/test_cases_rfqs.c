/* Requests for quotation against the running stack (services/cases/rfq/): the whole flow (an
 * insurer invites two partner offices and an outside partner, each quotes — the partners without
 * seeing the case, the outside partner through its link — a newer quote supersedes, the decision
 * gives the task to the winner and closes the RFQ to quotes); each right (rfq_initiate_edit,
 * rfq_add_external_partners, rfq_decide) refused and then granted to the external case handler;
 * what each reader sees; the portal's list and its updated_since; bad bodies, states, links and
 * callers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tl_world.h"

#define PROBLEM(slug) "urn:claimsuite:problem:" slug
#define DUE "2999-12-31"

static struct tl_world w;

static long rfq_call(struct tl_response *r, const char *method, const char *token, const char *body,
                     const char *extra, const char *case_id, const char *rest) {
  char path[320];
  snprintf(path, sizeof(path), "/v1/cases/%s/rfqs%s", case_id, rest);
  return tl_cases(method, path, token, body, extra, r);
}

/* Creates an RFQ on task_id as token inviting offices (a JSON array text of ids) and externals
 * (a JSON array text); expects 201; its id into rfq_id. */
static void rfq_create(const char *token, const char *case_id, const char *task_id,
                       const char *offices, const char *externals, char rfq_id[37]) {
  struct tl_response r;
  char body[1024];
  snprintf(body, sizeof(body),
           "{\"task_id\": \"%s\", \"description\": \"Replace the kitchen floor, 12 m²\","
           " \"due_date\": \"" DUE "\", \"office_ids\": %s, \"external_partners\": %s}",
           task_id, offices, externals);
  rfq_call(&r, "POST", token, body, NULL, case_id, "");
  tl_expect(&r, 201);
  snprintf(rfq_id, 37, "%s", tl_str(r.json, "id"));
  tl_response_free(&r);
}

static void quote(const char *token, const char *case_id, const char *rfq_id, long long amount,
                  long expect, char quote_id[37]) {
  struct tl_response r;
  char body[256], rest[80];
  snprintf(body, sizeof(body),
           "{\"amount\": %lld, \"description\": \"Oak floor\", \"valid_until\": \"" DUE "\"}",
           amount);
  snprintf(rest, sizeof(rest), "/%s/quotes", rfq_id);
  rfq_call(&r, "POST", token, body, NULL, case_id, rest);
  tl_expect(&r, expect);
  if (quote_id != NULL) snprintf(quote_id, 37, "%s", tl_str(r.json, "id"));
  tl_response_free(&r);
}

/* The outside partner's link path from the newest rfq.invited_external of case_id. New. */
static char *invitation_path(const char *case_id) {
  char *data = tl_sql(
      "SELECT data->>'invitation_path' FROM cases.outbox WHERE aggregate_id = $1 AND"
      " type = 'rfq.invited_external' ORDER BY pos DESC LIMIT 1",
      1, (const char *[]){case_id});
  assert_non_null(data);
  return data;
}

/* The dashboard's cases_with_rfq_tasks for token. */
static long long rfq_row(const char *token) {
  return tl_dashboard_row(token, "cases_with_rfq_tasks");
}

static long long events(const char *case_id, const char *type) {
  return tl_sql_long("SELECT count(*) FROM cases.outbox WHERE aggregate_id = $1 AND type = $2", 2,
                     (const char *[]){case_id, type});
}

/* ---- the whole flow ---------------------------------------------------------------------------
 */

static void test_rfq_flow(void **state) {
  (void)state;
  char case_id[37], task_id[37], rfq_id[37], q_quote[37], p_quote[37], x_quote[37], offices[128];
  char rest[160], body[256];
  struct tl_response r;
  tl_world_case(&w, 0, 0, case_id);
  tl_world_task(&w, case_id, "repair", "flooring", NULL, task_id);

  snprintf(offices, sizeof(offices), "[\"%s\", \"%s\"]", w.q_gbg, w.p_sthlm);
  long long row = rfq_row(w.ia_handler.token);
  rfq_create(w.ia_handler.token, case_id, task_id, offices,
             "[{\"name\": \"Golv & Kakel AB\", \"email\": \"offert@golvkakel.test\"}]", rfq_id);
  /* the case is one more with an RFQ task, listed by the row's filter */
  assert_int_equal(rfq_row(w.ia_handler.token), row + 1);
  json_t *listed = tl_cases_listed(w.ia_handler.token, "rfq_open=true", case_id);
  assert_non_null(listed);
  json_decref(listed);
  assert_int_equal(rfq_row(w.q_worker.token), -1); /* an invited partner quotes, not follows */
  assert_int_equal(events(case_id, "rfq.created"), 1);
  assert_int_equal(events(case_id, "rfq.invited_external"), 1);
  char *link = invitation_path(case_id);
  assert_non_null(strstr(link, "/v1/rfq-invitations/"));

  /* the insurer sees every invitee; the outbox holds the link, the API never shows it */
  snprintf(rest, sizeof(rest), "/%s", rfq_id);
  rfq_call(&r, "GET", w.ia_handler.token, NULL, NULL, case_id, rest);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "invitees")), 3);
  tl_assert_str(r.json, "status", "open");
  assert_null(strstr(r.body, link + strlen("/v1/rfq-invitations/")));
  tl_response_free(&r);

  /* an invited partner that does not see the case sees that RFQ, only its own invitation */
  snprintf(rest, sizeof(rest), "/v1/cases/%s", case_id);
  tl_cases("GET", rest, w.q_worker.token, NULL, NULL, &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  snprintf(rest, sizeof(rest), "/%s", rfq_id);
  rfq_call(&r, "GET", w.q_worker.token, NULL, NULL, case_id, rest);
  tl_expect(&r, 200);
  json_t *invitees = json_object_get(r.json, "invitees");
  assert_int_equal(json_array_size(invitees), 1);
  tl_assert_str(json_object_get(json_array_get(invitees, 0), "office"), "id", w.q_gbg);
  assert_non_null(json_object_get(json_object_get(r.json, "site"), "city"));
  assert_null(strstr(r.body, "contacts"));
  tl_response_free(&r);

  /* quotes: Q twice (the second stands), P once, the outside partner through its link */
  quote(w.q_worker.token, case_id, rfq_id, 150000, 201, NULL);
  quote(w.q_worker.token, case_id, rfq_id, 120000, 201, q_quote);
  quote(w.p_worker.token, case_id, rfq_id, 135000, 201, p_quote);
  tl_cases("GET", link, NULL, NULL, NULL, &r); /* no login: the link is the credential */
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "invitees")), 1);
  tl_assert_str(json_array_get(json_object_get(r.json, "invitees"), 0), "name", "Golv & Kakel AB");
  assert_int_equal(json_array_size(json_object_get(r.json, "quotes")), 0);
  tl_response_free(&r);
  snprintf(rest, sizeof(rest), "%s/quotes", link);
  tl_cases("POST", rest, NULL,
           "{\"amount\": 99000, \"description\": \"Laminate\", \"valid_until\": \"" DUE "\"}", NULL,
           &r);
  tl_expect(&r, 201);
  snprintf(x_quote, sizeof(x_quote), "%s", tl_str(r.json, "id"));
  tl_assert_str(r.json, "submitted_by", "invitation");
  tl_response_free(&r);
  assert_int_equal(events(case_id, "quote.received"), 4);

  /* Q sees its two quotes, not P's; the insurer all four, the first superseded */
  snprintf(rest, sizeof(rest), "/%s", rfq_id);
  rfq_call(&r, "GET", w.q_worker.token, NULL, NULL, case_id, rest);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "quotes")), 2);
  assert_null(strstr(r.body, p_quote));
  tl_response_free(&r);
  rfq_call(&r, "GET", w.ia_handler.token, NULL, NULL, case_id, rest);
  tl_expect(&r, 200);
  json_t *quotes = json_object_get(r.json, "quotes");
  assert_int_equal(json_array_size(quotes), 4);
  tl_assert_str(json_array_get(quotes, 0), "status", "superseded");
  tl_response_free(&r);

  /* awarding a superseded quote is refused; Q's standing one wins and gets the task */
  char *old_quote = tl_sql(
      "SELECT id::text FROM cases.rfq_quotes WHERE rfq_id = $1 AND"
      " status = 'superseded'",
      1, (const char *[]){rfq_id});
  snprintf(body, sizeof(body), "{\"outcome\": \"awarded\", \"quote_id\": \"%s\"}", old_quote);
  snprintf(rest, sizeof(rest), "/%s/decision", rfq_id);
  rfq_call(&r, "POST", w.ia_handler.token, body, NULL, case_id, rest);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_error(&r, "quote_id", NULL);
  tl_response_free(&r);
  free(old_quote);
  snprintf(body, sizeof(body), "{\"outcome\": \"awarded\", \"quote_id\": \"%s\"}", q_quote);
  rfq_call(&r, "POST", w.ia_handler.token, body, NULL, case_id, rest);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "status", "awarded");
  tl_assert_str(json_object_get(r.json, "decision"), "winning_quote_id", q_quote);
  tl_response_free(&r);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.tasks WHERE id = $1 AND status = '1'"
                               " AND office_id = $2",
                               2, (const char *[]){task_id, w.q_gbg}),
                   1);
  assert_int_equal(events(case_id, "rfq.decided"), 1);
  assert_int_equal(rfq_row(w.ia_handler.token), row);
  assert_null(tl_cases_listed(w.ia_handler.token, "rfq_open=true", case_id));
  assert_int_equal(events(case_id, "task.office_assigned"), 1);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM cases.rfq_quotes WHERE rfq_id = $1 AND"
                               " status = 'not_accepted'",
                               1, (const char *[]){rfq_id}),
                   2);
  (void)x_quote;

  /* now Q holds the task and sees the case; decided: no more quotes, no second decision */
  snprintf(rest, sizeof(rest), "/v1/cases/%s", case_id);
  tl_cases("GET", rest, w.q_worker.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  quote(w.p_worker.token, case_id, rfq_id, 100000, 409, NULL);
  snprintf(rest, sizeof(rest), "%s/quotes", link);
  tl_cases("POST", rest, NULL,
           "{\"amount\": 1, \"description\": \"Late\", \"valid_until\": \"" DUE "\"}", NULL, &r);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);
  snprintf(rest, sizeof(rest), "/%s/decision", rfq_id);
  rfq_call(&r, "POST", w.ia_handler.token, "{\"outcome\": \"no_award\"}", NULL, case_id, rest);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);
  free(link);
}

/* ---- each right --------------------------------------------------------------------------- */

static void test_rfq_rights(void **state) {
  (void)state;
  char case_id[37], t1[37], t2[37], rfq_id[37], q_quote[37], offices[64], rest[128], body[256];
  const char *ext = "[{\"name\": \"Outside\", \"email\": \"outside@example.test\"}]";
  struct tl_response r;
  tl_world_define_role(&w, "external_case_handler", "[]");
  tl_world_case(&w, 0, 0, case_id);
  tl_world_task(&w, case_id, "repair", "painting", NULL, t1);
  tl_world_task(&w, case_id, "repair", "plumbing", NULL, t2);
  tl_world_ech(&w, case_id, w.p_sthlm, &w.p_ech);
  snprintf(offices, sizeof(offices), "[\"%s\"]", w.q_gbg);
  snprintf(body, sizeof(body),
           "{\"task_id\": \"%s\", \"description\": \"Paint two rooms\", \"due_date\": \"" DUE
           "\", \"office_ids\": %s}",
           t1, offices);

  /* rfq_initiate_edit */
  rfq_call(&r, "POST", w.p_ech.token, body, NULL, case_id, "");
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  tl_response_free(&r);
  tl_world_define_role(&w, "external_case_handler", "[\"rfq_initiate_edit\"]");
  long long ech_row = rfq_row(w.p_ech.token);
  rfq_create(w.p_ech.token, case_id, t1, offices, "[]", rfq_id);
  assert_int_equal(rfq_row(w.p_ech.token), ech_row + 1); /* the handler's own case */

  /* rfq_add_external_partners, on create and on edit */
  snprintf(body, sizeof(body),
           "{\"task_id\": \"%s\", \"description\": \"Fix a pipe\", \"due_date\": \"" DUE
           "\", \"external_partners\": %s}",
           t2, ext);
  rfq_call(&r, "POST", w.p_ech.token, body, NULL, case_id, "");
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  tl_response_free(&r);
  snprintf(rest, sizeof(rest), "/%s", rfq_id);
  snprintf(body, sizeof(body), "{\"add_external_partners\": %s}", ext);
  rfq_call(&r, "PATCH", w.p_ech.token, body, NULL, case_id, rest);
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  tl_response_free(&r);
  assert_int_equal(events(case_id, "rfq.invited_external"), 0);
  tl_world_define_role(&w, "external_case_handler",
                       "[\"rfq_initiate_edit\", \"rfq_add_external_partners\"]");
  rfq_call(&r, "GET", w.p_ech.token, NULL, NULL, case_id, rest);
  char etag[32];
  snprintf(etag, sizeof(etag), "If-Match: \"%lld\"",
           (long long)json_integer_value(json_object_get(r.json, "version")));
  tl_response_free(&r);
  rfq_call(&r, "PATCH", w.p_ech.token, body, etag, case_id, rest);
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "invitees")), 2);
  tl_response_free(&r);
  rfq_call(&r, "PATCH", w.p_ech.token, "{\"description\": \"Paint three rooms\"}", etag, case_id,
           rest); /* the version it was read at is gone */
  tl_assert_problem(&r, 412, PROBLEM("precondition-failed"));
  tl_response_free(&r);
  assert_int_equal(events(case_id, "rfq.invited_external"), 1);

  /* rfq_decide */
  quote(w.q_worker.token, case_id, rfq_id, 50000, 201, q_quote);
  snprintf(rest, sizeof(rest), "/%s/decision", rfq_id);
  snprintf(body, sizeof(body), "{\"outcome\": \"awarded\", \"quote_id\": \"%s\"}", q_quote);
  rfq_call(&r, "POST", w.p_ech.token, body, NULL, case_id, rest);
  tl_assert_problem(&r, 403, PROBLEM("forbidden"));
  tl_response_free(&r);
  tl_world_define_role(&w, "external_case_handler", "[\"rfq_decide\"]");
  rfq_call(&r, "POST", w.p_ech.token, body, NULL, case_id, rest);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "status", "awarded");
  tl_response_free(&r);
  tl_world_define_role(&w, "external_case_handler", "[]");

  /* without an RFQ right the handler sees only its own company's invitations: none */
  rfq_call(&r, "GET", w.p_ech.token, NULL, NULL, case_id, "");
  tl_expect(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
  tl_response_free(&r);
}

/* ---- refusals ------------------------------------------------------------------------------ */

static void test_rfq_refusals(void **state) {
  (void)state;
  char case_id[37], repair[37], inspection[37], rfq_id[37], offices[64], rest[160], body[512];
  struct tl_response r;
  tl_world_case(&w, 0, 0, case_id);
  tl_world_task(&w, case_id, "repair", "roofing", NULL, repair);
  tl_world_task(&w, case_id, "inspection", NULL, w.p_sthlm, inspection);
  snprintf(offices, sizeof(offices), "[\"%s\"]", w.q_gbg);

  /* every field error at once */
  snprintf(body, sizeof(body),
           "{\"task_id\": \"%s\", \"description\": \"\", \"due_date\": \"2001-01-01\","
           " \"office_ids\": [\"%s\", \"%s\"], \"external_partners\": [{\"name\": \"X\","
           " \"email\": \"not-an-email\"}]}",
           repair, w.q_gbg, w.q_gbg);
  rfq_call(&r, "POST", w.ia_handler.token, body, NULL, case_id, "");
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_error(&r, "description", NULL);
  tl_assert_field_code(&r, "office_ids/1", "not_unique");
  tl_assert_field_code(&r, "external_partners/0/email", "format");
  tl_response_free(&r);
  snprintf(body, sizeof(body),
           "{\"task_id\": \"%s\", \"description\": \"Roof\", \"due_date\": \"" DUE "\"}", repair);
  rfq_call(&r, "POST", w.ia_handler.token, body, NULL, case_id, "");
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_error(&r, "office_ids", "at least one");
  tl_response_free(&r);
  /* a due date already passed, an office that serves no one, a task that is no repair */
  snprintf(body, sizeof(body),
           "{\"task_id\": \"%s\", \"description\": \"Roof\", \"due_date\": \"2001-01-01\","
           " \"office_ids\": %s}",
           repair, offices);
  rfq_call(&r, "POST", w.ia_handler.token, body, NULL, case_id, "");
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "due_date", "out_of_range");
  tl_response_free(&r);
  snprintf(body, sizeof(body),
           "{\"task_id\": \"%s\", \"description\": \"Roof\", \"due_date\": \"" DUE
           "\","
           " \"office_ids\": [\"00000000-0000-4000-8000-000000000000\"]}",
           repair);
  rfq_call(&r, "POST", w.ia_handler.token, body, NULL, case_id, "");
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "office_ids/0", "not_found");
  tl_response_free(&r);
  snprintf(body, sizeof(body),
           "{\"task_id\": \"%s\", \"description\": \"Roof\", \"due_date\": \"" DUE
           "\","
           " \"office_ids\": %s}",
           inspection, offices);
  rfq_call(&r, "POST", w.ia_handler.token, body, NULL, case_id, "");
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_error(&r, "task_id", "repair");
  tl_response_free(&r);
  assert_int_equal(events(case_id, "rfq.created"), 0);

  /* emails are one whatever their case */
  snprintf(body, sizeof(body),
           "{\"task_id\": \"%s\", \"description\": \"Roof\", \"due_date\": \"" DUE
           "\","
           " \"external_partners\": [{\"name\": \"A\", \"email\": \"a@x.test\"},"
           " {\"name\": \"B\", \"email\": \"A@X.test\"}]}",
           repair);
  rfq_call(&r, "POST", w.ia_handler.token, body, NULL, case_id, "");
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "external_partners/1/email", "not_unique");
  tl_response_free(&r);

  /* one open RFQ a task; the task stays while it has one */
  rfq_create(w.ia_handler.token, case_id, repair, offices, "[]", rfq_id);
  snprintf(rest, sizeof(rest), "/v1/cases/%s/tasks/%s", case_id, repair);
  tl_cases("DELETE", rest, w.ia_handler.token, NULL, NULL, &r);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);
  snprintf(body, sizeof(body),
           "{\"task_id\": \"%s\", \"description\": \"Roof\", \"due_date\": \"" DUE
           "\","
           " \"office_ids\": %s}",
           repair, offices);
  rfq_call(&r, "POST", w.ia_handler.token, body, NULL, case_id, "");
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);

  /* who is not invited: P sees the case (it holds the inspection) but may not quote; Q's
   * colleague of another portal and a stranger's token reach nothing */
  quote(w.p_worker.token, case_id, rfq_id, 1000, 403, NULL);
  snprintf(rest, sizeof(rest), "/%s", rfq_id);
  rfq_call(&r, "GET", w.p_worker.token, NULL, NULL, case_id, rest);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  rfq_call(&r, "GET", w.ib_admin.token, NULL, NULL, case_id, rest);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  rfq_call(&r, "GET", w.ib_admin.token, NULL, NULL, case_id, "");
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  rfq_call(&r, "GET", NULL, NULL, NULL, case_id, rest);
  assert_int_equal(r.status, 401);
  tl_response_free(&r);
  /* the RFQ id under another case is no RFQ */
  char other[37];
  tl_world_case(&w, 0, 0, other);
  rfq_call(&r, "GET", w.ia_handler.token, NULL, NULL, other, rest);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  quote(w.q_worker.token, other, rfq_id, 1000, 404, NULL);

  /* a bad quote, a link that is no link */
  snprintf(rest, sizeof(rest), "/%s/quotes", rfq_id);
  rfq_call(&r, "POST", w.q_worker.token,
           "{\"amount\": 0, \"description\": \"\", \"valid_until\": \"2001-01-01\"}", NULL, case_id,
           rest);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_error(&r, "amount", NULL);
  tl_assert_field_error(&r, "description", NULL);
  tl_response_free(&r);
  rfq_call(&r, "POST", w.q_worker.token,
           "{\"amount\": 10, \"description\": \"x\", \"valid_until\": \"2001-01-01\"}", NULL,
           case_id, rest);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "valid_until", "out_of_range");
  tl_response_free(&r);
  tl_cases("GET", "/v1/rfq-invitations/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, NULL,
           NULL, &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);
  tl_cases("POST", "/v1/rfq-invitations/short/quotes", NULL,
           "{\"amount\": 10, \"description\": \"x\", \"valid_until\": \"" DUE "\"}", NULL, &r);
  tl_assert_problem(&r, 404, PROBLEM("not-found"));
  tl_response_free(&r);

  /* no award closes it; nothing changes after */
  snprintf(rest, sizeof(rest), "/%s/decision", rfq_id);
  rfq_call(&r, "POST", w.ia_handler.token, "{\"outcome\": \"maybe\"}", NULL, case_id, rest);
  tl_assert_problem(&r, 422, PROBLEM("validation"));
  tl_assert_field_code(&r, "outcome", "not_allowed");
  tl_response_free(&r);
  rfq_call(&r, "POST", w.ia_handler.token,
           "{\"outcome\": \"no_award\", \"reason\": \"Too expensive\"}", NULL, case_id, rest);
  tl_expect(&r, 200);
  tl_assert_str(r.json, "status", "no_award");
  tl_response_free(&r);
  snprintf(rest, sizeof(rest), "/%s", rfq_id);
  rfq_call(&r, "PATCH", w.ia_handler.token, "{\"description\": \"Again\"}", NULL, case_id, rest);
  tl_assert_problem(&r, 409, PROBLEM("wrong-state"));
  tl_response_free(&r);
  assert_int_equal(
      tl_sql_long("SELECT rfqs_open FROM cases.cases WHERE id = $1", 1, (const char *[]){case_id}),
      0);
}

/* ---- GET /v1/rfqs ---------------------------------------------------------------------------- */

static void test_portal_list(void **state) {
  (void)state;
  char case_id[37], task_id[37], rfq_id[37], offices[64];
  struct tl_response r;
  tl_world_case(&w, 0, 0, case_id);
  tl_world_task(&w, case_id, "repair", "glazing", NULL, task_id);
  snprintf(offices, sizeof(offices), "[\"%s\"]", w.p_upps);
  rfq_create(w.client_a_token, case_id, task_id, offices, "[]", rfq_id);

  tl_cases("GET", "/v1/rfqs?status=open&limit=200", w.p_upps_worker.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_non_null(tl_item(json_object_get(r.json, "items"), rfq_id));
  tl_response_free(&r);
  tl_cases("GET", "/v1/rfqs?status=open&limit=200", w.q_worker.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_null(tl_item(json_object_get(r.json, "items"), rfq_id));
  tl_response_free(&r);
  tl_cases("GET", "/v1/rfqs?limit=1", w.ia_handler.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_assert_str(json_array_get(json_object_get(r.json, "items"), 0), "id", rfq_id);
  assert_true(json_is_string(json_object_get(r.json, "next_cursor")));
  tl_response_free(&r);
  tl_cases("GET", "/v1/rfqs", w.ib_admin.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_null(tl_item(json_object_get(r.json, "items"), rfq_id));
  tl_response_free(&r);
  tl_cases("GET", "/v1/rfqs?status=pending", w.ia_handler.token, NULL, NULL, &r);
  tl_assert_problem(&r, 400, PROBLEM("invalid-parameter"));
  tl_response_free(&r);
}

/* GET /v1/rfqs?updated_since: the RFQs changed at or after the instant (an edit, a quote), in
 * the caller's view, with status, in pages of the usual order and cursors. */
static void test_portal_list_updated_since(void **state) {
  (void)state;
  char case_id[37], tasks[3][37], rfq[3][37], offices[64], rest[80], etag[32];
  struct tl_response r;
  const char *since = "updated_since=2021-06-01T12:00:00%2B02:00";
  tl_world_case(&w, 0, 0, case_id);
  snprintf(offices, sizeof(offices), "[\"%s\"]", w.p_upps);
  for (int i = 0; i < 3; i++) { /* created in this order: newest first is 2, 1, 0 */
    tl_world_task(&w, case_id, "repair", "glazing", NULL, tasks[i]);
    rfq_create(w.client_a_token, case_id, tasks[i], offices, "[]", rfq[i]);
  }
  tl_sql_run(
      "UPDATE cases.rfqs SET updated_at = '2020-01-01T00:00:00Z'"
      " WHERE id = ANY (ARRAY[$1, $2, $3]::uuid[])",
      3, rfq[0], rfq[1], rfq[2]);
  /* 1 edited by the insurer, 2 quoted by the invited partner, 0 untouched */
  snprintf(rest, sizeof(rest), "/%s", rfq[1]);
  rfq_call(&r, "GET", w.ia_handler.token, NULL, NULL, case_id, rest);
  tl_expect(&r, 200);
  snprintf(etag, sizeof(etag), "If-Match: \"%lld\"",
           (long long)json_integer_value(json_object_get(r.json, "version")));
  tl_response_free(&r);
  rfq_call(&r, "PATCH", w.ia_handler.token, "{\"description\": \"Two windows\"}", etag, case_id,
           rest);
  tl_expect(&r, 200);
  tl_response_free(&r);
  quote(w.p_upps_worker.token, case_id, rfq[2], 42000, 201, NULL);

  char path[300];
  const char *readers[] = {w.ia_handler.token, w.p_upps_worker.token};
  for (int i = 0; i < 2; i++) {
    snprintf(path, sizeof(path), "/v1/rfqs?limit=200&%s", since);
    tl_cases("GET", path, readers[i], NULL, NULL, &r);
    tl_expect(&r, 200);
    json_t *items = json_object_get(r.json, "items");
    assert_non_null(tl_item(items, rfq[1]));
    assert_non_null(tl_item(items, rfq[2]));
    assert_null(tl_item(items, rfq[0]));
    tl_response_free(&r);
  }
  snprintf(path, sizeof(path), "/v1/rfqs?status=open&limit=200&%s", since);
  tl_cases("GET", path, w.ia_handler.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_non_null(tl_item(json_object_get(r.json, "items"), rfq[2]));
  assert_null(tl_item(json_object_get(r.json, "items"), rfq[0]));
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/rfqs?status=awarded&limit=200&%s", since);
  tl_cases("GET", path, w.ia_handler.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_null(tl_item(json_object_get(r.json, "items"), rfq[2]));
  tl_response_free(&r);

  /* pages: newest first, the cursor of a filtered page leads to the next changed RFQ */
  snprintf(path, sizeof(path), "/v1/rfqs?limit=1&%s", since);
  tl_cases("GET", path, w.ia_handler.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_assert_str(json_array_get(json_object_get(r.json, "items"), 0), "id", rfq[2]);
  assert_true(json_is_string(json_object_get(r.json, "next_cursor")));
  snprintf(path, sizeof(path), "/v1/rfqs?limit=1&%s&cursor=%s", since,
           json_string_value(json_object_get(r.json, "next_cursor")));
  tl_response_free(&r);
  tl_cases("GET", path, w.ia_handler.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_assert_str(json_array_get(json_object_get(r.json, "items"), 0), "id", rfq[1]);
  tl_response_free(&r);

  /* another portal, and a partner not invited, never see them however far back they ask */
  const char *others[] = {w.ib_admin.token, w.q_worker.token};
  for (int i = 0; i < 2; i++) {
    tl_cases("GET", "/v1/rfqs?limit=200&updated_since=2000-01-01T00:00:00Z", others[i], NULL, NULL,
             &r);
    tl_expect(&r, 200);
    for (int k = 0; k < 3; k++) assert_null(tl_item(json_object_get(r.json, "items"), rfq[k]));
    tl_response_free(&r);
  }

  /* not an RFC 3339 timestamp PostgreSQL reads: 400 naming the parameter */
  static const char *const bad[] = {"yesterday",
                                    "2026-12-01",
                                    "2026-12-01T08:00:00",
                                    "2026-12-01T08:00:00%2B99:00",
                                    "0000-01-01T00:00:00Z",
                                    ""};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    snprintf(path, sizeof(path), "/v1/rfqs?updated_since=%s", bad[i]);
    tl_cases("GET", path, w.ia_handler.token, NULL, NULL, &r);
    tl_assert_problem(&r, 400, PROBLEM("invalid-parameter"));
    tl_assert_field_error(&r, "updated_since", NULL);
    tl_response_free(&r);
  }
}

int main(void) {
  tl_world_create(&w);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rfq_flow),
      cmocka_unit_test(test_rfq_rights),
      cmocka_unit_test(test_rfq_refusals),
      cmocka_unit_test(test_portal_list),
      cmocka_unit_test(test_portal_list_updated_since),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  tl_world_free(&w);
  return failed;
}
