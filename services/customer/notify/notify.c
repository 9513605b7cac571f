/* Notifications: the rules of notices and messages, and the inbox (see notify.h). */
#include "notify.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "ids.h"
#include "log.h"
#include "paging.h"
#include "status.h"
#include "store_notify.h"

static int kind_ok(const char *kind) {
  size_t n = kind != NULL ? strlen(kind) : 0;
  if (n < 1 || n > 64 || kind[0] < 'a' || kind[0] > 'z') return 0;
  for (size_t i = 1; i < n; i++) {
    char c = kind[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.')) return 0;
  }
  return 1;
}

/* No control characters: a recipient or subject goes into a mail header, where a CR or LF
 * would let a value add headers of its own. */
static int one_line(const char *s) {
  for (; *s != '\0'; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f) return 0;
  return 1;
}

static int phone_ok(const char *s) {
  size_t digits = 0;
  if (*s == '+') s++;
  for (; *s != '\0'; s++, digits++)
    if (*s < '0' || *s > '9') return 0;
  return digits >= 6 && digits <= 15;
}

const char *customer_notify_user_check(const char *portal_id, const char *user_id, const char *kind,
                                       const char *title, const char *body, const json_t *data,
                                       const char *link) {
  if (!ids_is_uuid(portal_id)) return "portal_id is not a UUID";
  if (user_id == NULL || user_id[0] == '\0' || strlen(user_id) > 200) return "no user_id";
  if (!kind_ok(kind)) return "kind is not [a-z][a-z0-9_.]* of at most 64 bytes";
  if (title == NULL || title[0] == '\0' || strlen(title) > CUSTOMER_NOTIFY_MAX_TITLE)
    return "title must be 1..200 bytes";
  if (body != NULL && strlen(body) > CUSTOMER_NOTIFY_MAX_BODY) return "body is over 4000 bytes";
  if (link != NULL && strlen(link) > CUSTOMER_NOTIFY_MAX_LINK) return "link is over 2000 bytes";
  if (data != NULL && !json_is_object(data)) return "data is not a JSON object";
  return NULL;
}

const char *customer_notify_send_check(const char *channel, const char *recipient,
                                       const char *subject, const char *body,
                                       const char *dedupe_key) {
  if (channel == NULL || (strcmp(channel, "email") != 0 && strcmp(channel, "sms") != 0))
    return "channel is neither email nor sms";
  if (recipient == NULL || strlen(recipient) > 320 || !one_line(recipient))
    return "recipient is missing, too long or holds control characters";
  if (strcmp(channel, "email") == 0) {
    if (!ids_is_email(recipient)) return "recipient is not an email address";
    if (subject == NULL || subject[0] == '\0' || strlen(subject) > CUSTOMER_NOTIFY_MAX_SUBJECT ||
        !one_line(subject))
      return "an email needs a one-line subject of 1..998 bytes";
  } else if (!phone_ok(recipient)) {
    return "recipient is not a phone number (+ and 6..15 digits)";
  }
  if (body == NULL || body[0] == '\0' || strlen(body) > CUSTOMER_NOTIFY_MAX_MESSAGE)
    return "body must be 1..100000 bytes";
  if (dedupe_key != NULL && (dedupe_key[0] == '\0' || strlen(dedupe_key) > 200))
    return "dedupe_key must be 1..200 bytes";
  return NULL;
}

/* customer_notify_user and customer_notify_user_from_event: source_event_id may be NULL. */
static int notify_user(PGconn *conn, const char *source_event_id, const char *portal_id,
                       const char *user_id, const char *kind, const char *title, const char *body,
                       const json_t *data, const char *link) {
  const char *why = customer_notify_user_check(portal_id, user_id, kind, title, body, data, link);
  if (why == NULL && source_event_id != NULL &&
      (source_event_id[0] == '\0' || strlen(source_event_id) > 200))
    why = "source_event_id must be 1..200 bytes";
  if (why != NULL) {
    log_error("notification not made: %s", why);
    return CS_ERR_INVALID;
  }
  char id[37], sqlstate[6] = "";
  char *data_json = data != NULL ? json_dumps(data, JSON_COMPACT) : NULL;
  if (data != NULL && data_json == NULL) return CS_ERR_NOMEM;
  ids_uuid_v4(id);
  const struct customer_store_notification n = {id,   portal_id, user_id, kind,           title,
                                                body, data_json, link,    source_event_id};
  int rc = customer_store_notification_insert(conn, &n, sqlstate);
  free(data_json);
  return rc == CS_OK ? CS_OK : CS_ERR_DB;
}

int customer_notify_user(PGconn *conn, const char *portal_id, const char *user_id, const char *kind,
                         const char *title, const char *body, const json_t *data,
                         const char *link) {
  return notify_user(conn, NULL, portal_id, user_id, kind, title, body, data, link);
}

int customer_notify_user_from_event(PGconn *conn, const char *source_event_id,
                                    const char *portal_id, const char *user_id, const char *kind,
                                    const char *title, const char *body, const json_t *data,
                                    const char *link) {
  return notify_user(conn, source_event_id, portal_id, user_id, kind, title, body, data, link);
}

static int send(PGconn *conn, const char *channel, const char *recipient, const char *subject,
                const char *body, const char *dedupe_key, int secret) {
  const char *why = customer_notify_send_check(channel, recipient, subject, body, dedupe_key);
  if (why != NULL) {
    log_error("message not queued: %s", why);
    return CS_ERR_INVALID;
  }
  char id[37], sqlstate[6] = "";
  int queued = 0;
  ids_uuid_v4(id);
  const struct customer_store_message m = {
      id,   channel,    recipient, strcmp(channel, "email") == 0 ? subject : NULL,
      body, dedupe_key, secret};
  return customer_store_message_queue(conn, &m, &queued, sqlstate) == CS_OK ? CS_OK : CS_ERR_DB;
}

int customer_notify_send(PGconn *conn, const char *channel, const char *recipient,
                         const char *subject, const char *body, const char *dedupe_key) {
  return send(conn, channel, recipient, subject, body, dedupe_key, 0);
}

int customer_notify_send_secret(PGconn *conn, const char *channel, const char *recipient,
                                const char *subject, const char *body, const char *dedupe_key) {
  return send(conn, channel, recipient, subject, body, dedupe_key, 1);
}

/* The position after a notification shown last: its time and id. */
static json_t *inbox_position(const json_t *last, const void *arg) {
  (void)arg;
  return json_pack("{s:O, s:O}", "at", json_object_get(last, "created_at"), "id",
                   json_object_get(last, "id"));
}

int customer_notify_inbox(PGconn *conn, const char *portal_id, const char *user_id, long limit,
                          const json_t *position, json_t **page, struct cs_refusal *err) {
  const char *at = json_string_value(json_object_get(position, "at"));
  const char *id = json_string_value(json_object_get(position, "id"));
  json_t *rows = NULL;
  long long unread = 0;
  *page = NULL;
  if (position != NULL && (!ids_is_timestamp(at) || !ids_is_uuid(id)))
    return cs_refuse(err, PROBLEM_INVALID_PARAMETER, "cursor is not one of this list's");
  if (customer_store_inbox_page(conn, portal_id, user_id, at, id, limit + 1, &rows,
                                err->sqlstate) != CS_OK ||
      customer_store_inbox_unread(conn, portal_id, user_id, &unread, err->sqlstate) != CS_OK) {
    json_decref(rows);
    return cs_refusal_db(err);
  }
  *page = paging_page(rows, limit, inbox_position, NULL); /* steals rows */
  if (*page == NULL) return cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
  json_object_set_new(*page, "unread", json_integer(unread));
  return CS_OK;
}

int customer_notify_read(PGconn *conn, const char *portal_id, const char *user_id, const char *id,
                         json_t **doc, struct cs_refusal *err) {
  /* another user's notification is as absent as one that never was: its id tells nothing */
  if (customer_store_inbox_read_one(conn, portal_id, user_id, id, doc, err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  if (*doc == NULL) return cs_refuse(err, PROBLEM_NOT_FOUND, "no such notification");
  return CS_OK;
}

int customer_notify_read_all(PGconn *conn, const char *portal_id, const char *user_id,
                             long long *marked, struct cs_refusal *err) {
  if (customer_store_inbox_read_all(conn, portal_id, user_id, marked, err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  return CS_OK;
}
