/* The BankID relying-party API client (bankid.h). */
#include "bankid.h"

#include <orcania.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_client.h"
#include "log.h"
#include "status.h"

#define IDLE_HANDLES 8
#define MAX_ANSWER (256 * 1024) /* completion data with its OCSP response fits many times */
#define MAX_VISIBLE 1500 /* BankID takes at most 40 000 characters of base64; ours are short */

static const struct orders_signing_config *cfg;
static struct httpc_options options;
static pthread_mutex_t idle_lock = PTHREAD_MUTEX_INITIALIZER;
static CURL *idle[IDLE_HANDLES];
static int nidle;

int orders_bankid_init(const struct orders_signing_config *c) {
  cfg = c;
  options = (struct httpc_options){
      .connect_timeout_ms = c->bankid_timeout_ms < 5000 ? c->bankid_timeout_ms : 5000,
      .timeout_ms = c->bankid_timeout_ms,
      .max_bytes = MAX_ANSWER};
  return CS_OK;
}

void orders_bankid_stop(void) {
  pthread_mutex_lock(&idle_lock);
  while (nidle > 0) curl_easy_cleanup(idle[--nidle]);
  pthread_mutex_unlock(&idle_lock);
}

int orders_bankid_enabled(void) { return cfg != NULL && cfg->bankid_url[0] != '\0'; }

/* An idle handle or a new one with the relying party's certificate; NULL when none. */
static CURL *handle_take(void) {
  CURL *h = NULL;
  pthread_mutex_lock(&idle_lock);
  if (nidle > 0) h = idle[--nidle];
  pthread_mutex_unlock(&idle_lock);
  if (h != NULL) return h;
  if ((h = httpc_handle_new(&options)) == NULL) return NULL;
  if (cfg->bankid_cert[0] != '\0') {
    curl_easy_setopt(h, CURLOPT_SSLCERT, cfg->bankid_cert);
    curl_easy_setopt(h, CURLOPT_SSLKEY, cfg->bankid_key);
  }
  /* BankID's server certificate is signed by its own CA, not a public one */
  if (cfg->bankid_ca[0] != '\0') curl_easy_setopt(h, CURLOPT_CAINFO, cfg->bankid_ca);
  return h;
}

static void handle_give(CURL *h) {
  pthread_mutex_lock(&idle_lock);
  if (nidle < IDLE_HANDLES) {
    idle[nidle++] = h;
    h = NULL;
  }
  pthread_mutex_unlock(&idle_lock);
  if (h != NULL) curl_easy_cleanup(h);
}

/* POST body (stolen) to BANKID_URL/rp/v6.0/<call>: the answer's object into *out on 200. */
static int call(const char *name, json_t *body, json_t **out, char *why, size_t whylen) {
  char url[1024];
  struct httpc_body answer = {0};
  long status = 0;
  int rc = CS_ERR_UNAVAILABLE;
  char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
  CURL *h = NULL;
  *out = NULL;
  json_decref(body);
  if (!orders_bankid_enabled()) {
    snprintf(why, whylen, "BankID is not configured");
    goto done;
  }
  if (text == NULL || (h = handle_take()) == NULL) {
    snprintf(why, whylen, "out of memory");
    goto done;
  }
  snprintf(url, sizeof(url), "%s/rp/v6.0/%s", cfg->bankid_url, name);
  if (httpc_post_json(h, &options, url, text, &status, &answer, why, whylen) != CS_OK) goto done;
  json_t *doc = answer.data != NULL ? json_loads(answer.data, 0, NULL) : NULL;
  if (status == 200 && json_is_object(doc)) {
    *out = doc;
    rc = CS_OK;
  } else if (status == 400 || status == 404) {
    /* {errorCode, details}: invalidParameters (e.g. an order it no longer knows),
     * alreadyInProgress */
    const char *code = json_string_value(json_object_get(doc, "errorCode"));
    snprintf(why, whylen, "%s", code != NULL ? code : "invalidParameters");
    json_decref(doc);
    rc = CS_ERR_INVALID;
  } else {
    const char *code = json_string_value(json_object_get(doc, "errorCode"));
    snprintf(why, whylen, "BankID answered %ld%s%s", status, code ? " " : "", code ? code : "");
    json_decref(doc);
  }
done:
  if (h != NULL) handle_give(h);
  free(answer.data);
  free(text);
  if (rc == CS_ERR_UNAVAILABLE) log_warning("bankid %s: %s", name, why);
  return rc;
}

int orders_bankid_sign(const char *end_user_ip, const char *visible_text, json_t **out, char *why,
                       size_t whylen) {
  unsigned char encoded[2 * MAX_VISIBLE + 8];
  size_t n = 0, len = strlen(visible_text);
  *out = NULL;
  if (len > MAX_VISIBLE ||
      !o_base64_encode((const unsigned char *)visible_text, len, encoded, &n) ||
      n >= sizeof(encoded)) {
    snprintf(why, whylen, "the text to sign is too long");
    return CS_ERR_UNAVAILABLE;
  }
  encoded[n] = '\0';
  json_t *body = json_pack("{s:s, s:s, s:s}", "endUserIp", end_user_ip, "userVisibleData",
                           (const char *)encoded, "userVisibleDataFormat", "simpleMarkdownV1");
  int rc = call("sign", body, out, why, whylen);
  if (rc == CS_OK && (json_string_value(json_object_get(*out, "orderRef")) == NULL ||
                      json_string_value(json_object_get(*out, "qrStartToken")) == NULL ||
                      json_string_value(json_object_get(*out, "qrStartSecret")) == NULL)) {
    snprintf(why, whylen, "BankID's answer lacks the order's reference or QR tokens");
    log_warning("bankid sign: %s", why);
    json_decref(*out);
    *out = NULL;
    rc = CS_ERR_UNAVAILABLE;
  }
  return rc;
}

int orders_bankid_collect(const char *order_ref, json_t **out, char *why, size_t whylen) {
  int rc = call("collect", json_pack("{s:s}", "orderRef", order_ref), out, why, whylen);
  if (rc == CS_OK && json_string_value(json_object_get(*out, "status")) == NULL) {
    snprintf(why, whylen, "BankID's answer has no status");
    json_decref(*out);
    *out = NULL;
    rc = CS_ERR_UNAVAILABLE;
  }
  return rc;
}

int orders_bankid_cancel(const char *order_ref, char *why, size_t whylen) {
  json_t *answer = NULL;
  int rc = call("cancel", json_pack("{s:s}", "orderRef", order_ref), &answer, why, whylen);
  json_decref(answer);
  return rc;
}
