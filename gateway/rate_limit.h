/* Token buckets kept as GCRA (the generic cell rate algorithm): per key one number, the
 * theoretical arrival time (TAT) of the next request, in a fixed-size table in this process.
 * A bucket holds burst requests and refills at limit per minute. The table never grows: keys
 * that have been quiet long enough to be full again are free slots, and when a key finds no slot
 * it takes the one that will be full soonest (that key starts over with a full bucket: the table
 * forgets the least active callers first). Thread-safe (one lock per stripe of the table). */
#ifndef CLAIMSUITE_GATEWAY_RATE_LIMIT_H
#define CLAIMSUITE_GATEWAY_RATE_LIMIT_H

#include <stddef.h>
#include <stdint.h>

struct gw_rate_table;

struct gw_rate_verdict {
  int allowed;        /* 1: take the request */
  long remaining;     /* requests still allowed right now, after this one */
  long reset_s;       /* seconds until the bucket is full again (RateLimit t=) */
  long retry_after_s; /* refused: seconds until one request will be allowed (>= 1) */
};

/* A table of about slots keys. *out is new. CS_OK or CS_ERR_NOMEM. */
int gw_rate_table_new(size_t slots, struct gw_rate_table **out);
void gw_rate_table_free(struct gw_rate_table *t); /* NULL-safe */

/* Charges one request of key (len bytes) against a bucket of burst requests refilled at
 * per_minute requests per minute, at now_ns (a monotonic clock). A refused request costs
 * nothing. per_minute and burst are > 0. */
void gw_rate_take(struct gw_rate_table *t, const void *key, size_t len, long per_minute, long burst,
                  int64_t now_ns, struct gw_rate_verdict *v);

/* The verdict of GCRA for a bucket whatever keeps its TAT (this table, or Redis:
 * rate_limit_redis.h), in a unit of which per_s make a second: allowed, and ahead = how far the
 * TAT is ahead of now after the decision (taken: with this request in it; refused: unchanged,
 * nothing is charged). interval = one request's worth of refill, capacity = burst of them. */
void gw_rate_verdict_set(struct gw_rate_verdict *v, int allowed, int64_t ahead, int64_t interval,
                         int64_t capacity, int64_t per_s);

#endif
