/* The dashboard's rows: a static table, one entry per row (name, audience, and the case list
 * filter that lists what it counts); its counting query is store_dashboard.c's, by name. A new
 * row (temporary cases to connect, customer contact, ...) is one more entry here and one
 * there, plus, when the case list cannot list it yet, the filter it names in case_list.c. */
#include <string.h>

#include "case_list.h"
#include "dashboard.h"
#include "policy_facts.h"
#include "status.h"
#include "store_dashboard.h"

enum dashboard_audience {
  FOR_SUPPLIERS = 1,     /* partner users */
  FOR_INSURERS = 2,      /* insurer users and API clients */
  FOR_CASE_HANDLERS = 4, /* insurer users (an API client handles no cases) */
  FOR_MARKED_ECH = 8     /* users marked as external case handler, even with nothing assigned */
};

struct dashboard_row {
  const char *name; /* also the name of its query in store_dashboard.c */
  unsigned audience;
  const char *filter; /* a JSON object: query parameters of GET /v1/cases */
};

static const struct dashboard_row rows[] = {
    /* the supplier's new assignments: tasks and roles given to the offices it answers for */
    {"new_tasks_awaiting_user", FOR_SUPPLIERS, "{\"action_reason\": \"task_awaiting_user\"}"},
    {"new_external_case_handler_awaiting_user", FOR_SUPPLIERS,
     "{\"action_reason\": \"external_case_handler_awaiting_user\"}"},
    {"my_tasks", FOR_SUPPLIERS, "{\"my_open_tasks\": \"true\"}"},
    /* shown as soon as the user is marked for the role, even before any case */
    {"cases_assigned_to_me_as_external_case_handler", FOR_MARKED_ECH,
     "{\"external_case_handler\": \"me\", \"status\": \"open,on_hold\"}"},
    /* the insurer's */
    {"tasks_awaiting_office", FOR_INSURERS, "{\"action_reason\": \"task_awaiting_office\"}"},
    {"reminders_today", FOR_CASE_HANDLERS,
     "{\"case_handler\": \"me\", \"status\": \"open\", \"reminder\": \"today\"}"},
    {"reminders_tomorrow", FOR_CASE_HANDLERS,
     "{\"case_handler\": \"me\", \"status\": \"open\", \"reminder\": \"tomorrow\"}"},
    {"reminders_later", FOR_CASE_HANDLERS,
     "{\"case_handler\": \"me\", \"status\": \"open\", \"reminder\": \"later\"}"},
    {"open_cases", FOR_INSURERS, "{\"status\": \"open\"}"},
    /* money: what waits for the caller's approval (within its limit, never what it submitted
     * itself), and budgets to revise */
    {"budgets_awaiting_my_approval", FOR_SUPPLIERS | FOR_INSURERS,
     "{\"budget_awaiting_approval\": \"true\"}"},
    {"budgets_rejected", FOR_SUPPLIERS | FOR_CASE_HANDLERS, "{\"budget_rejected\": \"true\"}"},
    {"cases_with_invoices_awaiting_approval", FOR_SUPPLIERS | FOR_INSURERS,
     "{\"invoice_awaiting_approval\": \"true\"}"},
    /* every user's; an API client reads the chat as no user */
    {"cases_with_unread_chat", FOR_SUPPLIERS | FOR_CASE_HANDLERS | FOR_MARKED_ECH,
     "{\"unread_chat\": \"true\"}"},
    /* documents and reports partners added that the insurer has not marked seen */
    {"cases_with_partner_uploads", FOR_INSURERS, "{\"partner_uploads\": \"true\"}"},
    /* open requests for quotation: the insurer's cases, the external case handler's own */
    {"cases_with_rfq_tasks", FOR_INSURERS | FOR_MARKED_ECH, "{\"rfq_open\": \"true\"}"},
    /* "N case(s) need to be connected": partners' temporary cases to convert or connect */
    {"temporary_cases_to_connect", FOR_INSURERS, "{\"temporary\": \"true\"}"},
    /* what customers wrote or uploaded on the customer page that no one has marked read */
    {"cases_with_customer_contact", FOR_INSURERS, "{\"customer_contact\": \"true\"}"},
};
#define ROW_COUNT (sizeof(rows) / sizeof(rows[0]))

static unsigned audience_of(const struct cases_caller *c) {
  unsigned a = 0;
  if (cases_caller_is_internal(c))
    a |= c->is_client ? FOR_INSURERS : FOR_INSURERS | FOR_CASE_HANDLERS;
  if (!c->is_client && !strcmp(c->company_kind, "partner")) a |= FOR_SUPPLIERS;
  if (!c->is_client && c->marked_external) a |= FOR_MARKED_ECH;
  return a;
}

static int append_row(json_t *list, const struct dashboard_row *row, long long count) {
  json_t *filter = json_loads(row->filter, JSON_REJECT_DUPLICATES, NULL);
  json_t *entry =
      json_pack("{s:s, s:I, s:o}", "row", row->name, "count", (json_int_t)count, "filter", filter);
  return entry != NULL ? json_array_append_new(list, entry) : -1;
}

int cases_dashboard(PGconn *conn, const struct cases_caller *c, json_t **out,
                    struct cs_refusal *err) {
  struct cases_scope scope;
  struct cases_approver approver;
  const struct dashboard_row *shown[ROW_COUNT];
  const char *names[ROW_COUNT];
  long long counts[ROW_COUNT];
  const char *user_id = c->is_client ? NULL : c->sub;
  unsigned audience = audience_of(c);
  size_t n = 0;
  json_t *list = json_array();
  int rc = CS_REFUSED;

  *out = NULL;
  if (list == NULL || cases_scope_init(&scope, c) != CS_OK) {
    json_decref(list);
    return cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
  }
  if (cases_approver_init(conn, c, &approver) != CS_OK) {
    cases_policy_failed(err);
    goto done;
  }
  for (size_t i = 0; i < ROW_COUNT; i++) {
    if (!(rows[i].audience & audience)) continue;
    shown[n] = &rows[i];
    names[n++] = rows[i].name;
  }
  if (cases_store_dashboard_counts(conn, &scope, user_id, &approver, names, n, counts,
                                   err->sqlstate) != CS_OK) {
    cs_refusal_db(err);
    goto done;
  }
  for (size_t i = 0; i < n; i++) {
    if (append_row(list, shown[i], counts[i]) != 0) {
      cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
      goto done;
    }
  }
  *out = json_pack("{s:O}", "rows", list);
  rc = *out != NULL ? CS_OK : cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
done:
  json_decref(list);
  cases_scope_clear(&scope);
  return rc;
}
