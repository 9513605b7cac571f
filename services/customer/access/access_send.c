/* The customer's access messages (access_send.h). */
#include "access_send.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access_rules.h"
#include "catalogue.h"
#include "notify.h"
#include "status.h"
#include "texts.h"

const char *customer_access_language(const json_t *settings) {
  const char *lang = json_string_value(json_object_get(settings, "language"));
  return lang != NULL && lang[0] != '\0' ? lang : "en";
}

static const char *claim_number(const json_t *casefile) {
  const char *n =
      json_string_value(json_object_get(json_object_get(casefile, "case"), "claim_number"));
  return n != NULL ? n : "";
}

/* Renders key (and subject_key when not NULL) with values and queues them. */
static int send(PGconn *conn, const char *lang, const char *channel, const char *recipient,
                const char *subject_key, const char *key, const json_t *values,
                const char *dedupe_key) {
  const struct customer_catalogue *cat = customer_texts_catalogue();
  char *subject = NULL, *body = customer_catalogue_render(cat, lang, key, values);
  int rc = CS_ERR_NOMEM;
  if (subject_key != NULL) subject = customer_catalogue_render(cat, lang, subject_key, values);
  if (body != NULL && (subject_key == NULL || subject != NULL))
    rc = customer_notify_send_secret(conn, channel, recipient, subject, body, dedupe_key);
  free(subject);
  if (body != NULL) explicit_bzero(body, strlen(body)); /* it holds a link or a code */
  free(body);
  return rc;
}

int customer_access_send_link(PGconn *conn, const json_t *casefile, const char *lang,
                              const json_t *contact, const json_t *channels, const char *token,
                              const char *dedupe) {
  const char *base = customer_texts_base_url();
  char link[512], key[200];
  const json_t *ch;
  size_t i;
  int rc = CS_OK;
  /* a fragment never reaches a server: the token stays out of access logs and Referer headers;
   * the page at /c/ reads it and logs in with POST /v1/customer-portal/login */
  if (snprintf(link, sizeof(link), "%s/c/#%s", base != NULL ? base : "", token) >=
      (int)sizeof(link))
    return CS_ERR_INVALID;
  json_t *values = json_pack("{s:O?, s:s, s:s}", "name", json_object_get(contact, "name"),
                             "claim_number", claim_number(casefile), "link", link);
  if (values == NULL) return CS_ERR_NOMEM;
  json_array_foreach(channels, i, ch) {
    const char *channel = json_string_value(ch);
    if (channel == NULL) continue;
    snprintf(key, sizeof(key), "%s:%s", dedupe, channel);
    if (!strcmp(channel, "sms"))
      rc = send(conn, lang, "sms", json_string_value(json_object_get(contact, "phone")), NULL,
                "access_link.sms", values, key);
    else if (!strcmp(channel, "email"))
      rc = send(conn, lang, "email", json_string_value(json_object_get(contact, "email")),
                "access_link.email_subject", "access_link.email_body", values, key);
    if (rc != CS_OK) break;
  }
  json_decref(values);
  explicit_bzero(link, sizeof(link));
  return rc;
}

int customer_access_send_code(PGconn *conn, const json_t *casefile, const char *lang,
                              const char *channel, const char *recipient, const char *name,
                              const char *code) {
  char minutes[8];
  snprintf(minutes, sizeof(minutes), "%d", CUSTOMER_ACCESS_CODE_TTL_S / 60);
  json_t *values =
      json_pack("{s:s, s:s, s:s, s:s}", "name", name != NULL ? name : "", "claim_number",
                claim_number(casefile), "code", code, "minutes", minutes);
  if (values == NULL) return CS_ERR_NOMEM;
  /* no dedupe key: every login that is allowed a code sends a new one */
  int rc = !strcmp(channel, "sms")
               ? send(conn, lang, "sms", recipient, NULL, "access_code.sms", values, NULL)
               : send(conn, lang, "email", recipient, "access_code.email_subject",
                      "access_code.email_body", values, NULL);
  json_decref(values);
  return rc;
}
