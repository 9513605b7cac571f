/* The SMTP provider (EMAIL_PROVIDER=smtp): each email through libcurl's SMTP to SMTP_URL, from
 * SMTP_FROM, with SMTP_USER and its password when set (then TLS is required: a password never
 * travels in clear). The message id goes as the mail's Message-ID: a mail sent again after a
 * crash (provider.h) carries the same one, by which a mailbox or a sink recognises it. One
 * handle reused by the delivery thread, so the connection stays open between mails. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "mail.h"
#include "provider.h"
#include "status.h"

struct smtp_state {
  CURL *h;
  char *from;
  notify_abort_fn should_abort;
  void *abort_arg;
};

/* The message being uploaded. */
struct upload {
  const char *data;
  size_t len, at;
};

static size_t read_message(char *ptr, size_t size, size_t nmemb, void *userdata) {
  struct upload *u = userdata;
  size_t n = size * nmemb;
  if (n > u->len - u->at) n = u->len - u->at;
  memcpy(ptr, u->data + u->at, n);
  u->at += n;
  return n;
}

static int progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                    curl_off_t ulnow) {
  (void)dltotal;
  (void)dlnow;
  (void)ultotal;
  (void)ulnow;
  const struct smtp_state *st = clientp;
  return st->should_abort != NULL && st->should_abort(st->abort_arg) ? 1 : 0;
}

static enum notify_outcome smtp_send(struct notify_provider *p, const struct notify_message *m,
                                     char *err, size_t errlen) {
  struct smtp_state *st = p->state;
  struct curl_slist *rcpt = NULL;
  char to[400];
  enum notify_outcome out = NOTIFY_RETRY;
  char *text = notify_mail_format(st->from, m->recipient, m->subject, m->body, m->id, time(NULL));
  snprintf(to, sizeof(to), "<%s>", m->recipient);
  if (text == NULL || (rcpt = curl_slist_append(NULL, to)) == NULL) {
    snprintf(err, errlen, "out of memory");
    goto done;
  }
  struct upload u = {text, strlen(text), 0};
  curl_easy_setopt(st->h, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(st->h, CURLOPT_READDATA, &u);
  curl_easy_setopt(st->h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)u.len);
  CURLcode cc = curl_easy_perform(st->h);
  long code = 0;
  curl_easy_getinfo(st->h, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_setopt(st->h, CURLOPT_MAIL_RCPT, NULL);
  curl_easy_setopt(st->h, CURLOPT_READDATA, NULL);
  if (cc == CURLE_OK) {
    out = NOTIFY_SENT;
  } else {
    /* a refusal with a reply code says whether it is for good; no reply is an outage */
    out = code > 0 ? notify_smtp_outcome(code) : NOTIFY_RETRY;
    snprintf(err, errlen, "smtp: %s (reply %ld)", curl_easy_strerror(cc), code);
  }
done:
  curl_slist_free_all(rcpt);
  free(text);
  return out;
}

static void smtp_free(struct notify_provider *p) {
  struct smtp_state *st = p->state;
  if (st != NULL) {
    curl_easy_cleanup(st->h);
    free(st->from);
    free(st);
  }
  free(p);
}

int notify_provider_smtp_new(const struct customer_notify_config *c, notify_abort_fn should_abort,
                             void *abort_arg, struct notify_provider **out) {
  struct notify_provider *p = calloc(1, sizeof(*p));
  struct smtp_state *st = calloc(1, sizeof(*st));
  char from[400];
  *out = NULL;
  if (p == NULL || st == NULL) goto fail;
  p->name = "smtp";
  p->send = smtp_send;
  p->free = smtp_free;
  p->state = st;
  st->should_abort = should_abort;
  st->abort_arg = abort_arg;
  snprintf(from, sizeof(from), "<%s>", c->smtp_from);
  if ((st->from = strdup(c->smtp_from)) == NULL || (st->h = curl_easy_init()) == NULL) goto fail;
  CURL *h = st->h;
  int with_password = c->smtp_user != NULL && c->smtp_user[0] != '\0';
  if (curl_easy_setopt(h, CURLOPT_URL, c->smtp_url) != CURLE_OK ||
      curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps") != CURLE_OK ||
      curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
      curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms) != CURLE_OK ||
      curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->send_timeout_ms) != CURLE_OK ||
      curl_easy_setopt(h, CURLOPT_MAIL_FROM, from) != CURLE_OK ||
      curl_easy_setopt(h, CURLOPT_READFUNCTION, read_message) != CURLE_OK ||
      curl_easy_setopt(h, CURLOPT_UPLOAD, 1L) != CURLE_OK ||
      curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L) != CURLE_OK ||
      curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress) != CURLE_OK ||
      curl_easy_setopt(h, CURLOPT_XFERINFODATA, st) != CURLE_OK)
    goto fail;
  if (with_password && (curl_easy_setopt(h, CURLOPT_USERNAME, c->smtp_user) != CURLE_OK ||
                        curl_easy_setopt(h, CURLOPT_PASSWORD, c->smtp_password) != CURLE_OK ||
                        curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL) != CURLE_OK))
    goto fail;
  *out = p;
  return CS_OK;
fail:
  log_error("the SMTP provider could not be set up");
  if (p != NULL)
    smtp_free(p);
  else
    free(st);
  return CS_ERR;
}
