/* The changes of a request for quotation: create, edit, decide (see rfqs.h). */
#include "rfqs.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ids.h"
#include "money_op.h"
#include "secret_token.h"
#include "status.h"
#include "store_rfqs.h"
#include "tasks.h"

static const char *text(const json_t *o, const char *name) {
  return json_string_value(json_object_get(o, name));
}

static int is(const char *s, const char *want) { return s != NULL && !strcmp(s, want); }

/* ---- body rules ----------------------------------------------------------------------------- */

static void description_rule(const json_t *body, int required, struct cs_refusal *err) {
  const json_t *d = json_object_get(body, "description");
  if (d == NULL && !required) return;
  if (!json_is_string(d) || json_string_length(d) == 0)
    cs_refusal_field(err, "description", FIELD_REQUIRED, "is required: the work to quote on");
  else if (json_string_length(d) > 4000)
    cs_refusal_field(err, "description", FIELD_TOO_LONG, "must be at most 4000 bytes long");
}

/* office_ids: distinct UUIDs. */
static void office_ids_rule(const json_t *ids, const char *name, struct cs_refusal *err) {
  const json_t *v;
  size_t i, j;
  char field[64];
  if (ids == NULL) return;
  if (!json_is_array(ids)) {
    cs_refusal_field(err, name, FIELD_WRONG_TYPE, "must be an array of office ids");
    return;
  }
  json_array_foreach(ids, i, v) {
    snprintf(field, sizeof(field), "%s/%zu", name, i);
    if (!ids_is_uuid(json_string_value(v))) {
      cs_refusal_field(err, field, FIELD_FORMAT, "must be an office id (a UUID)");
      continue;
    }
    for (j = 0; j < i; j++)
      if (json_equal(v, json_array_get(ids, j)))
        cs_refusal_field(err, field, FIELD_NOT_UNIQUE, "names an office listed before");
  }
}

/* external_partners: [{name, email}] with distinct emails. */
static void externals_rule(const json_t *list, const char *name, struct cs_refusal *err) {
  const json_t *p;
  size_t i, j;
  char field[80];
  if (list == NULL) return;
  if (!json_is_array(list)) {
    cs_refusal_field(err, name, FIELD_WRONG_TYPE, "must be an array of {name, email}");
    return;
  }
  json_array_foreach(list, i, p) {
    const char *key, *n = text(p, "name"), *e = text(p, "email");
    const json_t *v;
    if (!json_is_object(p)) {
      snprintf(field, sizeof(field), "%s/%zu", name, i);
      cs_refusal_field(err, field, FIELD_WRONG_TYPE, "must be an object {name, email}");
      continue;
    }
    json_object_foreach((json_t *)p, key, v) {
      if (strcmp(key, "name") != 0 && strcmp(key, "email") != 0) {
        snprintf(field, sizeof(field), "%s/%zu/%.30s", name, i, key);
        cs_refusal_field(err, field, FIELD_UNKNOWN_FIELD, "an outside partner has name and email");
      }
    }
    snprintf(field, sizeof(field), "%s/%zu/name", name, i);
    if (n == NULL || n[0] == '\0' || strlen(n) > 200)
      cs_refusal_field(err, field, FIELD_REQUIRED, "is required: 1 to 200 bytes");
    snprintf(field, sizeof(field), "%s/%zu/email", name, i);
    if (!ids_is_email(e) || strlen(e) > 254) {
      cs_refusal_field(err, field, FIELD_FORMAT, "is not an email address");
      continue;
    }
    for (j = 0; j < i; j++)
      if (text(json_array_get(list, j), "email") != NULL &&
          !strcasecmp(text(json_array_get(list, j), "email"), e))
        cs_refusal_field(err, field, FIELD_NOT_UNIQUE, "is listed before");
  }
}

static size_t count(const json_t *body, const char *name) {
  const json_t *a = json_object_get(body, name);
  return json_is_array(a) ? json_array_size(a) : 0;
}

void cases_rfq_create_rules(const json_t *body, struct cs_refusal *err) {
  description_rule(body, 1, err);
  office_ids_rule(json_object_get(body, "office_ids"), "office_ids", err);
  externals_rule(json_object_get(body, "external_partners"), "external_partners", err);
  size_t n = count(body, "office_ids") + count(body, "external_partners");
  if (n == 0)
    cs_refusal_field(err, "office_ids", FIELD_REQUIRED,
                     "invite at least one partner office or outside partner");
  else if (n > RFQ_MAX_INVITEES)
    cs_refusal_field(err, "office_ids", FIELD_TOO_LONG,
                     "at most 20 partners are invited to one RFQ");
}

void cases_rfq_edit_rules(const json_t *body, struct cs_refusal *err) {
  description_rule(body, 0, err);
  office_ids_rule(json_object_get(body, "add_office_ids"), "add_office_ids", err);
  externals_rule(json_object_get(body, "add_external_partners"), "add_external_partners", err);
  if (json_object_size(body) == 0)
    cs_refusal_field(err, "description", FIELD_REQUIRED,
                     "send at least one of description, due_date, add_office_ids, "
                     "add_external_partners");
}

void cases_rfq_decision_rules(const json_t *body, struct cs_refusal *err) {
  const char *outcome = text(body, "outcome");
  const json_t *quote = json_object_get(body, "quote_id");
  if (outcome == NULL) return; /* the field table said so */
  if (is(outcome, "awarded")) {
    if (quote == NULL || json_is_null(quote))
      cs_refusal_field(err, "quote_id", FIELD_REQUIRED, "is required: the quote that wins");
  } else if (is(outcome, "no_award")) {
    if (quote != NULL && !json_is_null(quote))
      cs_refusal_field(err, "quote_id", FIELD_NOT_ALLOWED, "is given only when a quote wins");
  } else {
    cs_refusal_field(err, "outcome", FIELD_NOT_ALLOWED, "must be awarded or no_award");
  }
}

/* ---- shared checks -------------------------------------------------------------------------- */

static int refuse_closed_case(struct cases_op *op) { return cases_op_refuse_closed(op, "RFQs"); }

/* 409 unless the RFQ (op->item) is open. */
static int require_open(struct cases_op *op) {
  if (is(text(op->item, "status"), "open")) return CS_OK;
  cs_refuse(&op->err, PROBLEM_WRONG_STATE, "the RFQ is decided (%s); it cannot change",
            text(op->item, "status"));
  op->err.extra = json_pack("{s:s?}", "current_status", text(op->item, "status"));
  return CS_REFUSED;
}

/* A task an RFQ may be made for: a repair task with no user yet. */
static int quotable_task(struct cases_op *op, const json_t *task) {
  const char *status = text(task, "status");
  if (task == NULL) {
    cs_refusal_field(&op->err, "task_id", FIELD_NOT_FOUND, "is not a task of this case");
    return cs_refusal_validation(&op->err);
  }
  if (!is(text(task, "type"), "repair")) {
    cs_refusal_field(&op->err, "task_id", FIELD_NOT_ALLOWED, "RFQs are made for repair tasks only");
    return cs_refusal_validation(&op->err);
  }
  if (is(status, "0") || is(status, "1")) return CS_OK;
  return cs_refuse(&op->err, PROBLEM_WRONG_STATE,
                   "the task has a user already (status %s); an RFQ is made before that",
                   status != NULL ? status : "?");
}

/* 422 on field when due (a date) is before today in the portal's time zone. */
static int due_date_rule(PGconn *conn, struct cases_op *op, const char *due, const char *field) {
  int passed = 0;
  if (due == NULL) return CS_OK;
  if (cases_store_date_passed(conn, due, op->caller->timezone, &passed, op->err.sqlstate) != CS_OK)
    return cs_refusal_db(&op->err);
  if (!passed) return CS_OK;
  cs_refusal_field(&op->err, field, FIELD_OUT_OF_RANGE, "must not be before today");
  return cs_refusal_validation(&op->err);
}

/* Every office of ids is a partner office serving the portal (the replica, asked in check):
 * *offices a new array of them. 422 naming each one that is not. */
static int invited_offices(struct cases_op *op, const json_t *ids, const char *field,
                           json_t **offices) {
  const json_t *v;
  size_t i;
  char name[64];
  *offices = json_array();
  json_array_foreach(ids, i, v) {
    json_t *o = NULL;
    if (cases_op_office(op, text(op->current, "portal_id"), json_string_value(v), &o) != CS_OK)
      return CS_REFUSED;
    if (o != NULL && json_is_string(json_object_get(o, "company_id"))) {
      json_array_append_new(
          *offices, json_pack("{s:O, s:O?, s:O, s:O?}", "id", v, "name", json_object_get(o, "name"),
                              "company_id", json_object_get(o, "company_id"), "company_name",
                              json_object_get(o, "company_name")));
    } else {
      snprintf(name, sizeof(name), "%s/%zu", field, i);
      cs_refusal_field(&op->err, name, FIELD_NOT_FOUND,
                       "is not an office of a partner serving this portal");
    }
    json_decref(o);
  }
  return cs_refusal_validation(&op->err);
}

/* Who may invite: rfq_initiate_edit, and rfq_add_external_partners for outside partners. */
static int require_inviter(struct cases_op *op, const json_t *externals) {
  if (cases_require(op, "rfq_initiate_edit", NULL) != CS_OK) return CS_REFUSED;
  if (json_array_size(externals) > 0 &&
      cases_require(op, "rfq_add_external_partners", NULL) != CS_OK)
    return CS_REFUSED;
  return CS_OK;
}

/* ---- invitations ---------------------------------------------------------------------------- */

/* Invites offices and outside partners to rfq_id (apply phase). *added gets the offices newly
 * invited, *externals_added the count of outside partners newly invited; each gets a link,
 * carried by rfq.invited_external. */
static int invite(PGconn *conn, struct cases_op *op, const char *rfq_id, const json_t *rfq_facts,
                  const json_t *offices, const json_t *externals, json_t *added,
                  int *externals_added) {
  const json_t *o, *p;
  size_t i;
  json_array_foreach(offices, i, o) {
    int fresh = 0;
    if (cases_store_rfq_invite_office(conn, rfq_id, o, op->caller->sub, &fresh, op->err.sqlstate) !=
        CS_OK)
      return cs_refusal_db(&op->err);
    if (fresh) json_array_append(added, (json_t *)o);
  }
  json_array_foreach(externals, i, p) {
    char token[SECRET_TOKEN_LEN + 1], digest[SECRET_TOKEN_DIGEST_LEN + 1], invitee[37], path[128];
    if (secret_token_new(token) != CS_OK || secret_token_digest(token, digest) != CS_OK)
      return cs_refuse(&op->err, PROBLEM_INTERNAL, "an invitation link could not be made");
    if (cases_store_rfq_invite_external(conn, rfq_id, text(p, "name"), text(p, "email"), digest,
                                        op->caller->sub, invitee, op->err.sqlstate) != CS_OK)
      return cs_refusal_db(&op->err);
    if (invitee[0] == '\0') continue; /* invited before: the link sent then stands */
    ++*externals_added;
    snprintf(path, sizeof(path), "/v1/rfq-invitations/%s", token);
    json_t *data = json_deep_copy(rfq_facts);
    json_object_set_new(data, "invitee_id", json_string(invitee));
    json_object_set(data, "name", json_object_get(p, "name"));
    json_object_set(data, "email", json_object_get(p, "email"));
    json_object_set_new(data, "invitation_path", json_string(path));
    if (cases_event(conn, op, "rfq.invited_external", data) != CS_OK) return CS_REFUSED;
  }
  return CS_OK;
}

/* What every event of an RFQ says of it. */
static json_t *rfq_facts(const json_t *rfq) {
  return json_pack(
      "{s:O?, s:O?, s:O?, s:O?, s:O?}", "rfq_id", json_object_get(rfq, "id"), "task_id",
      json_object_get(rfq, "task_id"), "description", json_object_get(rfq, "description"),
      "due_date", json_object_get(rfq, "due_date"), "closes_at", json_object_get(rfq, "closes_at"));
}

/* The RFQ's document after a change as the answer, its history line and event type with data
 * (stolen; the RFQ's facts are added). */
static int step(PGconn *conn, struct cases_op *op, const char *rfq_id, const char *type,
                json_t *data) {
  json_t *after = NULL;
  if (cases_store_rfq(conn, op->case_id, rfq_id, &after, op->err.sqlstate) != CS_OK ||
      after == NULL) {
    json_decref(data);
    return cs_refusal_db(&op->err);
  }
  json_t *facts = rfq_facts(after);
  json_object_update_missing(data, facts);
  json_decref(facts);
  int rc = cases_history_add(conn, op, type, text(after, "task_id"), op->item, after);
  if (rc == CS_OK)
    rc = cases_event(conn, op, type, data);
  else
    json_decref(data);
  json_decref(op->result);
  op->result = after;
  return rc;
}

/* ---- create --------------------------------------------------------------------------------- */

int cases_rfq_create(PGconn *conn, struct cases_op *op) {
  const char *task_id = text(op->body, "task_id"), *due = text(op->body, "due_date");
  const json_t *externals = json_object_get(op->body, "external_partners");
  const json_t *task = cases_case_task(op->current, task_id);
  json_t *offices = NULL, *portal = NULL;
  char open[37], id[37], currency[4];
  int rc;

  if ((rc = require_inviter(op, externals)) != CS_OK || (rc = refuse_closed_case(op)) != CS_OK ||
      (rc = quotable_task(op, task)) != CS_OK ||
      (rc = invited_offices(op, json_object_get(op->body, "office_ids"), "office_ids", &offices)) !=
          CS_OK ||
      (rc = cases_op_portal(op, &portal)) != CS_OK)
    goto done;
  /* what the database answers is asked under the case's lock (the check has no connection) */
  if (cases_op_checking(op) || (rc = due_date_rule(conn, op, due, "due_date")) != CS_OK) goto done;
  if (cases_store_task_open_rfq(conn, task_id, open, op->err.sqlstate) != CS_OK) {
    rc = cs_refusal_db(&op->err);
    goto done;
  }
  if (open[0] != '\0') {
    rc = cs_refuse(&op->err, PROBLEM_WRONG_STATE, "the task has an open RFQ already (%s)", open);
    goto done;
  }

  money_portal_currency(portal, currency);
  ids_uuid_v4(id);
  const struct cases_store_rfq_new r = {id,
                                        op->case_id,
                                        task_id,
                                        text(op->current, "portal_id"),
                                        text(op->body, "description"),
                                        due,
                                        op->caller->timezone,
                                        currency,
                                        op->caller->sub,
                                        op->caller->is_client ? NULL : op->caller->company_id};
  json_t *added = json_array(), *created = NULL, *facts = NULL;
  int externals_added = 0;
  if (cases_store_rfq_insert(conn, &r, op->err.sqlstate) != CS_OK ||
      cases_store_rfq(conn, op->case_id, id, &created, op->err.sqlstate) != CS_OK ||
      created == NULL)
    rc = cs_refusal_db(&op->err);
  else
    rc = invite(conn, op, id, facts = rfq_facts(created), offices, externals, added,
                &externals_added);
  json_decref(facts);
  json_decref(created);
  if (rc == CS_OK) {
    json_t *data = json_pack("{s:o, s:i}", "offices", added, "external_partners", externals_added);
    added = NULL;
    rc = step(conn, op, id, "rfq.created", data);
  }
  json_decref(added);
  if (rc == CS_OK)
    snprintf(op->location, sizeof(op->location), "/v1/cases/%s/rfqs/%s", op->case_id, id);
done:
  json_decref(offices);
  json_decref(portal);
  return rc;
}

/* ---- edit ----------------------------------------------------------------------------------- */

int cases_rfq_edit(PGconn *conn, struct cases_op *op) {
  const char *rfq_id = text(op->item, "id"), *due = text(op->body, "due_date");
  const json_t *externals = json_object_get(op->body, "add_external_partners");
  const json_t *add_ids = json_object_get(op->body, "add_office_ids");
  json_t *offices = NULL, *added = NULL, *after = NULL, *facts = NULL;
  int rc;

  if ((rc = require_inviter(op, externals)) != CS_OK || (rc = refuse_closed_case(op)) != CS_OK ||
      (rc = require_open(op)) != CS_OK)
    goto done;
  if (json_array_size(json_object_get(op->item, "invitees")) + json_array_size(add_ids) +
          json_array_size(externals) >
      RFQ_MAX_INVITEES) {
    cs_refusal_field(&op->err, "add_office_ids", FIELD_TOO_LONG,
                     "at most 20 partners are invited to one RFQ");
    rc = cs_refusal_validation(&op->err);
    goto done;
  }
  if ((rc = invited_offices(op, add_ids, "add_office_ids", &offices)) != CS_OK) goto done;
  if (cases_op_checking(op) || (rc = due_date_rule(conn, op, due, "due_date")) != CS_OK) goto done;

  if (cases_store_rfq_edit(conn, rfq_id, text(op->body, "description"), due, op->caller->timezone,
                           op->err.sqlstate) != CS_OK ||
      cases_store_rfq(conn, op->case_id, rfq_id, &after, op->err.sqlstate) != CS_OK ||
      after == NULL) {
    rc = cs_refusal_db(&op->err);
    goto done;
  }
  facts = rfq_facts(after);
  added = json_array();
  int externals_added = 0;
  if ((rc = invite(conn, op, rfq_id, facts, offices, externals, added, &externals_added)) != CS_OK)
    goto done;
  json_t *data =
      json_pack("{s:O, s:i}", "offices_added", added, "external_partners_added", externals_added);
  rc = step(conn, op, rfq_id, "rfq.updated", data);
done:
  json_decref(offices);
  json_decref(added);
  json_decref(after);
  json_decref(facts);
  return rc;
}

/* ---- decision ------------------------------------------------------------------------------- */

/* The standing quote quote_id of the RFQ (op->item) and its invitee, or 422 on quote_id. */
static int standing_quote(struct cases_op *op, const char *quote_id, const json_t **quote,
                          const json_t **invitee) {
  const json_t *q, *i;
  size_t k;
  *quote = *invitee = NULL;
  json_array_foreach(json_object_get(op->item, "quotes"), k,
                     q) if (is(text(q, "id"), quote_id)) *quote = q;
  if (*quote == NULL || !is(text(*quote, "status"), "submitted")) {
    cs_refusal_field(&op->err, "quote_id", *quote == NULL ? FIELD_NOT_FOUND : FIELD_NOT_ALLOWED,
                     *quote == NULL ? "is not a quote of this RFQ"
                                    : "is not a standing quote (a newer one replaced it)");
    return cs_refusal_validation(&op->err);
  }
  json_array_foreach(json_object_get(op->item, "invitees"), k,
                     i) if (is(text(i, "id"), text(*quote, "invitee_id"))) *invitee = i;
  return *invitee != NULL ? CS_OK : cs_refuse(&op->err, PROBLEM_INTERNAL, "a quote has no invitee");
}

/* 409 when the office invited no longer serves the case's portal (it cannot get the task). */
static int still_serving(struct cases_op *op, const char *office_id) {
  json_t *o = NULL;
  if (cases_op_office(op, text(op->current, "portal_id"), office_id, &o) != CS_OK)
    return CS_REFUSED;
  int serving = o != NULL && json_is_string(json_object_get(o, "company_id"));
  json_decref(o);
  if (serving) return CS_OK;
  return cs_refuse(&op->err, PROBLEM_WRONG_STATE,
                   "the office of that quote no longer serves this portal; it cannot get the "
                   "task");
}

int cases_rfq_decide(PGconn *conn, struct cases_op *op) {
  const char *outcome = text(op->body, "outcome"), *quote_id = text(op->body, "quote_id");
  const json_t *quote = NULL, *invitee = NULL;
  const json_t *task = cases_case_task(op->current, text(op->item, "task_id"));
  const char *office_id = NULL;
  int rc;

  if ((rc = cases_require(op, "rfq_decide", NULL)) != CS_OK ||
      (rc = refuse_closed_case(op)) != CS_OK || (rc = require_open(op)) != CS_OK)
    return rc;
  if (is(outcome, "awarded")) {
    if ((rc = standing_quote(op, quote_id, &quote, &invitee)) != CS_OK) return rc;
    office_id = text(json_object_get(invitee, "office"), "id");
    /* the winning office gets the task: checked here, given below with the decision */
    if (office_id != NULL && ((rc = still_serving(op, office_id)) != CS_OK ||
                              (rc = cases_task_give_office(conn, op, task, office_id)) != CS_OK))
      return rc;
  }
  if (cases_op_checking(op)) return CS_OK;

  if (cases_store_rfq_decide(conn, text(op->item, "id"), outcome, quote_id,
                             text(op->body, "reason"), op->caller->sub, op->err.sqlstate) != CS_OK)
    return cs_refusal_db(&op->err);
  json_t *winner = NULL;
  if (invitee != NULL)
    winner =
        json_pack("{s:O?, s:O?, s:O?, s:O?}", "kind", json_object_get(invitee, "kind"), "office",
                  json_object_get(invitee, "office"), "name", json_object_get(invitee, "name"),
                  "email", json_object_get(invitee, "email"));
  json_t *data =
      json_pack("{s:s, s:s?, s:o?, s:O?, s:O?, s:s?}", "outcome", outcome, "quote_id", quote_id,
                "winner", winner, "amount", json_object_get(quote, "amount"), "currency",
                json_object_get(quote, "currency"), "reason", text(op->body, "reason"));
  return step(conn, op, text(op->item, "id"), "rfq.decided", data);
}
