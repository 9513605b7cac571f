/* The HTTP SMS provider (SMS_PROVIDER=http): each SMS as POST SMS_HTTP_URL with the JSON
 * {id, to, text}, an Idempotency-Key header holding the same id (a gateway that keeps keys sends
 * a repeated request once, provider.h), and a bearer from SMS_HTTP_TOKEN(_FILE) when set.
 * 2xx: sent; 408, 429, 5xx and no answer: retry; any other 4xx: the gateway refuses this
 * message for good (dead). One handle reused by the delivery thread (keep-alive). */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_client.h"
#include "log.h"
#include "provider.h"
#include "status.h"

struct sms_state {
  CURL *h;
  char *url;
  char *authorization; /* "Authorization: Bearer ..." or NULL (wiped when freed) */
  struct httpc_options options;
};

static enum notify_outcome http_send(struct notify_provider *p, const struct notify_message *m,
                                     char *err, size_t errlen) {
  struct sms_state *st = p->state;
  struct curl_slist *headers = NULL, *grown;
  struct httpc_body answer = {.cap_bytes = st->options.max_bytes};
  enum notify_outcome out = NOTIFY_RETRY;
  char key[96];
  json_t *doc = json_pack("{s:s, s:s, s:s}", "id", m->id, "to", m->recipient, "text", m->body);
  char *text = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
  snprintf(key, sizeof(key), "Idempotency-Key: %s", m->id);
  const char *lines[] = {"Content-Type: application/json", "Expect:", key, st->authorization};
  for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
    if (lines[i] != NULL && (grown = curl_slist_append(headers, lines[i])) != NULL) headers = grown;
  if (text == NULL || headers == NULL) {
    snprintf(err, errlen, "out of memory");
    goto done;
  }
  curl_easy_setopt(st->h, CURLOPT_URL, st->url);
  curl_easy_setopt(st->h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(st->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(text));
  curl_easy_setopt(st->h, CURLOPT_POSTFIELDS, text);
  curl_easy_setopt(st->h, CURLOPT_WRITEDATA, &answer);
  CURLcode cc = curl_easy_perform(st->h);
  long status = 0;
  curl_easy_getinfo(st->h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_setopt(st->h, CURLOPT_HTTPHEADER, NULL);
  curl_easy_setopt(st->h, CURLOPT_POSTFIELDS, NULL);
  if (cc != CURLE_OK) {
    snprintf(err, errlen, "sms gateway: %s", curl_easy_strerror(cc));
  } else if ((out = notify_http_outcome(status)) != NOTIFY_SENT) {
    snprintf(err, errlen, "sms gateway answered %ld", status);
  }
done:
  curl_slist_free_all(headers);
  free(answer.data);
  free(text);
  json_decref(doc);
  return out;
}

static void http_free(struct notify_provider *p) {
  struct sms_state *st = p->state;
  if (st != NULL) {
    curl_easy_cleanup(st->h);
    free(st->url);
    if (st->authorization != NULL) {
      explicit_bzero(st->authorization, strlen(st->authorization));
      free(st->authorization);
    }
    free(st);
  }
  free(p);
}

int notify_provider_http_new(const struct customer_notify_config *c, notify_abort_fn should_abort,
                             void *abort_arg, struct notify_provider **out) {
  struct notify_provider *p = calloc(1, sizeof(*p));
  struct sms_state *st = calloc(1, sizeof(*st));
  *out = NULL;
  if (p == NULL || st == NULL) goto fail;
  p->name = "http";
  p->send = http_send;
  p->free = http_free;
  p->state = st;
  st->options = (struct httpc_options){.connect_timeout_ms = c->connect_timeout_ms,
                                       .timeout_ms = c->send_timeout_ms,
                                       .max_bytes = 64 * 1024,
                                       .should_abort = should_abort,
                                       .abort_arg = abort_arg};
  if ((st->url = strdup(c->sms_http_url)) == NULL) goto fail;
  if (c->sms_http_token != NULL) {
    size_t n = strlen(c->sms_http_token) + 32;
    if ((st->authorization = malloc(n)) == NULL) goto fail;
    snprintf(st->authorization, n, "Authorization: Bearer %s", c->sms_http_token);
  }
  /* http(s) only, no redirects, timeouts, an answer size cap (http_client.h) */
  if ((st->h = httpc_handle_new(&st->options)) == NULL) goto fail;
  *out = p;
  return CS_OK;
fail:
  log_error("the HTTP SMS provider could not be set up");
  if (p != NULL)
    http_free(p);
  else
    free(st);
  return CS_ERR;
}
