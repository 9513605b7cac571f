/* The case resource's rules (see cases.h). */
#include "cases.h"

#include <math.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "ids.h"
#include "status.h"
#include "store_cases.h"
#include "store_core.h"
#include "tasks.h"

/* The editable members of a case document. */
static const char *const editable[] = {
    "claim_number", "damage_type", "damage_date",  "address",       "case_handler_id",
    "contacts",     "description", "external_ref", "reminder_date", "deductible"};
#define EDITABLE_COUNT (sizeof(editable) / sizeof(editable[0]))

static int is_country_code(const char *s) { /* ISO 3166 alpha-2: two capitals */
  return s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && s[2] == '\0';
}

static int space_at_either_end(const char *s) {
  size_t n = strlen(s);
  return n > 0 && (isspace((unsigned char)s[0]) || isspace((unsigned char)s[n - 1]));
}

static void check_text(const json_t *o, const char *key, const char *field, size_t max,
                       struct cs_refusal *err) {
  const json_t *v = json_object_get(o, key);
  char msg[80];
  if (v == NULL || json_is_null(v)) return;
  if (!json_is_string(v)) {
    cs_refusal_field(err, field, FIELD_WRONG_TYPE, "must be a string");
  } else if (json_string_length(v) > max) {
    snprintf(msg, sizeof(msg), "must be at most %zu bytes long", max);
    cs_refusal_field(err, field, FIELD_TOO_LONG, msg);
  }
}

/* A coordinate of the address: a number within limit. */
static void check_coordinate(const json_t *v, const char *field, double limit,
                             struct cs_refusal *err) {
  char msg[64];
  if (v == NULL || json_is_null(v)) return;
  if (!json_is_number(v)) {
    cs_refusal_field(err, field, FIELD_WRONG_TYPE, "must be a number");
  } else if (fabs(json_number_value(v)) > limit) {
    snprintf(msg, sizeof(msg), "must be a number from -%.0f to %.0f", limit, limit);
    cs_refusal_field(err, field, FIELD_OUT_OF_RANGE, msg);
  }
}

/* The address object a; whole: it is the case's address as it will be (not a PATCH's part of
 * it), so that latitude and longitude must come together. */
static void check_address(const json_t *a, int whole, struct cs_refusal *err) {
  static const char *const known[] = {"street",  "postal_code", "city",
                                      "country", "latitude",    "longitude"};
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)a, key, v) {
    size_t i = 0;
    while (i < 6 && strcmp(known[i], key) != 0) i++;
    if (i == 6) {
      char field[96];
      snprintf(field, sizeof(field), "address/%.60s", key);
      cs_refusal_field(err, field, FIELD_UNKNOWN_FIELD, "is not a known field");
    }
  }
  check_text(a, "street", "address/street", 200, err);
  check_text(a, "postal_code", "address/postal_code", 20, err);
  check_text(a, "city", "address/city", 100, err);
  const json_t *country = json_object_get(a, "country");
  if (json_is_string(country) && !is_country_code(json_string_value(country)))
    cs_refusal_field(err, "address/country", FIELD_FORMAT,
                     "must be an ISO 3166 alpha-2 code such as SE");
  else if (country != NULL && !json_is_null(country) && !json_is_string(country))
    cs_refusal_field(err, "address/country", FIELD_WRONG_TYPE, "must be a string");
  const json_t *lat = json_object_get(a, "latitude"), *lon = json_object_get(a, "longitude");
  int has_lat = lat != NULL && !json_is_null(lat), has_lon = lon != NULL && !json_is_null(lon);
  if (whole && has_lat != has_lon)
    cs_refusal_field(err, "address", FIELD_INVALID, "latitude and longitude go together");
  check_coordinate(lat, "address/latitude", 90, err);
  check_coordinate(lon, "address/longitude", 180, err);
}

/* Each contact's errors name the member: contacts/0/email. */
static void check_contact(const json_t *c, const char *field, struct cs_refusal *err) {
  const json_t *kind = json_object_get(c, "kind"), *name = json_object_get(c, "name");
  const char *email = json_string_value(json_object_get(c, "email"));
  const char *key;
  const json_t *v;
  char member[112];
  json_object_foreach((json_t *)c, key, v) {
    if (strcmp(key, "kind") && strcmp(key, "name") && strcmp(key, "phone") &&
        strcmp(key, "email")) {
      snprintf(member, sizeof(member), "%s/%.40s", field, key);
      cs_refusal_field(err, member, FIELD_UNKNOWN_FIELD,
                       "is not a member of a contact (kind, name, phone, email)");
    }
  }
  snprintf(member, sizeof(member), "%s/kind", field);
  if (kind == NULL || json_is_null(kind))
    cs_refusal_field(err, member, FIELD_REQUIRED, "is required: policyholder, customer or contact");
  else if (!json_is_string(kind))
    cs_refusal_field(err, member, FIELD_WRONG_TYPE, "must be a string");
  else if (strcmp(json_string_value(kind), "policyholder") &&
           strcmp(json_string_value(kind), "customer") &&
           strcmp(json_string_value(kind), "contact"))
    cs_refusal_field(err, member, FIELD_NOT_ALLOWED, "must be policyholder, customer or contact");
  snprintf(member, sizeof(member), "%s/name", field);
  if (name == NULL || json_is_null(name) || (json_is_string(name) && json_string_length(name) == 0))
    cs_refusal_field(err, member, FIELD_REQUIRED, "is required");
  else
    check_text(c, "name", member, 200, err);
  snprintf(member, sizeof(member), "%s/phone", field);
  check_text(c, "phone", member, 40, err);
  snprintf(member, sizeof(member), "%s/email", field);
  check_text(c, "email", member, 254, err);
  if (email != NULL && !ids_is_email(email))
    cs_refusal_field(err, member, FIELD_FORMAT, "is not an email address");
}

static void check_contacts(const json_t *contacts, struct cs_refusal *err) {
  size_t i;
  const json_t *c;
  char field[64];
  if (json_array_size(contacts) > 20)
    cs_refusal_field(err, "contacts", FIELD_TOO_LONG, "at most 20 contacts");
  json_array_foreach(contacts, i, c) {
    snprintf(field, sizeof(field), "contacts/%zu", i);
    if (json_is_object(c))
      check_contact(c, field, err);
    else
      cs_refusal_field(err, field, FIELD_WRONG_TYPE, "must be an object");
  }
}

/* The rules of the editable members of f: whole, f is the case as it will be (every required
 * member there); otherwise a PATCH (only what it names, and none of the required cleared). */
static void check_members(const json_t *f, int whole, struct cs_refusal *err) {
  static const char *const required[] = {"claim_number", "damage_type", "damage_date", "address"};
  const json_t *claim = json_object_get(f, "claim_number");
  const json_t *type = json_object_get(f, "damage_type");
  const json_t *ref = json_object_get(f, "external_ref");
  for (size_t i = 0; i < 4; i++) {
    const json_t *v = json_object_get(f, required[i]);
    if (whole ? v == NULL || json_is_null(v) : json_is_null(v))
      cs_refusal_field(err, required[i], FIELD_REQUIRED, "is required");
  }
  if (json_is_string(claim) && json_string_length(claim) == 0)
    cs_refusal_field(err, "claim_number", FIELD_REQUIRED, "must not be empty");
  else if (json_is_string(claim) && space_at_either_end(json_string_value(claim)))
    cs_refusal_field(err, "claim_number", FIELD_FORMAT, "must not start or end with a space");
  if (json_is_string(type) && !cases_code_valid(json_string_value(type)))
    cs_refusal_field(err, "damage_type", FIELD_FORMAT,
                     "must be a lower-case code such as water or fire");
  if (json_is_string(ref) && json_string_length(ref) == 0)
    cs_refusal_field(err, "external_ref", FIELD_REQUIRED, "must not be empty");
  if (json_is_object(json_object_get(f, "address")))
    check_address(json_object_get(f, "address"), whole, err);
  if (json_is_array(json_object_get(f, "contacts")))
    check_contacts(json_object_get(f, "contacts"), err);
  const json_t *deductible = json_object_get(f, "deductible");
  if (json_is_integer(deductible) &&
      (json_integer_value(deductible) < 0 || json_integer_value(deductible) > 100000000000LL))
    cs_refusal_field(err, "deductible", FIELD_OUT_OF_RANGE,
                     "must be from 0 to 100000000000 (minor units of the portal's currency)");
}

void cases_case_rules(const json_t *body, struct cs_refusal *err) { check_members(body, 1, err); }

void cases_case_patch_rules(const json_t *body, struct cs_refusal *err) {
  check_members(body, 0, err);
  if (json_object_get(body, "tasks") != NULL)
    cs_refusal_field(err, "tasks", FIELD_NOT_ALLOWED,
                     "are not changed with the case; use POST /v1/cases/{id}/tasks");
}

int cases_case_handler_check(struct cases_op *op, const char *handler) {
  struct cs_refusal *err = &op->err;
  json_t *u = NULL;
  if (cases_op_user(op, op->caller->portal_id, handler, &u) != CS_OK) return CS_REFUSED;
  const char *kind = json_string_value(json_object_get(u, "company_kind"));
  if (u == NULL || kind == NULL || strcmp(kind, "insurer") != 0 ||
      !json_is_true(json_object_get(u, "active")) || !json_is_true(json_object_get(u, "in_portal")))
    cs_refusal_field(err, "case_handler_id", FIELD_NOT_FOUND,
                     "must be an active insurer user of this portal");
  json_decref(u);
  return CS_OK;
}

int cases_case_check(struct cases_op *op, const json_t *f) {
  const char *handler = json_string_value(json_object_get(f, "case_handler_id"));
  check_members(f, 1, &op->err);
  if (cs_refusal_validation(&op->err) != CS_OK) return CS_REFUSED;
  if (handler != NULL && cases_case_handler_check(op, handler) != CS_OK) return CS_REFUSED;
  return cs_refusal_validation(&op->err);
}

int cases_case_read(PGconn *conn, const struct cases_caller *c, const char *id, const char *ref,
                    json_t **doc, struct cs_refusal *err) {
  int rc;
  *doc = NULL;
  if (ref != NULL && !cases_caller_is_internal(c))
    return cs_refuse(err, PROBLEM_NOT_FOUND, "no such case");
  rc = ref != NULL ? cases_store_find_external(conn, c->portal_id, ref, 0, doc, err->sqlstate)
                   : cases_store_visible_document(conn, c->portal_id, cases_caller_scope(c), id,
                                                  doc, err->sqlstate);
  if (rc != CS_OK) return cs_refusal_db(err);
  if (*doc == NULL) return cs_refuse(err, PROBLEM_NOT_FOUND, "no such case");
  return CS_OK;
}

int cases_case_read_text(PGconn *conn, const struct cases_caller *c, const char *id, char **text,
                         char version[24], struct cs_refusal *err) {
  int rc = cases_store_visible_document_text(conn, c->portal_id, cases_caller_scope(c), id, text,
                                             version, err->sqlstate);
  if (rc == CS_ERR_NOMEM) return cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
  if (rc != CS_OK) return cs_refusal_db(err);
  if (*text == NULL) return cs_refuse(err, PROBLEM_NOT_FOUND, "no such case");
  return CS_OK;
}

int cases_case_find_by_ref(PGconn *conn, struct cases_op *op, const char *ref, int lock) {
  json_decref(op->current);
  op->current = NULL;
  if (cases_store_find_external(conn, op->caller->portal_id, ref, lock, &op->current,
                                op->err.sqlstate) != CS_OK)
    return cs_refusal_db(&op->err);
  op->case_id = json_string_value(json_object_get(op->current, "id"));
  return CS_OK;
}

int cases_case_history(PGconn *conn, const char *case_id, long long after_id, long limit,
                       json_t **items, struct cs_refusal *err) {
  if (cases_store_history(conn, case_id, after_id, limit, items, err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  return CS_OK;
}

/* A 409 for a duplicate claim number or external reference, else the database failure. */
static int write_failed(struct cs_refusal *err) {
  if (!strcmp(err->sqlstate, "23505"))
    return cs_refuse(err, PROBLEM_CONFLICT,
                     "another case of this portal has this claim_number or external_ref");
  return cs_refusal_db(err);
}

/* The tasks a case is created with (POST /v1/cases "tasks"), each as a POST of it would add
 * it: in the check phase what they need is asked (rights, offices), in the apply phase they are
 * written, in the transaction of the case. */
static int add_planned_tasks(PGconn *conn, struct cases_op *op) {
  const json_t *plan;
  size_t i;
  char task_id[37];
  json_array_foreach(json_object_get(op->body, "tasks"), i, plan) {
    if (cases_task_add_plan(conn, op, plan, task_id) != CS_OK) return CS_REFUSED;
  }
  return CS_OK;
}

int cases_case_create(PGconn *conn, struct cases_op *op) {
  const struct cases_caller *c = op->caller;
  if (!cases_caller_is_internal(c))
    return cs_refuse(&op->err, PROBLEM_FORBIDDEN, "only the insurer creates cases");
  if (cases_case_check(op, op->body) != CS_OK) return CS_REFUSED;
  if (cases_op_checking(op)) return add_planned_tasks(conn, op);
  ids_uuid_v4(op->new_id);
  op->case_id = op->new_id;
  json_decref(op->current);
  op->current = NULL;
  if (cases_store_insert(conn, op->new_id, c->portal_id, c->sub, op->body, &op->current,
                         op->err.sqlstate) != CS_OK)
    return write_failed(&op->err);
  if (op->current == NULL) return cs_refusal_db(&op->err);
  /* the history and the event of the new case, through the helpers of a change */
  if (cases_history_add(conn, op, "case.created", NULL, NULL, op->current) != CS_OK ||
      cases_event(conn, op, "case.created", json_pack("{s:O}", "case", op->current)) != CS_OK)
    return CS_REFUSED;
  /* a core system's case with its tasks: the case exists with all of them or not at all */
  if (add_planned_tasks(conn, op) != CS_OK) return CS_REFUSED;
  if (json_array_size(json_object_get(op->body, "tasks")) == 0) {
    op->result = json_incref(op->current);
    return CS_OK;
  }
  if (cases_store_document(conn, op->case_id, &op->result, op->err.sqlstate) != CS_OK ||
      op->result == NULL)
    return cs_refusal_db(&op->err);
  return CS_OK;
}

/* The editable members of doc, with patch's members over them (address merged member by
 * member): a new object. */
static json_t *merged(const json_t *doc, const json_t *patch) {
  json_t *f = json_object();
  for (size_t i = 0; i < EDITABLE_COUNT; i++) {
    const json_t *v = json_object_get(doc, editable[i]);
    if (v != NULL && !json_is_null(v)) json_object_set_new(f, editable[i], json_deep_copy(v));
  }
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)patch, key, v) {
    if (!strcmp(key, "address") && json_is_object(v)) {
      json_t *a = json_object_get(f, "address");
      json_object_update(a, (json_t *)v);
    } else {
      json_object_set_new(f, key, json_deep_copy(v));
    }
  }
  return f;
}

/* Before/after of the members that differ: two new objects, NULL when nothing changed. */
static void diff(const json_t *doc, const json_t *f, json_t **before, json_t **after) {
  *before = json_object();
  *after = json_object();
  for (size_t i = 0; i < EDITABLE_COUNT; i++) {
    const json_t *old = json_object_get(doc, editable[i]), *now = json_object_get(f, editable[i]);
    json_t *o = old != NULL ? json_incref((json_t *)old) : json_null();
    json_t *n = now != NULL ? json_incref((json_t *)now) : json_null();
    if (!json_equal(o, n)) {
      json_object_set(*before, editable[i], o);
      json_object_set(*after, editable[i], n);
    }
    json_decref(o);
    json_decref(n);
  }
  if (json_object_size(*after) == 0) {
    json_decref(*before);
    json_decref(*after);
    *before = *after = NULL;
  }
}

int cases_case_patch(PGconn *conn, struct cases_op *op) {
  json_t *f = NULL, *before = NULL, *after = NULL;
  int rc;
  if ((rc = cases_require_internal(op, "change a case's details")) != CS_OK) return rc;
  f = merged(op->current, op->body);
  if ((rc = cases_case_check(op, f)) != CS_OK) goto done;
  diff(op->current, f, &before, &after);
  if (after == NULL) goto done; /* nothing changed: no history, no event, same version */
  if (cases_op_checking(op)) goto done;
  if (cases_store_update(conn, op->case_id, f, op->err.sqlstate) != CS_OK) {
    rc = write_failed(&op->err);
    goto done;
  }
  if ((rc = cases_history_add(conn, op, "case.updated", NULL, before, after)) != CS_OK) goto done;
  rc = cases_event(conn, op, "case.updated",
                   json_pack("{s:O, s:O}", "before", before, "after", after));
done:
  json_decref(f);
  json_decref(before);
  json_decref(after);
  return rc;
}

/* Moves the case to status `to` when its status is one of from (NULL-terminated). */
static int transition(PGconn *conn, struct cases_op *op, const char *to, const char *const *from,
                      const char *event) {
  const char *now = json_string_value(json_object_get(op->current, "status"));
  int rc, allowed = 0;
  if ((rc = cases_require_internal(op, "change a case's status")) != CS_OK) return rc;
  for (int i = 0; from[i] != NULL; i++) allowed |= now != NULL && !strcmp(now, from[i]);
  if (!allowed)
    return cs_refuse(&op->err, PROBLEM_WRONG_STATE, "the case is %s; it cannot become %s",
                     now ? now : "?", to);
  if (cases_op_checking(op)) return CS_OK;
  if (cases_store_set_status(conn, op->case_id, to, op->err.sqlstate) != CS_OK)
    return cs_refusal_db(&op->err);
  json_t *b = json_pack("{s:s}", "status", now), *a = json_pack("{s:s}", "status", to);
  rc = cases_history_add(conn, op, event, NULL, b, a);
  json_decref(b);
  json_decref(a);
  if (rc != CS_OK) return rc;
  return cases_event(conn, op, event, json_pack("{s:s, s:s}", "from", now, "to", to));
}

int cases_case_close(PGconn *conn, struct cases_op *op) {
  static const char *const from[] = {"open", "on_hold", NULL};
  return transition(conn, op, "closed", from, "case.closed");
}

int cases_case_reopen(PGconn *conn, struct cases_op *op) {
  static const char *const from[] = {"closed", "on_hold", NULL};
  return transition(conn, op, "open", from, "case.reopened");
}

int cases_case_hold(PGconn *conn, struct cases_op *op) {
  static const char *const from[] = {"open", NULL};
  return transition(conn, op, "on_hold", from, "case.on_hold");
}
