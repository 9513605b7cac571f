/* The cases service's events as notifications (see from_events.h). */
#include "from_events.h"

#include <stdlib.h>
#include <string.h>

#include "catalogue.h"
#include "log.h"
#include "notify.h"
#include "status.h"

/* How much of a chat message the notice shows. */
#define CHAT_PREVIEW_CHARS 200

/* The language a portal's messages are written in. The replica's portals carry no language yet,
 * so every portal gets English; once they do, it is read here (and the catalogue falls back to
 * English for a text a language lacks). */
static const char *portal_language(PGconn *conn, const char *portal_id) {
  (void)conn;
  (void)portal_id;
  return "en";
}

static const char *member(const json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

/* A failure of notify.h's calls as the consumer's answer: an argument out of its rules is this
 * event's fault (logged there; retrying cannot help), anything else is retried. */
static int consumer_answer(int rc) { return rc == CS_ERR_INVALID ? CS_OK : rc; }

int customer_from_rfq_invited_external(PGconn *conn, const struct customer_from_events *ctx,
                                       const json_t *event) {
  const json_t *data = json_object_get(event, "data");
  const char *event_id = member(event, "id"), *portal_id = member(event, "portal_id");
  const char *email = member(data, "email"), *path = member(data, "invitation_path");
  const char *description = member(data, "description"), *due = member(data, "due_date");
  const char *name = member(data, "name"), *claim_number = member(data, "claim_number");
  char *subject = NULL, *body = NULL, *link = NULL;
  json_t *values = NULL;
  int rc = CS_ERR_NOMEM;
  if (event_id == NULL || portal_id == NULL || email == NULL || path == NULL || path[0] != '/' ||
      description == NULL) {
    /* the event id alone is logged: the rest names a person or holds the link's secret */
    log_error(
        "rfq.invited_external %s skipped: id, portal_id, data.email, data.invitation_path"
        " or data.description missing",
        event_id != NULL ? event_id : "(no id)");
    return CS_OK;
  }
  size_t n = strlen(ctx->public_base_url) + strlen(path) + 1;
  if ((link = malloc(n)) == NULL) goto done;
  snprintf(link, n, "%s%s", ctx->public_base_url, path);
  values = json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", name != NULL ? name : email,
                     "description", description, "due_date", due != NULL ? due : "-",
                     "claim_number", claim_number != NULL ? claim_number : "", "link", link);
  if (values == NULL) goto done;
  const char *lang = portal_language(conn, portal_id);
  subject = customer_catalogue_render(ctx->catalogue, lang, "rfq_invitation.subject", values);
  body = customer_catalogue_render(ctx->catalogue, lang, "rfq_invitation.body", values);
  if (subject == NULL || body == NULL) goto done;
  /* the link is the partner's credential: kept until sent */
  rc = consumer_answer(customer_notify_send_secret(conn, "email", email, subject, body, event_id));
done:
  if (rc == CS_ERR_NOMEM) log_error("rfq.invited_external %s: out of memory", event_id);
  json_decref(values);
  free(subject);
  free(body);
  free(link);
  return rc;
}

/* The first max_chars characters of text (UTF-8: a character is never cut in two); all of it
 * when shorter. New string (free()), NULL for no memory. */
static char *prefix(const char *text, size_t max_chars) {
  size_t i = 0, chars = 0;
  /* a character starts at every byte that is not a continuation byte (10xxxxxx) */
  while (text[i] != '\0') {
    if (((unsigned char)text[i] & 0xC0) != 0x80 && chars++ == max_chars) break;
    i++;
  }
  char *out = malloc(i + 1);
  if (out == NULL) return NULL;
  memcpy(out, text, i);
  out[i] = '\0';
  return out;
}

int customer_from_chat_message_posted(PGconn *conn, const struct customer_from_events *ctx,
                                      const json_t *event) {
  const json_t *data = json_object_get(event, "data");
  const char *event_id = member(event, "id"), *portal_id = member(event, "portal_id");
  const char *case_id = member(data, "case_id"), *message_id = member(data, "message_id");
  const char *text = member(data, "text"), *claim_number = member(data, "claim_number");
  const char *author = member(json_object_get(data, "actor"), "id");
  const json_t *notify = json_object_get(data, "notify"), *user;
  char *title = NULL, *body = NULL, link[200];
  json_t *values = NULL, *notice = NULL;
  size_t i;
  int rc = CS_ERR_NOMEM;
  if (event_id == NULL || portal_id == NULL || case_id == NULL || message_id == NULL ||
      text == NULL || !json_is_array(notify) || strlen(case_id) > 100) {
    log_error(
        "chat.message_posted %s skipped: id, portal_id, data.case_id, data.message_id,"
        " data.text or data.notify missing",
        event_id != NULL ? event_id : "(no id)");
    return CS_OK;
  }
  snprintf(link, sizeof(link), "/v1/cases/%s/chat/messages", case_id);
  values = json_pack("{s:s}", "claim_number", claim_number != NULL ? claim_number : "");
  notice = json_pack("{s:s, s:s}", "case_id", case_id, "message_id", message_id);
  if (values == NULL || notice == NULL) goto done;
  title = customer_catalogue_render(ctx->catalogue, portal_language(conn, portal_id),
                                    "chat_message.title", values);
  body = prefix(text, CHAT_PREVIEW_CHARS);
  if (title == NULL || body == NULL) goto done;
  rc = CS_OK;
  json_array_foreach(notify, i, user) {
    const char *user_id = json_string_value(user);
    if (user_id == NULL || (author != NULL && strcmp(user_id, author) == 0)) continue;
    rc = customer_notify_user_from_event(conn, event_id, portal_id, user_id, "chat_message", title,
                                         body, notice, link);
    /* one user's notice out of the rules (logged) leaves the others theirs */
    if (rc == CS_ERR_INVALID) rc = CS_OK;
    if (rc != CS_OK) break;
  }
done:
  if (rc == CS_ERR_NOMEM) log_error("chat.message_posted %s: out of memory", event_id);
  json_decref(values);
  json_decref(notice);
  free(title);
  free(body);
  return rc;
}
