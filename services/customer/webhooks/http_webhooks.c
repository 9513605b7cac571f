/* Routes of webhooks (see http_webhooks.h): decode, call the domain (webhooks.c), answer. No
 * SQL here. The portal comes from the caller's token (checked against the replica), never from
 * the request: another portal's subscription is a 404. */
#include "http_webhooks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caller.h"
#include "db.h"
#include "http.h"
#include "paging.h"
#include "service.h"
#include "status.h"
#include "webhook_deliver.h"
#include "webhooks.h"

static struct customer_webhooks_config config; /* the process's, read once in wire */

/* One call of the domain with the caller loaded and a connection. */
struct call {
  struct request_ctx *ctx;
  struct customer_caller c;
  struct cs_refusal err;
  PGconn *conn;
};

static int call_open(struct request_ctx *ctx, struct call *k) {
  memset(k, 0, sizeof(*k));
  k->ctx = ctx;
  if (customer_caller_load(ctx->claims, &k->c, &k->err) != CS_OK) {
    service_refusal_answer(ctx, &k->err);
    cs_refusal_clear(&k->err);
    return CS_ERR;
  }
  if (service_db_acquire(ctx, &k->conn) != CS_OK) {
    customer_caller_clear(&k->c);
    return CS_ERR;
  }
  return CS_OK;
}

/* Answers doc (stolen) with status when rc is CS_OK, else the refusal; frees the call. */
static void call_close(struct call *k, int rc, int status, json_t *doc) {
  if (rc == CS_OK)
    http_json_resource(k->ctx->resp, status, doc);
  else
    service_refusal_answer(k->ctx, &k->err);
  service_db_release(k->ctx, k->conn);
  customer_caller_clear(&k->c);
  cs_refusal_clear(&k->err);
}

static void webhooks_list(struct request_ctx *ctx) {
  struct call k;
  json_t *pos = NULL, *page = NULL;
  long limit;
  struct cs_refusal perr = {0};
  if (paging_parse(ctx->req->map_url, &limit, &pos, &perr) != CS_OK) {
    service_refusal_answer(ctx, &perr);
    cs_refusal_clear(&perr);
    return;
  }
  if (call_open(ctx, &k) == CS_OK) {
    int rc = customer_webhooks_list(k.conn, &k.c, limit, pos, &page, &k.err);
    call_close(&k, rc, 200, page);
  }
  json_decref(pos);
}

static void webhooks_create(struct request_ctx *ctx) {
  struct call k;
  json_t *body = NULL, *doc = NULL;
  char location[96];
  if (http_parse_json_object(ctx->req, ctx->resp, &body) != CS_OK) return;
  if (call_open(ctx, &k) == CS_OK) {
    int rc = customer_webhooks_create(k.conn, &k.c, &config, body, &doc, &k.err);
    if (rc == CS_OK) {
      snprintf(location, sizeof(location), "/v1/webhooks/%s",
               json_string_value(json_object_get(doc, "id")));
      u_map_put(ctx->resp->map_header, "Location", location);
      u_map_put(ctx->resp->map_header, "Cache-Control", "no-store"); /* it holds the secret */
    }
    call_close(&k, rc, 201, doc);
  }
  json_decref(body);
}

static void webhook_get(struct request_ctx *ctx) {
  struct call k;
  json_t *doc = NULL;
  const char *id = http_path_uuid(ctx->req, ctx->resp, "id", "webhook");
  if (id == NULL || call_open(ctx, &k) != CS_OK) return;
  int rc = customer_webhooks_get(k.conn, &k.c, id, &doc, &k.err);
  call_close(&k, rc, 200, doc);
}

/* The version an If-Match names: -1 without one (or "*"), -2 for one that is no version of
 * ours (it matches nothing). */
static long long if_match_version(const struct _u_request *req) {
  const char *v = http_header(req, "If-Match");
  char *end = NULL;
  if (v == NULL || strcmp(v, "*") == 0) return -1;
  if (v[0] != '"') return -2;
  long long n = strtoll(v + 1, &end, 10);
  return end != v + 1 && end[0] == '"' && end[1] == '\0' && n >= 0 ? n : -2;
}

static void webhook_patch(struct request_ctx *ctx) {
  struct call k;
  json_t *body = NULL, *doc = NULL;
  const char *id = http_path_uuid(ctx->req, ctx->resp, "id", "webhook");
  if (id == NULL || http_parse_json_object(ctx->req, ctx->resp, &body) != CS_OK) return;
  if (call_open(ctx, &k) == CS_OK) {
    /* read under lock, compare, write: one transaction */
    int rc = db_begin(k.conn) == CS_OK ? CS_OK : CS_ERR;
    if (rc == CS_OK)
      rc = customer_webhooks_update(k.conn, &k.c, &config, id, body, if_match_version(ctx->req),
                                    &doc, &k.err);
    else
      cs_refuse(&k.err, PROBLEM_UNAVAILABLE, "the database is not reachable");
    if (rc == CS_OK && db_commit(k.conn) != CS_OK) {
      json_decref(doc);
      doc = NULL;
      snprintf(k.err.sqlstate, sizeof(k.err.sqlstate), "%s", db_last_sqlstate());
      rc = cs_refusal_db(&k.err);
    }
    if (rc != CS_OK) db_rollback(k.conn);
    call_close(&k, rc == CS_OK ? CS_OK : CS_REFUSED, 200, doc);
  }
  json_decref(body);
}

static void webhook_delete(struct request_ctx *ctx) {
  struct call k;
  const char *id = http_path_uuid(ctx->req, ctx->resp, "id", "webhook");
  if (id == NULL || call_open(ctx, &k) != CS_OK) return;
  int rc = customer_webhooks_delete(k.conn, &k.c, id, &k.err);
  if (rc == CS_OK) {
    ulfius_set_empty_body_response(ctx->resp, 204);
    service_db_release(ctx, k.conn);
    customer_caller_clear(&k.c);
    cs_refusal_clear(&k.err);
    return;
  }
  call_close(&k, rc, 0, NULL);
}

static void webhook_rotate(struct request_ctx *ctx) {
  struct call k;
  json_t *doc = NULL;
  const char *id = http_path_uuid(ctx->req, ctx->resp, "id", "webhook");
  if (id == NULL || call_open(ctx, &k) != CS_OK) return;
  int rc = customer_webhooks_rotate(k.conn, &k.c, id, &doc, &k.err);
  if (rc == CS_OK) u_map_put(ctx->resp->map_header, "Cache-Control", "no-store");
  call_close(&k, rc, 200, doc);
}

static void webhook_deliveries(struct request_ctx *ctx) {
  struct call k;
  json_t *pos = NULL, *page = NULL;
  long limit;
  struct cs_refusal perr = {0};
  const char *id = http_path_uuid(ctx->req, ctx->resp, "id", "webhook");
  if (id == NULL) return;
  if (paging_parse(ctx->req->map_url, &limit, &pos, &perr) != CS_OK) {
    service_refusal_answer(ctx, &perr);
    cs_refusal_clear(&perr);
    return;
  }
  if (call_open(ctx, &k) == CS_OK) {
    const char *status = u_map_get(ctx->req->map_url, "status");
    int rc = customer_webhooks_deliveries(k.conn, &k.c, id, status, limit, pos, &page, &k.err);
    call_close(&k, rc, 200, page);
  }
  json_decref(pos);
}

static void webhook_redeliver(struct request_ctx *ctx) {
  struct call k;
  json_t *doc = NULL;
  const char *id = http_path_uuid(ctx->req, ctx->resp, "id", "webhook");
  const char *delivery_id =
      id != NULL ? http_path_uuid(ctx->req, ctx->resp, "delivery_id", "delivery") : NULL;
  if (delivery_id == NULL || call_open(ctx, &k) != CS_OK) return;
  int rc = customer_webhooks_redeliver(k.conn, &k.c, id, delivery_id, &doc, &k.err);
  call_close(&k, rc, 202, doc);
}

static int deliver_start(struct service *svc) {
  return customer_webhooks_deliver_start(svc->pool, &config) == CS_OK ? 0 : -1;
}

static int deliver_stop(struct service *svc) {
  (void)svc;
  customer_webhooks_deliver_stop();
  return 0;
}

int customer_webhooks_wire(struct service *svc) {
  static const struct service_route_def routes[] = {
      {"GET", "/v1/webhooks", webhooks_list, ROUTE_AUTHENTICATED},
      {"POST", "/v1/webhooks", webhooks_create, ROUTE_AUTHENTICATED},
      {"GET", "/v1/webhooks/:id", webhook_get, ROUTE_AUTHENTICATED},
      {"PATCH", "/v1/webhooks/:id", webhook_patch, ROUTE_AUTHENTICATED},
      {"DELETE", "/v1/webhooks/:id", webhook_delete, ROUTE_AUTHENTICATED},
      {"POST", "/v1/webhooks/:id/rotate-secret", webhook_rotate, ROUTE_AUTHENTICATED},
      {"GET", "/v1/webhooks/:id/deliveries", webhook_deliveries, ROUTE_AUTHENTICATED},
      {"POST", "/v1/webhooks/:id/deliveries/:delivery_id/redeliver", webhook_redeliver,
       ROUTE_AUTHENTICATED},
  };
  char err[256];
  if (customer_webhooks_config_read(&config, err, sizeof(err)) != CS_OK) {
    fprintf(stderr, "customer: configuration error: %s\n", err);
    return 2;
  }
  service_routes(svc, routes, SERVICE_ROUTES_COUNT(routes), "webhooks");
  service_on_start(svc, deliver_start);
  service_on_stop(svc, deliver_stop);
  return 0;
}
