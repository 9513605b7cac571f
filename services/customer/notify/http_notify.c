/* Routes of the in-app inbox: GET /v1/notifications (newest first, cursor paging, the unread
 * count), POST /v1/notifications/{id}/read, POST /v1/notifications/read; and the hooks of the
 * delivery worker. Decoding and answers only; rules in notify.c. Each caller sees only its own
 * notifications: the portal and user come from its token (checked against the replica), never
 * from the request. */
#include "http_notify.h"

#include <stdio.h>

#include "core/caller.h"
#include "deliver.h"
#include "http.h"
#include "notify.h"
#include "notify_config.h"
#include "paging.h"
#include "service.h"
#include "status.h"

static struct customer_notify_config config; /* the process's, read once in wire */

/* The inbox's owner: the caller as the authority replica knows it now (core/caller.h), so a
 * user deactivated or moved out of the portal loses its inbox with its access. */
static int inbox_owner(struct request_ctx *ctx, struct customer_caller *c) {
  struct cs_refusal err = {0};
  if (customer_caller_load(ctx->claims, c, &err) == CS_OK) return CS_OK;
  service_refusal_answer(ctx, &err);
  cs_refusal_clear(&err);
  return CS_ERR;
}

static void callback_customer_notifications_get(struct request_ctx *ctx) {
  struct cs_refusal err = {0};
  struct customer_caller c;
  PGconn *conn = NULL;
  json_t *pos = NULL, *page = NULL;
  long limit;
  if (inbox_owner(ctx, &c) != CS_OK) return;
  if (paging_parse(ctx->req->map_url, &limit, &pos, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    goto done;
  }
  if (service_db_acquire(ctx, &conn) != CS_OK) goto done;
  if (customer_notify_inbox(conn, c.portal_id, c.sub, limit, pos, &page, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    goto done;
  }
  http_json(ctx->resp, 200, page);
done:
  json_decref(pos);
  cs_refusal_clear(&err);
  service_db_release(ctx, conn);
  customer_caller_clear(&c);
}

static void callback_customer_notification_read(struct request_ctx *ctx) {
  struct cs_refusal err = {0};
  struct customer_caller c;
  const char *id;
  PGconn *conn = NULL;
  json_t *doc = NULL;
  if ((id = http_path_uuid(ctx->req, ctx->resp, "id", "notification")) == NULL) return;
  if (inbox_owner(ctx, &c) != CS_OK) return;
  if (service_db_acquire(ctx, &conn) != CS_OK) goto done;
  if (customer_notify_read(conn, c.portal_id, c.sub, id, &doc, &err) != CS_OK)
    service_refusal_answer(ctx, &err);
  else
    http_json(ctx->resp, 200, doc);
done:
  cs_refusal_clear(&err);
  service_db_release(ctx, conn);
  customer_caller_clear(&c);
}

static void callback_customer_notifications_read(struct request_ctx *ctx) {
  struct cs_refusal err = {0};
  struct customer_caller c;
  PGconn *conn = NULL;
  long long marked = 0;
  if (inbox_owner(ctx, &c) != CS_OK) return;
  if (service_db_acquire(ctx, &conn) != CS_OK) goto done;
  if (customer_notify_read_all(conn, c.portal_id, c.sub, &marked, &err) != CS_OK)
    service_refusal_answer(ctx, &err);
  else
    http_json(ctx->resp, 200, json_pack("{s:I, s:i}", "marked", (json_int_t)marked, "unread", 0));
done:
  cs_refusal_clear(&err);
  service_db_release(ctx, conn);
  customer_caller_clear(&c);
}

static int deliver_start(struct service *svc) {
  return customer_notify_deliver_start(svc->pool, &config) == CS_OK ? 0 : -1;
}

static int deliver_stop(struct service *svc) {
  (void)svc;
  customer_notify_deliver_stop();
  customer_notify_config_free(&config);
  return 0;
}

int customer_notify_wire(struct service *svc) {
  static const struct service_route_def routes[] = {
      {"GET", "/v1/notifications", callback_customer_notifications_get, ROUTE_AUTHENTICATED},
      {"POST", "/v1/notifications/read", callback_customer_notifications_read, ROUTE_AUTHENTICATED},
      {"POST", "/v1/notifications/:id/read", callback_customer_notification_read,
       ROUTE_AUTHENTICATED},
  };
  char err[256];
  if (customer_notify_config_read(&config, err, sizeof(err)) != CS_OK) {
    fprintf(stderr, "customer: configuration error: %s\n", err);
    return 2;
  }
  service_routes(svc, routes, SERVICE_ROUTES_COUNT(routes), "notifications");
  service_on_start(svc, deliver_start);
  service_on_stop(svc, deliver_stop);
  return 0;
}
