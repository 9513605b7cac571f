/* GET /v1/events (feed.h): a page of the events the caller may read after a cursor; with wait=N
 * the request waits up to N seconds for a first event (long polling) before answering an empty
 * page. Waiting holds one of the server's threads, so only a few requests wait at once; the
 * others answer at once, as without wait. No SQL here. */
#include "http_feed.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "caller.h"
#include "deadline.h"
#include "feed.h"
#include "feed_retention.h"
#include "http.h"
#include "service.h"
#include "status.h"

#define MAX_WAITING 2 /* requests waiting at once, of the HTTP_THREADS the service has */
#define POLL_MS 250   /* how often a waiting request looks again */

static atomic_int waiting;

/* One page into *page, its numbers into *info. */
static int read_page(struct request_ctx *ctx, const struct customer_caller *c,
                     const struct customer_feed_query *q, char **page,
                     struct customer_feed_page_info *info) {
  PGconn *conn = NULL;
  char sqlstate[6] = "";
  if (service_db_acquire(ctx, &conn) != CS_OK) return CS_ERR;
  int rc = customer_feed_page(conn, c, q, page, info, sqlstate);
  service_db_release(ctx, conn);
  if (rc != CS_OK) service_db_problem(ctx, sqlstate);
  return rc;
}

static void callback_events_get(struct request_ctx *ctx) {
  struct customer_caller caller;
  struct customer_feed_query q;
  struct cs_refusal err = {0};
  struct customer_feed_page_info info = {0};
  char *page = NULL;
  int waits = 0;

  if (customer_caller_load(ctx->claims, &caller, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    cs_refusal_clear(&err);
    return;
  }
  if (customer_feed_query_parse(ctx->req->map_url, &q, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    goto done;
  }
  if (q.wait_s > 0 && atomic_fetch_add(&waiting, 1) < MAX_WAITING)
    waits = 1;
  else if (q.wait_s > 0)
    atomic_fetch_sub(&waiting, 1);
  long long deadline = deadline_now_ms() + q.wait_s * 1000, asked = q.after;
  for (;;) {
    if (read_page(ctx, &caller, &q, &page, &info) != CS_OK) goto done;
    if (!waits || info.items > 0 || deadline_now_ms() + POLL_MS > deadline) break;
    free(page);
    page = NULL;
    /* what was looked at holds nothing for the caller: the next look starts after it */
    q.after = info.next_after;
    usleep(POLL_MS * 1000);
  }
  if (asked > 0 && asked < info.purged_through) {
    /* events after the cursor may be gone: the caller must read its objects again */
    http_problem(ctx->resp, PROBLEM_GONE,
                 "events up to the cursor's successors were removed (the feed keeps them for "
                 "OUTBOX_RETENTION_SECONDS); read the cases and orders again (GET "
                 "/v1/cases?updated_since=, GET /v1/orders?updated_since=) and go on from "
                 "purged_through");
    goto done;
  }
  http_json_text(ctx->resp, 200, page);
done:
  if (waits) atomic_fetch_sub(&waiting, 1);
  free(page);
  cs_refusal_clear(&err);
  customer_caller_clear(&caller);
}

static int retention_start(struct service *svc) {
  return customer_feed_retention_start(svc->pool, svc->cfg.outbox_retention_s,
                                       svc->cfg.retention_check_s) == CS_OK
             ? 0
             : -1;
}

static int retention_stop(struct service *svc) {
  (void)svc;
  customer_feed_retention_stop();
  return 0;
}

int customer_feed_wire(struct service *svc) {
  static const struct service_route_def routes[] = {
      {"GET", "/v1/events", callback_events_get, ROUTE_AUTHENTICATED}};
  service_routes(svc, routes, SERVICE_ROUTES_COUNT(routes), "the event feed");
  service_on_start(svc, retention_start);
  service_on_stop(svc, retention_stop);
  return 0;
}
