/* Rate-limit buckets shared through Redis (see rate_limit_redis.h). */
#include "rate_limit_redis.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "deadline.h"
#include "log.h"
#include "status.h"

#define US_PER_S 1000000LL
#define BACKOFF_FIRST_MS 250
#define BACKOFF_MAX_MS 8000
#define LOG_EVERY_MS 10000 /* a Redis outage is one warning every 10 s, not one per request */
#define NAME_MAX_BYTES 512

/* GCRA on one bucket. KEYS[1]: the bucket; ARGV[1]: one request's worth of refill, ARGV[2]: the
 * bucket's size, both in µs. The clock is Redis's (TIME): every replica judges on the same one.
 * Answers {1, TAT - now} when taken (the TAT then stored, expiring when the bucket is full
 * again), {0, TAT - now} when refused (nothing stored: a refusal costs nothing). µs since the
 * epoch are below 2^53, exact in Lua's doubles; they are written as integers, not as %.14g. */
static const char gcra_script[] =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000000 + tonumber(t[2])\n"
    "local interval, capacity = tonumber(ARGV[1]), tonumber(ARGV[2])\n"
    "local tat = tonumber(redis.call('GET', KEYS[1])) or now\n"
    "if tat < now then tat = now end\n"
    "local nxt = tat + interval\n"
    "if nxt - now > capacity then return {0, tat - now} end\n"
    "redis.call('SET', KEYS[1], string.format('%.0f', nxt), 'PX',\n"
    "           string.format('%.0f', math.ceil((nxt - now) / 1000)))\n"
    "return {1, nxt - now}\n";

/* A connection of the pool (hiredis contexts are not thread-safe: one request at a time). */
struct conn {
  redisContext *c; /* NULL: not connected */
  char sha[41];    /* the script's, as this connection's Redis loaded it */
};

/* A small pool, not a connection per thread: the gateway may run a thread per client
 * connection, and a Redis connection made and dropped with each would cost Redis more than the
 * limits it keeps. The lock is held only to take or give back a connection, never during I/O. */
struct gw_rate_redis {
  char *host, *user, *password;
  int port;
  long timeout_ms;
  pthread_mutex_t lock;
  pthread_cond_t freed;
  struct conn *conns;
  struct conn **idle;
  size_t size, nidle;
  /* under lock: after a failure nobody connects before retry_at_ms, and then one request alone
   * tries (probing) while the others are judged locally: an outage costs Redis one connection
   * attempt per backoff, whatever the traffic */
  long long retry_at_ms;
  long backoff_ms; /* the current wait; 0 while Redis answers */
  int probing;
  atomic_long errors;
  atomic_int down;                /* 1 from a failure to the next success */
  atomic_llong logged_at_ms;      /* the last failure logged */
  atomic_llong back_logged_at_ms; /* the last "answers again" logged */
};

int gw_rate_redis_new(const struct gw_rate_redis_settings *s, struct gw_rate_redis **out) {
  struct gw_rate_redis *r = calloc(1, sizeof(*r));
  if (r == NULL) return CS_ERR_NOMEM;
  r->size = s->connections > 0 ? (size_t)s->connections : 1;
  r->host = strdup(s->host);
  r->user = s->user != NULL ? strdup(s->user) : NULL;
  r->password = s->password != NULL ? strdup(s->password) : NULL;
  r->conns = calloc(r->size, sizeof(*r->conns));
  r->idle = calloc(r->size, sizeof(*r->idle));
  if (r->host == NULL || (s->user != NULL && r->user == NULL) ||
      (s->password != NULL && r->password == NULL) || r->conns == NULL || r->idle == NULL) {
    free(r->host), free(r->user), free(r->password), free(r->conns), free(r->idle), free(r);
    return CS_ERR_NOMEM;
  }
  for (size_t i = 0; i < r->size; i++) r->idle[r->nidle++] = &r->conns[i];
  pthread_mutex_init(&r->lock, NULL);
  pthread_cond_init(&r->freed, NULL);
  r->port = s->port;
  r->timeout_ms = s->timeout_ms;
  atomic_init(&r->errors, 0);
  atomic_init(&r->down, 0);
  atomic_init(&r->logged_at_ms, deadline_now_ms() - LOG_EVERY_MS);
  atomic_init(&r->back_logged_at_ms, deadline_now_ms() - LOG_EVERY_MS);
  *out = r;
  return CS_OK;
}

void gw_rate_redis_free(struct gw_rate_redis *r) {
  if (r == NULL) return;
  for (size_t i = 0; i < r->size; i++) {
    if (r->conns[i].c != NULL) redisFree(r->conns[i].c);
  }
  free(r->conns);
  free(r->idle);
  pthread_cond_destroy(&r->freed);
  pthread_mutex_destroy(&r->lock);
  free(r->host);
  free(r->user);
  if (r->password != NULL) {
    memset(r->password, 0, strlen(r->password));
    free(r->password);
  }
  free(r);
}

long gw_rate_redis_errors(struct gw_rate_redis *r) { return atomic_load(&r->errors); }

/* The wait before the next connection after one more failure: 250 ms, doubling, at most 8 s. */
static long next_backoff_ms(long previous_ms) {
  if (previous_ms <= 0) return BACKOFF_FIRST_MS;
  return previous_ms >= BACKOFF_MAX_MS / 2 ? BACKOFF_MAX_MS : previous_ms * 2;
}

/* 1 when this event is the one to log: the first after LOG_EVERY_MS of quiet (one thread wins
 * the exchange, the others stay silent). */
static int log_due(atomic_llong *logged_at_ms, long long now_ms) {
  long long last = atomic_load(logged_at_ms);
  return now_ms - last >= LOG_EVERY_MS &&
         atomic_compare_exchange_strong(logged_at_ms, &last, now_ms);
}

/* Counts and perhaps logs a failure and drops k's connection (after a timeout or an error
 * hiredis cannot use it again, and a refusal would repeat). The backoff grows once per window,
 * however many requests failed in it. CS_ERR_UNAVAILABLE. */
static int failed(struct gw_rate_redis *r, struct conn *k, const char *what, const char *why) {
  long n = atomic_fetch_add(&r->errors, 1) + 1;
  long long now = deadline_now_ms();
  atomic_store(&r->down, 1);
  if (log_due(&r->logged_at_ms, now)) {
    int acl = why != NULL && !strncmp(why, "NOPERM", 6);
    log_warning(
        "rate limits: Redis %s:%d %s (%s)%s; each replica counts on its own until it answers "
        "(%ld Redis errors so far)",
        r->host, r->port, what, why != NULL ? why : "no reason given",
        acl ? ": its user needs +evalsha +script|load +get +set +time on ~" GW_RATE_REDIS_PREFIX "*"
            : "",
        n);
  }
  if (k->c != NULL) redisFree(k->c);
  k->c = NULL;
  pthread_mutex_lock(&r->lock);
  if (now >= r->retry_at_ms) {
    r->backoff_ms = next_backoff_ms(r->backoff_ms);
    r->retry_at_ms = now + r->backoff_ms;
  }
  pthread_mutex_unlock(&r->lock);
  return CS_ERR_UNAVAILABLE;
}

static int load_script(struct gw_rate_redis *r, struct conn *k) {
  redisReply *reply = redisCommand(k->c, "SCRIPT LOAD %s", gcra_script);
  int ok = reply != NULL && reply->type == REDIS_REPLY_STRING && reply->len == 40;
  if (ok) memcpy(k->sha, reply->str, 41);
  int rc =
      ok ? CS_OK
         : failed(r, k, "did not load the rate-limit script",
                  reply == NULL ? k->c->errstr
                                : (reply->type == REDIS_REPLY_ERROR ? reply->str : "odd reply"));
  if (reply != NULL) freeReplyObject(reply);
  return rc;
}

static int connect_conn(struct gw_rate_redis *r, struct conn *k) {
  char err[256];
  const struct bus_redis where = {r->host, r->port, r->user, r->password};
  k->c = bus_redis_connect(&where, r->timeout_ms, r->timeout_ms, err, sizeof(err));
  if (k->c == NULL) return failed(r, k, "is unreachable", err);
  return load_script(r, k);
}

/* A connection of the pool, connected, in *out; *probe is 1 when this request is the one that
 * tries Redis again after a failure. CS_ERR_UNAVAILABLE, without waiting, while backing off (or
 * while another request probes); CS_ERR_TIMEOUT when none came free within the timeout. */
static int take_conn(struct gw_rate_redis *r, struct conn **out, int *probe) {
  struct timespec deadline = deadline_after_ms(CLOCK_REALTIME, r->timeout_ms);
  *probe = 0;
  pthread_mutex_lock(&r->lock);
  if (r->backoff_ms > 0 && (r->probing || deadline_now_ms() < r->retry_at_ms)) {
    pthread_mutex_unlock(&r->lock);
    return CS_ERR_UNAVAILABLE;
  }
  while (r->nidle == 0) {
    if (pthread_cond_timedwait(&r->freed, &r->lock, &deadline) == ETIMEDOUT && r->nidle == 0) {
      pthread_mutex_unlock(&r->lock);
      return CS_ERR_TIMEOUT;
    }
  }
  struct conn *k = r->idle[--r->nidle];
  if (r->backoff_ms > 0) *probe = r->probing = 1;
  pthread_mutex_unlock(&r->lock);
  *out = k;
  return CS_OK;
}

static void give_back(struct gw_rate_redis *r, struct conn *k, int probe, int ok) {
  pthread_mutex_lock(&r->lock);
  if (probe) r->probing = 0;
  if (ok) r->backoff_ms = 0;
  r->idle[r->nidle++] = k;
  pthread_cond_signal(&r->freed);
  pthread_mutex_unlock(&r->lock);
}

/* The script's answer {allowed, TAT - now}, or -1 for anything else. */
static int parse_answer(const redisReply *reply, int *allowed, long long *ahead_us) {
  if (reply == NULL || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) return -1;
  const redisReply *a = reply->element[0], *b = reply->element[1];
  if (a->type != REDIS_REPLY_INTEGER || b->type != REDIS_REPLY_INTEGER) return -1;
  if ((a->integer != 0 && a->integer != 1) || b->integer < 0) return -1;
  *allowed = (int)a->integer;
  *ahead_us = b->integer;
  return 0;
}

/* Whether c failed because the other end closed it (not because it timed out). */
static int closed_by_peer(const redisContext *c) {
  return c->err == REDIS_ERR_EOF ||
         (c->err == REDIS_ERR_IO && (errno == ECONNRESET || errno == EPIPE));
}

static redisReply *run_script(struct conn *k, const char *name, size_t len, long long interval,
                              long long capacity) {
  return redisCommand(k->c, "EVALSHA %s 1 %b %lld %lld", k->sha, name, len, interval, capacity);
}

/* GCRA on k's connection (connecting it first when it has none): CS_OK with *allowed and
 * *ahead set, or CS_ERR_UNAVAILABLE (counted, logged, backing off). */
static int judge(struct gw_rate_redis *r, struct conn *k, const char *name, size_t len,
                 long long interval, long long capacity, int *allowed, long long *ahead) {
  int reused = k->c != NULL;
  if (!reused && connect_conn(r, k) != CS_OK) return CS_ERR_UNAVAILABLE;
  redisReply *reply = run_script(k, name, len, interval, capacity);
  if (reply == NULL && reused && closed_by_peer(k->c)) {
    /* a connection kept from earlier requests may have gone stale (Redis restarted or failed
     * over, an idle timeout on the way): once more on a new one before calling Redis down. Not
     * after a timeout: a slow Redis would get every request twice. */
    redisFree(k->c);
    k->c = NULL;
    if (connect_conn(r, k) != CS_OK) return CS_ERR_UNAVAILABLE;
    reply = run_script(k, name, len, interval, capacity);
  }
  if (reply != NULL && reply->type == REDIS_REPLY_ERROR && !strncmp(reply->str, "NOSCRIPT", 8)) {
    /* Redis lost its scripts (a restart behind the same connection, a failover, SCRIPT FLUSH) */
    freeReplyObject(reply);
    if (load_script(r, k) != CS_OK) return CS_ERR_UNAVAILABLE;
    reply = run_script(k, name, len, interval, capacity);
  }
  if (parse_answer(reply, allowed, ahead) != 0) {
    char why[160];
    snprintf(why, sizeof(why), "%s",
             reply == NULL ? k->c->errstr
                           : (reply->type == REDIS_REPLY_ERROR ? reply->str : "odd reply"));
    if (reply != NULL) freeReplyObject(reply);
    return failed(r, k, "did not judge a request", why);
  }
  freeReplyObject(reply);
  return CS_OK;
}

int gw_rate_redis_take(struct gw_rate_redis *r, const void *key, size_t len, long per_minute,
                       long burst, struct gw_rate_verdict *v) {
  char name[NAME_MAX_BYTES];
  size_t prefix = sizeof(GW_RATE_REDIS_PREFIX) - 1;
  if (len > sizeof(name) - prefix) len = sizeof(name) - prefix;
  memcpy(name, GW_RATE_REDIS_PREFIX, prefix);
  memcpy(name + prefix, key, len);
  long long interval = 60 * US_PER_S / per_minute, capacity = interval * burst;

  struct conn *k;
  int probe, allowed = 0;
  long long ahead = 0;
  if (take_conn(r, &k, &probe) != CS_OK) return CS_ERR_UNAVAILABLE;
  int rc = judge(r, k, name, prefix + len, interval, capacity, &allowed, &ahead);
  give_back(r, k, probe, rc == CS_OK);
  if (rc != CS_OK) return CS_ERR_UNAVAILABLE;
  /* the first success after a failure, whichever request has it (a read first: no write to
   * the shared line on every request) */
  if (atomic_load_explicit(&r->down, memory_order_relaxed) && atomic_exchange(&r->down, 0) &&
      log_due(&r->back_logged_at_ms, deadline_now_ms()))
    log_info("rate limits: Redis %s:%d answers again; the replicas share their buckets again",
             r->host, r->port);
  gw_rate_verdict_set(v, allowed, ahead, interval, capacity, US_PER_S);
  return CS_OK;
}
