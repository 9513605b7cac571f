/* The customer contact's messages (messages.h). A message, what it tells (news entry, inbox
 * notices) and the event of the new unread count are written in one transaction, under a lock
 * per case so that the counts published follow one another. */
#include "messages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "casefile.h"
#include "catalogue.h"
#include "db.h"
#include "idempotency.h"
#include "ids.h"
#include "log.h"
#include "notify.h"
#include "paging.h"
#include "replica.h"
#include "settings.h"
#include "status.h"
#include "store_messages.h"
#include "texts.h"

#define NOTICE_PREVIEW_BYTES 200 /* how much of the customer's text the inbox notice shows */

static const char *member(const json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

/* A failure of a call that keeps no SQLSTATE of its own (casefile.h, notify.h, bus.h,
 * db_commit): the thread's last one names it. */
static int db_failed(struct cs_refusal *err) {
  if (err->sqlstate[0] == '\0') {
    const char *s = db_last_sqlstate();
    size_t n = strlen(s) < sizeof(err->sqlstate) - 1 ? strlen(s) : sizeof(err->sqlstate) - 1;
    memcpy(err->sqlstate, s, n);
    err->sqlstate[n] = '\0';
  }
  return cs_refusal_db(err);
}

/* 1 when s is well-formed UTF-8 (a form field is not checked by anyone before). */
static int utf8_ok(const char *s) {
  json_t *j = json_string(s); /* jansson refuses ill-formed UTF-8 */
  json_decref(j);
  return j != NULL;
}

void customer_messages_rules(const struct customer_message_in *in, struct cs_refusal *err) {
  char detail[96];
  if (in->text == NULL || in->text[0] == '\0') {
    if (in->file_sha256 == NULL)
      cs_refusal_field(err, "text", FIELD_REQUIRED, "is required: text, a file, or both");
  } else if (strlen(in->text) > CUSTOMER_MESSAGES_MAX_TEXT) {
    snprintf(detail, sizeof(detail), "must be at most %d bytes", CUSTOMER_MESSAGES_MAX_TEXT);
    cs_refusal_field(err, "text", FIELD_TOO_LONG, detail);
  } else if (!utf8_ok(in->text)) {
    cs_refusal_field(err, "text", FIELD_FORMAT, "must be UTF-8 text");
  }
}

int customer_messages_tab_open(const json_t *casefile, const json_t *settings,
                               struct cs_refusal *err) {
  if (customer_when_holds(member(settings, "messages_tab"), casefile)) return CS_OK;
  return cs_refuse(err, PROBLEM_NOT_FOUND, "the customer page shows no messages for this case");
}

/* The position after a message shown last: its time and id. */
static json_t *page_position(const json_t *last, const void *arg) {
  (void)arg;
  return json_pack("{s:O, s:O}", "at", json_object_get(last, "created_at"), "id",
                   json_object_get(last, "id"));
}

int customer_messages_list(PGconn *conn, const char *case_id, const char *viewer, long limit,
                           const json_t *position, json_t **page, struct cs_refusal *err) {
  const char *at = member(position, "at"), *id = member(position, "id");
  json_t *rows = NULL;
  long long unread = 0;
  *page = NULL;
  if (position != NULL && (!ids_is_timestamp(at) || !ids_is_uuid(id)))
    return cs_refuse(err, PROBLEM_INVALID_PARAMETER, "cursor is not one of this list's");
  if (customer_store_contact_page(conn, case_id, viewer, at, id, limit + 1, &rows, err->sqlstate) !=
          CS_OK ||
      customer_store_contact_unread(conn, case_id, viewer, &unread, err->sqlstate) != CS_OK) {
    json_decref(rows);
    return cs_refusal_db(err);
  }
  *page = paging_page(rows, limit, page_position, NULL); /* steals rows */
  if (*page == NULL) return cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
  json_object_set_new(*page, "unread", json_integer(unread));
  return CS_OK;
}

/* customer_contact.changed of casefile's case with its counts as they are now (inside the
 * transaction, under the case's lock). */
static int publish_changed(PGconn *conn, const json_t *casefile, struct cs_refusal *err) {
  const char *case_id = member(casefile, "case_id");
  const json_t *claim = json_object_get(json_object_get(casefile, "case"), "claim_number");
  json_t *state = NULL;
  if (customer_store_contact_state(conn, case_id, &state, err->sqlstate) != CS_OK || state == NULL)
    return db_failed(err);
  json_object_set_new(state, "case_id", json_string(case_id));
  json_object_set_new(state, "claim_number",
                      json_is_string(claim) ? json_incref((json_t *)claim) : json_null());
  int rc = bus_outbox_add(conn, "customer_contact.changed", member(casefile, "portal_id"), case_id,
                          state);
  json_decref(state);
  return rc == CS_OK ? CS_OK : db_failed(err);
}

/* The row of a new message of casefile's case; its file from in. */
static void row_of(struct customer_store_contact_message *m, char id[37], char size[24],
                   const json_t *casefile, const char *direction,
                   const struct customer_message_in *in) {
  ids_uuid_v4(id);
  snprintf(size, 24, "%lld", in->file_size);
  *m = (struct customer_store_contact_message){
      .id = id,
      .portal_id = member(casefile, "portal_id"),
      .case_id = member(casefile, "case_id"),
      .direction = direction,
      .text = in->text != NULL ? in->text : "",
      .file_sha256 = in->file_sha256,
      .file_name = in->file_sha256 != NULL ? in->file_name : NULL,
      .file_media_type = in->file_sha256 != NULL ? in->file_media_type : NULL,
      .file_size = in->file_sha256 != NULL ? size : NULL};
}

/* The direction settings allow, refused when it is not "both" nor only. */
static int direction_allowed(const json_t *settings, const char *refused, const char *who,
                             struct cs_refusal *err) {
  const char *d = member(settings, "messages_direction");
  if (d == NULL || strcmp(d, refused) != 0) return CS_OK;
  return cs_refuse(err, PROBLEM_WRONG_STATE,
                   "the customer page of this case takes messages %s only (messages_direction "
                   "%s): %s cannot write",
                   !strcmp(refused, "from_customer_only") ? "from the customer" : "to the customer",
                   d, who);
}

/* The name the customer sees of staff member c. */
static void staff_name(PGconn *conn, const struct customer_caller *c, char *out, size_t len) {
  json_t *user = NULL;
  snprintf(out, len, "%s", c->is_client ? "API client" : "");
  if (!c->is_client && replica_user(conn, c->portal_id, c->sub, &user) == CS_OK)
    snprintf(out, len, "%.200s", member(user, "name") != NULL ? member(user, "name") : "");
  json_decref(user);
}

/* The key of in, once the case is locked: CS_OK to go on (no key, or a new one), with *replay
 * the message a first request with the key made (new; then nothing is written), or CS_REFUSED
 * (422 for another message under the key). */
static int claim_key(PGconn *conn, const struct customer_message_in *in, json_t **replay,
                     struct cs_refusal *err) {
  enum idem_outcome outcome;
  struct idem_stored stored = {0};
  char fingerprint[CUSTOMER_MESSAGES_MAX_TEXT + 400];
  *replay = NULL;
  if (in->idem_key == NULL) return CS_OK;
  int n = snprintf(fingerprint, sizeof(fingerprint), "%s\n%s\n%s", in->text != NULL ? in->text : "",
                   in->file_sha256 ? in->file_sha256 : "", in->file_name ? in->file_name : "");
  if (idem_claim(conn, in->idem_scope, in->idem_key, "POST", in->idem_path, fingerprint,
                 (size_t)n < sizeof(fingerprint) ? (size_t)n : sizeof(fingerprint) - 1, &outcome,
                 &stored) != CS_OK)
    return cs_refusal_db(err);
  int rc = CS_OK;
  if (outcome == IDEM_MISMATCH)
    rc = cs_refuse(err, PROBLEM_IDEMPOTENCY_KEY_REUSED,
                   "this Idempotency-Key was used for another message");
  else if (outcome == IDEM_REPLAY && (*replay = json_loads(stored.body, 0, NULL)) == NULL)
    rc = cs_refuse(err, PROBLEM_INTERNAL, "the first answer to this key cannot be read");
  idem_stored_clear(&stored);
  return rc;
}

/* Keeps doc as the answer to in's key (none: nothing), in the message's transaction. */
static int record_key(PGconn *conn, const struct customer_message_in *in, const json_t *doc,
                      struct cs_refusal *err) {
  char location[300];
  if (in->idem_key == NULL) return CS_OK;
  char *body = json_dumps(doc, JSON_COMPACT);
  snprintf(location, sizeof(location), "%s/%s", in->idem_path, member(doc, "id"));
  int rc =
      body != NULL && idem_record(conn, in->idem_scope, in->idem_key, 201, body, location) == CS_OK
          ? CS_OK
          : cs_refusal_db(err);
  free(body);
  return rc;
}

int customer_messages_staff_post(PGconn *conn, const struct customer_caller *c,
                                 const json_t *casefile, const struct customer_message_in *in,
                                 json_t **doc, struct cs_refusal *err) {
  struct customer_store_contact_message m;
  json_t *settings = NULL;
  char id[37], size[24], name[201];
  int rc;
  *doc = NULL;
  if (customer_casefile_settings(conn, casefile, &settings) != CS_OK) return db_failed(err);
  rc = direction_allowed(settings, "from_customer_only", "the staff", err);
  json_decref(settings);
  if (rc != CS_OK) return rc;
  staff_name(conn, c, name, sizeof(name));
  row_of(&m, id, size, casefile, "to_customer", in);
  m.sender_id = c->sub;
  m.sender_name = name;
  db_begin(conn);
  if (customer_store_contact_lock(conn, m.case_id, err->sqlstate) != CS_OK) {
    rc = cs_refusal_db(err);
    goto done;
  }
  if ((rc = claim_key(conn, in, doc, err)) != CS_OK) goto done;
  if (*doc != NULL) { /* a replay: the first message's answer, nothing written */
    db_rollback(conn);
    if (in->replayed != NULL) *in->replayed = 1;
    return CS_OK;
  }
  if (customer_store_contact_insert(conn, &m, CUSTOMER_MESSAGES_STAFF, doc, err->sqlstate) !=
      CS_OK) {
    rc = cs_refusal_db(err);
    goto done;
  }
  if ((rc = record_key(conn, in, *doc, err)) != CS_OK) goto done;
  /* the news entry says a message came, not what it says */
  if (customer_news_add(conn, m.portal_id, m.case_id, "message_to_customer", NULL, NULL, NULL) !=
          CS_OK ||
      db_commit(conn) != CS_OK) {
    rc = db_failed(err);
    goto done;
  }
  rc = CS_OK;
done:
  if (rc != CS_OK) {
    db_rollback(conn);
    json_decref(*doc);
    *doc = NULL;
  }
  return rc;
}

/* At most max bytes of s, cut at a UTF-8 character boundary. New string. */
static char *prefix(const char *s, size_t max) {
  size_t n = strlen(s);
  if (n > max) {
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
  }
  char *out = malloc(n + 1);
  if (out != NULL) {
    memcpy(out, s, n);
    out[n] = '\0';
  }
  return out;
}

/* The inbox notice of the customer's message (doc: its document) to the case handler and the
 * external case handler's user of casefile's case, each once. */
static int notify_staff(PGconn *conn, const json_t *casefile, const json_t *doc,
                        const struct customer_message_in *in, struct cs_refusal *err) {
  const json_t *kase = json_object_get(casefile, "case");
  const char *case_id = member(casefile, "case_id"), *portal_id = member(casefile, "portal_id");
  const char *handler = member(kase, "case_handler_id");
  const char *ech =
      member(json_object_get(json_object_get(kase, "external_case_handler"), "user"), "id");
  const char *claim = member(kase, "claim_number");
  char link[128], *title = NULL, *body = NULL;
  json_t *values = json_pack("{s:s}", "claim_number", claim != NULL ? claim : "");
  json_t *data =
      json_pack("{s:s, s:O}", "case_id", case_id, "message_id", json_object_get(doc, "id"));
  int rc = CS_OK;
  snprintf(link, sizeof(link), "/v1/customer/cases/%s/messages", case_id);
  /* the portals carry no language yet: the catalogue's English (as notify/from_events.c) */
  title =
      customer_catalogue_render(customer_texts_catalogue(), "en", "customer_message.title", values);
  body = prefix(in->text != NULL && in->text[0] ? in->text : in->file_name, NOTICE_PREVIEW_BYTES);
  if (values == NULL || data == NULL || title == NULL || body == NULL) {
    rc = cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
    goto done;
  }
  const char *to[] = {handler,
                      ech != NULL && (handler == NULL || strcmp(ech, handler)) ? ech : NULL};
  for (size_t i = 0; i < 2 && rc == CS_OK; i++) {
    if (to[i] == NULL) continue;
    int n =
        customer_notify_user(conn, portal_id, to[i], "customer.message", title, body, data, link);
    /* a notice out of the rules (logged there) leaves the message sent */
    if (n != CS_OK && n != CS_ERR_INVALID) rc = db_failed(err);
  }
done:
  json_decref(values);
  json_decref(data);
  free(title);
  free(body);
  return rc;
}

int customer_messages_customer_post(PGconn *conn, const struct customer_message_author *a,
                                    const struct customer_message_in *in, json_t **doc,
                                    struct cs_refusal *err) {
  struct customer_store_contact_message m;
  char id[37], size[24];
  int rc;
  *doc = NULL;
  if ((rc = direction_allowed(a->settings, "to_customer_only", "the customer", err)) != CS_OK)
    return rc;
  row_of(&m, id, size, a->casefile, "from_customer", in);
  m.sender_id = a->access_id;
  m.sender_name = a->name;
  m.sender_email = a->email != NULL && a->email[0] ? a->email : NULL;
  db_begin(conn);
  if (customer_store_contact_lock(conn, m.case_id, err->sqlstate) != CS_OK) {
    rc = cs_refusal_db(err);
    goto done;
  }
  if ((rc = claim_key(conn, in, doc, err)) != CS_OK) goto done;
  if (*doc != NULL) { /* a replay: the first message's answer, nothing written */
    db_rollback(conn);
    if (in->replayed != NULL) *in->replayed = 1;
    return CS_OK;
  }
  if (customer_store_contact_insert(conn, &m, CUSTOMER_MESSAGES_CUSTOMER, doc, err->sqlstate) !=
      CS_OK) {
    rc = cs_refusal_db(err);
    goto done;
  }
  if ((rc = record_key(conn, in, *doc, err)) != CS_OK ||
      (rc = notify_staff(conn, a->casefile, *doc, in, err)) != CS_OK ||
      (rc = publish_changed(conn, a->casefile, err)) != CS_OK)
    goto done;
  rc = db_commit(conn) == CS_OK ? CS_OK : db_failed(err);
done:
  if (rc != CS_OK) {
    db_rollback(conn);
    json_decref(*doc);
    *doc = NULL;
  }
  return rc;
}

int customer_messages_read_all(PGconn *conn, const json_t *casefile, const char *viewer,
                               const char *by, long long *marked, struct cs_refusal *err) {
  const char *case_id = member(casefile, "case_id");
  int rc;
  *marked = 0;
  db_begin(conn);
  if (customer_store_contact_lock(conn, case_id, err->sqlstate) != CS_OK ||
      customer_store_contact_read_all(conn, case_id, viewer, by, marked, err->sqlstate) != CS_OK) {
    rc = cs_refusal_db(err);
    goto done;
  }
  /* the staff reading the customer's messages changes what the cases service counts */
  if (*marked > 0 && !strcmp(viewer, CUSTOMER_MESSAGES_STAFF) &&
      (rc = publish_changed(conn, casefile, err)) != CS_OK)
    goto done;
  rc = db_commit(conn) == CS_OK ? CS_OK : db_failed(err);
done:
  if (rc != CS_OK) {
    db_rollback(conn);
    *marked = 0;
  }
  return rc;
}

int customer_messages_file(PGconn *conn, const char *case_id, const char *id, json_t **file,
                           struct cs_refusal *err) {
  if (customer_store_contact_file(conn, case_id, id, file, err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  if (*file == NULL) return cs_refuse(err, PROBLEM_NOT_FOUND, "no such message with a file");
  return CS_OK;
}
