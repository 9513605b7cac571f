/* A stand-in for BankID's relying-party API v6, for the tests and `make run`'s demo: the orders
 * service's BANKID_URL points here. It speaks what the orders service uses:
 *   POST /rp/v6.0/sign {endUserIp, userVisibleData, ...}  200 {orderRef, autoStartToken,
 *        qrStartToken, qrStartSecret}; 400 {errorCode: invalidParameters} without endUserIp
 *   POST /rp/v6.0/collect {orderRef}  200 {orderRef, status, hintCode | completionData}
 *   POST /rp/v6.0/cancel {orderRef}   200 {}
 *   an orderRef it does not know (or one cancelled): 400 {errorCode: invalidParameters}
 * and lets a test play the signer's part, per order:
 *   POST /double/orders/{orderRef}/userSign   hint userSign (the app shows the text)
 *   POST /double/orders/{orderRef}/complete   complete, with completionData; the body may
 *        name the user {personalNumber, givenName, surname}
 *   POST /double/orders/{orderRef}/fail       failed, hint from the body's {hintCode}
 *        (userCancel when none)
 *   GET  /double/orders/{orderRef} and GET /double/qr/{qrStartToken}: the order as kept
 *        {orderRef, qrStartToken, status, hintCode, endUserIp, userVisibleData (decoded),
 *        collects, cancels}
 *   GET  /healthz
 * Settings: PORT (required), BIND_ADDRESS (127.0.0.1), AUTOCOMPLETE_COLLECTS (0: never; n: the
 * n-th collect of a pending order completes it as "Demo Signer", the demo's signer without an
 * app). In memory; stops on SIGTERM/SIGINT. */
#include <jansson.h>
#include <orcania.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <ulfius.h>

#include "config.h"
#include "serve.h"
#include "status.h"

#define MAX_ORDERS 4096

struct order {
  char ref[37], qr_token[37], qr_secret[37], auto_start[37];
  char status[16], hint[32];
  char ip[64];
  char *visible; /* decoded userVisibleData, owned */
  json_t *user;  /* {personalNumber, givenName, surname, name} once complete, owned */
  int collects, cancels, cancelled;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct order orders[MAX_ORDERS];
static int norders;

static void uuid(char out[37]) {
  unsigned char b[16];
  if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) memset(b, 7, sizeof(b));
  b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
  b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
  snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
           b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
           b[15]);
}

static int answer(struct _u_response *resp, int status, json_t *body) {
  ulfius_set_json_body_response(resp, (unsigned)status, body);
  json_decref(body);
  return U_CALLBACK_COMPLETE;
}

static int invalid(struct _u_response *resp, const char *details) {
  return answer(resp, 400,
                json_pack("{s:s, s:s}", "errorCode", "invalidParameters", "details", details));
}

/* The order named ref, or NULL; with lock held. */
static struct order *find(const char *ref, int by_qr) {
  for (int i = 0; ref != NULL && i < norders; i++)
    if (!strcmp(by_qr ? orders[i].qr_token : orders[i].ref, ref)) return &orders[i];
  return NULL;
}

static json_t *body_of(const struct _u_request *req) {
  return json_loadb(req->binary_body, req->binary_body_length, 0, NULL);
}

static int sign(const struct _u_request *req, struct _u_response *resp, void *arg) {
  (void)arg;
  json_t *b = body_of(req);
  const char *ip = json_string_value(json_object_get(b, "endUserIp"));
  const char *data = json_string_value(json_object_get(b, "userVisibleData"));
  unsigned char decoded[8192];
  size_t n = 0;
  if (ip == NULL || strlen(ip) >= 64) {
    json_decref(b);
    return invalid(resp, "endUserIp is required");
  }
  if (data != NULL && (strlen(data) > 4 * sizeof(decoded) / 3 - 8 ||
                       !o_base64_decode((const unsigned char *)data, strlen(data), decoded, &n))) {
    json_decref(b);
    return invalid(resp, "userVisibleData is not base64");
  }
  decoded[n] = '\0';
  pthread_mutex_lock(&lock);
  if (norders == MAX_ORDERS) {
    pthread_mutex_unlock(&lock);
    json_decref(b);
    return answer(resp, 503, json_pack("{s:s}", "errorCode", "maintenance"));
  }
  struct order *o = &orders[norders++];
  memset(o, 0, sizeof(*o));
  uuid(o->ref);
  uuid(o->qr_token);
  uuid(o->qr_secret);
  uuid(o->auto_start);
  snprintf(o->status, sizeof(o->status), "pending");
  snprintf(o->hint, sizeof(o->hint), "outstandingTransaction");
  snprintf(o->ip, sizeof(o->ip), "%s", ip);
  o->visible = strdup((const char *)decoded);
  json_t *out =
      json_pack("{s:s, s:s, s:s, s:s}", "orderRef", o->ref, "autoStartToken", o->auto_start,
                "qrStartToken", o->qr_token, "qrStartSecret", o->qr_secret);
  pthread_mutex_unlock(&lock);
  json_decref(b);
  return answer(resp, 200, out);
}

static json_t *completion(const struct order *o) {
  return json_pack("{s:O, s:{s:s, s:s}, s:s, s:{s:b}, s:s, s:s}", "user", o->user, "device",
                   "ipAddress", o->ip, "uhi", "OZvYM9VvyiAmG7NA5jU5zqGcVpo=", "bankIdIssueDate",
                   "2024-01-15", "stepUp", "mrtd", 0, "signature",
                   "PD94bWwgdmVyc2lvbj0iMS4wIj8+PFNpZ25hdHVyZT5kb3VibGU8L1NpZ25hdHVyZT4=",
                   "ocspResponse", "MIIHegoBAKCCB3MwggdvBgkrBgEFBQcwAQEEggdgMIIHXDCB");
}

static long autocomplete_collects; /* AUTOCOMPLETE_COLLECTS, read once in main */

static int collect(const struct _u_request *req, struct _u_response *resp, void *arg) {
  (void)arg;
  json_t *b = body_of(req), *out = NULL;
  pthread_mutex_lock(&lock);
  struct order *o = find(json_string_value(json_object_get(b, "orderRef")), 0);
  if (o != NULL && !o->cancelled) {
    o->collects++;
    /* the demo's signer: nobody holds an app, so the order completes by itself */
    if (autocomplete_collects > 0 && o->collects >= autocomplete_collects && o->user == NULL &&
        !strcmp(o->status, "pending")) {
      o->user = json_pack("{s:s, s:s, s:s, s:s}", "personalNumber", "190000000000", "name",
                          "Demo Signer", "givenName", "Demo", "surname", "Signer");
      snprintf(o->status, sizeof(o->status), "complete");
      o->hint[0] = '\0';
    }
    out = json_pack("{s:s, s:s}", "orderRef", o->ref, "status", o->status);
    if (!strcmp(o->status, "complete"))
      json_object_set_new(out, "completionData", completion(o));
    else
      json_object_set_new(out, "hintCode", json_string(o->hint));
  }
  pthread_mutex_unlock(&lock);
  json_decref(b);
  return out != NULL ? answer(resp, 200, out) : invalid(resp, "No such order");
}

static int cancel(const struct _u_request *req, struct _u_response *resp, void *arg) {
  (void)arg;
  json_t *b = body_of(req);
  int found = 0;
  pthread_mutex_lock(&lock);
  struct order *o = find(json_string_value(json_object_get(b, "orderRef")), 0);
  if (o != NULL) o->cancels++;
  if (o != NULL && !o->cancelled && !strcmp(o->status, "pending")) {
    o->cancelled = found = 1;
    snprintf(o->status, sizeof(o->status), "failed");
    snprintf(o->hint, sizeof(o->hint), "cancelled");
  }
  pthread_mutex_unlock(&lock);
  json_decref(b);
  return found ? answer(resp, 200, json_object()) : invalid(resp, "No such order");
}

/* The test's hand: POST /double/orders/{ref}/{action}. */
static int steer(const struct _u_request *req, struct _u_response *resp, void *arg) {
  (void)arg;
  const char *action = u_map_get(req->map_url, "action");
  json_t *b = body_of(req);
  int status = 200;
  pthread_mutex_lock(&lock);
  struct order *o = find(u_map_get(req->map_url, "ref"), 0);
  if (o == NULL || o->cancelled || strcmp(o->status, "pending") != 0) {
    status = 404;
  } else if (!strcmp(action, "userSign")) {
    snprintf(o->hint, sizeof(o->hint), "userSign");
  } else if (!strcmp(action, "complete")) {
    const char *pn = json_string_value(json_object_get(b, "personalNumber"));
    const char *given = json_string_value(json_object_get(b, "givenName"));
    const char *sur = json_string_value(json_object_get(b, "surname"));
    char name[256];
    snprintf(name, sizeof(name), "%s %s", given ? given : "Karl", sur ? sur : "Karlsson");
    o->user =
        json_pack("{s:s, s:s, s:s, s:s}", "personalNumber", pn ? pn : "190000000000", "name", name,
                  "givenName", given ? given : "Karl", "surname", sur ? sur : "Karlsson");
    snprintf(o->status, sizeof(o->status), "complete");
    o->hint[0] = '\0';
  } else if (!strcmp(action, "fail")) {
    const char *hint = json_string_value(json_object_get(b, "hintCode"));
    snprintf(o->status, sizeof(o->status), "failed");
    snprintf(o->hint, sizeof(o->hint), "%s", hint ? hint : "userCancel");
  } else {
    status = 400;
  }
  pthread_mutex_unlock(&lock);
  json_decref(b);
  return answer(resp, status, json_pack("{s:i}", "status", status));
}

static int show(const struct _u_request *req, struct _u_response *resp, void *arg) {
  int by_qr = arg != NULL;
  json_t *out = NULL;
  pthread_mutex_lock(&lock);
  struct order *o = find(u_map_get(req->map_url, "ref"), by_qr);
  if (o != NULL)
    out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:i, s:i}", "orderRef", o->ref, "qrStartToken",
                    o->qr_token, "status", o->status, "hintCode", o->hint, "endUserIp", o->ip,
                    "userVisibleData", o->visible, "collects", o->collects, "cancels", o->cancels);
  pthread_mutex_unlock(&lock);
  return out != NULL ? answer(resp, 200, out) : answer(resp, 404, json_object());
}

static int health(const struct _u_request *req, struct _u_response *resp, void *arg) {
  (void)req;
  (void)arg;
  return answer(resp, 200, json_pack("{s:s}", "status", "ok"));
}

static void routes(struct _u_instance *instance) {
  ulfius_add_endpoint_by_val(instance, "POST", "/rp/v6.0/sign", NULL, 0, sign, NULL);
  ulfius_add_endpoint_by_val(instance, "POST", "/rp/v6.0/collect", NULL, 0, collect, NULL);
  ulfius_add_endpoint_by_val(instance, "POST", "/rp/v6.0/cancel", NULL, 0, cancel, NULL);
  ulfius_add_endpoint_by_val(instance, "POST", "/double", "/orders/:ref/:action", 0, steer, NULL);
  ulfius_add_endpoint_by_val(instance, "GET", "/double", "/orders/:ref", 0, show, NULL);
  ulfius_add_endpoint_by_val(instance, "GET", "/double", "/qr/:ref", 0, show, "qr");
  ulfius_add_endpoint_by_val(instance, "GET", "/healthz", NULL, 0, health, NULL);
}

int main(void) {
  char err[256];
  if (config_long("AUTOCOMPLETE_COLLECTS", 0, 0, 1000, &autocomplete_collects, err, sizeof(err)) !=
      CS_OK) {
    fprintf(stderr, "bankid_standin: %s\n", err);
    return 2;
  }
  int rc = standin_serve("bankid_standin", 64 * 1024, routes);
  for (int i = 0; i < norders; i++) {
    free(orders[i].visible);
    json_decref(orders[i].user);
  }
  return rc;
}
