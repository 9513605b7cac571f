/* The schedule of the temporary-case reports (see report_schedule.h). */
#include "report_schedule.h"

#include <jansson.h>

#include "bus.h"
#include "db.h"
#include "log.h"
#include "replica.h"
#include "report_temporary.h"
#include "status.h"

static struct {
  struct bus_worker worker; /* the thread and the waker that stops it */
  struct db_pool *pool;
  long long check_ms;
} schedule;

/* One round: every due portal's report, each in a transaction of its own. */
static void round_once(void) {
  struct cs_refusal stale = {0};
  json_t *due = NULL, *item;
  PGconn *conn = NULL;
  size_t i;
  /* the portals and their settings as policy has them now, or wait: a report of a period
   * reckoned in a stale time zone or setting would be kept for good */
  if (replica_fresh(&stale) != CS_OK) {
    cs_refusal_clear(&stale);
    return;
  }
  if (db_pool_acquire(schedule.pool, &conn) != CS_OK) return; /* busy: the next round */
  if (cases_temporary_report_due(conn, &due) != CS_OK) goto done;
  json_array_foreach(due, i, item) {
    char id[37], sqlstate[6] = "";
    int made = 0;
    if (bus_waker_stopped(schedule.worker.waker)) break;
    if (cases_temporary_report_generate(conn, item, id, &made, sqlstate) != CS_OK)
      log_error("the temporary-case report of portal %s could not be generated (SQLSTATE %s)",
                json_string_value(json_object_get(item, "portal_id")), sqlstate);
    else if (made)
      log_info("temporary-case report %s generated: portal %s, %s from %s", id,
               json_string_value(json_object_get(item, "portal_id")),
               json_string_value(json_object_get(item, "period")),
               json_string_value(json_object_get(item, "period_start")));
  }
done:
  json_decref(due);
  db_pool_release(schedule.pool, conn);
}

static void *schedule_main(void *arg) {
  (void)arg;
  while (!bus_waker_stopped(schedule.worker.waker)) {
    round_once();
    /* the waker ends the wait at once on stop: shutdown never waits out a check interval */
    if (bus_waker_wait(schedule.worker.waker, -1, 0, (long)schedule.check_ms) < 0) {
      log_error("the schedule of the temporary-case reports stopped: its wait failed");
      break;
    }
  }
  return NULL;
}

int cases_report_schedule_start(struct db_pool *pool, long check_s) {
  schedule.pool = pool;
  schedule.check_ms = check_s * 1000LL;
  if (bus_worker_start(&schedule.worker, schedule_main, NULL) == CS_OK) return CS_OK;
  log_error("the schedule of the temporary-case reports could not start");
  bus_worker_stop(&schedule.worker);
  return CS_ERR;
}

void cases_report_schedule_stop(void) { bus_worker_stop(&schedule.worker); }
