/* The probe's event resource, for the bus integration tests:
 *   POST /events {"count","type","rollback","batch"}  N rows + N outbox events in one transaction
 *   GET  /applied?batch=label                         what the consumers applied, and how often
 *   PUT  /apply-delay {"ms"}                          slows every apply (to kill one mid-stream)
 *   PUT  /apply-fail {"batch","n"}                    fails the apply of that event until n is 0
 * and one consumer (service_consume) per "source=url" of EVENT_FEEDS. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bus.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "probe.h"
#include "service.h"
#include "status.h"

#define PROBE_MAX_EVENTS 1000
#define PROBE_MAX_DELAY_MS 10000

static atomic_long apply_delay_ms; /* PROBE_APPLY_DELAY_MS at start, then PUT /apply-delay */
static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;
static char fail_batch[101]; /* PUT /apply-fail: the event (batch, n) whose apply fails */
static json_int_t fail_n;

static int must_fail(const char *batch, json_int_t n) {
  pthread_mutex_lock(&fail_lock);
  int fail = fail_n != 0 && n == fail_n && !strcmp(batch, fail_batch);
  pthread_mutex_unlock(&fail_lock);
  return fail;
}

/* --- The consumer side ---------------------------------------------------------------- */

/* Records one application; a second one of the same (source, seq) increments applied_count. */
static int probe_apply(PGconn *conn, const json_t *event, void *arg) {
  (void)arg;
  const char *source = NULL, *batch = NULL;
  json_int_t seq = 0, n = 0;
  if (json_unpack((json_t *)event, "{s:s, s:I, s:{s:s, s:I}}", "source", &source, "seq", &seq,
                  "data", "batch", &batch, "n", &n) != 0) {
    log_warning("probe: an event without data.batch and data.n is skipped");
    return 0; /* not ours to shape; counted as applied so the offset moves on */
  }
  if (must_fail(batch, n)) return 1;
  long delay = atomic_load(&apply_delay_ms);
  if (delay > 0) {
    struct timespec ts = {delay / 1000, (delay % 1000) * 1000000L};
    nanosleep(&ts, NULL);
  }
  char seq_s[24], n_s[24];
  snprintf(seq_s, sizeof(seq_s), "%lld", (long long)seq);
  snprintf(n_s, sizeof(n_s), "%lld", (long long)n);
  const char *params[] = {source, seq_s, batch, n_s};
  return db_exec(conn,
                 "INSERT INTO probe_applied (source, seq, batch, n) "
                 "VALUES ($1, $2::bigint, $3, $4::int) ON CONFLICT (source, seq) DO UPDATE "
                 "SET applied_count = probe_applied.applied_count + 1, "
                 "applied_at = clock_timestamp()",
                 4, params, NULL, NULL);
}

/* --- HTTP ------------------------------------------------------------------------------- */

static void callback_probe_events_post(struct request_ctx *ctx) {
  static const struct http_field fields[] = {
      {"count", HTTP_FIELD_INTEGER, 1, 0},
      {"type", HTTP_FIELD_STRING, 0, 100},
      {"rollback", HTTP_FIELD_BOOLEAN, 0, 0},
      {"batch", HTTP_FIELD_STRING, 1, 100},
  };
  json_t *body = NULL;
  PGconn *conn = NULL;
  PGresult *res = NULL;
  int in_tx = 0;
  char sqlstate[6] = "";
  if (http_parse_json_object(ctx->req, ctx->resp, &body) != CS_OK) goto done;
  if (http_validate(body, fields, sizeof(fields) / sizeof(fields[0]), ctx->resp) != CS_OK) {
    goto done;
  }
  json_int_t count = json_integer_value(json_object_get(body, "count"));
  const char *type = json_string_value(json_object_get(body, "type"));
  const char *batch = json_string_value(json_object_get(body, "batch"));
  int rollback = json_is_true(json_object_get(body, "rollback"));
  if (type == NULL) type = "probe.event";
  if (count < 1 || count > PROBE_MAX_EVENTS) {
    http_problem_full(ctx->resp, PROBLEM_VALIDATION,
                      "one or more fields are invalid",
                      json_pack("[{s:s, s:s}]", "field", "count", "message",
                                "must be between 1 and 1000"), NULL);
    goto done;
  }
  if (service_db_acquire(ctx, &conn) != CS_OK) goto done;
  if (db_begin(conn) != CS_OK) goto db_failed;
  in_tx = 1;
  for (json_int_t i = 1; i <= count; i++) {
    char n_s[24];
    snprintf(n_s, sizeof(n_s), "%lld", (long long)i);
    const char *params[] = {batch, n_s};
    if (db_exec(conn, "INSERT INTO probe_items (batch, n) VALUES ($1, $2::int) RETURNING id", 2,
                params, &res, sqlstate) != CS_OK) {
      goto db_failed;
    }
    json_t *data = json_pack("{s:s, s:I}", "batch", batch, "n", i);
    int rc = bus_outbox_add(conn, type, NULL, PQgetvalue(res, 0, 0), data);
    json_decref(data);
    PQclear(res);
    res = NULL;
    if (rc != CS_OK) goto db_failed;
  }
  in_tx = 0;
  if ((rollback ? db_rollback(conn) : db_commit(conn)) != CS_OK) goto db_failed;
  http_json(ctx->resp, 201,
            json_pack("{s:b, s:I}", "committed", !rollback, "count", (json_int_t)count));
  goto done;
db_failed:
  service_db_problem(ctx, sqlstate);
done:
  PQclear(res);
  if (in_tx) db_rollback(conn);
  if (conn != NULL) service_db_release(ctx, conn);
  json_decref(body);
}

static void callback_probe_applied_get(struct request_ctx *ctx) {
  const char *batch = u_map_get(ctx->req->map_url, "batch");
  PGconn *conn = NULL;
  PGresult *res = NULL;
  char sqlstate[6] = "";
  if (batch == NULL || *batch == '\0') {
    http_problem(ctx->resp, PROBLEM_INVALID_PARAMETER, "batch is required");
    return;
  }
  if (service_db_acquire(ctx, &conn) != CS_OK) return;
  const char *params[] = {batch};
  if (db_exec(conn,
              "SELECT source, seq, n, applied_count FROM probe_applied WHERE batch = $1 "
              "ORDER BY source, seq",
              1, params, &res, sqlstate) != CS_OK) {
    service_db_problem(ctx, sqlstate);
    goto done;
  }
  json_t *items = json_array();
  for (int i = 0; i < PQntuples(res); i++) {
    json_array_append_new(
        items, json_pack("{s:s, s:I, s:I, s:I}", "source", PQgetvalue(res, i, 0), "seq",
                         (json_int_t)strtoll(PQgetvalue(res, i, 1), NULL, 10), "n",
                         (json_int_t)strtoll(PQgetvalue(res, i, 2), NULL, 10), "times_applied",
                         (json_int_t)strtoll(PQgetvalue(res, i, 3), NULL, 10)));
  }
  http_json(ctx->resp, 200,
            json_pack("{s:o, s:i}", "items", items, "count", PQntuples(res)));
done:
  PQclear(res);
  service_db_release(ctx, conn);
}

static void callback_probe_apply_delay_put(struct request_ctx *ctx) {
  static const struct http_field fields[] = {{"ms", HTTP_FIELD_INTEGER, 1, 0}};
  json_t *body = NULL;
  if (http_parse_json_object(ctx->req, ctx->resp, &body) != CS_OK) return;
  if (http_validate(body, fields, 1, ctx->resp) != CS_OK) goto done;
  json_int_t ms = json_integer_value(json_object_get(body, "ms"));
  if (ms < 0 || ms > PROBE_MAX_DELAY_MS) {
    http_problem_full(ctx->resp, PROBLEM_VALIDATION,
                      "one or more fields are invalid",
                      json_pack("[{s:s, s:s}]", "field", "ms", "message",
                                "must be between 0 and 10000"), NULL);
    goto done;
  }
  atomic_store(&apply_delay_ms, (long)ms);
  http_json(ctx->resp, 200, json_pack("{s:I}", "ms", ms));
done:
  json_decref(body);
}

static void callback_probe_apply_fail_put(struct request_ctx *ctx) {
  static const struct http_field fields[] = {{"batch", HTTP_FIELD_STRING, 1, 100},
                                             {"n", HTTP_FIELD_INTEGER, 1, 0}};
  json_t *body = NULL;
  if (http_parse_json_object(ctx->req, ctx->resp, &body) != CS_OK) return;
  if (http_validate(body, fields, 2, ctx->resp) != CS_OK) goto done;
  pthread_mutex_lock(&fail_lock);
  snprintf(fail_batch, sizeof(fail_batch), "%s", json_string_value(json_object_get(body, "batch")));
  fail_n = json_integer_value(json_object_get(body, "n"));
  pthread_mutex_unlock(&fail_lock);
  http_json(ctx->resp, 200, json_incref(body));
done:
  json_decref(body);
}

int probe_events_routes(struct service *svc, long apply_delay) {
  atomic_store(&apply_delay_ms, apply_delay > 0 && apply_delay <= PROBE_MAX_DELAY_MS ? apply_delay : 0);
  service_route(svc, "POST", "/events", callback_probe_events_post, ROUTE_PUBLIC);
  service_route(svc, "GET", "/applied", callback_probe_applied_get, ROUTE_PUBLIC);
  service_route(svc, "PUT", "/apply-delay", callback_probe_apply_delay_put, ROUTE_PUBLIC);
  service_route(svc, "PUT", "/apply-fail", callback_probe_apply_fail_put, ROUTE_PUBLIC);
  /* The probe follows whatever EVENT_FEEDS names; a service names its sources in its
   * events_<source>.c files instead. */
  for (int i = 0; i < svc->cfg.nfeeds; i++) {
    if (service_consume(svc, svc->cfg.feeds[i].source, probe_apply, NULL, NULL) != CS_OK)
      return CS_ERR;
  }
  return CS_OK;
}
