/* Webhooks of the customer service against the running stack (services/customer/webhooks/):
 * subscriptions managed by a portal's administrators only (another portal's are 404, a level-3
 * user's calls 403), validated (https, known event types), the secret shown once; deliveries
 * of the cases service's events signed as Standard Webhooks. A receiver in this test that is
 * down (503) for a while then gets every event exactly once by webhook-id, in order per case;
 * after a rotation both secrets sign; a receiver that never answers 2xx gets its deliveries
 * dead-lettered after the stack's retry window (WEBHOOK_RETRY_FOR_SECONDS=12 in stack.sh), and
 * a redeliver sends one again with the same webhook-id. */
#include <arpa/inet.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "tl_customer.h"
#include "tl_world.h"

static struct tl_world w;

/* ---- the receiver: one thread, one request per connection ----------------------------------- */

#define RECEIVER_MAX 512

struct received {
  char path[128];
  char id[128];
  char timestamp[32];
  char signature[256];
  char *body;
  int status; /* what the receiver answered */
};

static struct {
  int fd, port;
  pthread_t thread;
  pthread_mutex_t lock;
  int down;            /* 1: every request answered 503 */
  char refuse_id[128]; /* this webhook-id is answered 503 refuse_left more times */
  int refuse_left;
  int stop;
  struct received seen[RECEIVER_MAX];
  int n;
} rx = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* The value of header name in the block head (case-insensitive) into out. */
static void header_value(const char *head, const char *name, char *out, size_t len) {
  size_t n = strlen(name);
  out[0] = '\0';
  for (const char *line = head; line != NULL && *line != '\0';) {
    if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
      const char *v = line + n + 1, *end = strstr(v, "\r\n");
      while (*v == ' ') v++;
      size_t m = end != NULL ? (size_t)(end - v) : strlen(v);
      if (m >= len) m = len - 1;
      memcpy(out, v, m);
      out[m] = '\0';
      return;
    }
    line = strstr(line, "\r\n");
    if (line != NULL) line += 2;
  }
}

static void serve(int c) {
  char buf[65536], cl[32], answer[128];
  size_t got = 0;
  char *end = NULL;
  /* the head, then Content-Length bytes of body */
  while (got < sizeof(buf) - 1) {
    struct pollfd p = {c, POLLIN, 0};
    if (poll(&p, 1, 5000) <= 0) return;
    ssize_t r = read(c, buf + got, sizeof(buf) - 1 - got);
    if (r <= 0) return;
    got += (size_t)r;
    buf[got] = '\0';
    if ((end = strstr(buf, "\r\n\r\n")) == NULL) continue;
    header_value(buf, "Content-Length", cl, sizeof(cl));
    if (got >= (size_t)(end + 4 - buf) + (size_t)atol(cl)) break;
  }
  if (end == NULL) return;
  *end = '\0';
  pthread_mutex_lock(&rx.lock);
  int status = rx.down || strstr(buf, "/always-503") != NULL ? 503 : 200;
  if (rx.n < RECEIVER_MAX) {
    struct received *s = &rx.seen[rx.n++];
    sscanf(buf, "%*s %127s", s->path);
    header_value(buf, "webhook-id", s->id, sizeof(s->id));
    if (rx.refuse_left > 0 && strcmp(s->id, rx.refuse_id) == 0) {
      rx.refuse_left--;
      status = 503;
    }
    header_value(buf, "webhook-timestamp", s->timestamp, sizeof(s->timestamp));
    header_value(buf, "webhook-signature", s->signature, sizeof(s->signature));
    s->body = strndup(end + 4, (size_t)atol(cl));
    s->status = status;
  }
  pthread_mutex_unlock(&rx.lock);
  int n = snprintf(answer, sizeof(answer),
                   "HTTP/1.1 %d %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", status,
                   status == 200 ? "OK" : "Service Unavailable");
  if (write(c, answer, (size_t)n) < 0) return;
}

static void *receiver_main(void *arg) {
  (void)arg;
  while (!rx.stop) {
    struct pollfd p = {rx.fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    int c = accept(rx.fd, NULL, NULL);
    if (c < 0) continue;
    serve(c);
    close(c);
  }
  return NULL;
}

static void receiver_start(void) {
  struct sockaddr_in a = {.sin_family = AF_INET};
  socklen_t len = sizeof(a);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  rx.fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(rx.fd >= 0);
  assert_int_equal(bind(rx.fd, (struct sockaddr *)&a, sizeof(a)), 0);
  assert_int_equal(listen(rx.fd, 16), 0);
  assert_int_equal(getsockname(rx.fd, (struct sockaddr *)&a, &len), 0);
  rx.port = ntohs(a.sin_port);
  assert_int_equal(pthread_create(&rx.thread, NULL, receiver_main, NULL), 0);
}

static void receiver_stop(void) {
  rx.stop = 1;
  pthread_join(rx.thread, NULL);
  close(rx.fd);
  for (int i = 0; i < rx.n; i++) free(rx.seen[i].body);
}

static void receiver_down(int down) {
  pthread_mutex_lock(&rx.lock);
  rx.down = down;
  pthread_mutex_unlock(&rx.lock);
}

/* How many requests with webhook-id id the receiver answered status (0: any) on a path
 * containing path (NULL: any). */
static int received_count(const char *id, int status, const char *path) {
  int n = 0;
  pthread_mutex_lock(&rx.lock);
  for (int i = 0; i < rx.n; i++)
    if ((id == NULL || strcmp(rx.seen[i].id, id) == 0) &&
        (status == 0 || rx.seen[i].status == status) &&
        (path == NULL || strstr(rx.seen[i].path, path) != NULL))
      n++;
  pthread_mutex_unlock(&rx.lock);
  return n;
}

/* A copy of the last request with webhook-id id answered 200 on a path containing path (body
 * new), 0 when there is one. */
static int received_ok(const char *id, const char *path, struct received *out) {
  int found = -1;
  pthread_mutex_lock(&rx.lock);
  for (int i = 0; i < rx.n; i++)
    if (strcmp(rx.seen[i].id, id) == 0 && rx.seen[i].status == 200 &&
        strstr(rx.seen[i].path, path) != NULL)
      found = i;
  if (found >= 0) {
    *out = rx.seen[found];
    out->body = strdup(rx.seen[found].body);
  }
  pthread_mutex_unlock(&rx.lock);
  return found >= 0 ? 0 : -1;
}

/* The position (0, 1, ...) of the first 200 answer of id among all 200 answers, -1 if none. */
static int delivered_position(const char *id) {
  int pos = -1, k = 0;
  pthread_mutex_lock(&rx.lock);
  for (int i = 0; i < rx.n && pos < 0; i++) {
    if (rx.seen[i].status != 200) continue;
    if (strcmp(rx.seen[i].id, id) == 0) pos = k;
    k++;
  }
  pthread_mutex_unlock(&rx.lock);
  return pos;
}

/* ---- Standard Webhooks signature, computed here ------------------------------------------- */

/* 1 when one of the space-separated "v1,<base64>" of header is HMAC-SHA256(secret, id.ts.body). */
static int signature_verifies(const char *secret, const char *id, const char *ts, const char *body,
                              const char *header) {
  unsigned char mac[32];
  gnutls_datum_t b64 = {(unsigned char *)secret + 6, (unsigned int)strlen(secret + 6)}, key;
  assert_int_equal(strncmp(secret, "whsec_", 6), 0);
  assert_true(gnutls_base64_decode2(&b64, &key) >= 0);
  size_t n = strlen(id) + strlen(ts) + strlen(body) + 3;
  char *msg = malloc(n);
  snprintf(msg, n, "%s.%s.%s", id, ts, body);
  assert_true(gnutls_hmac_fast(GNUTLS_MAC_SHA256, key.data, key.size, msg, strlen(msg), mac) >= 0);
  gnutls_free(key.data);
  free(msg);
  gnutls_datum_t raw = {mac, sizeof(mac)}, enc;
  assert_true(gnutls_base64_encode2(&raw, &enc) >= 0);
  char expected[80];
  snprintf(expected, sizeof(expected), "v1,%.*s", (int)enc.size, enc.data);
  gnutls_free(enc.data);
  int ok = 0;
  char *copy = strdup(header), *save = NULL;
  for (char *t = strtok_r(copy, " ", &save); t != NULL; t = strtok_r(NULL, " ", &save))
    if (strcmp(t, expected) == 0) ok = 1;
  free(copy);
  return ok;
}

/* ---- calls ---------------------------------------------------------------------------------- */

static long customer(const char *method, const char *path, const char *token, const char *body,
                     const char *extra_header, struct tl_response *r) {
  return tl_call(tl_env("CUSTOMER_URL"), method, path, token, body, extra_header, r);
}

/* Creates a subscription of portal A as ia_admin: its id into id, its secret into secret. */
static void subscribe(const char *url, const char *types_json, char id[37], char secret[64]) {
  char body[1024];
  struct tl_response r;
  snprintf(body, sizeof(body), "{\"url\": \"%s\", \"event_types\": %s, \"description\": \"t\"}",
           url, types_json);
  customer("POST", "/v1/webhooks", w.ia_admin.token, body, NULL, &r);
  tl_expect(&r, 201);
  snprintf(id, 37, "%s", tl_str(r.json, "id"));
  snprintf(secret, 64, "%s", tl_str(r.json, "secret"));
  tl_response_free(&r);
}

static void unsubscribe(const char *id) {
  char path[128];
  struct tl_response r;
  snprintf(path, sizeof(path), "/v1/webhooks/%s", id);
  customer("DELETE", path, w.ia_admin.token, NULL, NULL, &r);
  tl_expect(&r, 204);
  tl_response_free(&r);
}

/* The ids of the case's events a "case.*"/"task.*" subscription gets, in the order the cases
 * service published them, comma-joined (new string). */
static char *case_event_ids(const char *case_id) {
  return tl_sql(
      "SELECT string_agg(id::text, ',' ORDER BY pos) FROM cases.outbox WHERE aggregate_id = $1"
      " AND type IN ('case.created', 'case.updated', 'case.closed', 'case.reopened',"
      " 'case.on_hold', 'task.added', 'task.updated', 'task.removed', 'task.status_changed',"
      " 'task.office_assigned', 'task.user_assigned')",
      1, (const char *[]){case_id});
}

/* ---- subscriptions -------------------------------------------------------------------------- */

static void test_subscriptions_crud(void **state) {
  (void)state;
  struct tl_response r;
  char path[160], etag_header[64];
  /* made by the insurer's admin: the secret once, Standard Webhooks' form */
  customer("POST", "/v1/webhooks", w.ia_admin.token,
           "{\"url\": \"https://hooks.example.com/claims\", \"event_types\": [\"case.*\","
           " \"order.done\"], \"description\": \"core system\"}",
           NULL, &r);
  tl_expect(&r, 201);
  char id[37];
  snprintf(id, sizeof(id), "%s", tl_str(r.json, "id"));
  const char *secret = tl_str(r.json, "secret");
  assert_non_null(secret);
  assert_int_equal(strncmp(secret, "whsec_", 6), 0);
  assert_int_equal(strlen(secret), 6 + 44);
  tl_assert_str(r.json, "url", "https://hooks.example.com/claims");
  tl_assert_str(r.json, "description", "core system");
  assert_true(json_is_true(json_object_get(r.json, "active")));
  assert_string_equal(tl_joined(json_object_get(r.json, "event_types")), "case.*,order.done");
  char *location = tl_header(&r, "Location");
  snprintf(path, sizeof(path), "/v1/webhooks/%s", id);
  assert_string_equal(location, path);
  free(location);
  tl_response_free(&r);

  /* read back: never the secret */
  customer("GET", path, w.ia_admin.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_null(json_object_get(r.json, "secret"));
  assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 1);
  char *etag = tl_header(&r, "ETag");
  assert_string_equal(etag, "\"1\"");
  snprintf(etag_header, sizeof(etag_header), "If-Match: %s", etag);
  free(etag);
  tl_response_free(&r);
  customer("GET", "/v1/webhooks?limit=200", w.ia_admin.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  json_t *item = tl_item(json_object_get(r.json, "items"), id);
  assert_non_null(item);
  assert_null(json_object_get(item, "secret"));
  tl_response_free(&r);
  /* the portal's API client too */
  customer("GET", path, w.client_a_token, NULL, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);

  /* a level-3 user of the portal: 403; another portal's admin: the subscription is not there */
  customer("GET", "/v1/webhooks", w.ia_handler.token, NULL, NULL, &r);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  tl_response_free(&r);
  customer("POST", "/v1/webhooks", w.ia_handler.token,
           "{\"url\": \"https://x.example.com/\", \"event_types\": [\"case.*\"]}", NULL, &r);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  tl_response_free(&r);
  customer("GET", path, w.ib_admin.token, NULL, NULL, &r);
  tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
  tl_response_free(&r);
  customer("PATCH", path, w.ib_admin.token, "{\"active\": false}", NULL, &r);
  tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
  tl_response_free(&r);
  customer("DELETE", path, w.ib_admin.token, NULL, NULL, &r);
  tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
  tl_response_free(&r);
  customer("GET", "/v1/webhooks?limit=200", w.ib_admin.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_null(tl_item(json_object_get(r.json, "items"), id));
  tl_response_free(&r);
  customer("GET", "/v1/webhooks", NULL, NULL, NULL, &r);
  tl_assert_problem(&r, 401, NULL);
  tl_response_free(&r);

  /* PATCH: a stale If-Match 412, the current one 200 and a new version */
  customer("PATCH", path, w.ia_admin.token, "{\"active\": false}", "If-Match: \"7\"", &r);
  tl_assert_problem(&r, 412, NULL);
  tl_response_free(&r);
  customer("PATCH", path, w.ia_admin.token,
           "{\"active\": false, \"event_types\": [\"task.added\"]}", etag_header, &r);
  tl_expect(&r, 200);
  assert_false(json_is_true(json_object_get(r.json, "active")));
  assert_string_equal(tl_joined(json_object_get(r.json, "event_types")), "task.added");
  tl_assert_str(r.json, "url", "https://hooks.example.com/claims");
  assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 2);
  assert_null(json_object_get(r.json, "secret"));
  tl_response_free(&r);
  customer("PATCH", path, w.ia_admin.token, "{\"url\": \"ftp://x.example.com/\"}", NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_code(&r, "url", "format");
  tl_response_free(&r);

  /* DELETE: 204, then gone */
  customer("DELETE", path, w.ia_admin.token, NULL, NULL, &r);
  tl_expect(&r, 204);
  tl_response_free(&r);
  customer("GET", path, w.ia_admin.token, NULL, NULL, &r);
  tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
  tl_response_free(&r);
  customer("GET", "/v1/webhooks/not-a-uuid", w.ia_admin.token, NULL, NULL, &r);
  tl_assert_problem(&r, 404, NULL);
  tl_response_free(&r);
}

static void test_subscription_validation(void **state) {
  (void)state;
  struct tl_response r;
  static const struct {
    const char *body, *field, *code;
  } bad[] = {
      {"{\"url\": \"http://hooks.example.com/x\", \"event_types\": [\"case.*\"]}", "url", "format"},
      {"{\"url\": \"https://u:p@hooks.example.com/x\", \"event_types\": [\"case.*\"]}", "url",
       "format"},
      {"{\"url\": \"https://hooks.example.com/x\", \"event_types\": [\"nope.created\"]}",
       "event_types/0", "not_allowed"},
      {"{\"url\": \"https://hooks.example.com/x\", \"event_types\": [\"fact.*\"]}", "event_types/0",
       "not_allowed"},
      {"{\"url\": \"https://hooks.example.com/x\", \"event_types\": []}", "event_types",
       "out_of_range"},
      {"{\"url\": \"https://hooks.example.com/x\", \"event_types\": [1]}", "event_types/0",
       "wrong_type"},
      {"{\"url\": \"https://hooks.example.com/x\"}", "event_types", "required"},
      {"{\"url\": \"https://hooks.example.com/x\", \"event_types\": [\"case.*\"], \"secret\":"
       " \"whsec_mine\"}",
       "secret", "unknown_field"},
      {"{\"url\": \"https://hooks.example.com/x\", \"event_types\": [\"case.*\"], \"active\":"
       " \"yes\"}",
       "active", "wrong_type"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    customer("POST", "/v1/webhooks", w.ia_admin.token, bad[i].body, NULL, &r);
    tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
    tl_assert_field_code(&r, bad[i].field, bad[i].code);
    tl_response_free(&r);
  }
  /* oversized: a URL over 2000 bytes, a description over 500 */
  char *big = malloc(4096);
  snprintf(big, 4096, "{\"url\": \"https://hooks.example.com/%03000d\", \"event_types\": [\"*\"]}",
           0);
  customer("POST", "/v1/webhooks", w.ia_admin.token, big, NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_code(&r, "url", "too_long");
  tl_response_free(&r);
  snprintf(big, 4096,
           "{\"url\": \"https://hooks.example.com/\", \"event_types\": [\"*\"], \"description\":"
           " \"%0600d\"}",
           0);
  customer("POST", "/v1/webhooks", w.ia_admin.token, big, NULL, &r);
  tl_assert_problem(&r, 422, "urn:claimsuite:problem:validation");
  tl_assert_field_code(&r, "description", "too_long");
  tl_response_free(&r);
  free(big);
  customer("POST", "/v1/webhooks", w.ia_admin.token, "[1]", NULL, &r);
  tl_assert_problem(&r, 400, NULL);
  tl_response_free(&r);
  customer("GET", "/v1/webhooks?limit=0", w.ia_admin.token, NULL, NULL, &r);
  tl_assert_problem(&r, 400, "urn:claimsuite:problem:invalid-parameter");
  tl_response_free(&r);
}

/* ---- deliveries ----------------------------------------------------------------------------- */

struct all_delivered {
  char **ids;
  size_t n;
};

static int every_one_delivered(void *arg) {
  const struct all_delivered *a = arg;
  for (size_t i = 0; i < a->n; i++)
    if (received_count(a->ids[i], 200, NULL) == 0) return 0;
  return 1;
}

static int some_refused(void *arg) { return received_count(NULL, 503, (const char *)arg) >= 3; }

/* Splits "a,b,c" (stolen) into ids (at most max); returns the count. */
static size_t split_ids(char *joined, char **ids, size_t max) {
  size_t n = 0;
  char *save = NULL;
  for (char *t = strtok_r(joined, ",", &save); t != NULL && n < max; t = strtok_r(NULL, ",", &save))
    ids[n++] = t;
  return n;
}

/* Checks one delivered request of event_id: body {type, id, occurred_at, data} of case_id, a
 * fresh timestamp, a signature the secret verifies. */
static void assert_delivery(const char *event_id, const char *path, const char *case_id,
                            const char *secret) {
  struct received s;
  assert_int_equal(received_ok(event_id, path, &s), 0);
  json_t *body = json_loads(s.body, 0, NULL);
  assert_non_null(body);
  tl_assert_str(body, "id", event_id);
  assert_non_null(tl_str(body, "type"));
  assert_non_null(tl_str(body, "occurred_at"));
  tl_assert_str(json_object_get(body, "data"), "case_id", case_id);
  assert_int_equal(json_object_size(body), 4);
  long long ts = atoll(s.timestamp);
  assert_true(llabs((long long)time(NULL) - ts) < 300);
  assert_true(signature_verifies(secret, s.id, s.timestamp, s.body, s.signature));
  /* not with another secret */
  assert_false(signature_verifies("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", s.id, s.timestamp,
                                  s.body, s.signature));
  json_decref(body);
  free(s.body);
}

struct purge_wait {
  const char *sub, *event_id;
};

static int purged(void *arg) {
  const struct purge_wait *p = arg;
  return tl_sql_long(
             "SELECT count(*) FROM customer.webhook_deliveries WHERE"
             " subscription_id = $1::uuid AND event_id = $2",
             2, (const char *[]){p->sub, p->event_id}) == 0;
}

static void test_receiver_down_then_back(void **state) {
  (void)state;
  char url[128], sub[37], secret[64], case_a[37], case_b[37], path[160];
  char *ids_a[32], *ids_b[32], *all[64];
  struct tl_response r;
  receiver_down(1);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", rx.port);
  subscribe(url, "[\"case.*\", \"task.*\"]", sub, secret);
  /* two cases, each with events of its own while the receiver refuses */
  tl_world_case(&w, 0, 0, case_a);
  tl_world_task(&w, case_a, "repair", "flooring", NULL, NULL);
  tl_world_case(&w, 0, 0, case_b);
  tl_world_task(&w, case_a, "repair", "painting", NULL, NULL);
  tl_world_task(&w, case_b, "repair", "flooring", NULL, NULL);
  assert_true(tl_wait(some_refused, "/hook", 15000));
  /* queued, tried, and the receiver's answer recorded */
  snprintf(path, sizeof(path), "/v1/webhooks/%s/deliveries?status=pending", sub);
  customer("GET", path, w.ia_admin.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  assert_true(json_array_size(json_object_get(r.json, "items")) >= 1);
  tl_response_free(&r);
  usleep(1500 * 1000);
  char *joined_a = case_event_ids(case_a), *joined_b = case_event_ids(case_b);
  size_t na = split_ids(joined_a, ids_a, 32), nb = split_ids(joined_b, ids_b, 32), n = 0;
  assert_true(na >= 3); /* case.created, task.added twice */
  assert_true(nb >= 2);
  /* back up, but case A's first event refused a few times more: its later events must wait */
  pthread_mutex_lock(&rx.lock);
  snprintf(rx.refuse_id, sizeof(rx.refuse_id), "%s", ids_a[0]);
  rx.refuse_left = 3;
  rx.down = 0;
  pthread_mutex_unlock(&rx.lock);
  for (size_t i = 0; i < na; i++) all[n++] = ids_a[i];
  for (size_t i = 0; i < nb; i++) all[n++] = ids_b[i];
  struct all_delivered a = {all, n};
  assert_true(tl_wait(every_one_delivered, &a, 20000));
  usleep(500 * 1000); /* time for a wrong second copy to arrive */
  /* every event exactly once by webhook-id, signed with the subscription's secret */
  for (size_t i = 0; i < n; i++) assert_int_equal(received_count(all[i], 200, "/hook"), 1);
  for (size_t i = 0; i < na; i++) assert_delivery(ids_a[i], "/hook", case_a, secret);
  for (size_t i = 0; i < nb; i++) assert_delivery(ids_b[i], "/hook", case_b, secret);
  /* in order per case: each case's events reached the receiver in the order they happened */
  for (size_t i = 1; i < na; i++)
    assert_true(delivered_position(ids_a[i - 1]) < delivered_position(ids_a[i]));
  for (size_t i = 1; i < nb; i++)
    assert_true(delivered_position(ids_b[i - 1]) < delivered_position(ids_b[i]));
  /* the first one needed retries; the list says delivered */
  assert_true(received_count(ids_a[0], 503, "/hook") >= 1);
  snprintf(path, sizeof(path), "/v1/webhooks/%s/deliveries?status=delivered&limit=200", sub);
  customer("GET", path, w.ia_admin.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  size_t i;
  json_t *d;
  int first_seen = 0;
  json_array_foreach(json_object_get(r.json, "items"), i, d) {
    tl_assert_str(d, "status", "delivered");
    assert_non_null(tl_str(d, "delivered_at"));
    if (strcmp(tl_str(d, "event_id"), ids_a[0]) == 0) {
      first_seen = 1;
      assert_true(json_integer_value(json_object_get(d, "attempts")) >= 2);
      assert_int_equal(json_integer_value(json_object_get(d, "last_status")), 200);
    }
  }
  assert_true(first_seen);
  assert_true(json_array_size(json_object_get(r.json, "items")) >= n);
  tl_response_free(&r);
  /* another portal does not see the deliveries */
  customer("GET", path, w.ib_admin.token, NULL, NULL, &r);
  tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/webhooks/%s/deliveries?status=lost", sub);
  customer("GET", path, w.ia_admin.token, NULL, NULL, &r);
  tl_assert_problem(&r, 400, "urn:claimsuite:problem:invalid-parameter");
  tl_response_free(&r);
  /* kept 30 days (WEBHOOK_KEEP_SECONDS), then purged: one delivery aged past that goes */
  tl_sql_run(
      "UPDATE customer.webhook_deliveries SET created_at = created_at - interval '31 days'"
      " WHERE subscription_id = $1::uuid AND event_id = $2",
      2, sub, ids_b[0]);
  struct purge_wait pw = {sub, ids_b[0]};
  assert_true(tl_wait(purged, &pw, 10000));
  assert_int_equal(tl_sql_long("SELECT count(*) FROM customer.webhook_deliveries WHERE"
                               " subscription_id = $1::uuid AND event_id = $2",
                               2, (const char *[]){sub, ids_b[1]}),
                   1);
  unsubscribe(sub);
  free(joined_a);
  free(joined_b);
}

static int rotated_delivered(void *arg) { return received_count(arg, 200, "/rotated") >= 1; }
static int fixed_delivered(void *arg) { return received_count(arg, 200, "/fixed") >= 1; }

static void test_rotation_signs_with_both(void **state) {
  (void)state;
  char url[128], sub[37], secret[64], path[160], case_id[37];
  struct tl_response r;
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/rotated", rx.port);
  subscribe(url, "[\"case.created\"]", sub, secret);
  snprintf(path, sizeof(path), "/v1/webhooks/%s/rotate-secret", sub);
  customer("POST", path, w.ia_handler.token, NULL, NULL, &r);
  tl_assert_problem(&r, 403, "urn:claimsuite:problem:forbidden");
  tl_response_free(&r);
  customer("POST", path, w.ib_admin.token, NULL, NULL, &r);
  tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
  tl_response_free(&r);
  customer("POST", path, w.ia_admin.token, NULL, NULL, &r);
  tl_expect(&r, 200);
  const char *fresh = tl_str(r.json, "secret");
  assert_non_null(fresh);
  assert_string_not_equal(fresh, secret);
  assert_non_null(tl_str(r.json, "previous_secret_expires_at"));
  char new_secret[64];
  snprintf(new_secret, sizeof(new_secret), "%s", fresh);
  tl_response_free(&r);

  tl_world_case(&w, 0, 0, case_id);
  char *event_id =
      tl_sql("SELECT id::text FROM cases.outbox WHERE aggregate_id = $1 AND type = 'case.created'",
             1, (const char *[]){case_id});
  assert_non_null(event_id);
  assert_true(tl_wait(rotated_delivered, event_id, 15000));
  struct received s;
  assert_int_equal(received_ok(event_id, "/rotated", &s), 0);
  assert_non_null(strchr(s.signature, ' ')); /* two signatures */
  assert_true(signature_verifies(new_secret, s.id, s.timestamp, s.body, s.signature));
  assert_true(signature_verifies(secret, s.id, s.timestamp, s.body, s.signature));
  free(s.body);
  free(event_id);
  unsubscribe(sub);
}

struct dead_wait {
  const char *sub, *event_id;
  char delivery_id[37];
};

/* 1 once the delivery of event_id is listed dead (its id into delivery_id). */
static int listed_dead(void *arg) {
  struct dead_wait *d = arg;
  char path[160];
  struct tl_response r;
  size_t i;
  json_t *item;
  int found = 0;
  snprintf(path, sizeof(path), "/v1/webhooks/%s/deliveries?status=dead", d->sub);
  customer("GET", path, w.ia_admin.token, NULL, NULL, &r);
  json_array_foreach(json_object_get(r.json, "items"), i, item) {
    if (strcmp(tl_str(item, "event_id"), d->event_id) == 0) {
      snprintf(d->delivery_id, sizeof(d->delivery_id), "%s", tl_str(item, "id"));
      assert_true(json_integer_value(json_object_get(item, "attempts")) >= 2);
      assert_int_equal(json_integer_value(json_object_get(item, "last_status")), 503);
      assert_non_null(tl_str(item, "last_error"));
      found = 1;
    }
  }
  tl_response_free(&r);
  return found;
}

static void test_dead_letter_and_redeliver(void **state) {
  (void)state;
  char url[128], sub[37], secret[64], path[256], case_id[37], body[256];
  struct tl_response r;
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/always-503", rx.port);
  subscribe(url, "[\"case.created\"]", sub, secret);
  tl_world_case(&w, 0, 0, case_id);
  char *event_id =
      tl_sql("SELECT id::text FROM cases.outbox WHERE aggregate_id = $1 AND type = 'case.created'",
             1, (const char *[]){case_id});
  assert_non_null(event_id);
  /* the stack's retry window is 12 s: then dead */
  struct dead_wait d = {sub, event_id, ""};
  long long t0 = tl_now_ms();
  assert_true(tl_wait(listed_dead, &d, 30000));
  print_message("dead-lettered after %lld ms, %d attempts\n", tl_now_ms() - t0,
                received_count(event_id, 503, "/always-503"));
  assert_true(received_count(event_id, 503, "/always-503") >= 2);
  assert_int_equal(received_count(event_id, 200, "/fixed"), 0);

  /* the receiver fixed (a URL that answers), the dead one sent again with the same webhook-id */
  snprintf(body, sizeof(body), "{\"url\": \"http://localhost:%d/fixed\"}", rx.port);
  snprintf(path, sizeof(path), "/v1/webhooks/%s", sub);
  customer("PATCH", path, w.ia_admin.token, body, NULL, &r);
  tl_expect(&r, 200);
  tl_response_free(&r);
  snprintf(path, sizeof(path), "/v1/webhooks/%s/deliveries/%s/redeliver", sub, d.delivery_id);
  customer("POST", path, w.ib_admin.token, NULL, NULL, &r);
  tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
  tl_response_free(&r);
  customer("POST", path, w.ia_admin.token, NULL, NULL, &r);
  tl_expect(&r, 202);
  tl_assert_str(r.json, "id", d.delivery_id);
  tl_response_free(&r);
  assert_true(tl_wait(fixed_delivered, event_id, 15000));
  assert_int_equal(received_count(event_id, 200, "/fixed"), 1);
  assert_delivery(event_id, "/fixed", case_id, secret);
  snprintf(path, sizeof(path), "/v1/webhooks/%s/deliveries/%s/redeliver", sub,
           "00000000-0000-4000-8000-000000000000");
  customer("POST", path, w.ia_admin.token, NULL, NULL, &r);
  tl_assert_problem(&r, 404, "urn:claimsuite:problem:not-found");
  tl_response_free(&r);
  free(event_id);
  unsubscribe(sub);
}

int main(void) {
  tl_world_create(&w);
  tl_customer_sync(); /* the customer service knows the world's users */
  receiver_start();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_subscriptions_crud),
      cmocka_unit_test(test_subscription_validation),
      cmocka_unit_test(test_receiver_down_then_back),
      cmocka_unit_test(test_rotation_signs_with_both),
      cmocka_unit_test(test_dead_letter_and_redeliver),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  receiver_stop();
  tl_world_free(&w);
  tl_sql_close();
  return rc;
}
