/* The domain of authority: who may change role definitions and portal settings, what a valid
 * change is, and the decision point (the pure rules are in authority.c). SQL lives in
 * store_authority.c, HTTP in http_authority.c. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authority.h"
#include "authority_internal.h"
#include "bus.h"
#include "db.h"
#include "fields.h"
#include "ids.h"
#include "log.h"
#include "org_caller.h"
#include "paging.h"
#include "decision.h"
#include "status.h"
#include "store_authority.h"

/* The token's principal as the database says now (policy_org_caller_refresh): CS_OK with *c,
 * POLICY_AUTHORITY_GONE when it may no longer act in the token's portal for the token's
 * company, CS_ERR_DB. */
static int current_caller(PGconn *conn, const json_t *claims, struct policy_org_caller *c) {
  if (policy_org_caller_from_claims(claims, c) != CS_OK) return POLICY_AUTHORITY_GONE;
  int rc = policy_org_caller_refresh(conn, c);
  return rc == CS_ERR_NOT_FOUND ? POLICY_AUTHORITY_GONE : rc;
}

int policy_authority_admin_check(PGconn *conn, const json_t *claims) {
  struct policy_org_caller c;
  const char *kind = json_string_value(json_object_get(claims, "kind"));
  /* an API client is never the admin: no query for it */
  if (kind == NULL || strcmp(kind, "user") != 0) return POLICY_AUTHORITY_NOT_ADMIN;
  int rc = current_caller(conn, claims, &c);
  if (rc != CS_OK) return rc;
  return policy_org_is_insurer_admin(&c) ? CS_OK : POLICY_AUTHORITY_NOT_ADMIN;
}

int policy_authority_caller_check(PGconn *conn, const json_t *claims) {
  struct policy_org_caller c;
  return current_caller(conn, claims, &c);
}

const char *policy_authority_portal(const json_t *claims) {
  return json_string_value(json_object_get(claims, "portal_id"));
}

/* ---- role definitions ------------------------------------------------------------------ */

static json_t *role_json(const char *portal_id, const char *role, json_t *rights, int version) {
  return json_pack("{s:s, s:s, s:o, s:i}", "portal_id", portal_id, "role", role, "rights", rights,
                   "version", version);
}

int policy_authority_role_get(PGconn *conn, const char *portal_id, const char *role, json_t **out) {
  json_t *rights = NULL;
  int version = 0, rc;

  *out = NULL;
  if ((rc = policy_store_role_get(conn, portal_id, role, 0, &rights, &version)) != CS_OK) return rc;
  if ((*out = role_json(portal_id, role, rights, version)) == NULL) return CS_ERR_NOMEM;
  return CS_OK;
}

/* A store result as a refusal: CS_OK stays, CS_ERR_NOT_FOUND is "no such <what>", anything
 * else a database failure (the failed statement's SQLSTATE answers it). */
static int refusal_of(int rc, struct cs_refusal *err, const char *what) {
  if (rc == CS_OK) return CS_OK;
  if (rc == CS_ERR_NOT_FOUND) return cs_refuse(err, PROBLEM_NOT_FOUND, "no such %s", what);
  if (rc == CS_ERR_NOMEM) return cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
  return cs_refusal_db(err);
}

void policy_authority_role_rules(const json_t *body, struct cs_refusal *err) {
  size_t i;
  const json_t *v;
  char msg[200], field[32];
  json_array_foreach(json_object_get(body, "rights"), i, v) {
    snprintf(field, sizeof(field), "rights/%zu", i);
    if (!json_is_string(v)) {
      cs_refusal_field(err, field, FIELD_WRONG_TYPE, "must be a string");
    } else if (authority_right_index(json_string_value(v)) < 0) {
      snprintf(msg, sizeof(msg), "'%.100s' is not a known right", json_string_value(v));
      cs_refusal_field(err, field, FIELD_NOT_ALLOWED, msg);
    }
  }
}

/* The known rights of a valid body as a sorted array without duplicates: new, NULL when out of
 * memory. */
static json_t *canonical_rights(const json_t *rights) {
  int have[AUTHORITY_RIGHT_COUNT] = {0};
  size_t i;
  const json_t *v;
  json_array_foreach(rights, i, v) {
    int idx = authority_right_index(json_string_value(v));
    if (idx >= 0) have[idx] = 1;
  }
  /* sorted by name: pick the smallest remaining each time (16 names) */
  json_t *out = json_array();
  if (out == NULL) return NULL;
  for (;;) {
    int best = -1;
    for (int k = 0; k < AUTHORITY_RIGHT_COUNT; k++)
      if (have[k] &&
          (best < 0 || strcmp(authority_right_names[k], authority_right_names[best]) < 0))
        best = k;
    if (best < 0) break;
    have[best] = 0;
    json_array_append_new(out, json_string(authority_right_names[best]));
  }
  return out;
}

/* The role's version into *version, its row locked when for_update. */
static int role_version(PGconn *conn, struct write_call *w, int for_update, long long *version) {
  const struct policy_authority_op *op = w->op;
  json_t *rights = NULL;
  int v = 0, rc = policy_store_role_get(conn, op->portal_id, op->role, for_update, &rights, &v);
  json_decref(rights);
  *version = v;
  return refusal_of(rc, &w->err, "role");
}

int policy_authority_role_read(PGconn *conn, struct write_call *w, long long *version) {
  return role_version(conn, w, 0, version);
}

int policy_authority_role_lock(PGconn *conn, struct write_call *w, long long *version) {
  struct policy_authority_op *op = w->op;
  /* the advisory lock covers a role without a row yet (nothing to lock FOR UPDATE) */
  int rc = policy_store_role_lock(conn, op->portal_id, op->role);
  if (rc != CS_OK) return refusal_of(rc, &w->err, "role");
  rc = role_version(conn, w, 1, version);
  op->locked_version = *version;
  return rc;
}

int policy_authority_role_apply(PGconn *conn, struct write_call *w) {
  const struct policy_authority_op *op = w->op;
  json_t *sorted = canonical_rights(json_object_get(w->body, "rights")), *event = NULL;
  char aggregate[96];
  int version = 0, rc;

  if (sorted == NULL) return refusal_of(CS_ERR_NOMEM, &w->err, "role");
  if ((rc = refusal_of(policy_store_role_put(conn, op->portal_id, op->role, sorted,
                                             (int)op->locked_version, &version),
                       &w->err, "role")) != CS_OK)
    goto done;
  event = json_pack("{s:s, s:s, s:O, s:i}", "portal_id", op->portal_id, "role", op->role, "rights",
                    sorted, "version", version);
  snprintf(aggregate, sizeof(aggregate), "%s/%s", op->portal_id, op->role);
  if ((rc = write_event(conn, &w->err, "role.updated", op->portal_id, aggregate,
                        json_incref(event))) != CS_OK)
    goto done;
  w->result = role_json(op->portal_id, op->role, sorted, version);
  sorted = NULL;
  rc = w->result != NULL ? CS_OK : refusal_of(CS_ERR_NOMEM, &w->err, "role");
done:
  json_decref(sorted);
  json_decref(event);
  return rc;
}

/* ---- portal settings ------------------------------------------------------------------- */

int policy_authority_settings_get(PGconn *conn, const char *portal_id, json_t **out) {
  return policy_store_settings_get(conn, portal_id, 0, out);
}

/* "HH:MM" (00..23, 00..59) into minutes after midnight, -1 when malformed. */
static int hhmm(const char *s) {
  if (s == NULL || strlen(s) != 5 || s[2] != ':' || !isdigit((unsigned char)s[0]) ||
      !isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[3]) ||
      !isdigit((unsigned char)s[4]))
    return -1;
  int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
  return h < 24 && m < 60 ? h * 60 + m : -1;
}

/* Each element of the array arr (borrowed) judged by ok: the message of a bad one under
 * <name>/<index> with code, a wrong type as wrong_type. */
static void check_elements(const json_t *arr, const char *name, int (*ok)(const json_t *),
                           int is_string, enum field_code code, const char *message,
                           struct cs_refusal *err) {
  const json_t *d;
  char field[48];
  size_t i;
  json_array_foreach(arr, i, d) {
    snprintf(field, sizeof(field), "%s/%zu", name, i);
    if (is_string ? !json_is_string(d) : !json_is_integer(d))
      cs_refusal_field(err, field, FIELD_WRONG_TYPE,
                       is_string ? "must be a string" : "must be an integer");
    else if (!ok(d))
      cs_refusal_field(err, field, code, message);
  }
}

static int weekday_ok(const json_t *d) {
  return json_integer_value(d) >= 1 && json_integer_value(d) <= 7;
}

static int date_ok(const json_t *d) { return ids_is_date(json_string_value(d)); }

/* office_hours/<member>: a time "HH:MM" in minutes after midnight, -1 when absent or bad (said
 * in err). */
static int office_time(const json_t *hours, const char *member, struct cs_refusal *err) {
  const json_t *t = json_object_get(hours, member);
  char field[32];
  int m = hhmm(json_string_value(t));
  snprintf(field, sizeof(field), "office_hours/%s", member);
  if (t == NULL || json_is_null(t))
    cs_refusal_field(err, field, FIELD_REQUIRED, "is required");
  else if (!json_is_string(t))
    cs_refusal_field(err, field, FIELD_WRONG_TYPE, "must be a string");
  else if (m < 0)
    cs_refusal_field(err, field, FIELD_FORMAT, "must be a time HH:MM");
  return m;
}

void policy_authority_settings_rules(const json_t *patch, struct cs_refusal *err) {
  const char *key;
  const json_t *v;
  char field[96];

  json_object_foreach((json_t *)patch, key, v) {
    if (json_is_null(v)) cs_refusal_field(err, key, FIELD_REQUIRED, "must not be null");
  }
  v = json_object_get(patch, "name");
  if (json_is_string(v) && json_string_length(v) == 0)
    cs_refusal_field(err, "name", FIELD_REQUIRED, "must not be empty");
  v = json_object_get(patch, "timezone");
  if (json_is_string(v) && json_string_length(v) == 0)
    cs_refusal_field(err, "timezone", FIELD_REQUIRED, "must be an IANA time zone name");
  v = json_object_get(patch, "office_hours");
  if (json_is_object(v)) {
    int s = office_time(v, "start", err), e = office_time(v, "end", err);
    const json_t *m;
    if (s >= 0 && e >= 0 && s >= e)
      cs_refusal_field(err, "office_hours", FIELD_INVALID, "start must be before end");
    json_object_foreach((json_t *)v, key, m) {
      if (strcmp(key, "start") != 0 && strcmp(key, "end") != 0) {
        snprintf(field, sizeof(field), "office_hours/%.60s", key);
        cs_refusal_field(err, field, FIELD_UNKNOWN_FIELD, "is not a known field");
      }
    }
  }
  v = json_object_get(patch, "office_days");
  if (json_is_array(v) && json_array_size(v) == 0)
    cs_refusal_field(err, "office_days", FIELD_REQUIRED, "must name at least one ISO weekday");
  check_elements(v, "office_days", weekday_ok, 0, FIELD_OUT_OF_RANGE, "must be an ISO weekday 1..7",
                 err);
  check_elements(json_object_get(patch, "public_holidays"), "public_holidays", date_ok, 1,
                 FIELD_FORMAT, "must be a date (YYYY-MM-DD)", err);
  v = json_object_get(patch, "temporary_cases_report");
  if (json_is_string(v) && strcmp(json_string_value(v), "weekly") != 0 &&
      strcmp(json_string_value(v), "monthly") != 0)
    cs_refusal_field(err, "temporary_cases_report", FIELD_NOT_ALLOWED, "must be weekly or monthly");
  v = json_object_get(patch, "default_budget_limit");
  if (json_is_integer(v) && json_integer_value(v) < 0)
    cs_refusal_field(err, "default_budget_limit", FIELD_OUT_OF_RANGE,
                     "must be an integer >= 0 (minor units)");
  v = json_object_get(patch, "currency");
  if (json_is_string(v)) {
    const char *c = json_string_value(v);
    if (strlen(c) != 3 || !isupper((unsigned char)c[0]) || !isupper((unsigned char)c[1]) ||
        !isupper((unsigned char)c[2]) || (c[0] | c[1] | c[2]) & 0x80)
      cs_refusal_field(err, "currency", FIELD_FORMAT,
                       "must be an ISO 4217 code (three capital letters)");
  }
}

int policy_authority_settings_check(PGconn *conn, const json_t *patch, struct cs_refusal *err) {
  const json_t *tz = json_object_get(patch, "timezone");
  int known = 0, rc;
  policy_authority_settings_rules(patch, err);
  if (!json_is_string(tz) || json_string_length(tz) == 0) return CS_OK;
  if ((rc = policy_store_timezone_known(conn, json_string_value(tz), &known)) != CS_OK)
    return refusal_of(rc, err, "portal");
  if (!known) cs_refusal_field(err, "timezone", FIELD_NOT_FOUND, "is not a known IANA time zone");
  return CS_OK;
}

/* The settings' version into *version, the row locked when for_update. */
static int settings_version(PGconn *conn, struct write_call *w, int for_update,
                            long long *version) {
  const struct policy_authority_op *op = w->op;
  json_t *current = NULL;
  int rc = policy_store_settings_get(conn, op->portal_id, for_update, &current);
  *version = json_integer_value(json_object_get(current, "version"));
  json_decref(current);
  return refusal_of(rc, &w->err, "portal");
}

int policy_authority_settings_read(PGconn *conn, struct write_call *w, long long *version) {
  return settings_version(conn, w, 0, version);
}

int policy_authority_settings_lock(PGconn *conn, struct write_call *w, long long *version) {
  return settings_version(conn, w, 1, version);
}

int policy_authority_settings_apply(PGconn *conn, struct write_call *w) {
  const struct policy_authority_op *op = w->op;
  json_t *out = NULL;
  int rc = policy_store_settings_update(conn, op->portal_id, w->body, &out, w->err.sqlstate);
  /* a value the table's constraints or the date parser refuse */
  if (rc == CS_ERR_DB && (!strcmp(w->err.sqlstate, "23514") || !strcmp(w->err.sqlstate, "22007") ||
                          !strcmp(w->err.sqlstate, "22008"))) {
    memset(w->err.sqlstate, 0, sizeof(w->err.sqlstate));
    cs_refusal_field(&w->err, "settings", FIELD_OUT_OF_RANGE, "a value is out of range");
    return cs_refusal_validation(&w->err);
  }
  if ((rc = refusal_of(rc, &w->err, "portal")) != CS_OK) return rc;
  if ((rc = write_event(conn, &w->err, "portal.updated", op->portal_id, op->portal_id,
                        json_incref(out))) != CS_OK) {
    json_decref(out);
    return rc;
  }
  w->result = out;
  return CS_OK;
}

/* ---- decisions ------------------------------------------------------------------------- */

/* The most actions one batch may ask about. */
#define AUTHORIZE_MAX_ACTIONS 32

/* action or actions, exactly one of them: checked in authorize_parse */
static const struct http_field authorize_fields[] = {
    {"user_id", HTTP_FIELD_UUID, 1, 0},     {"action", HTTP_FIELD_STRING, 0, 100},
    {"actions", HTTP_FIELD_ARRAY, 0, 0},    {"portal_id", HTTP_FIELD_UUID, 1, 0},
    {"case_roles", HTTP_FIELD_ARRAY, 0, 0}, {"amount", HTTP_FIELD_INTEGER, 0, 0},
};

/* "<what>; valid actions: a, b, ..." on field, listing every action. */
static void unknown_action(struct cs_refusal *err, const char *field, const char *what) {
  char msg[1024];
  size_t n = (size_t)snprintf(msg, sizeof(msg), "%s; valid actions:", what);
  for (int i = 0; i < AUTHORITY_RIGHT_COUNT && n < sizeof(msg); i++)
    n += (size_t)snprintf(msg + n, sizeof(msg) - n, " %s,", authority_right_names[i]);
  for (int i = 0; i < AUTHORITY_ALWAYS_COUNT && n < sizeof(msg); i++)
    n += (size_t)snprintf(msg + n, sizeof(msg) - n, " %s%s", authority_always_actions[i],
                          i + 1 < AUTHORITY_ALWAYS_COUNT ? "," : "");
  cs_refusal_field(err, field, FIELD_INVALID, msg);
}

/* A right mask from a definition's names (unknown names stored earlier are ignored). */
static unsigned mask_of(const json_t *names) {
  unsigned m = 0;
  size_t i;
  const json_t *v;
  json_array_foreach(names, i, v) {
    int idx = authority_right_index(json_string_value(v));
    if (idx >= 0) m |= 1u << idx;
  }
  return m;
}

/* A POST /internal/authorize request; strings borrowed from the body. */
struct authorize_request {
  const char *user_id, *portal_id;
  const char *actions[AUTHORIZE_MAX_ACTIONS]; /* the one action, or the batch's in order */
  size_t nactions;
  int batch;          /* "actions" given */
  unsigned role_mask; /* bit r: case role r given */
  json_t *roles;      /* the case_roles given, an array (new reference) */
  int has_amount;
  long long amount; /* 0 when absent */
};

/* The "actions" of a batch (an array) into r, in order; one error names every bad element. */
static void batch_actions(const json_t *actions, struct authorize_request *r,
                          struct cs_refusal *err) {
  char text[220], bad[160] = ""; /* 32 indexes fit */
  size_t i, used = 0, nbad = 0;
  const json_t *v;

  r->batch = 1;
  if (json_array_size(actions) < 1 || json_array_size(actions) > AUTHORIZE_MAX_ACTIONS) {
    snprintf(text, sizeof(text), "must hold 1 to %d actions", AUTHORIZE_MAX_ACTIONS);
    cs_refusal_field(err, "actions", FIELD_INVALID, text);
    return;
  }
  json_array_foreach(actions, i, v) {
    if (authority_action_known(json_string_value(v))) {
      r->actions[r->nactions++] = json_string_value(v);
      continue;
    }
    if (used < sizeof(bad))
      used += (size_t)snprintf(bad + used, sizeof(bad) - used, "%s%zu", nbad ? ", " : "", i);
    nbad++;
  }
  if (nbad == 0) return;
  snprintf(text, sizeof(text),
           nbad > 1 ? "elements %s are not known actions" : "element %s is not a known action",
           bad);
  unknown_action(err, "actions", text);
}

/* Reads body into *r, adding what is wrong to err (the field checks are done already).
 * CS_OK or CS_ERR_NOMEM; r->roles must be released either way. */
static int authorize_parse(const json_t *body, struct authorize_request *r,
                           struct cs_refusal *err) {
  const json_t *action = json_object_get(body, "action"),
               *actions = json_object_get(body, "actions");
  const json_t *v;
  size_t i;

  memset(r, 0, sizeof(*r));
  r->user_id = json_string_value(json_object_get(body, "user_id"));
  r->portal_id = json_string_value(json_object_get(body, "portal_id"));
  if (json_is_null(action)) action = NULL;
  if (json_is_null(actions)) actions = NULL;
  if (action != NULL && actions != NULL) {
    cs_refusal_field(err, "actions", FIELD_INVALID,
                     "must not be given with action: ask for one or the other");
  } else if (action == NULL && actions == NULL) {
    cs_refusal_field(err, "action", FIELD_REQUIRED, "is required (or actions, a list of actions)");
  } else if (json_is_string(action)) {
    r->actions[r->nactions++] = json_string_value(action);
    if (!authority_action_known(r->actions[0]))
      unknown_action(err, "action", "is not a known action");
  } else if (json_is_array(actions)) {
    batch_actions(actions, r, err);
  }

  v = json_object_get(body, "case_roles");
  r->roles = json_is_array(v) ? json_incref((json_t *)v) : json_array();
  if (r->roles == NULL) return CS_ERR_NOMEM;
  json_array_foreach(r->roles, i, v) {
    int role = authority_role_index(json_string_value(v));
    if (role < 0) {
      char field[40];
      snprintf(field, sizeof(field), "case_roles/%zu", i);
      cs_refusal_field(err, field, FIELD_NOT_ALLOWED,
                       "is not a case role (external_case_handler, project_manager, "
                       "inspector_extra_authority)");
    } else {
      r->role_mask |= 1u << role;
    }
  }

  v = json_object_get(body, "amount");
  r->has_amount = json_is_integer(v);
  if (r->has_amount) r->amount = json_integer_value(v);
  if (r->has_amount && r->amount < 0)
    cs_refusal_field(err, "amount", FIELD_OUT_OF_RANGE, "must be >= 0 (minor units)");
  /* A batch without an amount asks approve_budget for 0, so its answer carries the whole
   * remaining limit; the single form must say how much is to be approved. */
  if (!r->batch && r->nactions == 1 && !strcmp(r->actions[0], "approve_budget") && !r->has_amount &&
      (v == NULL || json_is_null(v)))
    cs_refusal_field(err, "amount", FIELD_REQUIRED, "is required for approve_budget");
  return CS_OK;
}

/* Reads what the decisions of r are made of, once for all of its actions: the user's facts and
 * the portal's role definitions (one statement), into *in (in->action left for the caller). */
static int authorize_facts(PGconn *conn, const struct authorize_request *r,
                           struct authority_input *in) {
  struct policy_store_principal p;
  int rc;

  memset(in, 0, sizeof(*in));
  if ((rc = policy_store_principal_get(conn, r->user_id, r->portal_id, &p)) != CS_OK) return rc;
  in->user_in_portal = p.found && p.in_portal;
  in->user_active = p.active;
  in->insurer = p.insurer;
  in->marked_external = p.marked_external;
  in->role_mask = r->role_mask;
  /* no definitions without the user's row: authority_decide denies a user not in the portal first
   */
  for (int role = 0; role < AUTHORITY_ROLE_COUNT; role++)
    in->definitions[role] =
        mask_of(json_object_get(p.role_definitions, authority_role_names[role]));
  in->amount = r->amount;
  in->has_own_limit = p.has_own_limit;
  in->own_limit = p.own_limit;
  in->default_limit = p.default_limit;
  json_decref(p.role_definitions);
  return CS_OK;
}

/* {["action",] allow, reason[, limit_remaining]} of one decision, new (NULL: out of memory).
 * action NULL leaves the member out (the single form). */
static json_t *decision_json(const char *action, const struct authority_decision *d) {
  json_t *o = action != NULL ? json_pack("{s:s, s:b, s:s}", "action", action, "allow", d->allow,
                                         "reason", d->reason)
                             : json_pack("{s:b, s:s}", "allow", d->allow, "reason", d->reason);
  if (o != NULL && d->has_limit_remaining)
    json_object_set_new(o, "limit_remaining", json_integer((json_int_t)d->limit_remaining));
  return o;
}

int policy_authority_authorize(PGconn *conn, const json_t *body, json_t **out,
                               struct cs_refusal *err) {
  struct authorize_request r = {0};
  struct authority_input in;
  struct authority_decision d;
  json_t *decisions = NULL;
  int rc;

  *out = NULL;
  err->errors = http_validate_errors(body, authorize_fields,
                                     sizeof(authorize_fields) / sizeof(authorize_fields[0]));
  if (err->errors == NULL) return CS_ERR_NOMEM;
  if ((rc = authorize_parse(body, &r, err)) != CS_OK) goto done;
  if (json_array_size(err->errors) > 0) {
    rc = CS_ERR_INVALID;
    goto done;
  }
  if ((rc = authorize_facts(conn, &r, &in)) != CS_OK) goto done;

  if (!r.batch) {
    in.action = r.actions[0];
    authority_decide(&in, &d);
    if ((rc = policy_store_decision_add(conn, r.portal_id, r.user_id, in.action, d.allow, d.reason,
                                        r.roles, r.has_amount ? &r.amount : NULL,
                                        d.has_limit_remaining ? &d.limit_remaining : NULL)) !=
        CS_OK)
      goto done;
    *out = decision_json(NULL, &d);
  } else {
    /* A batch answers "what could this user do" (which buttons to draw), not a decision to
     * act on: the guarded action asks again, alone, when it happens, and that one is logged.
     * So nothing is written to the decision log here. */
    if ((decisions = json_array()) == NULL) {
      rc = CS_ERR_NOMEM;
      goto done;
    }
    for (size_t i = 0; i < r.nactions; i++) {
      in.action = r.actions[i];
      authority_decide(&in, &d);
      if (json_array_append_new(decisions, decision_json(in.action, &d)) != 0) {
        rc = CS_ERR_NOMEM;
        goto done;
      }
    }
    *out = json_pack("{s:O}", "decisions", decisions);
  }
  rc = *out != NULL ? CS_OK : CS_ERR_NOMEM;
done:
  json_decref(decisions);
  json_decref(r.roles);
  return rc;
}

/* The position after a decision: its id as a number, newest first. */
static json_t *decision_position(const json_t *last, const void *arg) {
  const char *id = json_string_value(json_object_get(last, "id"));
  (void)arg;
  return json_pack("{s:I}", "before", (json_int_t)(id != NULL ? strtoll(id, NULL, 10) : 0));
}

int policy_authority_log(PGconn *conn, const char *portal_id,
                         const struct policy_store_decision_filter *f, const json_t *pos,
                         long limit, json_t **page) {
  struct policy_store_decision_filter filter = *f;
  json_t *all = NULL;
  char before[24];
  int rc;

  *page = NULL;
  if (pos != NULL) {
    const json_t *id = json_object_get(pos, "before");
    if (!json_is_integer(id) || json_integer_value(id) < 1) return CS_ERR_INVALID;
    snprintf(before, sizeof(before), "%lld", (long long)json_integer_value(id));
    filter.before_id = before;
  }
  if ((rc = policy_store_decisions_list(conn, portal_id, &filter, limit + 1, &all)) != CS_OK)
    return rc;
  *page = paging_page(all, limit, decision_position, NULL);
  return *page != NULL ? CS_OK : CS_ERR_NOMEM;
}

/* ---- decisions made elsewhere ------------------------------------------------------------ */

int policy_authority_record(PGconn *conn, const json_t *event) {
  const char *type = json_string_value(json_object_get(event, "type"));
  if (type == NULL || strcmp(type, "authority.decided") != 0) return 0;
  const json_t *d = json_object_get(event, "data");
  const char *portal_id = json_string_value(json_object_get(d, "portal_id"));
  const char *user_id = json_string_value(json_object_get(d, "user_id"));
  const char *action = json_string_value(json_object_get(d, "action"));
  const char *reason = json_string_value(json_object_get(d, "reason"));
  const json_t *roles = json_object_get(d, "case_roles");
  const json_t *amount = json_object_get(d, "amount"),
               *left = json_object_get(d, "limit_remaining");
  long long amount_v = json_integer_value(amount), left_v = json_integer_value(left);
  if (!ids_is_uuid(portal_id) || action == NULL || reason == NULL || !json_is_array(roles)) {
    log_error("authority.decided event %s is malformed; not logged",
              json_string_value(json_object_get(event, "id")));
    return 0; /* retrying cannot mend it */
  }
  return policy_store_decision_add(conn, portal_id, ids_is_uuid(user_id) ? user_id : NULL, action,
                                   json_is_true(json_object_get(d, "allow")), reason, roles,
                                   json_is_integer(amount) ? &amount_v : NULL,
                                   json_is_integer(left) ? &left_v : NULL) == CS_OK
             ? 0
             : 1;
}
