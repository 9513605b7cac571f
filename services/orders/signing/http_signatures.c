/* Routes of an order's e-ID signatures (http_signatures.h): decode, call the domain
 * (signatures.c), answer. No SQL here. */
#include "http_signatures.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "bankid.h"
#include "caller.h"
#include "http.h"
#include "http_write.h"
#include "otp_send.h"
#include "signatures.h"
#include "signing_config.h"
#include "status.h"

static struct orders_signing_config config; /* the process's, read once at start */

static int caller(struct request_ctx *ctx, struct orders_caller *c) {
  struct cs_refusal err = {0};
  int rc = orders_caller_load(ctx->claims, c, &err);
  if (rc != CS_OK) service_refusal_answer(ctx, &err);
  cs_refusal_clear(&err);
  return rc;
}

/* The signer's address for BankID's endUserIp: the last X-Forwarded-For entry, the one the
 * gateway added for its client, else the peer's. BankID weighs it for fraud checks only. */
static void end_user_ip(const struct _u_request *req, char *out, size_t len) {
  unsigned char addr[16];
  char entry[64];
  const char *xff = http_header(req, "X-Forwarded-For");
  snprintf(out, len, "127.0.0.1");
  if (xff != NULL) {
    const char *last = strrchr(xff, ',');
    last = last != NULL ? last + 1 : xff;
    while (*last == ' ' || *last == '\t') last++;
    size_t n = strcspn(last, " \t");
    if (n < sizeof(entry)) {
      memcpy(entry, last, n);
      entry[n] = '\0';
      if (inet_pton(AF_INET, entry, addr) == 1 || inet_pton(AF_INET6, entry, addr) == 1) {
        snprintf(out, len, "%s", entry);
        return;
      }
    }
  }
  const struct sockaddr *sa = req->client_address;
  if (sa != NULL && sa->sa_family == AF_INET)
    inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
              (socklen_t)len);
}

static void signature_post(struct request_ctx *ctx) {
  static const struct write_hooks hooks = {.check = orders_signature_start_check,
                                           .apply = orders_signature_start_apply};
  struct orders_signature_op op = {0};
  struct write_call w = {0};
  struct orders_caller c;
  PGconn *conn = NULL;
  json_t *body = NULL;
  char scope[160];
  if ((w.id = http_path_uuid(ctx->req, ctx->resp, "order_id", "order")) == NULL) return;
  if (caller(ctx, &c) != CS_OK) return;
  if (http_parse_json_object(ctx->req, ctx->resp, &body) != CS_OK) goto done;
  end_user_ip(ctx->req, op.end_user_ip, sizeof(op.end_user_ip));
  /* a key is the caller's own, in its portal: a repeated start answers the same signature */
  snprintf(scope, sizeof(scope), "orders/%s/%s", c.sub, c.portal_id);
  const struct http_write_spec spec = {
      .ok_status = 202, .idem_scope = scope, .idem_path = ctx->req->url_path};
  if (service_db_acquire(ctx, &conn) != CS_OK) goto done;
  w.op = &op;
  w.caller = &c;
  w.body = body;
  http_write_run(ctx, &conn, &spec, &hooks, &w);
done:
  if (conn != NULL) service_db_release(ctx, conn);
  orders_signature_op_clear(&op);
  orders_caller_clear(&c);
  cs_refusal_clear(&w.err);
  json_decref(w.result);
  json_decref(body);
}

/* The order's and the signature's ids from the path and the caller, and a connection; else
 * answered. */
static int signature_request(struct request_ctx *ctx, struct orders_caller *c, const char **order,
                             const char **id, PGconn **conn) {
  *conn = NULL;
  if ((*order = http_path_uuid(ctx->req, ctx->resp, "order_id", "order")) == NULL ||
      (*id = http_path_uuid(ctx->req, ctx->resp, "signature_id", "signature")) == NULL)
    return CS_ERR_INVALID;
  if (caller(ctx, c) != CS_OK) return CS_ERR_INVALID;
  if (service_db_acquire(ctx, conn) != CS_OK) {
    orders_caller_clear(c);
    return CS_ERR_UNAVAILABLE;
  }
  return CS_OK;
}

/* What no cache keeps: a pending signature's answer changes every second (its QR data). */
static void no_store(struct request_ctx *ctx) {
  u_map_put(ctx->resp->map_header, "Cache-Control", "no-store");
}

static void signature_get(struct request_ctx *ctx) {
  struct orders_caller c;
  struct cs_refusal err = {0};
  const char *order, *id;
  PGconn *conn;
  json_t *out = NULL;
  if (signature_request(ctx, &c, &order, &id, &conn) != CS_OK) return;
  if (orders_signature_poll(conn, &c, order, id, &out, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
  } else {
    no_store(ctx);
    http_json(ctx->resp, 200, out);
  }
  service_db_release(ctx, conn);
  orders_caller_clear(&c);
  cs_refusal_clear(&err);
}

static void signature_delete(struct request_ctx *ctx) {
  struct orders_caller c;
  struct cs_refusal err = {0};
  const char *order, *id;
  PGconn *conn;
  if (signature_request(ctx, &c, &order, &id, &conn) != CS_OK) return;
  if (orders_signature_cancel(conn, &c, order, id, &err) != CS_OK)
    service_refusal_answer(ctx, &err);
  else
    ulfius_set_empty_body_response(ctx->resp, 204);
  service_db_release(ctx, conn);
  orders_caller_clear(&c);
  cs_refusal_clear(&err);
}

static void signature_otp(struct request_ctx *ctx) {
  struct orders_caller c;
  struct cs_refusal err = {0};
  const char *order, *id;
  PGconn *conn;
  json_t *body = NULL, *out = NULL;
  if (signature_request(ctx, &c, &order, &id, &conn) != CS_OK) return;
  if (http_parse_json_object(ctx->req, ctx->resp, &body) == CS_OK) {
    if (orders_signature_otp(conn, &c, order, id, body, &out, &err) != CS_OK) {
      service_refusal_answer(ctx, &err);
    } else {
      no_store(ctx);
      http_json(ctx->resp, 200, out);
    }
  }
  service_db_release(ctx, conn);
  orders_caller_clear(&c);
  cs_refusal_clear(&err);
  json_decref(body);
}

static int signing_stop(struct service *svc) {
  (void)svc;
  orders_bankid_stop();
  orders_signing_config_free(&config);
  return 0;
}

int orders_signing_wire(struct service *svc) {
  static const struct service_route_def routes[] = {
      {"POST", "/v1/orders/:order_id/signatures", signature_post, ROUTE_AUTHENTICATED},
      {"GET", "/v1/orders/:order_id/signatures/:signature_id", signature_get, ROUTE_AUTHENTICATED},
      {"DELETE", "/v1/orders/:order_id/signatures/:signature_id", signature_delete,
       ROUTE_AUTHENTICATED},
      {"POST", "/v1/orders/:order_id/signatures/:signature_id/otp", signature_otp,
       ROUTE_AUTHENTICATED},
  };
  char err[256];
  if (orders_signing_config_read(&config, err, sizeof(err)) != CS_OK) {
    fprintf(stderr, "orders: configuration error: %s\n", err);
    return 2;
  }
  if (orders_bankid_init(&config) != CS_OK || orders_otp_send_init(&config) != CS_OK) {
    orders_signing_config_free(&config);
    return 2;
  }
  service_on_stop(svc, signing_stop);
  service_routes(svc, routes, SERVICE_ROUTES_COUNT(routes), "the order's signatures");
  return 0;
}
