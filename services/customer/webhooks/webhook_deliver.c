/* The webhook worker (see webhook_deliver.h). */
#include "webhook_deliver.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "bus.h"
#include "db.h"
#include "http_client.h"
#include "log.h"
#include "status.h"
#include "store_webhooks.h"
#include "webhook_rules.h"
#include "webhook_sign.h"

static struct {
  struct bus_worker worker;
  struct db_pool *pool;
  const struct customer_webhooks_config *cfg;
  struct httpc_options options;
  CURL *h; /* reused: keep-alive toward a receiver that is called often */
} d;

/* Every connection of a delivery: refused to internal addresses (webhook_rules.h), so a
 * subscription cannot make the service call what sits behind the firewall. */
static curl_socket_t open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a) {
  (void)arg;
  if (purpose != CURLSOCKTYPE_IPCXN ||
      !customer_webhooks_address_allowed(&a->addr, d.cfg->allow_http)) {
    log_warning("a webhook delivery was not let connect to an internal address");
    return CURL_SOCKET_BAD;
  }
  return socket(a->family, a->socktype, a->protocol);
}

static int stopping(void *arg) {
  (void)arg;
  return bus_waker_stopped(d.worker.waker);
}

/* POSTs c's payload. *status the answer's status (0: none); err says why it failed. */
static void post(const struct customer_store_webhook_claimed *c, long *status, char *err,
                 size_t errlen) {
  char sig[WEBHOOK_SIGNATURE_SIZE], sig_old[WEBHOOK_SIGNATURE_SIZE];
  char h_id[256], h_ts[64], h_sig[160];
  struct curl_slist *headers = NULL, *grown;
  struct httpc_body answer = {.cap_bytes = d.options.max_bytes};
  long long ts = (long long)time(NULL);
  size_t len = strlen(c->payload);
  *status = 0;
  if (webhook_sign(c->secret, c->event_id, ts, c->payload, len, sig) != CS_OK) {
    snprintf(err, errlen, "the subscription's secret cannot sign");
    return;
  }
  /* after a rotation both secrets sign: a receiver holding either one verifies (Standard
   * Webhooks: space-separated signatures) */
  if (c->previous_secret != NULL &&
      webhook_sign(c->previous_secret, c->event_id, ts, c->payload, len, sig_old) == CS_OK)
    snprintf(h_sig, sizeof(h_sig), "webhook-signature: %s %s", sig, sig_old);
  else
    snprintf(h_sig, sizeof(h_sig), "webhook-signature: %s", sig);
  snprintf(h_id, sizeof(h_id), "webhook-id: %s", c->event_id);
  snprintf(h_ts, sizeof(h_ts), "webhook-timestamp: %lld", ts);
  const char *lines[] = {"Content-Type: application/json", "Expect:", h_id, h_ts, h_sig,
                         "User-Agent: claimsuite-webhooks"};
  for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
    if ((grown = curl_slist_append(headers, lines[i])) != NULL) headers = grown;
  curl_easy_setopt(d.h, CURLOPT_URL, c->url);
  curl_easy_setopt(d.h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(d.h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
  curl_easy_setopt(d.h, CURLOPT_POSTFIELDS, c->payload);
  curl_easy_setopt(d.h, CURLOPT_WRITEDATA, &answer);
  CURLcode cc = curl_easy_perform(d.h);
  curl_easy_getinfo(d.h, CURLINFO_RESPONSE_CODE, status);
  curl_easy_setopt(d.h, CURLOPT_HTTPHEADER, NULL);
  curl_easy_setopt(d.h, CURLOPT_POSTFIELDS, NULL);
  curl_easy_setopt(d.h, CURLOPT_HTTPGET, 1L);
  /* a 2xx status line is the receiver's acceptance, whatever happens to its body after it (one
   * over the size cap, a connection closed early) */
  if ((*status < 200 || *status > 299) && cc != CURLE_OK) {
    *status = 0;
    snprintf(err, errlen, "%s", curl_easy_strerror(cc));
  } else if (*status < 200 || *status > 299) {
    snprintf(err, errlen, "the receiver answered %ld", *status);
  }
  curl_slist_free_all(headers);
  free(answer.data);
  explicit_bzero(sig, sizeof(sig));
}

/* Records how attempt c ended. A failure to record leaves it 'sending': it is claimed again
 * when its lease runs out (webhook-id lets the receiver drop the repeat). */
static void record(const struct customer_store_webhook_claimed *c, long status, const char *err) {
  PGconn *conn = NULL;
  char sqlstate[6] = "";
  int changed = 0, delivered = status >= 200 && status <= 299;
  long retry = -1;
  if (!delivered) {
    retry = customer_webhooks_backoff_ms(d.cfg->retry_base_ms, d.cfg->retry_max_ms, c->attempt);
    /* the next try after the window closes would be too late: dead now */
    if (c->queued_s * 1000 + retry > d.cfg->retry_for_s * 1000) retry = -1;
  }
  if (db_pool_acquire(d.pool, &conn) != CS_OK) {
    log_error("webhook delivery %s: its outcome cannot be recorded (no connection)", c->id);
    return;
  }
  int rc = customer_store_webhook_outcome(conn, c->id, c->attempt, delivered, retry, status,
                                          delivered ? NULL : err, &changed, sqlstate);
  db_pool_release(d.pool, conn);
  if (rc != CS_OK)
    log_error("webhook delivery %s: its outcome cannot be recorded (SQLSTATE %s)", c->id, sqlstate);
  else if (!changed)
    log_warning("webhook delivery %s: attempt %d ended after its lease", c->id, c->attempt);
  else if (delivered)
    log_info("webhook delivery %s delivered (attempt %d)", c->id, c->attempt);
  else if (retry >= 0)
    log_warning("webhook delivery %s: attempt %d failed, retry in %ld ms: %s", c->id, c->attempt,
                retry, err);
  else
    log_error("webhook delivery %s is dead after attempt %d: %s", c->id, c->attempt, err);
}

/* Claims and sends one due delivery: 1 when there was one, 0 when none is due, -1 on a
 * database failure. No transaction or lock is open during the POST. */
static int deliver_one(void) {
  struct customer_store_webhook_claimed c;
  PGconn *conn = NULL;
  char sqlstate[6] = "", err[512] = "";
  int found = 0;
  long status = 0;
  /* the lease outlasts any POST (its total timeout), so only a gone sender's claim is retaken */
  long lease = d.cfg->timeout_ms + 10000;
  if (db_pool_acquire(d.pool, &conn) != CS_OK) return -1;
  int rc = customer_store_webhook_claim(conn, lease, &c, &found, sqlstate);
  db_pool_release(d.pool, conn);
  if (rc != CS_OK) {
    log_error("the webhook queue cannot be read (SQLSTATE %s)", sqlstate);
    return -1;
  }
  if (!found) return 0;
  post(&c, &status, err, sizeof(err));
  record(&c, status, err);
  customer_store_webhook_claimed_clear(&c);
  return 1;
}

/* Purges the final deliveries kept long enough, once every purge_check_s. */
static void purge_when_due(void) {
  static time_t next;
  time_t now = time(NULL);
  PGconn *conn = NULL;
  char sqlstate[6] = "";
  long deleted = 0;
  if (now < next) return;
  next = now + d.cfg->purge_check_s;
  if (db_pool_acquire(d.pool, &conn) != CS_OK) return;
  int rc = customer_store_deliveries_purge(conn, d.cfg->keep_s, &deleted, sqlstate);
  db_pool_release(d.pool, conn);
  if (rc != CS_OK)
    log_error("old webhook deliveries could not be purged (SQLSTATE %s)", sqlstate);
  else if (deleted > 0)
    log_info("%ld old webhook deliveries purged", deleted);
  if (rc == CS_OK && deleted == 1000) next = now; /* more to go: again after this round */
}

static void *deliver_main(void *arg) {
  (void)arg;
  while (!bus_waker_stopped(d.worker.waker)) {
    while (deliver_one() == 1 && !bus_waker_stopped(d.worker.waker)) {
    }
    purge_when_due();
    if (bus_waker_wait(d.worker.waker, -1, 0, d.cfg->poll_ms) < 0) {
      log_error("the delivery of webhooks stopped: its wait failed");
      break;
    }
  }
  return NULL;
}

int customer_webhooks_deliver_start(struct db_pool *pool,
                                    const struct customer_webhooks_config *c) {
  d.pool = pool;
  d.cfg = c;
  d.options = (struct httpc_options){.connect_timeout_ms = c->connect_timeout_ms,
                                     .timeout_ms = c->timeout_ms,
                                     .max_bytes = 64 * 1024,
                                     .should_abort = stopping,
                                     .abort_arg = NULL};
  /* http(s) only, no redirects (a receiver cannot send a delivery elsewhere), timeouts */
  if ((d.h = httpc_handle_new(&d.options)) == NULL ||
      curl_easy_setopt(d.h, CURLOPT_OPENSOCKETFUNCTION, open_socket) != CURLE_OK ||
      curl_easy_setopt(d.h, CURLOPT_PROTOCOLS_STR, c->allow_http ? "http,https" : "https") !=
          CURLE_OK ||
      bus_worker_start(&d.worker, deliver_main, NULL) != CS_OK) {
    log_error("the delivery of webhooks could not start");
    customer_webhooks_deliver_stop();
    return CS_ERR;
  }
  return CS_OK;
}

void customer_webhooks_deliver_stop(void) {
  bus_worker_stop(&d.worker);
  if (d.h != NULL) curl_easy_cleanup(d.h);
  d.h = NULL;
}
