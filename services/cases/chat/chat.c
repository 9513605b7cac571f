/* The chat's rules (see chat.h). */
#include "chat.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_op.h"
#include "ids.h"
#include "policy_facts.h"
#include "roles.h"
#include "status.h"
#include "store_chat.h"
#include "store_core.h"

void cases_chat_message_rules(const json_t *body, struct cs_refusal *err) {
  const char *text = json_string_value(json_object_get(body, "text"));
  int blank = 1;
  for (const char *p = text; p != NULL && *p; p++) blank &= isspace((unsigned char)*p) != 0;
  if (text != NULL && blank)
    cs_refusal_field(err, "text", FIELD_REQUIRED, "must hold more than white space");
}

void cases_chat_participants_rules(const json_t *body, struct cs_refusal *err) {
  const json_t *ids = json_object_get(body, "user_ids"), *v;
  size_t i;
  char field[40];
  if (!json_is_array(ids)) return; /* named by the field table */
  if (json_array_size(ids) > CASES_CHAT_MAX_PARTICIPANTS) {
    cs_refusal_field(err, "user_ids", FIELD_TOO_LONG, "at most 50 users");
    return;
  }
  json_array_foreach(ids, i, v) {
    snprintf(field, sizeof(field), "user_ids/%zu", i);
    if (!json_is_string(v) || !ids_is_uuid(json_string_value(v)))
      cs_refusal_field(err, field, FIELD_FORMAT, "must be a user id (UUID)");
    for (size_t k = 0; k < i; k++)
      if (json_equal(v, json_array_get(ids, k)))
        cs_refusal_field(err, field, FIELD_NOT_UNIQUE, "is named twice");
  }
}

/* The case's external case handler user when its role holds chat_notifications (new string
 * reference), else NULL. */
static int automatic_participant(PGconn *conn, const json_t *the_case, json_t **user_id) {
  const json_t *ech = json_object_get(json_object_get(the_case, "external_case_handler"), "user");
  const char *id = json_string_value(json_object_get(ech, "id"));
  json_t *asked, *decisions = NULL;
  *user_id = NULL;
  if (id == NULL) return CS_OK;
  asked = json_pack("[s]", "chat_notifications");
  int rc = cases_policy_authorize_batch(conn, id,
                                        json_string_value(json_object_get(the_case, "portal_id")),
                                        asked, CASES_ROLE_EXTERNAL_CASE_HANDLER, &decisions);
  json_decref(asked);
  if (rc != CS_OK) return rc;
  if (json_is_true(json_object_get(json_array_get(decisions, 0), "allow")))
    *user_id = json_string(id);
  json_decref(decisions);
  return CS_OK;
}

/* The participants of the case: *items a new array of {user_id, automatic, marked_by,
 * marked_at}, the automatic one first, then the marked ones (the automatic one once). */
static int participant_items(PGconn *conn, const json_t *the_case, json_t **items,
                             struct cs_refusal *err) {
  json_t *marked = NULL, *automatic = NULL, *p;
  size_t i;
  *items = NULL;
  if (cases_store_chat_participants(conn, json_string_value(json_object_get(the_case, "id")),
                                    &marked, err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  if (automatic_participant(conn, the_case, &automatic) != CS_OK) {
    json_decref(marked);
    return cases_policy_failed(err);
  }
  *items = json_array();
  if (automatic != NULL)
    json_array_append_new(*items, json_pack("{s:O, s:b, s:n, s:n}", "user_id", automatic,
                                            "automatic", 1, "marked_by", "marked_at"));
  json_array_foreach(marked, i, p) {
    if (json_equal(json_object_get(p, "user_id"), automatic)) continue;
    json_object_set_new(p, "automatic", json_false());
    json_array_append(*items, p);
  }
  json_decref(marked);
  json_decref(automatic);
  return CS_OK;
}

/* The users to tell of a new message: the participants but its author. */
static int to_notify(PGconn *conn, const json_t *the_case, const char *author, json_t **out,
                     struct cs_refusal *err) {
  json_t *items = NULL, *p;
  size_t i;
  if (participant_items(conn, the_case, &items, err) != CS_OK) return CS_REFUSED;
  *out = json_array();
  json_array_foreach(items, i, p) {
    json_t *id = json_object_get(p, "user_id");
    if (strcmp(json_string_value(id), author) != 0) json_array_append(*out, id);
  }
  json_decref(items);
  return CS_OK;
}

int cases_chat_post(PGconn *conn, const struct cases_caller *c, const char *case_id,
                    const char *text, json_t **doc, struct cs_refusal *err) {
  struct cases_op op = {.caller = c, .case_id = case_id, .phase = CASES_OP_APPLY};
  json_t *the_case = NULL, *notify = NULL;
  char id[37];
  *doc = NULL;
  /* whom to tell asks the replica: before the transaction, never inside one */
  if (cases_store_document(conn, case_id, &the_case, err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  if (the_case == NULL) return cs_refuse(err, PROBLEM_NOT_FOUND, "no such case");
  int rc = to_notify(conn, the_case, c->sub, &notify, err);
  json_decref(the_case);
  if (rc != CS_OK) return CS_REFUSED;
  rc = cases_op_begin(conn, &op);
  if (rc == CS_OK) {
    ids_uuid_v4(id);
    const struct cases_store_chat_message m = {id,
                                               case_id,
                                               c->portal_id,
                                               c->sub,
                                               c->is_client ? "client" : "user",
                                               c->is_client ? NULL : c->company_id,
                                               text};
    if (cases_store_chat_post(conn, &m, doc, op.err.sqlstate) != CS_OK || *doc == NULL)
      rc = cs_refusal_db(&op.err);
  }
  if (rc == CS_OK)
    rc =
        cases_event(conn, &op, "chat.message_posted",
                    json_pack("{s:s, s:s, s:O}", "message_id", id, "text", text, "notify", notify));
  json_decref(notify);
  return cases_op_end(conn, &op, rc, doc, err); /* no history: the case's version stays */
}

int cases_chat_participants(PGconn *conn, const struct cases_caller *c, const char *case_id,
                            json_t **out, struct cs_refusal *err) {
  json_t *the_case = NULL;
  (void)c;
  if (cases_store_document(conn, case_id, &the_case, err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  json_t *items = NULL;
  int rc = participant_items(conn, the_case, &items, err);
  json_decref(the_case);
  if (rc == CS_OK) *out = json_pack("{s:o}", "items", items);
  return rc;
}

/* Each of ids (valid UUIDs) is an active user of the portal who sees the case: field errors. */
static int check_users(PGconn *conn, const struct cases_caller *c, const char *case_id,
                       const json_t *ids, struct cs_refusal *err) {
  json_t *users = NULL, *id;
  size_t i;
  char field[40];
  if (cases_policy_users(conn, c->portal_id, ids, &users) != CS_OK) return cases_policy_failed(err);
  json_array_foreach((json_t *)ids, i, id) {
    json_t *u = NULL, *x;
    size_t k;
    int visible = 0;
    json_array_foreach(users, k, x) if (json_equal(json_object_get(x, "id"), id)) u = x;
    const char *kind = json_string_value(json_object_get(u, "company_kind"));
    if (u != NULL && json_is_true(json_object_get(u, "active")) &&
        json_is_true(json_object_get(u, "in_portal"))) {
      if (kind != NULL && !strcmp(kind, "insurer"))
        visible = 1;
      else if (cases_store_visible(conn, c->portal_id,
                                   json_string_value(json_object_get(u, "company_id")), case_id,
                                   &visible, err->sqlstate) != CS_OK) {
        json_decref(users);
        return cs_refusal_db(err);
      }
    }
    if (!visible) {
      snprintf(field, sizeof(field), "user_ids/%zu", i);
      cs_refusal_field(err, field, FIELD_NOT_FOUND,
                       "is not an active user of this portal who sees the case");
    }
  }
  json_decref(users);
  return cs_refusal_validation(err);
}

int cases_chat_participants_set(PGconn *conn, const struct cases_caller *c, const char *case_id,
                                const json_t *user_ids, json_t **out, struct cs_refusal *err) {
  struct cases_op op = {.caller = c, .case_id = case_id, .phase = CASES_OP_APPLY};
  json_t *before = NULL;
  *out = NULL;
  if (!cases_caller_is_internal(c))
    return cs_refuse(err, PROBLEM_FORBIDDEN, "only the insurer marks who is told of the chat");
  if (check_users(conn, c, case_id, user_ids, err) != CS_OK) return CS_REFUSED;
  char *ids = json_dumps(user_ids, JSON_COMPACT);
  int rc = cases_op_begin(conn, &op);
  if (rc == CS_OK &&
      cases_store_chat_participants(conn, case_id, &before, op.err.sqlstate) != CS_OK)
    rc = cs_refusal_db(&op.err);
  if (rc == CS_OK &&
      cases_store_chat_participants_set(conn, case_id, ids, c->sub, op.err.sqlstate) != CS_OK)
    rc = cs_refusal_db(&op.err);
  if (rc == CS_OK)
    rc = cases_history_add(conn, &op, "chat.participants_changed", NULL, before, user_ids);
  free(ids);
  json_decref(before);
  if (cases_op_end(conn, &op, rc, NULL, err) != CS_OK) return CS_REFUSED;
  return cases_chat_participants(conn, c, case_id, out, err);
}
