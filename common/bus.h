/* The event bus of DESIGN.md: transactional outbox, relay to Redis pub/sub, consumers with
 * per-source offsets applied in the same transaction, catch-up from the producers' feeds. */
#ifndef CLAIMSUITE_BUS_H
#define CLAIMSUITE_BUS_H

#include <jansson.h>
#include <libpq-fe.h>
#include <pthread.h>

struct db_pool;
struct service_auth;
struct redisContext;

/* Where the bus's Redis is and who the services are to it (config.h: REDIS_HOST, REDIS_PORT,
 * REDIS_USER, REDIS_PASSWORD). Strings borrowed. */
struct bus_redis {
  const char *host;
  int port;
  const char *user;
  const char *password;
};
/* A connection to r, authenticated (AUTH user password), with the timeouts given; NULL on
 * failure, with why in err. */
struct redisContext *bus_redis_connect(const struct bus_redis *r, long connect_ms, long io_ms,
                                       char *err, size_t errlen);

/* Redis channel of a source: "claimsuite.events.<source>". A message on it is an envelope's (or
 * a heartbeat's) JSON text after its signature and a space (bus_message_sign): whoever may
 * PUBLISH, only what a relay of this deployment signed is ever heard. */
#define BUS_CHANNEL_PREFIX "claimsuite.events."

/* Adds an event to the outbox inside the caller's open transaction: it exists only if that
 * transaction commits; the relay finds it within OUTBOX_POLL_MS (it also wakes on a NOTIFY on
 * channel "claimsuite_outbox_<schema>", which only rare writers send: see bus_outbox.c).
 * type, aggregate_id and data are required; data (any JSON) is borrowed; portal_id (a uuid)
 * may be NULL. The insert goes out with the transaction's next statement or its commit
 * (db_exec_later), so a failure of it fails that one. CS_OK, CS_ERR_INVALID or CS_ERR_DB (the
 * caller rolls back). */
int bus_outbox_add(PGconn *conn, const char *type, const char *portal_id,
                   const char *aggregate_id, const json_t *data);

/* The relay: one thread publishing committed outbox rows in seq order, retrying with backoff
 * while Redis is away, and a heartbeat {"type":"heartbeat","source","head"} every
 * BUS_HEARTBEAT_MS once all is published (head: the newest seq published), by which consumers
 * know how current they are. source is the service name (its schema's events). It opens its own
 * connection with conninfo; of several instances of a service only the one holding the advisory
 * lock "claimsuite_relay.<schema>" relays, the others stand by. poll_ms: the wake-up when no
 * notification comes. Every message is signed with auth. Every retention->check_s it purges
 * (bus_retention_purge). Strings are copied; redis, auth and retention are borrowed and must
 * outlive the relay. *out is new; stop it with bus_relay_stop. */
#define BUS_HEARTBEAT_MS 1000LL
struct bus_relay;
/* How long stored things are kept (config.h: OUTBOX_RETENTION_SECONDS,
 * IDEMPOTENCY_RETENTION_SECONDS) and how often the relay purges (RETENTION_CHECK_SECONDS). */
struct bus_retention {
  long long outbox_s, idempotency_s, check_s;
};
int bus_relay_start(const char *source, const char *conninfo, const struct bus_redis *redis,
                    const struct service_auth *auth, const struct bus_retention *retention,
                    long poll_ms, struct bus_relay **out);
void bus_relay_stop(struct bus_relay *relay); /* joins the thread; NULL-safe */

/* The feed behind GET /internal/events?after=SEQ&limit=N: envelopes with seq > after, in
 * order (only events the relay has numbered). after >= 0, 1 <= limit <= 1000, else
 * CS_ERR_INVALID. *items is a new array. Up to bus_feed_purged_through, seqs may be missing:
 * retention deleted them. */
int bus_feed_read(PGconn *conn, const char *source, long long after, int limit, json_t **items);
int bus_feed_purged_through(PGconn *conn, long long *seq);

/* Deletes (in batches) the stored Idempotency-Key answers older than r->idempotency_s and the
 * published outbox rows that occurred more than r->outbox_s ago, but never the newest row nor the
 * newest fact ("fact.*") of an entity (aggregate_id); moves purged_through up (migrations/0002).
 * What was deleted goes into *outbox_rows and *keys. */
int bus_retention_purge(PGconn *conn, const struct bus_retention *r, long *outbox_rows, long *keys);

/* Outbox lag for /metrics: rows not yet published and the age in seconds of the oldest one. */
int bus_outbox_lag(PGconn *conn, long long *pending, double *oldest_age_s);

/* Applies one event inside the consumer's transaction; non-zero rolls it back (and retries). */
typedef int (*bus_apply_fn)(PGconn *conn, const json_t *event, void *arg);

/* Called on the consumer's thread once an applied event's transaction has committed (what
 * apply changed is visible to everyone now): where caches of it are dropped. */
typedef void (*bus_committed_fn)(const json_t *event, void *arg);

/* A consumer of one source: subscribes, applies each event exactly once with the offset in the
 * same transaction, catches up from feed_url (the producer's base URL, http or https) at start,
 * on a gap or a heartbeat ahead of its offset, after every reconnect, after a failed apply
 * (backoff), every 5 s while idle and every second while Redis is away. apply runs on the
 * consumer's thread with a pooled connection inside the transaction, then committed (may be
 * NULL) after the commit; arg is passed to both. Only messages signed with auth are heard, and
 * the feed is read with a service token of auth for source. Strings are copied; pool, redis and
 * auth are borrowed and must outlive the consumer. *out is new; stop it with bus_consumer_stop. */
struct bus_consumer;
int bus_consumer_start(struct db_pool *pool, const char *source, const char *feed_url,
                       const struct bus_redis *redis, const struct service_auth *auth,
                       bus_apply_fn apply, bus_committed_fn committed, void *arg,
                       struct bus_consumer **out);
/* How old, in ms, what the consumer has applied may be: the time since it last knew it had
 * everything its producer had published (a heartbeat at its offset, a catch-up to the feed's
 * end). -1 before the first time. Any thread. */
long long bus_consumer_age_ms(struct bus_consumer *consumer);
void bus_consumer_stop(struct bus_consumer *consumer); /* joins the thread; NULL-safe */

/* The offset stored for source (0 when none). */
int bus_consumer_offset(PGconn *conn, const char *source, long long *seq);

/* --- Envelopes (shared by the relay, the feed and the consumer; pure, unit-tested). --- */

/* The outbox columns an envelope is made of, in the order bus_envelope_from_row reads them:
 * id, seq, type, portal_id, aggregate_id, occurred_at (RFC 3339 UTC text), data (jsonb text). */
#define BUS_ENVELOPE_COLUMNS                                                                  \
  "id, seq, type, portal_id, aggregate_id, "                                                 \
  "to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), data"

/* {"id","source","seq","type","portal_id","aggregate_id","occurred_at","data"}. Every string is
 * borrowed (portal_id may be NULL: JSON null); data_json is the payload as JSON text.
 * *out is new. CS_ERR_INVALID when a field is missing or data_json is not JSON. */
int bus_envelope_new(const char *id, const char *source, long long seq, const char *type,
                     const char *portal_id, const char *aggregate_id, const char *occurred_at,
                     const char *data_json, json_t **out);

/* The envelope of row of res, a result of "SELECT " BUS_ENVELOPE_COLUMNS. *out is new. */
int bus_envelope_from_row(const PGresult *res, int row, const char *source, json_t **out);

/* The message carrying text (an envelope or a heartbeat, JSON) on a channel: its signature, a
 * space, text. *message is new (free()). CS_OK, CS_ERR_NOMEM or CS_ERR. */
int bus_message_sign(const struct service_auth *auth, const char *text, char **message);
/* The JSON a message carries if a relay of this deployment signed it (*out new), else
 * CS_ERR_INVALID (unsigned, signed otherwise, not JSON). */
int bus_message_open(const struct service_auth *auth, const char *message, size_t len,
                     json_t **out);
/* Checks an envelope received from Redis or a feed (an object with string id, source, type,
 * aggregate_id, occurred_at, an integer seq >= 1 and a data member) and gives its seq.
 * event is borrowed. CS_OK or CS_ERR_INVALID. */
int bus_envelope_seq(const json_t *event, long long *seq);

/* --- Helpers of the bus threads (bus_relay.c, bus_consumer.c), also for a service's own
 * background thread (a schedule) that must stop promptly. --- */

/* Reconnect backoff: BUS_BACKOFF_MIN_MS doubling up to BUS_BACKOFF_MAX_MS. */
#define BUS_BACKOFF_MIN_MS 100L
#define BUS_BACKOFF_MAX_MS 5000L
long bus_backoff_next(long current_ms);

/* A monotonic clock in milliseconds. */
long long bus_now_ms(void);

/* A stop flag a thread can sleep on: bus_waker_stop wakes every bus_waker_wait at once (a
 * self-pipe), so threads stop promptly even in a long backoff. *out is new. */
struct bus_waker;
int bus_waker_new(struct bus_waker **out);
void bus_waker_free(struct bus_waker *w); /* NULL-safe */
void bus_waker_stop(struct bus_waker *w);  /* any thread */
int bus_waker_stopped(struct bus_waker *w); /* 1 once bus_waker_stop was called */
/* Waits up to timeout_ms for fd (-1: none) to be ready for events (POLLIN/POLLOUT) or for a
 * stop. Returns 1 when fd is ready, 0 on timeout or stop, CS_ERR when poll failed. */
int bus_waker_wait(struct bus_waker *w, int fd, short events, long timeout_ms);

/* The background thread of a relay or a consumer, with the waker that stops it. */
struct bus_worker {
  struct bus_waker *waker; /* the thread's stop flag; NULL until started */
  pthread_t thread;
  int started;
};
/* Creates the waker and runs main(arg) on a new thread. CS_OK, or CS_ERR with nothing left
 * running (the waker may exist: bus_worker_stop frees it). */
int bus_worker_start(struct bus_worker *w, void *(*main)(void *), void *arg);
/* Stops the thread (waking it from any wait), joins it and frees the waker. Idempotent. */
void bus_worker_stop(struct bus_worker *w);

#endif
