/* A consumer of one source: a thread with its own Redis subscriber context and its own libcurl
 * handle. Events are applied in a transaction that also advances event_offsets under a row
 * lock (FOR UPDATE), so each is applied exactly once even with several instances running; what
 * arrived together (a burst of messages, a page of the feed) shares one transaction.
 * Pub/sub delivers at most once, so the thread catches up from the producer's feed
 * (GET <feed>/internal/events?after=SEQ) at start, after every (re)subscribe, on a gap, after a
 * failed apply (with backoff) and every few seconds while subscribed and idle. While Redis is
 * away, it retries with backoff and applies what the next subscribe's catch-up brings. */
#include "bus.h"

#include <curl/curl.h>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "http_client.h"
#include "log.h"
#include "service_auth.h"
#include "status.h"

#define CATCHUP_PAGE 200
#define CATCHUP_IDLE_MS 5000LL      /* safety net while subscribed */
#define CATCHUP_AWAY_MS 1000LL      /* while Redis is away, the feed is polled this often */
#define FEED_MAX_BYTES (32L << 20)  /* a page of 200 envelopes is far below this */
#define FEED_CONNECT_TIMEOUT_MS 2000L
#define FEED_TIMEOUT_MS 15000L
#define NEVER (1LL << 62)
#define BATCH_MAX 200  /* pub/sub messages applied in one transaction at most */
#define BATCH_TX_MS 50 /* a transaction of a batch takes in more events this long */

enum apply_result { APPLIED, DUPLICATE, GAP, FAILED, INVALID };

struct bus_consumer {
  struct db_pool *pool;
  char *source;
  char *feed_url; /* without a trailing slash */
  const struct bus_redis *redis_at;
  const struct service_auth *auth;
  bus_apply_fn apply;
  bus_committed_fn committed;
  void *arg;
  char *channel;
  /* bus_now_ms() when we last knew we had everything the producer had published (a heartbeat
   * at our offset, a catch-up to the feed's end); 0: not yet. Read by any thread. */
  _Atomic long long current_at;
  struct bus_worker worker; /* the thread and its stop flag */
  int curl_ready;           /* curl_global_init done: undone by consumer_free */

  /* Owned by the thread. */
  redisContext *redis;
  long redis_backoff;
  long long redis_retry_at;
  CURL *curl;
  long long known_last;   /* an offset seen in the database: anything <= is a duplicate */
  long long forged;       /* messages on the channel nobody of ours signed */
  long long skip_through; /* while catching up: seqs up to this were purged by the producer */
  long long skipped;      /* seqs stepped over that way, since the last log line */
  int catchup_pending;    /* a catch-up must run (start, subscribe, gap, failure) */
  long long catchup_at;   /* when the pending one may run */
  long catchup_backoff;
  long long idle_catchup_at; /* the periodic one (run_catch_up) */
  json_t *batch[BATCH_MAX];  /* pub/sub messages read and not yet applied (sub_flush) */
  long long batch_seq[BATCH_MAX];
  size_t batch_n;
};

/* --- Applying one event ---------------------------------------------------------------- */

static const char *result_name(enum apply_result r) {
  switch (r) {
    case APPLIED: return "applied";
    case DUPLICATE: return "duplicate";
    case GAP: return "gap";
    case FAILED: return "failed";
    case INVALID: return "invalid";
  }
  return "?";
}

/* One transaction for the envelopes events[0..n) (of our source, seqs[i] their numbers, in
 * feed order): lock the offset row, apply each event that is next, advance the offset once,
 * commit, so a burst costs one commit rather than one per event. Stops at a gap (what came
 * before it is committed), at a failed apply (everything rolled back) or, still APPLIED, once
 * the transaction has run BATCH_TX_MS (slow applies commit as they go); *stopped is the index
 * it stopped at (n when it went through). */
static enum apply_result apply_run(struct bus_consumer *c, json_t *const *events,
                                   const long long *seqs, size_t n, size_t *stopped) {
  enum apply_result result = FAILED;
  PGconn *conn = NULL;
  PGresult *res = NULL;
  int in_tx = 0;
  size_t i = 0;
  long long last = 0, at = 0;
  char at_s[24];
  const char *p1[] = {c->source};
  const char *p2[] = {c->source, at_s};

  if (db_pool_acquire(c->pool, &conn) != CS_OK) {
    log_warning("consumer %s: no database connection free; seq %lld retried later", c->source,
                seqs[0]);
    goto done;
  }
  if (db_begin(conn) != CS_OK) goto done;
  in_tx = 1;
  if (db_exec_prepared(conn, "bus_offset_row",
                       "INSERT INTO event_offsets (source) VALUES ($1) ON CONFLICT DO NOTHING", 1,
                       p1, NULL, NULL) != CS_OK ||
      db_exec_prepared(conn, "bus_offset_lock",
                       "SELECT last_seq FROM event_offsets WHERE source = $1 FOR UPDATE", 1, p1,
                       &res, NULL) != CS_OK ||
      PQntuples(res) != 1)
    goto done;
  at = last = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
  result = APPLIED;
  long long began = bus_now_ms();
  for (; i < n; i++) {
    if (i > 0 && bus_now_ms() - began >= BATCH_TX_MS) break;
    if (seqs[i] <= at) continue; /* applied before */
    if (seqs[i] > at + 1 && seqs[i] - 1 > c->skip_through) {
      result = GAP;
      break;
    }
    c->skipped += seqs[i] - at - 1; /* purged: superseded facts, or past the window */
    if (c->apply(conn, events[i], c->arg) != 0) {
      log_error("consumer %s: applying seq %lld failed; retried later", c->source, seqs[i]);
      result = FAILED;
      goto done;
    }
    at = seqs[i];
  }
  snprintf(at_s, sizeof(at_s), "%lld", at);
  if (at > last && db_exec_prepared(conn, "bus_offset_advance",
                                    "UPDATE event_offsets SET last_seq = $2::bigint, "
                                    "updated_at = now() WHERE source = $1",
                                    2, p2, NULL, NULL) != CS_OK) {
    result = FAILED;
    goto done;
  }
  in_tx = 0;
  if (db_commit(conn) != CS_OK) {
    result = FAILED;
    goto done;
  }
  if (at > c->known_last) c->known_last = at;
  if (c->committed != NULL)
    for (size_t k = 0; k < i; k++)
      if (seqs[k] > last && seqs[k] <= at) c->committed(events[k], c->arg);
done:
  *stopped = i;
  PQclear(res);
  if (in_tx) db_rollback(conn);
  if (conn != NULL) db_pool_release(c->pool, conn);
  return result;
}

/* Applies the envelopes events[0..n) as apply_run does, in as many transactions as it takes;
 * when an apply fails, the events before it are applied on their own first, as they would have
 * been one at a time. */
static enum apply_result apply_events(struct bus_consumer *c, json_t *const *events,
                                      const long long *seqs, size_t n) {
  size_t done = 0;
  while (done < n) {
    size_t stopped = 0, again = 0;
    enum apply_result r = apply_run(c, events + done, seqs + done, n - done, &stopped);
    if (r == FAILED && stopped > 0) apply_run(c, events + done, seqs + done, stopped, &again);
    if (r != APPLIED) return r;
    done += stopped;
  }
  return APPLIED;
}

/* The number of an envelope of our source, or 0 (logged) for anything else. */
static long long envelope_seq(struct bus_consumer *c, const json_t *event) {
  long long seq = 0;
  const char *source = json_string_value(json_object_get(event, "source"));
  if (bus_envelope_seq(event, &seq) == CS_OK && source != NULL && !strcmp(source, c->source) &&
      seq > 0)
    return seq;
  log_warning("consumer %s: received something that is not an envelope of this source", c->source);
  return 0;
}

/* --- Catch-up from the feed ------------------------------------------------------------ */

static int feed_stopping(void *waker) { return bus_waker_stopped(waker); }

/* One page of the feed: *items is a new array, *purged the producer's purged_through. The
 * thread's handle is reused for every page so the connection to the producer is kept. */
static int feed_get(struct bus_consumer *c, long long after, json_t **items, long long *purged) {
  int rc = CS_ERR_UNAVAILABLE;
  struct httpc_body body = {0};
  json_t *doc = NULL;
  char url[2048], err[128], bearer[SERVICE_BEARER_MAX];
  long status = 0;
  const struct httpc_options options = {.connect_timeout_ms = FEED_CONNECT_TIMEOUT_MS,
                                        .timeout_ms = FEED_TIMEOUT_MS,
                                        .max_bytes = FEED_MAX_BYTES,
                                        .should_abort = feed_stopping,
                                        .abort_arg = c->worker.waker,
                                        .authorization = bearer};
  *items = NULL;
  if (service_auth_bearer(c->auth, c->source, bearer, sizeof(bearer)) != CS_OK) {
    log_error("consumer %s: cannot make a service token for %s", c->source, c->source);
    goto done;
  }
  if (c->curl == NULL && (c->curl = httpc_handle_new(&options)) == NULL) {
    rc = CS_ERR_NOMEM;
    goto done;
  }
  int n = snprintf(url, sizeof(url), "%s/internal/events?after=%lld&limit=%d", c->feed_url, after,
                   CATCHUP_PAGE);
  if (n < 0 || (size_t)n >= sizeof(url)) {
    rc = CS_ERR_INVALID;
    goto done;
  }
  if (httpc_get(c->curl, &options, url, &status, &body, err, sizeof(err)) != CS_OK) {
    if (!bus_waker_stopped(c->worker.waker)) {
      log_warning("consumer %s: feed %s unreachable: %s", c->source, c->feed_url, err);
    }
    goto done;
  }
  if (status != 200) {
    log_warning("consumer %s: feed %s answered %ld", c->source, c->feed_url, status);
    goto done;
  }
  doc = json_loadb(body.data ? body.data : "", body.len, JSON_REJECT_DUPLICATES, NULL);
  json_t *arr = json_object_get(doc, "items");
  if (!json_is_array(arr)) {
    log_warning("consumer %s: feed %s answered without an items array", c->source, c->feed_url);
    rc = CS_ERR_INVALID;
    goto done;
  }
  *items = json_incref(arr);
  *purged = json_integer_value(json_object_get(doc, "purged_through")); /* 0 when absent */
  rc = CS_OK;
done:
  json_decref(doc);
  free(body.data);
  return rc;
}

/* Applies every event after our offset, page by page, until a short page. */
static int catch_up(struct bus_consumer *c) {
  int rc;
  PGconn *conn = NULL;
  long long after = 0, started = bus_now_ms();
  long total = 0;
  rc = db_pool_acquire(c->pool, &conn);
  if (rc != CS_OK) goto done;
  rc = bus_consumer_offset(conn, c->source, &after);
  db_pool_release(c->pool, conn);
  if (rc != CS_OK) goto done;
  /* the database is the truth: an offset wiped (to rebuild what was applied) is followed */
  c->known_last = after;
  for (;;) {
    json_t *items = NULL;
    rc = feed_get(c, after, &items, &c->skip_through);
    if (rc != CS_OK) goto done;
    size_t n = json_array_size(items), m = 0;
    json_t *page[CATCHUP_PAGE];
    long long seqs[CATCHUP_PAGE];
    for (size_t i = 0; i < n && i < CATCHUP_PAGE; i++) {
      json_t *item = json_array_get(items, i);
      long long seq = envelope_seq(c, item);
      if (seq == 0) { /* the feed is made of envelopes: a producer's bug, retried with backoff */
        rc = CS_ERR;
        break;
      }
      if (seq <= c->known_last) continue; /* applied before */
      page[m] = item;
      seqs[m++] = seq;
    }
    long long before = c->known_last;
    enum apply_result r = apply_events(c, page, seqs, m);
    c->skip_through = 0; /* pub/sub messages are never past a purge */
    total += c->known_last - before;
    if (r != APPLIED) {
      /* the feed is gapless from our offset: a gap is a bug of the producer, retried with
       * backoff rather than skipped */
      if (r == GAP)
        log_error("consumer %s: feed item after %lld is a gap", c->source, c->known_last);
      rc = CS_ERR;
    }
    if (c->known_last > after) after = c->known_last;
    if (bus_waker_stopped(c->worker.waker)) rc = CS_ERR;
    json_decref(items);
    if (rc != CS_OK) break;
    if (n < CATCHUP_PAGE) { /* the end of the feed as it was when we started */
      atomic_store(&c->current_at, started);
      break;
    }
  }
done:
  if (c->skipped > 0) {
    log_info("consumer %s: stepped over %lld events the producer's retention had deleted",
             c->source, c->skipped);
    c->skipped = 0;
  }
  if (total > 0) log_info("consumer %s: caught up %ld events, offset %lld", c->source, total,
                          c->known_last);
  return rc;
}

/* --- Redis subscriber ------------------------------------------------------------------ */

static void sub_close(struct bus_consumer *c, const char *why) {
  if (c->redis == NULL) return;
  if (!bus_waker_stopped(c->worker.waker)) {
    log_warning("consumer %s: Redis subscription lost (%s), reconnecting", c->source, why);
  }
  redisFree(c->redis);
  c->redis = NULL;
  if (c->idle_catchup_at > bus_now_ms() + CATCHUP_AWAY_MS)
    c->idle_catchup_at = bus_now_ms() + CATCHUP_AWAY_MS;
  c->redis_retry_at = bus_now_ms() + c->redis_backoff;
  c->redis_backoff = bus_backoff_next(c->redis_backoff);
}

static void sub_open(struct bus_consumer *c) {
  char err[256] = "subscribe refused";
  redisReply *reply = NULL;
  redisContext *ctx = bus_redis_connect(c->redis_at, 1000, 2000, err, sizeof(err));
  if (ctx == NULL) goto fail;
  reply = redisCommand(ctx, "SUBSCRIBE %s", c->channel);
  if (reply == NULL || reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
      reply->element[0]->type != REDIS_REPLY_STRING ||
      strcmp(reply->element[0]->str, "subscribe") != 0) {
    goto fail;
  }
  freeReplyObject(reply);
  c->redis = ctx;
  c->redis_backoff = BUS_BACKOFF_MIN_MS;
  /* What was published while we were not subscribed comes from the feed. */
  c->catchup_pending = 1;
  c->catchup_at = 0;
  c->idle_catchup_at = bus_now_ms() + CATCHUP_IDLE_MS;
  log_info("consumer %s: subscribed to %s", c->source, c->channel);
  return;
fail:
  if (c->redis_backoff == BUS_BACKOFF_MIN_MS || c->redis_backoff == BUS_BACKOFF_MAX_MS) {
    log_warning("consumer %s: Redis %s, retrying", c->source,
                ctx != NULL && ctx->err != 0 ? ctx->errstr : err);
  }
  if (reply != NULL) freeReplyObject(reply);
  if (ctx != NULL) redisFree(ctx);
  c->redis_retry_at = bus_now_ms() + c->redis_backoff;
  c->redis_backoff = bus_backoff_next(c->redis_backoff);
}

static int is_heartbeat(const json_t *event) {
  const char *type = json_string_value(json_object_get(event, "type"));
  return type != NULL && !strcmp(type, "heartbeat") && json_object_get(event, "seq") == NULL;
}

/* The producer's heartbeat: at its head we are current now; behind it, a message was lost.
 * (While a catch-up is pending, sub_message leaves heartbeats too to that catch-up.) */
static void heartbeat(struct bus_consumer *c, const json_t *beat) {
  const char *source = json_string_value(json_object_get(beat, "source"));
  const json_t *head = json_object_get(beat, "head");
  if (source == NULL || strcmp(source, c->source) != 0 || !json_is_integer(head)) return;
  if (json_integer_value(head) <= c->known_last) {
    atomic_store(&c->current_at, bus_now_ms());
  } else {
    c->catchup_pending = 1;
    c->catchup_at = 0;
  }
}

/* What pub/sub brought since the last flush, applied in one transaction. */
static void sub_flush(struct bus_consumer *c) {
  enum apply_result r = apply_events(c, c->batch, c->batch_seq, c->batch_n);
  if (r == GAP || r == FAILED) {
    log_debug("consumer %s: after %lld a %s, catching up", c->source, c->known_last,
              result_name(r));
    c->catchup_pending = 1;
    c->catchup_at = r == GAP ? 0 : bus_now_ms() + c->catchup_backoff;
  }
  for (size_t i = 0; i < c->batch_n; i++) json_decref(c->batch[i]);
  c->batch_n = 0;
}

/* A pub/sub message: ["message", channel, payload], added to the batch (a heartbeat is heard
 * after what came before it is applied). While a catch-up is pending it is left to that
 * catch-up: what was published is committed and numbered, so the feed has it, and trying it
 * here would only find the same gap again. */
static void sub_message(struct bus_consumer *c, const redisReply *reply) {
  if (c->catchup_pending) return;
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
      reply->element[0]->type != REDIS_REPLY_STRING ||
      strcmp(reply->element[0]->str, "message") != 0 ||
      reply->element[2]->type != REDIS_REPLY_STRING) {
    return;
  }
  json_t *event = NULL;
  if (bus_message_open(c->auth, reply->element[2]->str, reply->element[2]->len, &event) != CS_OK) {
    /* not from a relay of ours: never applied, never taken for a gap or a heartbeat */
    c->forged++;
    if ((c->forged & (c->forged - 1)) == 0)
      log_warning("consumer %s: %lld unsigned or forged message(s) on %s ignored", c->source,
                  c->forged, c->channel);
    return;
  }
  long long seq;
  if (is_heartbeat(event)) {
    sub_flush(c);
    if (!c->catchup_pending) heartbeat(c, event);
  } else if ((seq = envelope_seq(c, event)) > c->known_last) {
    if (c->batch_n == BATCH_MAX) sub_flush(c);
    c->batch[c->batch_n] = json_incref(event);
    c->batch_seq[c->batch_n++] = seq;
  }
  json_decref(event);
}

/* Handles the replies already read, then reads what the socket has (never blocking); what they
 * carried is applied before it returns. */
static void sub_drain(struct bus_consumer *c, int readable) {
  if (readable && redisBufferRead(c->redis) != REDIS_OK) {
    sub_close(c, c->redis->errstr);
    return;
  }
  for (;;) {
    redisReply *reply = NULL;
    if (redisGetReplyFromReader(c->redis, (void **)&reply) != REDIS_OK) {
      sub_flush(c);
      sub_close(c, c->redis->errstr);
      return;
    }
    if (reply == NULL) break;
    sub_message(c, reply);
    freeReplyObject(reply);
    if (bus_waker_stopped(c->worker.waker)) break;
  }
  sub_flush(c);
}

/* --- The loop -------------------------------------------------------------------------- */

/* The periodic catch-up runs every CATCHUP_IDLE_MS while subscribed (a safety net), every
 * CATCHUP_AWAY_MS while Redis is away (the feed is then the only way). */
static void run_catch_up(struct bus_consumer *c) {
  long long now = bus_now_ms();
  if (catch_up(c) == CS_OK) {
    c->catchup_pending = 0;
    c->catchup_backoff = BUS_BACKOFF_MIN_MS;
  } else {
    c->catchup_pending = 1;
    c->catchup_at = now + c->catchup_backoff;
    c->catchup_backoff = bus_backoff_next(c->catchup_backoff);
  }
  c->idle_catchup_at = bus_now_ms() + (c->redis != NULL ? CATCHUP_IDLE_MS : CATCHUP_AWAY_MS);
}

static void *consumer_main(void *arg) {
  struct bus_consumer *c = arg;
  log_info("consumer %s: started, feed %s", c->source, c->feed_url);
  while (!bus_waker_stopped(c->worker.waker)) {
    long long now = bus_now_ms();
    if (c->redis == NULL && now >= c->redis_retry_at) sub_open(c);
    if (c->redis != NULL) sub_drain(c, 0);

    now = bus_now_ms();
    if ((c->catchup_pending && now >= c->catchup_at) || now >= c->idle_catchup_at) {
      run_catch_up(c);
      continue; /* messages that came meanwhile are handled first */
    }

    long long wake = c->idle_catchup_at;
    if (c->redis == NULL && c->redis_retry_at < wake) wake = c->redis_retry_at;
    if (c->catchup_pending && c->catchup_at < wake) wake = c->catchup_at;
    long timeout = wake - now > 500 ? 500 : (long)(wake - now);
    int fd = c->redis != NULL ? c->redis->fd : -1;
    int ready = bus_waker_wait(c->worker.waker, fd, POLLIN, timeout);
    if (ready == 1 && c->redis != NULL) sub_drain(c, 1);
  }
  if (c->redis != NULL) redisFree(c->redis);
  c->redis = NULL;
  if (c->curl != NULL) curl_easy_cleanup(c->curl);
  c->curl = NULL;
  log_info("consumer %s: stopped at offset %lld", c->source, c->known_last);
  return NULL;
}

static void consumer_free(struct bus_consumer *c) {
  if (c == NULL) return;
  bus_worker_stop(&c->worker);
  if (c->curl_ready) curl_global_cleanup();
  free(c->source);
  free(c->feed_url);
  free(c->channel);
  free(c);
}

int bus_consumer_start(struct db_pool *pool, const char *source, const char *feed_url,
                       const struct bus_redis *redis, const struct service_auth *auth,
                       bus_apply_fn apply, bus_committed_fn committed, void *arg,
                       struct bus_consumer **out) {
  int rc = CS_ERR_INVALID;
  struct bus_consumer *c = NULL;
  if (pool == NULL || source == NULL || *source == '\0' || feed_url == NULL ||
      (strncmp(feed_url, "http://", 7) != 0 && strncmp(feed_url, "https://", 8) != 0) ||
      redis == NULL || redis->host == NULL || auth == NULL || apply == NULL || out == NULL) {
    goto done;
  }
  rc = CS_ERR_NOMEM;
  c = calloc(1, sizeof(*c));
  if (c == NULL) goto done;
  c->source = strdup(source);
  c->feed_url = strdup(feed_url);
  size_t len = strlen(BUS_CHANNEL_PREFIX) + strlen(source) + 1;
  c->channel = malloc(len);
  if (c->source == NULL || c->feed_url == NULL || c->channel == NULL) {
    goto done;
  }
  snprintf(c->channel, len, "%s%s", BUS_CHANNEL_PREFIX, source);
  size_t ulen = strlen(c->feed_url);
  while (ulen > 0 && c->feed_url[ulen - 1] == '/') c->feed_url[--ulen] = '\0';
  c->pool = pool;
  c->redis_at = redis;
  c->auth = auth;
  c->apply = apply;
  c->committed = committed;
  c->arg = arg;
  c->redis_backoff = BUS_BACKOFF_MIN_MS;
  c->catchup_backoff = BUS_BACKOFF_MIN_MS;
  c->catchup_pending = 1; /* at start */
  c->catchup_at = 0;
  c->idle_catchup_at = NEVER;
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    rc = CS_ERR;
    goto done;
  }
  c->curl_ready = 1;
  if ((rc = bus_worker_start(&c->worker, consumer_main, c)) != CS_OK) goto done;
  *out = c;
  c = NULL;
  rc = CS_OK;
done:
  consumer_free(c);
  return rc;
}

long long bus_consumer_age_ms(struct bus_consumer *consumer) {
  long long at = consumer != NULL ? atomic_load(&consumer->current_at) : 0;
  return at == 0 ? -1 : bus_now_ms() - at;
}

void bus_consumer_stop(struct bus_consumer *consumer) {
  consumer_free(consumer); /* stops the thread first */
}

int bus_consumer_offset(PGconn *conn, const char *source, long long *seq) {
  PGresult *res = NULL;
  const char *params[] = {source};
  *seq = 0;
  int rc = db_exec(conn, "SELECT last_seq FROM event_offsets WHERE source = $1", 1, params, &res,
                   NULL);
  if (rc != CS_OK) return rc;
  if (PQntuples(res) == 1) *seq = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
  PQclear(res);
  return CS_OK;
}
