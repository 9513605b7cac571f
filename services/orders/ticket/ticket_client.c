/* The call to the ticket endpoint (see ticket_client.h). */
#include "ticket_client.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_client.h"
#include "log.h"
#include "status.h"
#include "ticket.h"

struct orders_ticket_client {
  CURL *h;
  const struct orders_ticket_config *cfg;
  struct httpc_options options;
};

int orders_ticket_client_new(const struct orders_ticket_config *c, orders_ticket_abort_fn abort,
                             void *abort_arg, struct orders_ticket_client **out) {
  struct orders_ticket_client *t = calloc(1, sizeof(*t));
  *out = NULL;
  if (t == NULL) return CS_ERR;
  t->cfg = c;
  /* connecting is part of the total; an endpoint that does not accept within 5 s is down */
  t->options =
      (struct httpc_options){.connect_timeout_ms = c->timeout_ms < 5000 ? c->timeout_ms : 5000,
                             .timeout_ms = c->timeout_ms,
                             .max_bytes = 64 * 1024,
                             .should_abort = abort,
                             .abort_arg = abort_arg};
  /* http(s) only, no redirects, timeouts, an answer size cap (http_client.h) */
  if ((t->h = httpc_handle_new(&t->options)) == NULL) {
    log_error("the ticket endpoint's client could not be set up");
    free(t);
    return CS_ERR;
  }
  *out = t;
  return CS_OK;
}

void orders_ticket_client_free(struct orders_ticket_client *t) {
  if (t == NULL) return;
  curl_easy_cleanup(t->h);
  free(t);
}

int orders_ticket_client_open(struct orders_ticket_client *t, const char *order_id,
                              const char *document, char **ref, char *err, size_t errlen) {
  struct curl_slist *headers = NULL, *grown;
  struct httpc_body answer = {.cap_bytes = t->options.max_bytes};
  char key[96];
  int rc = CS_ERR_UNAVAILABLE;
  *ref = NULL;
  snprintf(key, sizeof(key), "Idempotency-Key: %s", order_id);
  const char *lines[] = {"Content-Type: application/json", "Accept: application/json",
                         "Expect:", key, t->cfg->auth_header};
  for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
    if (lines[i] == NULL) continue;
    if ((grown = curl_slist_append(headers, lines[i])) == NULL) {
      snprintf(err, errlen, "out of memory");
      goto done;
    }
    headers = grown;
  }
  curl_easy_setopt(t->h, CURLOPT_URL, t->cfg->url);
  curl_easy_setopt(t->h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(t->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(document));
  curl_easy_setopt(t->h, CURLOPT_POSTFIELDS, document);
  curl_easy_setopt(t->h, CURLOPT_WRITEDATA, &answer);
  CURLcode cc = curl_easy_perform(t->h);
  long status = 0;
  curl_easy_getinfo(t->h, CURLINFO_RESPONSE_CODE, &status);
  /* the handle keeps no pointer into this call's memory */
  curl_easy_setopt(t->h, CURLOPT_HTTPHEADER, NULL);
  curl_easy_setopt(t->h, CURLOPT_POSTFIELDS, NULL);
  curl_easy_setopt(t->h, CURLOPT_WRITEDATA, NULL);
  if (cc != CURLE_OK)
    snprintf(err, errlen, "ticket endpoint: %s",
             answer.too_big ? "the answer is too large" : curl_easy_strerror(cc));
  else if (orders_ticket_answer(status, answer.data, answer.len, ref, err, errlen) == CS_OK)
    rc = CS_OK;
done:
  curl_slist_free_all(headers);
  free(answer.data);
  return rc;
}
