/* The delivery worker (see deliver.h). */
#include "deliver.h"

#include <string.h>

#include "bus.h"
#include "db.h"
#include "log.h"
#include "provider.h"
#include "status.h"
#include "store_notify.h"

static struct {
  struct bus_worker worker; /* the thread and the waker that stops it */
  struct db_pool *pool;
  const struct customer_notify_config *cfg;
  struct notify_provider *email, *sms;
} d;

static int stopping(void *arg) {
  (void)arg;
  return bus_waker_stopped(d.worker.waker);
}

/* The lease of a claim: longer than any send can take (the providers' total timeout), so a
 * message is claimed again only when its sender is gone. */
static long lease_ms(void) { return d.cfg->send_timeout_ms + 10000; }

/* Records how attempt c ended. A failure to record leaves the message 'sending': it is claimed
 * again when its lease runs out and sent again (the dedupe id covers that). */
static void record(const struct customer_store_claimed *c, enum notify_outcome out,
                   const char *error) {
  PGconn *conn = NULL;
  char sqlstate[6] = "";
  int changed = 0, rc;
  long retry = -1;
  if (out == NOTIFY_RETRY && c->attempt < d.cfg->max_attempts)
    retry = notify_backoff_ms(d.cfg->retry_base_ms, d.cfg->retry_max_ms, c->attempt);
  if (db_pool_acquire(d.pool, &conn) != CS_OK) {
    log_error("message %s: its outcome cannot be recorded (no database connection)", c->id);
    return;
  }
  if (out == NOTIFY_SENT)
    rc = customer_store_message_sent(conn, c->id, c->attempt, &changed, sqlstate);
  else
    rc = customer_store_message_failed(conn, c->id, c->attempt, retry, error, &changed, sqlstate);
  db_pool_release(d.pool, conn);
  if (rc != CS_OK)
    log_error("message %s: its outcome cannot be recorded (SQLSTATE %s)", c->id, sqlstate);
  else if (!changed) /* our lease ran out and another claim took it: that one decides */
    log_warning("message %s: attempt %d ended after its lease", c->id, c->attempt);
  else if (out == NOTIFY_SENT)
    log_info("message %s sent (%s, attempt %d)", c->id, c->channel, c->attempt);
  else if (retry >= 0)
    log_warning("message %s: attempt %d failed, retry in %ld ms: %s", c->id, c->attempt, retry,
                error);
  else
    log_error("message %s is dead after attempt %d: %s", c->id, c->attempt, error);
}

/* Claims and sends one due message: 1 when there was one, 0 when none is due, -1 on a database
 * failure. No transaction or row lock is open while the provider is called. */
static int deliver_one(void) {
  struct customer_store_claimed c;
  PGconn *conn = NULL;
  char sqlstate[6] = "", err[512] = "";
  int found = 0;
  if (db_pool_acquire(d.pool, &conn) != CS_OK) return -1;
  int rc = customer_store_message_claim(conn, lease_ms(), &c, &found, sqlstate);
  db_pool_release(d.pool, conn);
  if (rc != CS_OK) {
    log_error("the message queue cannot be read (SQLSTATE %s)", sqlstate);
    return -1;
  }
  if (!found) return 0;
  enum notify_outcome out;
  if (c.attempt > d.cfg->max_attempts) {
    /* its last attempt's sender died mid-send */
    out = NOTIFY_DEAD;
    snprintf(err, sizeof(err), "the last attempt ended without an outcome");
  } else {
    struct notify_provider *p = strcmp(c.channel, "email") == 0 ? d.email : d.sms;
    const struct notify_message m = {c.id, c.channel, c.recipient, c.subject, c.body, c.attempt};
    out = p->send(p, &m, err, sizeof(err));
  }
  record(&c, out, err);
  customer_store_claimed_clear(&c);
  return 1;
}

static void *deliver_main(void *arg) {
  (void)arg;
  while (!bus_waker_stopped(d.worker.waker)) {
    /* everything due now, then a wait: a busy queue is drained without pauses */
    while (deliver_one() == 1 && !bus_waker_stopped(d.worker.waker)) {
    }
    if (bus_waker_wait(d.worker.waker, -1, 0, d.cfg->poll_ms) < 0) {
      log_error("the delivery of notifications stopped: its wait failed");
      break;
    }
  }
  return NULL;
}

static int make_providers(const struct customer_notify_config *c) {
  int rc = strcmp(c->email_provider, "smtp") == 0
               ? notify_provider_smtp_new(c, stopping, NULL, &d.email)
               : notify_provider_file_new(c, &d.email);
  if (rc != CS_OK) return rc;
  return strcmp(c->sms_provider, "http") == 0 ? notify_provider_http_new(c, stopping, NULL, &d.sms)
                                              : notify_provider_file_new(c, &d.sms);
}

int customer_notify_deliver_start(struct db_pool *pool, const struct customer_notify_config *c) {
  d.pool = pool;
  d.cfg = c;
  if (make_providers(c) != CS_OK) {
    log_error("the notification providers could not be made");
    customer_notify_deliver_stop();
    return CS_ERR;
  }
  if (bus_worker_start(&d.worker, deliver_main, NULL) != CS_OK) {
    log_error("the delivery of notifications could not start");
    customer_notify_deliver_stop();
    return CS_ERR;
  }
  log_info("notifications: email by %s, sms by %s", d.email->name, d.sms->name);
  return CS_OK;
}

void customer_notify_deliver_stop(void) {
  bus_worker_stop(&d.worker);
  notify_provider_free(d.email);
  notify_provider_free(d.sms);
  d.email = d.sms = NULL;
}
