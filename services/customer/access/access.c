/* The customer's access, the staff's side (access.h). */
#include "access.h"

#include <stdio.h>
#include <string.h>

#include "access_rules.h"
#include "access_send.h"
#include "casefile.h"
#include "db.h"
#include "fields.h"
#include "ids.h"
#include "log.h"
#include "secret_token.h"
#include "settings.h"
#include "status.h"
#include "store_access.h"

#define MAX_NAME 200
#define MAX_EMAIL 254
#define MAX_PHONE 40

void customer_access_op_clear(struct customer_access_op *op) {
  if (op == NULL) return;
  json_decref(op->casefile);
  json_decref(op->contact);
  json_decref(op->send);
  op->casefile = op->contact = op->send = NULL;
}

static const char *text(const json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

static const json_t *case_doc(const json_t *casefile) { return json_object_get(casefile, "case"); }

int customer_access_list(PGconn *conn, const struct customer_caller *c,
                         const struct customer_access_op *op, json_t **out,
                         struct cs_refusal *err) {
  json_t *items = NULL;
  *out = NULL;
  if (customer_store_access_list(conn, c->portal_id, op->case_id, &items, err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  *out = json_pack("{s:o, s:n}", "items", items, "next_cursor");
  return *out != NULL ? CS_OK : cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
}

/* ---- one grant, by hand or by a trigger --------------------------------------------------- */

/* Stores a grant of contact ({kind, index, name, email, phone}) on casefile's case, queues its
 * link on channels and emits customer_access.granted: *doc new (may be NULL: not wanted).
 * dedupe NULL: the grant's own id. CS_OK or CS_REFUSED (err; a message notify.h refused is
 * PROBLEM_INTERNAL). */
static int grant(PGconn *conn, const json_t *casefile, const char *lang, const json_t *contact,
                 const json_t *channels, const char *granted_by, const char *created_by,
                 const char *dedupe, json_t **doc, struct cs_refusal *err) {
  char token[SECRET_TOKEN_LEN + 1], digest[SECRET_TOKEN_DIGEST_LEN + 1], id[37], key[160];
  const char *portal_id = text(casefile, "portal_id"), *case_id = text(casefile, "case_id");
  json_t *row = NULL;
  int rc = CS_REFUSED;
  if (secret_token_new(token) != CS_OK || secret_token_digest(token, digest) != CS_OK)
    return cs_refuse(err, PROBLEM_INTERNAL, "an access link could not be made");
  ids_uuid_v4(id);
  json_t *index = json_object_get(contact, "index");
  struct customer_store_grant g = {
      .id = id,
      .portal_id = portal_id,
      .case_id = case_id,
      .kind = text(contact, "kind"),
      .name = text(contact, "name"),
      .email = text(contact, "email"),
      .phone = text(contact, "phone"),
      .index = json_is_integer(index) ? (int)json_integer_value(index) : -1,
      .granted_by = granted_by,
      .created_by = created_by,
      .sent_to = channels,
      .token_sha256 = digest};
  if (customer_store_access_insert(conn, &g, &row, err->sqlstate) != CS_OK || row == NULL) {
    rc = cs_refusal_db(err);
    goto done;
  }
  snprintf(key, sizeof(key), "access:%s", dedupe != NULL ? dedupe : id);
  int sent = customer_access_send_link(conn, casefile, lang, contact, channels, token, key);
  if (sent == CS_ERR_DB) {
    snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", db_last_sqlstate());
    rc = cs_refusal_db(err);
    goto done;
  }
  if (sent != CS_OK) {
    rc = cs_refuse(err, PROBLEM_INTERNAL, "the access link could not be sent");
    goto done;
  }
  if (write_event(conn, err, "customer_access.granted", portal_id, case_id,
                  json_pack("{s:s, s:s, s:s, s:s, s:s, s:O}", "access_id", id, "portal_id",
                            portal_id, "case_id", case_id, "contact_kind", g.kind, "granted_by",
                            granted_by, "sent_to", channels)) != CS_OK)
    goto done;
  rc = CS_OK;
  if (doc != NULL) *doc = json_incref(row);
done:
  explicit_bzero(token, sizeof(token));
  json_decref(row);
  return rc;
}

/* ---- a grant by hand ------------------------------------------------------------------------ */

static const struct http_field grant_fields[] = {
    {"contact_index", HTTP_FIELD_INTEGER, 0, 0},
    {"name", HTTP_FIELD_STRING, 0, MAX_NAME},
    {"email", HTTP_FIELD_STRING, 0, MAX_EMAIL},
    {"phone", HTTP_FIELD_STRING, 0, MAX_PHONE},
    {"send", HTTP_FIELD_ARRAY, 0, 0},
};

static int present(const json_t *body, const char *key) {
  const json_t *v = json_object_get(body, key);
  return v != NULL && !json_is_null(v);
}

/* The case's contact at index as a grant names it (phone written for SMS; an unusable phone or
 * email left out), or NULL (a field error said why). */
static json_t *case_contact(const json_t *casefile, const json_t *body, struct cs_refusal *err) {
  static const char *const own[] = {"name", "email", "phone"};
  for (size_t i = 0; i < 3; i++)
    if (present(body, own[i]))
      cs_refusal_field(err, own[i], FIELD_NOT_ALLOWED,
                       "is not taken with contact_index: the case's contact is used as it is");
  const json_t *idx = json_object_get(body, "contact_index");
  if (!json_is_integer(idx)) return NULL;
  const json_t *contacts = json_object_get(case_doc(casefile), "contacts");
  json_int_t i = json_integer_value(idx);
  const json_t *c =
      i >= 0 && (size_t)i < json_array_size(contacts) ? json_array_get(contacts, (size_t)i) : NULL;
  if (c == NULL) {
    cs_refusal_field(err, "contact_index", FIELD_NOT_FOUND, "the case has no contact there");
    return NULL;
  }
  char phone[24];
  const char *email = text(c, "email");
  int has_phone = customer_access_phone(text(c, "phone"), phone, sizeof(phone)) == CS_OK;
  if (!ids_is_email(email)) email = NULL;
  if (!has_phone && email == NULL) {
    cs_refusal_field(err, "contact_index", FIELD_INVALID,
                     "the contact has neither a phone number nor an email address to send the "
                     "link to");
    return NULL;
  }
  return json_pack("{s:O, s:I, s:O, s:s?, s:s?}", "kind", json_object_get(c, "kind"), "index", i,
                   "name", json_object_get(c, "name"), "email", email, "phone",
                   has_phone ? phone : NULL);
}

/* A person not on the case, from the body's name, email and phone, or NULL (field errors). */
static json_t *other_person(const json_t *body, struct cs_refusal *err) {
  const char *name = text(body, "name"), *email = text(body, "email"), *phone = text(body, "phone");
  char written[24];
  int ok = 1;
  if (!present(body, "name")) {
    cs_refusal_field(err, "name", FIELD_REQUIRED, "is required, unless contact_index is given");
    ok = 0;
  } else if (name != NULL && name[0] == '\0') {
    cs_refusal_field(err, "name", FIELD_FORMAT, "must not be empty");
    ok = 0;
  }
  if (email != NULL && !ids_is_email(email)) {
    cs_refusal_field(err, "email", FIELD_FORMAT, "must be an email address");
    ok = 0;
  }
  if (phone != NULL && customer_access_phone(phone, written, sizeof(written)) != CS_OK) {
    cs_refusal_field(err, "phone", FIELD_FORMAT,
                     "must be a phone number: an optional + and 6 to 15 digits");
    ok = 0;
  }
  if (!present(body, "email") && !present(body, "phone")) {
    cs_refusal_field(err, "phone", FIELD_REQUIRED,
                     "a phone number or an email address is required to send the link to");
    ok = 0;
  }
  if (!ok || name == NULL) return NULL;
  return json_pack("{s:s, s:n, s:s, s:s?, s:s?}", "kind", "other", "index", "name", name, "email",
                   email, "phone", phone != NULL ? written : NULL);
}

/* The channels of body.send (or every channel contact has), checked against contact (may be
 * NULL: it had errors). New array, or NULL (field errors). */
static json_t *channels(const json_t *body, const json_t *contact, struct cs_refusal *err) {
  const json_t *send = json_object_get(body, "send"), *v;
  int has_sms = text(contact, "phone") != NULL, has_email = text(contact, "email") != NULL;
  int seen_sms = 0, seen_email = 0;
  char field[32];
  size_t i;
  if (!present(body, "send")) {
    if (contact == NULL) return NULL;
    json_t *all = json_array();
    if (has_sms) json_array_append_new(all, json_string("sms"));
    if (has_email) json_array_append_new(all, json_string("email"));
    return all;
  }
  if (!json_is_array(send)) return NULL;
  if (json_array_size(send) == 0) {
    cs_refusal_field(err, "send", FIELD_INVALID, "must name at least one channel");
    return NULL;
  }
  if (json_array_size(send) > 2) {
    cs_refusal_field(err, "send", FIELD_TOO_LONG, "names at most the two channels");
    return NULL;
  }
  size_t before = json_array_size(err->errors);
  json_array_foreach(send, i, v) {
    const char *ch = json_string_value(v);
    int sms = ch != NULL && !strcmp(ch, "sms"), email = ch != NULL && !strcmp(ch, "email");
    snprintf(field, sizeof(field), "send/%zu", i);
    if (!sms && !email)
      cs_refusal_field(err, field, FIELD_NOT_ALLOWED, "must be sms or email");
    else if ((sms && seen_sms++) || (email && seen_email++))
      cs_refusal_field(err, field, FIELD_NOT_UNIQUE, "names a channel twice");
    else if (contact != NULL && sms && !has_sms)
      cs_refusal_field(err, field, FIELD_INVALID, "the contact has no phone number");
    else if (contact != NULL && email && !has_email)
      cs_refusal_field(err, field, FIELD_INVALID, "the contact has no email address");
  }
  return json_array_size(err->errors) == before ? json_deep_copy(send) : NULL;
}

int customer_access_grant_check(PGconn *conn, struct write_call *w) {
  struct customer_access_op *op = w->op;
  json_t *settings = NULL;
  fields_check(w->body, grant_fields, sizeof(grant_fields) / sizeof(grant_fields[0]), &w->err);
  op->contact = present(w->body, "contact_index") ? case_contact(op->casefile, w->body, &w->err)
                                                  : other_person(w->body, &w->err);
  op->send = channels(w->body, op->contact, &w->err);
  if (cs_refusal_validation(&w->err) != CS_OK) return CS_REFUSED;
  if (op->contact == NULL || op->send == NULL)
    return cs_refuse(&w->err, PROBLEM_INTERNAL, "out of memory");
  /* the link speaks the page's language */
  if (customer_casefile_settings(conn, op->casefile, &settings) != CS_OK) {
    snprintf(w->err.sqlstate, sizeof(w->err.sqlstate), "%s", db_last_sqlstate());
    return cs_refusal_db(&w->err);
  }
  snprintf(op->language, sizeof(op->language), "%s", customer_access_language(settings));
  json_decref(settings);
  return CS_OK;
}

int customer_access_grant_apply(PGconn *conn, struct write_call *w) {
  const struct customer_caller *c = w->caller;
  struct customer_access_op *op = w->op;
  if (grant(conn, op->casefile, op->language, op->contact, op->send, "manual", c->sub, NULL,
            &w->result, &w->err) != CS_OK)
    return CS_REFUSED;
  snprintf(w->location, sizeof(w->location), "/v1/customer/cases/%s/access/%s", op->case_id,
           text(w->result, "id"));
  return CS_OK;
}

/* ---- a revocation ---------------------------------------------------------------------------- */

static int grant_row(PGconn *conn, struct write_call *w, int for_update, json_t **row) {
  const struct customer_caller *c = w->caller;
  const struct customer_access_op *op = w->op;
  if (customer_store_access_get(conn, c->portal_id, op->case_id, w->id, for_update, row,
                                w->err.sqlstate) != CS_OK)
    return cs_refusal_db(&w->err);
  if (*row == NULL) return cs_refuse(&w->err, PROBLEM_NOT_FOUND, "the case has no such access");
  return CS_OK;
}

int customer_access_revoke_read(PGconn *conn, struct write_call *w, long long *version) {
  json_t *row = NULL;
  *version = WRITE_NO_VERSION;
  int rc = grant_row(conn, w, 0, &row);
  json_decref(row);
  return rc;
}

int customer_access_revoke_lock(PGconn *conn, struct write_call *w, long long *version) {
  struct customer_access_op *op = w->op;
  json_t *row = NULL;
  *version = WRITE_NO_VERSION;
  int rc = grant_row(conn, w, 1, &row);
  if (rc == CS_OK) op->revoked_already = json_is_true(json_object_get(row, "revoked"));
  json_decref(row);
  return rc;
}

int customer_access_revoke_apply(PGconn *conn, struct write_call *w) {
  const struct customer_caller *c = w->caller;
  const struct customer_access_op *op = w->op;
  /* revoking a revoked grant changes nothing and says so the same way (DELETE is idempotent) */
  if (op->revoked_already) return CS_OK;
  if (customer_store_access_revoke(conn, w->id, c->sub, w->err.sqlstate) != CS_OK)
    return cs_refusal_db(&w->err);
  return write_event(conn, &w->err, "customer_access.revoked", c->portal_id, op->case_id,
                     json_pack("{s:s, s:s, s:s}", "access_id", w->id, "portal_id", c->portal_id,
                               "case_id", op->case_id));
}

/* ---- a trigger ------------------------------------------------------------------------------- */

int customer_access_on_trigger(PGconn *conn, const json_t *casefile, const json_t *settings,
                               const char *trigger, const char *source) {
  const char *sending = text(settings, "link_sending"), *case_id = text(casefile, "case_id");
  struct cs_refusal err = {0};
  json_t *live = NULL, *picks = NULL, *pick;
  char dedupe[128], digest[SECRET_TOKEN_DIGEST_LEN + 1];
  size_t i;
  int rc = CS_OK;
  if (sending == NULL || trigger == NULL || strcmp(sending, trigger) != 0) return CS_OK;
  if (case_id == NULL || text(casefile, "portal_id") == NULL || source == NULL) {
    log_error("an access trigger %s skipped: no case, portal or source", trigger);
    return CS_OK;
  }
  if (customer_store_access_live(conn, case_id, &live, err.sqlstate) != CS_OK) return CS_ERR_DB;
  picks = customer_access_contacts_to_grant(json_object_get(case_doc(casefile), "contacts"),
                                            text(settings, "access"), live);
  if (picks == NULL) rc = CS_ERR_NOMEM;
  /* the source names the messages (notify.h's dedupe key): an event id fits, anything longer is
   * named by its digest */
  if (rc == CS_OK && strlen(source) > 80 && secret_token_digest(source, digest) != CS_OK)
    rc = CS_ERR_NOMEM;
  json_array_foreach(picks, i, pick) {
    if (rc != CS_OK) break;
    json_t *ch = json_array();
    if (ch == NULL) {
      rc = CS_ERR_NOMEM;
      break;
    }
    if (text(pick, "phone") != NULL) json_array_append_new(ch, json_string("sms"));
    if (text(pick, "email") != NULL) json_array_append_new(ch, json_string("email"));
    snprintf(dedupe, sizeof(dedupe), "%s:%zu", strlen(source) > 80 ? digest : source,
             (size_t)json_integer_value(json_object_get(pick, "index")));
    if (grant(conn, casefile, customer_access_language(settings), pick, ch, trigger, NULL, dedupe,
              NULL, &err) != CS_OK) {
      if (err.db_failure) {
        rc = CS_ERR_DB;
      } else {
        /* a message notify.h would not take is this contact's, not the event's: logged there */
        log_error("case %s: the access link of contact %zu could not be sent (%s)", case_id,
                  (size_t)json_integer_value(json_object_get(pick, "index")), err.detail);
        rc = err.kind == PROBLEM_INTERNAL && !strcmp(err.detail, "out of memory") ? CS_ERR_NOMEM
                                                                                  : CS_OK;
      }
    }
    cs_refusal_clear(&err);
    json_decref(ch);
  }
  json_decref(live);
  json_decref(picks);
  return rc;
}
