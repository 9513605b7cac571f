/* The outbox relay: one thread per service process, with its own PostgreSQL connection (not
 * from the pool) and its own Redis context. Only the instance holding the session advisory lock
 * relays, so seqs are given by one writer, in commit order and without gaps:
 *   (a) give seqs to committed unsequenced rows, in pos order;
 *   (b) PUBLISH the rows past the published mark in seq order, then move the mark;
 *   (c) sleep on the PostgreSQL socket until NOTIFY (bus_outbox_add) or poll_ms.
 * Redis away: rows stay unpublished and are sent, in order, after a reconnect with backoff.
 * PostgreSQL away: reconnect with backoff, take the lock again, LISTEN again. */
#include "bus.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "status.h"

#define RELAY_BATCH 500 /* rows per statement; keep in step with the LIMITs below */
#define RELAY_LOCK_RETRY_MS 3000L
#define RELAY_CONNECT_TIMEOUT_MS 10000LL

struct bus_relay {
  char *source;
  char *conninfo;
  const struct bus_redis *redis_at;
  const struct service_auth *auth;
  const struct bus_retention *retention;
  long poll_ms;
  char *channel; /* BUS_CHANNEL_PREFIX source */
  struct bus_worker worker; /* the thread and its stop flag */

  /* Owned by the thread. */
  PGconn *pg;
  int leader;             /* the advisory lock is ours on pg */
  int standby_logged;
  long pg_backoff;
  redisContext *redis;
  long redis_backoff;
  long long redis_retry_at;
  long long heartbeat_at; /* when the next heartbeat is due */
  long long purge_at;     /* when retention runs next */
};

static const char *const SQL_SEQUENCE =
    "UPDATE outbox o SET seq = m.base + r.rn "
    "FROM (SELECT id, row_number() OVER (ORDER BY pos) rn FROM outbox WHERE seq IS NULL "
    "      ORDER BY pos LIMIT 500) r, "
    "     (SELECT coalesce(max(seq), 0) base FROM outbox) m "
    "WHERE o.id = r.id";

static const char *const SQL_UNPUBLISHED =
    "SELECT " BUS_ENVELOPE_COLUMNS
    " FROM outbox WHERE seq > (SELECT through FROM outbox_published) ORDER BY seq LIMIT 500";

/* The newest event published: what a consumer has applied when it is current. */
static const char *const SQL_HEAD = "SELECT through FROM outbox_published";

/* One number for the whole batch (migrations/0003): rows are published in seq order. */
static const char *const SQL_MARK_PUBLISHED =
    "UPDATE outbox_published SET through = $1::bigint WHERE through < $1::bigint";

/* --- PostgreSQL ------------------------------------------------------------------------ */

static void pg_close(struct bus_relay *r) {
  if (r->pg != NULL) PQfinish(r->pg); /* ends the session: the lock is released */
  r->pg = NULL;
  r->leader = 0;
}

/* Connects without blocking the stop: PQconnectStartParams driven by poll. */
static int pg_open(struct bus_relay *r) {
  int rc = CS_ERR_UNAVAILABLE;
  /* No statement of ours should ever hang the relay; and none is worth compiling: JIT took
   * 0.2 s to compile the retention's delete, each time it ran, to save nothing. */
  const char *keys[] = {"dbname", "application_name", "options", NULL};
  const char *vals[] = {r->conninfo, "claimsuite-relay", "-c statement_timeout=30s -c jit=off",
                        NULL};
  PGconn *c = PQconnectStartParams(keys, vals, 1);
  if (c == NULL) {
    rc = CS_ERR_NOMEM;
    goto done;
  }
  if (PQstatus(c) == CONNECTION_BAD) goto done;
  long long deadline = bus_now_ms() + RELAY_CONNECT_TIMEOUT_MS;
  PostgresPollingStatusType st = PGRES_POLLING_WRITING;
  while (st != PGRES_POLLING_OK) {
    if (st == PGRES_POLLING_FAILED || bus_waker_stopped(r->worker.waker) ||
        bus_now_ms() > deadline) {
      goto done;
    }
    short ev = st == PGRES_POLLING_READING ? POLLIN : POLLOUT;
    if (bus_waker_wait(r->worker.waker, PQsocket(c), ev, 200) == 1) st = PQconnectPoll(c);
  }
  r->pg = c;
  c = NULL;
  rc = CS_OK;
done:
  if (c != NULL) {
    if (!bus_waker_stopped(r->worker.waker)) {
      log_warning("relay %s: database connection failed: %s", r->source, PQerrorMessage(c));
    }
    PQfinish(c);
  }
  return rc;
}

/* Takes the relay lock of this schema; once taken, LISTENs. *leader tells whether we got it. */
static int pg_lead(struct bus_relay *r, int *leader) {
  int rc;
  PGresult *res = NULL;
  *leader = 0;
  rc = db_exec(r->pg,
               "SELECT pg_try_advisory_lock(hashtext('claimsuite_relay.' || current_schema()))", 0,
               NULL, &res, NULL);
  if (rc != CS_OK) goto done;
  if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) goto done;
  PQclear(res);
  res = NULL;
  /* The channel is an identifier made server-side from our own schema name. */
  rc = db_exec(r->pg, "SELECT format('LISTEN %I', 'claimsuite_outbox_' || current_schema())", 0,
               NULL, &res, NULL);
  if (rc != CS_OK) goto done;
  rc = db_exec(r->pg, PQgetvalue(res, 0, 0), 0, NULL, NULL, NULL);
  if (rc != CS_OK) goto done;
  *leader = 1;
done:
  PQclear(res);
  return rc;
}

/* (a) Seqs for committed rows; *more when a full batch was numbered. */
static int relay_sequence(struct bus_relay *r, int *more) {
  PGresult *res = NULL;
  *more = 0;
  int rc = db_exec(r->pg, SQL_SEQUENCE, 0, NULL, &res, NULL);
  if (rc != CS_OK) return rc;
  long n = strtol(PQcmdTuples(res), NULL, 10);
  PQclear(res);
  if (n > 0) log_debug("relay %s: %ld events sequenced", r->source, n);
  *more = n >= RELAY_BATCH;
  return CS_OK;
}

/* --- Redis ----------------------------------------------------------------------------- */

static void redis_close(struct bus_relay *r, const char *why) {
  if (r->redis == NULL) return;
  log_warning("relay %s: Redis connection dropped (%s); events wait in the outbox", r->source,
              why);
  redisFree(r->redis);
  r->redis = NULL;
  r->redis_retry_at = bus_now_ms() + r->redis_backoff;
  r->redis_backoff = bus_backoff_next(r->redis_backoff);
}

static void redis_open(struct bus_relay *r) {
  char err[256];
  redisContext *c = bus_redis_connect(r->redis_at, 1000, 2000, err, sizeof(err));
  if (c == NULL) {
    if (r->redis_backoff == BUS_BACKOFF_MIN_MS || r->redis_backoff == BUS_BACKOFF_MAX_MS) {
      log_warning("relay %s: Redis %s, retrying", r->source, err);
    }
    r->redis_retry_at = bus_now_ms() + r->redis_backoff;
    r->redis_backoff = bus_backoff_next(r->redis_backoff);
    return;
  }
  r->redis = c;
  r->redis_backoff = BUS_BACKOFF_MIN_MS;
  log_info("relay %s: connected to Redis", r->source);
}

/* (b) Publishes one batch of unpublished rows in seq order (pipelined), then marks the prefix
 * Redis acknowledged. *more when a full batch went out. A failure part-way marks only what was
 * acknowledged: the rest is sent again, in order, after the reconnect. */
static int relay_publish(struct bus_relay *r, int *more) {
  int rc;
  PGresult *res = NULL;
  int ok = 0;
  *more = 0;
  rc = db_exec(r->pg, SQL_UNPUBLISHED, 0, NULL, &res, NULL);
  if (rc != CS_OK) goto done;
  int n = PQntuples(res);
  if (n == 0) goto done;
  int queued = 0, redis_failed = 0;
  for (int i = 0; i < n; i++) {
    json_t *env = NULL;
    char *text = NULL, *message = NULL;
    if (bus_envelope_from_row(res, i, r->source, &env) == CS_OK) {
      text = json_dumps(env, JSON_COMPACT | JSON_PRESERVE_ORDER);
    }
    json_decref(env);
    if (text != NULL) bus_message_sign(r->auth, text, &message);
    free(text);
    if (message == NULL) {
      /* Cannot happen for a row the outbox accepted (jsonb data); stop before it, keep order. */
      log_error("relay %s: event seq %s cannot be encoded; relaying paused", r->source,
                PQgetvalue(res, i, 1));
      break;
    }
    int ar = redisAppendCommand(r->redis, "PUBLISH %s %s", r->channel, message);
    free(message);
    if (ar != REDIS_OK) {
      redis_failed = 1;
      break;
    }
    queued++;
  }
  for (int i = 0; i < queued; i++) {
    redisReply *reply = NULL;
    if (redisGetReply(r->redis, (void **)&reply) != REDIS_OK) {
      redis_failed = 1;
      break;
    }
    if (!redis_failed && reply->type == REDIS_REPLY_INTEGER) {
      ok++;
    } else {
      redis_failed = 1; /* later replies are read so the context stays in step; reconnect */
    }
    freeReplyObject(reply);
  }
  if (redis_failed) {
    redis_close(r, r->redis->err != 0 ? r->redis->errstr : "PUBLISH refused");
  }
  if (ok > 0) {
    const char *params[] = {PQgetvalue(res, ok - 1, 1)};
    rc = db_exec(r->pg, SQL_MARK_PUBLISHED, 1, params, NULL, NULL);
    if (rc != CS_OK) goto done; /* published again later: consumers ignore duplicates */
    log_debug("relay %s: published seq %s..%s", r->source, PQgetvalue(res, 0, 1), params[0]);
  }
  *more = ok == n && n >= RELAY_BATCH;
done:
  PQclear(res);
  return rc;
}

/* Publishes {"type":"heartbeat","source","head"} once everything is out: a consumer whose
 * offset is at head is current as of now (bus_consumer_age_ms); one behind catches up. */
static int relay_heartbeat(struct bus_relay *r) {
  PGresult *res = NULL;
  int rc = db_exec(r->pg, SQL_HEAD, 0, NULL, &res, NULL);
  if (rc != CS_OK) return rc;
  char text[128];
  snprintf(text, sizeof(text), "{\"type\":\"heartbeat\",\"source\":\"%s\",\"head\":%s}", r->source,
           PQgetvalue(res, 0, 0));
  PQclear(res);
  char *message = NULL;
  if (bus_message_sign(r->auth, text, &message) != CS_OK) return CS_ERR;
  redisReply *reply = redisCommand(r->redis, "PUBLISH %s %s", r->channel, message);
  free(message);
  if (reply == NULL)
    redis_close(r, r->redis->err != 0 ? r->redis->errstr : "PUBLISH failed");
  else
    freeReplyObject(reply);
  r->heartbeat_at = bus_now_ms() + BUS_HEARTBEAT_MS;
  return CS_OK;
}

/* Retention, when all is published (it runs between batches, never delaying one). */
static int relay_purge(struct bus_relay *r) {
  long rows = 0, keys = 0;
  r->purge_at = bus_now_ms() + r->retention->check_s * 1000;
  int rc = bus_retention_purge(r->pg, r->retention, &rows, &keys);
  if (rc == CS_OK && (rows > 0 || keys > 0))
    log_info("relay %s: retention deleted %ld outbox rows and %ld idempotency keys", r->source,
             rows, keys);
  return rc;
}

/* --- The loop -------------------------------------------------------------------------- */

/* After a failed statement: a dead connection is dropped (and reopened with backoff); a live
 * one keeps going after a pause so an error cannot spin. */
static void relay_pg_failed(struct bus_relay *r) {
  if (PQstatus(r->pg) != CONNECTION_OK) {
    log_warning("relay %s: database connection lost, reconnecting", r->source);
    pg_close(r);
  }
  bus_waker_wait(r->worker.waker, -1, 0, r->pg_backoff);
  r->pg_backoff = bus_backoff_next(r->pg_backoff);
}

/* (c) Waits for a notification, a stop, the poll interval or the next Redis attempt. */
static void relay_wait(struct bus_relay *r) {
  PGnotify *note;
  int notified = 0;
  while ((note = PQnotifies(r->pg)) != NULL) { /* consumed while our statements ran */
    PQfreemem(note);
    notified = 1;
  }
  if (notified) return;
  long timeout = r->poll_ms;
  long long beat = r->heartbeat_at - bus_now_ms();
  if (r->redis != NULL && beat < timeout) timeout = beat < 0 ? 0 : (long)beat;
  if (r->redis == NULL) {
    long long until = r->redis_retry_at - bus_now_ms();
    if (until < timeout) timeout = until < 0 ? 0 : (long)until;
  }
  if (bus_waker_wait(r->worker.waker, PQsocket(r->pg), POLLIN, timeout) != 1) return;
  if (!PQconsumeInput(r->pg)) {
    log_warning("relay %s: database connection lost, reconnecting", r->source);
    pg_close(r);
    return;
  }
  while ((note = PQnotifies(r->pg)) != NULL) PQfreemem(note);
}

static void *relay_main(void *arg) {
  struct bus_relay *r = arg;
  log_info("relay %s: started", r->source);
  while (!bus_waker_stopped(r->worker.waker)) {
    if (r->pg == NULL) {
      if (pg_open(r) != CS_OK) {
        bus_waker_wait(r->worker.waker, -1, 0, r->pg_backoff);
        r->pg_backoff = bus_backoff_next(r->pg_backoff);
        continue;
      }
    }
    if (!r->leader) {
      int leader = 0;
      if (pg_lead(r, &leader) != CS_OK) {
        relay_pg_failed(r);
        continue;
      }
      if (!leader) { /* another instance relays; take over if it goes away */
        if (!r->standby_logged) {
          log_info("relay %s: another instance relays; standing by", r->source);
          r->standby_logged = 1;
        }
        bus_waker_wait(r->worker.waker, -1, 0, RELAY_LOCK_RETRY_MS);
        continue;
      }
      r->leader = 1;
      r->standby_logged = 0;
      r->pg_backoff = BUS_BACKOFF_MIN_MS;
      log_info("relay %s: relaying (lock taken, listening)", r->source);
    }
    if (r->redis == NULL && bus_now_ms() >= r->redis_retry_at) redis_open(r);

    int more_seq = 0, more_pub = 0;
    if (relay_sequence(r, &more_seq) != CS_OK) {
      relay_pg_failed(r);
      continue;
    }
    if (r->redis != NULL && relay_publish(r, &more_pub) != CS_OK) {
      relay_pg_failed(r);
      continue;
    }
    r->pg_backoff = BUS_BACKOFF_MIN_MS;
    if (more_seq || more_pub) continue;
    if (bus_now_ms() >= r->purge_at && relay_purge(r) != CS_OK) {
      relay_pg_failed(r);
      continue;
    }
    if (r->redis != NULL && bus_now_ms() >= r->heartbeat_at && relay_heartbeat(r) != CS_OK) {
      relay_pg_failed(r);
      continue;
    }
    relay_wait(r);
  }
  pg_close(r);
  if (r->redis != NULL) redisFree(r->redis);
  r->redis = NULL;
  log_info("relay %s: stopped", r->source);
  return NULL;
}

static void relay_free(struct bus_relay *r) {
  if (r == NULL) return;
  bus_worker_stop(&r->worker);
  free(r->source);
  free(r->conninfo);
  free(r->channel);
  free(r);
}

int bus_relay_start(const char *source, const char *conninfo, const struct bus_redis *redis,
                    const struct service_auth *auth, const struct bus_retention *retention,
                    long poll_ms, struct bus_relay **out) {
  int rc = CS_ERR_INVALID;
  struct bus_relay *r = NULL;
  if (source == NULL || *source == '\0' || conninfo == NULL || redis == NULL ||
      redis->host == NULL || auth == NULL || retention == NULL || retention->check_s < 1 ||
      out == NULL) {
    goto done;
  }
  rc = CS_ERR_NOMEM;
  r = calloc(1, sizeof(*r));
  if (r == NULL) goto done;
  r->source = strdup(source);
  r->conninfo = strdup(conninfo);
  size_t len = strlen(BUS_CHANNEL_PREFIX) + strlen(source) + 1;
  r->channel = malloc(len);
  if (r->source == NULL || r->conninfo == NULL || r->channel == NULL) {
    goto done;
  }
  snprintf(r->channel, len, "%s%s", BUS_CHANNEL_PREFIX, source);
  r->redis_at = redis;
  r->auth = auth;
  r->retention = retention;
  r->poll_ms = poll_ms > 0 ? poll_ms : 1000;
  r->pg_backoff = BUS_BACKOFF_MIN_MS;
  r->redis_backoff = BUS_BACKOFF_MIN_MS;
  if ((rc = bus_worker_start(&r->worker, relay_main, r)) != CS_OK) goto done;
  *out = r;
  r = NULL;
  rc = CS_OK;
done:
  relay_free(r);
  return rc;
}

void bus_relay_stop(struct bus_relay *relay) { relay_free(relay); /* stops the thread first */ }
