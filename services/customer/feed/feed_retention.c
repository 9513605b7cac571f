/* The event feed's retention thread (feed_retention.h). */
#include "feed_retention.h"

#include "bus.h"
#include "log.h"
#include "status.h"
#include "store_feed.h"

#define PURGE_BATCH 1000 /* what customer_store_feed_purge deletes at most at once */

static struct {
  struct bus_worker worker;
  struct db_pool *pool;
  long long keep_s, check_s;
} r;

/* One round: batches until fewer than a batch were old enough. */
static void purge(void) {
  long deleted = 0, total = 0;
  char sqlstate[6] = "";
  do {
    PGconn *conn = NULL;
    if (db_pool_acquire(r.pool, &conn) != CS_OK) return;
    int rc = customer_store_feed_purge(conn, r.keep_s, &deleted, sqlstate);
    db_pool_release(r.pool, conn);
    if (rc != CS_OK) {
      log_error("old events of the feed could not be purged (SQLSTATE %s)", sqlstate);
      return;
    }
    total += deleted;
  } while (deleted == PURGE_BATCH && !bus_waker_stopped(r.worker.waker));
  if (total > 0) log_info("%ld old events of the feed purged", total);
}

static void *retention_main(void *arg) {
  (void)arg;
  while (!bus_waker_stopped(r.worker.waker)) {
    purge();
    if (bus_waker_wait(r.worker.waker, -1, 0, (long)(r.check_s * 1000)) < 0) {
      log_error("the feed's retention stopped: its wait failed");
      break;
    }
  }
  return NULL;
}

int customer_feed_retention_start(struct db_pool *pool, long long keep_s, long long check_s) {
  r.pool = pool;
  r.keep_s = keep_s;
  r.check_s = check_s;
  if (bus_worker_start(&r.worker, retention_main, NULL) != CS_OK) {
    log_error("the feed's retention could not start");
    bus_worker_stop(&r.worker);
    return CS_ERR;
  }
  return CS_OK;
}

void customer_feed_retention_stop(void) { bus_worker_stop(&r.worker); }
