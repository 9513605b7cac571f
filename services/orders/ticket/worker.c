/* The ticket worker (see worker.h). */
#include "worker.h"

#include <stdlib.h>

#include "bus.h"
#include "db.h"
#include "log.h"
#include "orders.h"
#include "status.h"
#include "store_ticket.h"
#include "ticket.h"
#include "ticket_client.h"
#include "ticket_config.h"

static struct {
  const struct orders_ticket_config *cfg; /* borrowed, read once at start */
  struct bus_worker worker;               /* the thread and the waker that stops it */
  struct db_pool *pool;
  struct orders_ticket_client *client;
} w;

static int stopping(void *arg) {
  (void)arg;
  return bus_waker_stopped(w.worker.waker);
}

/* The lease of a claim: longer than any call can take, so an order is claimed again only when
 * its caller is gone. */
static long lease_ms(void) { return w.cfg->timeout_ms + 10000; }

/* Stores ref with the order in one transaction. A failure leaves the order attested under its
 * lease: it is called for again later and the endpoint answers the same ticket. */
static void opened(const struct orders_store_ticket_claimed *c, const char *ref) {
  struct cs_refusal err = {0};
  PGconn *conn = NULL;
  if (db_pool_acquire(w.pool, &conn) != CS_OK) {
    log_error("order %s: ticket %s cannot be stored (no database connection)", c->order_id, ref);
    return;
  }
  int rc = db_begin(conn);
  if (rc == CS_OK) rc = orders_ticket_opened(conn, c->order_id, ref, &err);
  if (rc == CS_OK) rc = db_commit(conn) == CS_OK ? CS_OK : CS_ERR_DB;
  if (rc != CS_OK) db_rollback(conn);
  db_pool_release(w.pool, conn);
  if (rc == CS_OK)
    log_info("order %s: ticket %s opened (attempt %d)", c->order_id, ref, c->attempt);
  else if (rc == CS_REFUSED && !err.db_failure) /* no longer attested: nothing to store */
    log_warning("order %s: ticket %s not stored: %s", c->order_id, ref, err.detail);
  else
    log_error("order %s: ticket %s cannot be stored (SQLSTATE %s), it is asked for again",
              c->order_id, ref, err.sqlstate[0] != '\0' ? err.sqlstate : db_last_sqlstate());
  cs_refusal_clear(&err);
}

/* Records a failed call and when the next is due. A failure to record leaves the lease: the
 * order is called for again once it has run out. */
static void failed(const struct orders_store_ticket_claimed *c, const char *error) {
  PGconn *conn = NULL;
  char sqlstate[6] = "";
  int changed = 0;
  long retry = orders_ticket_backoff_ms(w.cfg->retry_base_ms, w.cfg->retry_max_ms, c->attempt);
  if (db_pool_acquire(w.pool, &conn) != CS_OK) {
    log_error("order %s: a failed ticket call cannot be recorded (no database connection)",
              c->order_id);
    return;
  }
  int rc =
      orders_store_ticket_failed(conn, c->order_id, c->attempt, retry, error, &changed, sqlstate);
  db_pool_release(w.pool, conn);
  if (rc != CS_OK)
    log_error("order %s: a failed ticket call cannot be recorded (SQLSTATE %s)", c->order_id,
              sqlstate);
  else if (!changed) /* our lease ran out and another claim took it: that one decides */
    log_warning("order %s: ticket attempt %d ended after its lease", c->order_id, c->attempt);
  else
    log_warning("order %s: ticket attempt %d failed, retry in %ld ms: %s", c->order_id, c->attempt,
                retry, error);
}

/* Claims one due order and calls for its ticket: 1 when there was one, 0 when none is due, -1
 * on a database failure. */
static int open_one(void) {
  struct orders_store_ticket_claimed c;
  PGconn *conn = NULL;
  char sqlstate[6] = "", err[512] = "";
  char *ref = NULL;
  int found = 0;
  if (db_pool_acquire(w.pool, &conn) != CS_OK) return -1;
  int rc = orders_store_ticket_claim(conn, lease_ms(), &c, &found, sqlstate);
  db_pool_release(w.pool, conn);
  if (rc != CS_OK) {
    log_error("attested orders cannot be read (SQLSTATE %s)", sqlstate);
    return -1;
  }
  if (!found) return 0;
  if (orders_ticket_client_open(w.client, c.order_id, c.document, &ref, err, sizeof(err)) == CS_OK)
    opened(&c, ref);
  else
    failed(&c, err);
  free(ref);
  orders_store_ticket_claimed_clear(&c);
  return 1;
}

static void *worker_main(void *arg) {
  (void)arg;
  while (!bus_waker_stopped(w.worker.waker)) {
    /* every due order now, then a wait: orders attested together are not paced by the poll */
    while (open_one() == 1 && !bus_waker_stopped(w.worker.waker)) {
    }
    if (bus_waker_wait(w.worker.waker, -1, 0, w.cfg->poll_ms) < 0) {
      log_error("the opening of tickets stopped: its wait failed");
      break;
    }
  }
  return NULL;
}

void orders_ticket_worker_stop(void) {
  bus_worker_stop(&w.worker); /* wakes the thread; an ongoing call is aborted */
  orders_ticket_client_free(w.client);
  w.client = NULL;
}

int orders_ticket_worker_start(struct db_pool *pool, const struct orders_ticket_config *c) {
  w.pool = pool;
  w.cfg = c;
  if (orders_ticket_client_new(c, stopping, NULL, &w.client) != CS_OK) return CS_ERR;
  if (bus_worker_start(&w.worker, worker_main, NULL) != CS_OK) {
    log_error("the opening of tickets could not start");
    orders_ticket_worker_stop();
    return CS_ERR;
  }
  log_info("tickets are opened at the configured TICKET_URL (timeout %ld ms)", c->timeout_ms);
  return CS_OK;
}
