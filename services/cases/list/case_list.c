/* The case list's rules: which query parameters mean what, the caller's scope, and pages with
 * opaque keyset cursors (see case_list.h). SQL in store_case_list.c, HTTP in http_case_list.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_list.h"
#include "ids.h"
#include "paging.h"
#include "policy_facts.h"
#include "replica.h"
#include "status.h"
#include "tasks.h"

#define Q_MAX_BYTES 100

/* ---- the caller's scope ------------------------------------------------------------------ */

/* "{id,id,...}" from the user's office ids; ids that are not UUIDs (never expected) are left
 * out so that the literal stays well-formed. A new string. */
static char *offices_literal(const json_t *office_ids) {
  size_t n = json_array_size(office_ids), i, used = 1;
  char *out = malloc(n * 37 + 3);
  const json_t *v;
  if (out == NULL) return NULL;
  out[0] = '{';
  json_array_foreach(office_ids, i, v) {
    const char *id = json_string_value(v);
    if (!ids_is_uuid(id)) continue;
    if (used > 1) out[used++] = ',';
    memcpy(out + used, id, 36);
    used += 36;
  }
  out[used++] = '}';
  out[used] = '\0';
  return out;
}

int cases_scope_init(struct cases_scope *s, const struct cases_caller *c) {
  memset(s, 0, sizeof(*s));
  s->portal_id = c->portal_id;
  s->company = cases_caller_scope(c);
  s->timezone = c->timezone;
  /* insurers answer for the whole portal, a partner's admin for every office of the company */
  if (s->company == NULL || c->level >= 6) return CS_OK;
  s->offices = offices_literal(c->office_ids);
  return s->offices != NULL ? CS_OK : CS_ERR_NOMEM;
}

void cases_scope_clear(struct cases_scope *s) {
  if (s == NULL) return;
  free(s->offices);
  s->offices = NULL;
}

/* ---- the caller as an approver ------------------------------------------------------------ */

/* Asks the one decision function (decision.h) what cases_require would answer for
 * approve_budget of an amount of 0, so that the screens follow the approval's own rule: the
 * insurer's users by their company, a partner user through each case role on its own (the
 * external case handler's only for a marked user); the limit is what an allowed decision leaves
 * of 0, the whole limit (the own one, else the portal's default). */
int cases_approver_init(PGconn *conn, const struct cases_caller *c, struct cases_approver *a) {
  struct authority_input in;
  struct authority_decision d;
  size_t used = 0;
  memset(a, 0, sizeof(*a));
  a->who = c->sub;
  if (c->is_client) { /* acts for the insurer, without a limit */
    snprintf(a->roles, sizeof(a->roles), "{}");
    return CS_OK;
  }
  if (replica_decision_facts(conn, c->sub, c->portal_id, &in) != CS_OK) return CS_ERR_UNAVAILABLE;
  in.action = "approve_budget";
  in.amount = 0;
  snprintf(a->limit, sizeof(a->limit), "-1"); /* within no limit, until a decision allows */
  used += (size_t)snprintf(a->roles, sizeof(a->roles), "{");
  /* r = -1: no case role, the insurer's way (its users' own right) */
  for (int r = -1; r < AUTHORITY_ROLE_COUNT; r++) {
    in.role_mask = r < 0 ? 0 : 1u << r;
    authority_decide(&in, &d);
    if (!d.allow) continue;
    snprintf(a->limit, sizeof(a->limit), "%lld", d.limit_remaining);
    if (r < 0) break; /* the insurer needs no role */
    /* the three names fit: "{external_case_handler,project_manager,inspector_extra_authority}" */
    used += (size_t)snprintf(a->roles + used, sizeof(a->roles) - used, "%s%s", used > 1 ? "," : "",
                             authority_role_names[r]);
  }
  snprintf(a->roles + used, sizeof(a->roles) - used, "}");
  return CS_OK;
}

/* ---- query parameters --------------------------------------------------------------------- */

static const char *const known_params[] = {"status",
                                           "damage_type",
                                           "q",
                                           "action_required",
                                           "action_reason",
                                           "user_id",
                                           "my_tasks",
                                           "my_open_tasks",
                                           "has_external_case_handler",
                                           "external_case_handler",
                                           "case_handler",
                                           "reminder",
                                           "budget_awaiting_approval",
                                           "budget_rejected",
                                           "invoice_awaiting_approval",
                                           "unread_chat",
                                           "partner_uploads",
                                           "rfq_open",
                                           "temporary",
                                           "customer_contact",
                                           "updated_since",
                                           "sort",
                                           "limit",
                                           "cursor"};

static const char *const action_reasons[] = {"task_awaiting_office", "task_awaiting_user",
                                             "external_case_handler_awaiting_user"};
static const char *const reminders[] = {"today", "tomorrow", "later"};

static int one_of(const char *v, const char *const *names, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(v, names[i])) return 1;
  return 0;
}
#define ONE_OF(v, names) one_of((v), (names), sizeof(names) / sizeof((names)[0]))

/* 1 when s is well-formed UTF-8. ulfius already drops query values that are not; checked again
 * because PostgreSQL answers anything else with an error (a 500). */
static int utf8_valid(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    int n = *p < 0x80             ? 0
            : (*p & 0xE0) == 0xC0 ? 1
            : (*p & 0xF0) == 0xE0 ? 2
            : (*p & 0xF8) == 0xF0 ? 3
                                  : -1;
    if (n < 0 || (n == 1 && *p < 0xC2)) return 0;
    p++;
    for (int i = 0; i < n; i++, p++)
      if ((*p & 0xC0) != 0x80) return 0;
  }
  return 1;
}

static void unknown_params(const struct _u_map *params, struct cs_refusal *err) {
  const char **keys = u_map_enum_keys(params);
  for (size_t i = 0; keys != NULL && keys[i] != NULL; i++)
    if (!ONE_OF(keys[i], known_params))
      cs_refusal_field(err, keys[i], FIELD_UNKNOWN_FIELD, "is not a parameter of the case list");
}

/* "true", "false" or NULL (absent); anything else is an error. */
static const char *boolean_param(const struct _u_map *params, const char *name,
                                 struct cs_refusal *err) {
  const char *v = u_map_get(params, name);
  if (v == NULL) return NULL;
  if (!strcmp(v, "true") || !strcmp(v, "false")) return v;
  cs_refusal_field(err, name, FIELD_WRONG_TYPE, "must be true or false");
  return NULL;
}

/* "me" (the calling user) or a UUID; API clients are no user and cannot say "me". */
static const char *user_param(const struct _u_map *params, const char *name,
                              const struct cases_caller *c, struct cs_refusal *err) {
  const char *v = u_map_get(params, name);
  if (v == NULL || ids_is_uuid(v)) return v;
  if (strcmp(v, "me") != 0) {
    cs_refusal_field(err, name, FIELD_FORMAT, "must be a user id (UUID) or me");
    return NULL;
  }
  if (!c->is_client) return c->sub;
  cs_refusal_field(err, name, FIELD_NOT_ALLOWED,
                   "me names a user; an API client holds no tasks or roles");
  return NULL;
}

/* The "me" filters need a user; message says why an API client is none. */
static const char *caller_user(const char *flag, const char *name, const char *message,
                               const struct cases_caller *c, struct cs_refusal *err) {
  if (flag == NULL || !c->is_client) return c->sub;
  cs_refusal_field(err, name, FIELD_NOT_ALLOWED, message);
  return NULL;
}

/* status=open,on_hold: a comma-separated list (no empty entries) into a text[] literal. */
static void parse_statuses(const char *v, struct cases_list_query *q, struct cs_refusal *err) {
  static const char *const statuses[] = {"open", "on_hold", "closed"};
  size_t used = 1;
  q->statuses[0] = '{';
  for (const char *p = v;; p++) {
    size_t n = strcspn(p, ",");
    char one[16];
    if (n == 0 || n >= sizeof(one)) goto bad;
    memcpy(one, p, n);
    one[n] = '\0';
    if (!ONE_OF(one, statuses) || used + n + 3 > sizeof(q->statuses)) goto bad;
    used += (size_t)snprintf(q->statuses + used, sizeof(q->statuses) - used, "%s%s",
                             used > 1 ? "," : "", one);
    p += n;
    if (*p == '\0') break;
  }
  q->statuses[used++] = '}';
  q->statuses[used] = '\0';
  return;
bad:
  q->statuses[0] = '\0';
  cs_refusal_field(err, "status", FIELD_NOT_ALLOWED,
                   "must be open, on_hold or closed, or a comma-separated list");
}

/* q: a case-insensitive substring; the ILIKE pattern escapes its own wildcards. */
static void parse_search(const char *v, struct cases_list_query *q, struct cs_refusal *err) {
  size_t n = strlen(v), used = 0;
  if (n == 0) return; /* an empty search box searches nothing */
  if (n > Q_MAX_BYTES || !utf8_valid(v)) {
    cs_refusal_field(err, "q", FIELD_FORMAT, "must be UTF-8 text of at most 100 bytes");
    return;
  }
  q->q_pattern = malloc(2 * n + 3);
  if (q->q_pattern == NULL) return;
  q->q_pattern[used++] = '%';
  for (const char *p = v; *p; p++) {
    if (*p == '%' || *p == '_' || *p == '\\') q->q_pattern[used++] = '\\';
    q->q_pattern[used++] = *p;
  }
  q->q_pattern[used++] = '%';
  q->q_pattern[used] = '\0';
}

static void parse_limit(const char *v, struct cases_list_query *q, struct cs_refusal *err) {
  char *end = NULL;
  long n;
  q->limit = 50;
  if (v == NULL) return;
  n = strtol(v, &end, 10);
  if (end == v || *end != '\0' || n < 1 || n > 200)
    cs_refusal_field(err, "limit", FIELD_OUT_OF_RANGE, "must be an integer between 1 and 200");
  else
    q->limit = n;
}

/* cursor: {"sort", "at", "id"} of the last case of the previous page, in the same order. */
static void parse_cursor(const char *v, struct cases_list_query *q, struct cs_refusal *err) {
  json_t *pos;
  const char *sort, *at, *id;
  if (v == NULL) return;
  pos = paging_cursor_decode(v);
  sort = json_string_value(json_object_get(pos, "sort"));
  at = json_string_value(json_object_get(pos, "at"));
  id = json_string_value(json_object_get(pos, "id"));
  if (sort == NULL || !ids_is_timestamp(at) || strlen(at) >= sizeof(q->after_time) ||
      !ids_is_uuid(id)) {
    cs_refusal_field(err, "cursor", FIELD_FORMAT,
                     "must be a next_cursor value from a previous page");
  } else if (strcmp(sort, q->sort_updated ? "updated" : "created") != 0) {
    cs_refusal_field(err, "cursor", FIELD_NOT_ALLOWED, "belongs to a list in another sort order");
  } else {
    snprintf(q->after_time, sizeof(q->after_time), "%s", at);
    snprintf(q->after_id, sizeof(q->after_id), "%s", id);
  }
  json_decref(pos);
}

/* The filters on values (as opposed to the caller): status, type, search, user, reminder. */
static void parse_value_filters(const struct _u_map *params, const struct cases_caller *c,
                                struct cases_list_query *q, struct cs_refusal *err) {
  const char *v;
  if ((v = u_map_get(params, "status")) != NULL) parse_statuses(v, q, err);
  if ((v = u_map_get(params, "damage_type")) != NULL && !cases_code_valid(v))
    cs_refusal_field(err, "damage_type", FIELD_FORMAT, "must match ^[a-z][a-z_]{0,39}$");
  else
    q->damage_type = v;
  if ((v = u_map_get(params, "q")) != NULL) parse_search(v, q, err);
  if ((v = u_map_get(params, "updated_since")) != NULL &&
      cs_refusal_timestamp_param(err, "updated_since", v))
    snprintf(q->updated_since, sizeof(q->updated_since), "%s", v);
  if ((v = u_map_get(params, "user_id")) != NULL && !ids_is_uuid(v))
    cs_refusal_field(err, "user_id", FIELD_FORMAT, "must be a user id (UUID)");
  else
    q->user_id = v;
  if ((v = u_map_get(params, "reminder")) != NULL && !ONE_OF(v, reminders))
    cs_refusal_field(err, "reminder", FIELD_NOT_ALLOWED, "must be today, tomorrow or later");
  else
    q->reminder = v;
  q->ech_user = user_param(params, "external_case_handler", c, err);
  q->case_handler = user_param(params, "case_handler", c, err);
  q->has_ech = boolean_param(params, "has_external_case_handler", err);
}

/* The filters relative to the caller: action required, my tasks, money awaiting it, unread
 * chat. */
static void parse_caller_filters(const struct _u_map *params, const struct cases_caller *c,
                                 struct cases_list_query *q, struct cs_refusal *err) {
  const char *v;
  q->action_required = boolean_param(params, "action_required", err);
  if ((v = u_map_get(params, "action_reason")) != NULL && !ONE_OF(v, action_reasons))
    cs_refusal_field(err, "action_reason", FIELD_NOT_ALLOWED,
                     "must be task_awaiting_office, task_awaiting_user or "
                     "external_case_handler_awaiting_user");
  else
    q->action_reason = v;
  q->my_tasks = boolean_param(params, "my_tasks", err);
  q->my_open_tasks = boolean_param(params, "my_open_tasks", err);
  q->unread_chat = boolean_param(params, "unread_chat", err);
  q->partner_uploads = boolean_param(params, "partner_uploads", err);
  q->rfq_open = boolean_param(params, "rfq_open", err);
  q->temporary = boolean_param(params, "temporary", err);
  q->customer_contact = boolean_param(params, "customer_contact", err);
  static const char no_tasks[] = "concerns a user; an API client holds no tasks or roles";
  const char *me1 = caller_user(q->my_tasks, "my_tasks", no_tasks, c, err);
  const char *me2 = caller_user(q->my_open_tasks, "my_open_tasks", no_tasks, c, err);
  /* an API client reads the chat as no user (the dashboard has no such row for it) */
  const char *me3 = caller_user(q->unread_chat, "unread_chat",
                                "concerns what a user has read; an API client is no user", c, err);
  q->me = me1 != NULL && me2 != NULL && me3 != NULL ? c->sub : NULL;
  q->budget_waiting = boolean_param(params, "budget_awaiting_approval", err);
  q->budget_rejected = boolean_param(params, "budget_rejected", err);
  q->invoice_waiting = boolean_param(params, "invoice_awaiting_approval", err);
}

static void parse_order(const struct _u_map *params, struct cases_list_query *q,
                        struct cs_refusal *err) {
  const char *v = u_map_get(params, "sort");
  if (v != NULL && strcmp(v, "created") != 0 && strcmp(v, "updated") != 0)
    cs_refusal_field(err, "sort", FIELD_NOT_ALLOWED, "must be created or updated");
  q->sort_updated = v != NULL && !strcmp(v, "updated");
  parse_limit(u_map_get(params, "limit"), q, err);
  parse_cursor(u_map_get(params, "cursor"), q, err);
}

int cases_list_query_parse(const struct _u_map *params, const struct cases_caller *c,
                           struct cases_list_query *q, struct cs_refusal *err) {
  memset(q, 0, sizeof(*q));
  unknown_params(params, err);
  parse_value_filters(params, c, q, err);
  parse_caller_filters(params, c, q, err);
  parse_order(params, q, err);
  if (json_array_size(err->errors) > 0)
    return cs_refuse(err, PROBLEM_INVALID_PARAMETER, "the query has invalid parameters");
  if (u_map_get(params, "q") != NULL && u_map_get(params, "q")[0] != '\0' && q->q_pattern == NULL)
    return cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
  return CS_OK;
}

void cases_list_query_clear(struct cases_list_query *q) {
  if (q == NULL) return;
  free(q->q_pattern);
  q->q_pattern = NULL;
}

/* ---- pages ------------------------------------------------------------------------------- */

/* The position after the last item shown: the sort, its time and id. */
static json_t *list_position(const json_t *last, const void *arg) {
  int sort_updated = *(const int *)arg;
  const char *key = sort_updated ? "updated_at" : "created_at";
  return json_pack("{s:s, s:O, s:O}", "sort", sort_updated ? "updated" : "created", "at",
                   json_object_get(last, key), "id", json_object_get(last, "id"));
}

int cases_list_page(PGconn *conn, const struct cases_caller *c, const struct cases_list_query *q,
                    char **page, struct cs_refusal *err) {
  struct cases_scope scope;
  struct cases_approver approver;
  struct cases_store_page rows = {0};
  /* only the filters of what awaits the caller's approval ask who it is as an approver */
  int approving = q->budget_waiting != NULL || q->invoice_waiting != NULL;
  int rc = CS_REFUSED;

  *page = NULL;
  if (cases_scope_init(&scope, c) != CS_OK) {
    cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
    goto done;
  }
  if (approving && cases_approver_init(conn, c, &approver) != CS_OK) {
    cases_policy_failed(err);
    goto done;
  }
  rc = cases_store_list(conn, &scope, q, approving ? &approver : NULL, &rows, err->sqlstate);
  if (rc == CS_ERR_DB) {
    rc = cs_refusal_db(err);
    goto done;
  }
  if (rc == CS_OK) *page = paging_page_text(rows.items, rows.last, list_position, &q->sort_updated);
  if (*page == NULL) {
    rc = cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
    goto done;
  }
  rc = CS_OK;
done:
  cases_store_page_clear(&rows);
  cases_scope_clear(&scope);
  return rc;
}
