/* Outgoing HTTP GETs and JSON POSTs on a reused libcurl handle. See http_client.h. */
#include "http_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "status.h"

size_t httpc_collect(char *ptr, size_t size, size_t nmemb, void *userdata) {
  struct httpc_body *b = userdata;
  size_t n = size * nmemb;
  if (b->cap_bytes > 0 && b->len + n > b->cap_bytes) {
    b->too_big = 1;
    return 0; /* aborts the transfer */
  }
  char *grown = realloc(b->data, b->len + n + 1);
  if (grown == NULL) return 0;
  memcpy(grown + b->len, ptr, n);
  b->len += n;
  grown[b->len] = '\0';
  b->data = grown;
  return n;
}

static int progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                    curl_off_t ulnow) {
  (void)dltotal;
  (void)dlnow;
  (void)ultotal;
  (void)ulnow;
  const struct httpc_options *o = clientp;
  return o->should_abort(o->abort_arg) ? 1 : 0;
}

CURL *httpc_handle_new(const struct httpc_options *o) {
  CURL *h = curl_easy_init();
  if (h == NULL) return NULL;
  if (curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
      curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
      curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
      curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms) != CURLE_OK ||
      curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o->timeout_ms) != CURLE_OK ||
      curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_bytes) != CURLE_OK ||
      curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, httpc_collect) != CURLE_OK) {
    curl_easy_cleanup(h);
    return NULL;
  }
  if (o->should_abort != NULL) {
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *)o);
  }
  return h;
}

/* One transfer with the method and body the caller has set on h: the calling thread's request
 * id travels on as X-Request-Id and its trace as traceparent (so logs join up across services),
 * plus content_type when not NULL. The answer goes into body; see httpc_get for the results. */
static int perform(CURL *h, const struct httpc_options *o, const char *url,
                   const char *content_type, long *status, struct httpc_body *body, char *err,
                   size_t errlen) {
  struct curl_slist *headers = NULL, *grown;
  char line[1024];

  memset(body, 0, sizeof(*body));
  body->cap_bytes = o->max_bytes;
  *status = 0;
  if (log_request_id()[0] != '\0') {
    snprintf(line, sizeof(line), "X-Request-Id: %s", log_request_id());
    if ((grown = curl_slist_append(headers, line)) != NULL) headers = grown;
  }
  /* the request's trace goes on, this service's span as the parent (W3C Trace Context) */
  if (log_traceparent()[0] != '\0') {
    snprintf(line, sizeof(line), "traceparent: %s", log_traceparent());
    if ((grown = curl_slist_append(headers, line)) != NULL) headers = grown;
  }
  if (o->authorization != NULL) {
    int n = snprintf(line, sizeof(line), "Authorization: %s", o->authorization);
    if (n < 0 || (size_t)n >= sizeof(line)) {
      snprintf(err, errlen, "credentials too long");
      return CS_ERR_UNAVAILABLE;
    }
    if ((grown = curl_slist_append(headers, line)) != NULL) headers = grown;
  }
  if (content_type != NULL) {
    snprintf(line, sizeof(line), "Content-Type: %s", content_type);
    if ((grown = curl_slist_append(headers, line)) != NULL) headers = grown;
    /* no "Expect: 100-continue" round trip before a body */
    if ((grown = curl_slist_append(headers, "Expect:")) != NULL) headers = grown;
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
  /* the options may live on the caller's stack: point the abort check at this call's */
  if (o->should_abort != NULL) curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *)o);
  CURLcode cc = curl_easy_perform(h);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
  curl_slist_free_all(headers);
  if (cc != CURLE_OK) {
    snprintf(err, errlen, "%s", body->too_big ? "the answer is too large" : curl_easy_strerror(cc));
    return CS_ERR_UNAVAILABLE;
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
  return CS_OK;
}

int httpc_get(CURL *h, const struct httpc_options *o, const char *url, long *status,
              struct httpc_body *body, char *err, size_t errlen) {
  return perform(h, o, url, NULL, status, body, err, errlen);
}

int httpc_post_json(CURL *h, const struct httpc_options *o, const char *url, const char *json_body,
                    long *status, struct httpc_body *body, char *err, size_t errlen) {
  /* POSTFIELDS is not copied: json_body is the caller's and outlives the transfer */
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(json_body));
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, json_body);
  int rc = perform(h, o, url, "application/json", status, body, err, errlen);
  /* forget the body (the pointer would dangle) and make the handle a GET handle again */
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, NULL);
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)-1);
  curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  return rc;
}
