/* Rate-limit buckets shared by every gateway replica: each bucket's TAT (rate_limit.h) kept in
 * Redis under claimsuite:ratelimit:<key>, and GCRA done there atomically by one Lua script
 * (EVALSHA; loaded on each new connection and again on NOSCRIPT) on Redis's own clock, so the
 * replicas' clocks need not agree. A key lives as long as its bucket takes to be full again
 * (PX): a quiet caller costs Redis nothing.
 *
 * Redis must be neither the gateway's single point of failure nor its bottleneck: a small pool
 * of connections (a request holds one for one round trip; the lock only hands them out), a short
 * timeout on every connect and command and on the wait for a free connection, and after a
 * failure Redis is left alone for a backoff (250 ms doubling to 8 s), then tried by one request
 * while the others go on without it: never a new connection per request. While Redis cannot
 * answer, gw_rate_redis_take says so at once and the caller judges by its own table.
 *
 * The Redis user needs, besides +@connection: +evalsha +script|load on ~claimsuite:ratelimit:*,
 * and for the script itself +get +set +time. */
#ifndef CLAIMSUITE_GATEWAY_RATE_LIMIT_REDIS_H
#define CLAIMSUITE_GATEWAY_RATE_LIMIT_REDIS_H

#include <stddef.h>

#include "rate_limit.h"

#define GW_RATE_REDIS_PREFIX "claimsuite:ratelimit:"

struct gw_rate_redis;

struct gw_rate_redis_settings {
  const char *host;
  int port;
  const char *user;     /* NULL: AUTH with the password only */
  const char *password; /* NULL: no AUTH */
  long timeout_ms;      /* each connect, each command, the wait for a free connection */
  long connections;     /* the pool's size */
};

/* Copies s (no connection is made yet: each is made when first used). *out is new. CS_OK or
 * CS_ERR_NOMEM. */
int gw_rate_redis_new(const struct gw_rate_redis_settings *s, struct gw_rate_redis **out);
/* NULL-safe. Closes the connections: no take may be running. */
void gw_rate_redis_free(struct gw_rate_redis *r);

/* Charges one request of key (len bytes, binary-safe) against its shared bucket, as
 * gw_rate_take does. CS_OK with *v set, or CS_ERR_UNAVAILABLE when Redis did not judge it
 * (unreachable, timed out, refused, backing off after such a failure, or no connection came
 * free within the timeout): *v is untouched and the caller decides. Any thread; waits at most about
 * the timeout for a free connection, then a round trip. */
int gw_rate_redis_take(struct gw_rate_redis *r, const void *key, size_t len, long per_minute,
                       long burst, struct gw_rate_verdict *v);

/* Redis failures so far (connects, commands, unexpected replies). */
long gw_rate_redis_errors(struct gw_rate_redis *r);

#endif
