/* GET /v1/events (feed.h): a page of the portal's case events after a cursor; with wait=N the
 * request waits up to N seconds for a first event (long polling) before answering an empty
 * page. Waiting holds one of the server's threads, so only a few requests wait at once; the
 * others answer at once, as without wait. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cases_routes.h"
#include "deadline.h"
#include "feed.h"
#include "http.h"
#include "http_case_op.h"
#include "service.h"
#include "status.h"
#include "store_feed.h"

#define MAX_WAITING 2 /* requests waiting at once, of the HTTP_THREADS the service has */
#define POLL_MS 250   /* how often a waiting request looks again */

static atomic_int waiting;

/* One page into *page, its number of events into *items. */
static int read_page(struct request_ctx *ctx, const struct cases_caller *c,
                     const struct cases_feed_query *q, char **page, long *items,
                     long long *purged) {
  PGconn *conn = NULL;
  char sqlstate[6] = "";
  if (service_db_acquire(ctx, &conn) != CS_OK) return CS_ERR;
  int rc = cases_store_feed_page(conn, c->portal_id, q, page, items, purged, sqlstate);
  service_db_release(ctx, conn);
  if (rc != CS_OK) service_db_problem(ctx, sqlstate);
  return rc;
}

static void callback_events_get(struct request_ctx *ctx) {
  struct cases_caller caller;
  struct cases_feed_query q;
  struct cs_refusal err = {0};
  char *page = NULL;
  long long purged = 0;
  long items = 0;
  int waits = 0;

  if (cases_http_caller(ctx, &caller) != CS_OK) return;
  if (cases_feed_may_read(&caller, &err) != CS_OK ||
      cases_feed_query_parse(ctx->req->map_url, &q, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    goto done;
  }
  if (q.wait_s > 0 && atomic_fetch_add(&waiting, 1) < MAX_WAITING)
    waits = 1;
  else if (q.wait_s > 0)
    atomic_fetch_sub(&waiting, 1);
  long long deadline = deadline_now_ms() + q.wait_s * 1000;
  for (;;) {
    if (read_page(ctx, &caller, &q, &page, &items, &purged) != CS_OK) goto done;
    if (!waits || items > 0 || deadline_now_ms() + POLL_MS > deadline) break;
    free(page);
    page = NULL;
    usleep(POLL_MS * 1000);
  }
  if (q.after > 0 && q.after < purged) {
    /* events after the cursor may be gone: the caller must read the cases again */
    http_problem(ctx->resp, PROBLEM_GONE,
                 "events up to the cursor's successors were removed (the feed keeps them for "
                 "OUTBOX_RETENTION_SECONDS); read the cases again (GET /v1/cases?updated_since=) "
                 "and go on from purged_through");
    goto done;
  }
  http_json_text(ctx->resp, 200, page);
done:
  if (waits) atomic_fetch_sub(&waiting, 1);
  free(page);
  cs_refusal_clear(&err);
  cases_caller_clear(&caller);
}

void cases_feed_routes(struct service *svc) {
  static const struct service_route_def routes[] = {
      {"GET", "/v1/events", callback_events_get, ROUTE_AUTHENTICATED}};
  service_routes(svc, routes, 1, "the event feed");
}
