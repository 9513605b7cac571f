/* GCRA token buckets in a fixed table (see rate_limit.h). */
#include "rate_limit.h"

#include <pthread.h>
#include <stdlib.h>

#include "status.h"

#define STRIPES 64
#define PROBE 8 /* slots a key may sit in, from its hash on: a bounded search */
#define NS_PER_S 1000000000LL

struct slot {
  uint64_t key; /* a 64-bit hash of the key; 0: free */
  int64_t tat;  /* when the bucket is full again (ns) */
};

struct stripe {
  pthread_mutex_t lock;
  struct slot *slots;
};

struct gw_rate_table {
  size_t per_stripe;
  struct stripe stripes[STRIPES];
};

/* FNV-1a, 64 bits: keys are subjects and addresses, not chosen to collide with each other's
 * hashes in a table that only counts requests */
static uint64_t hash_key(const void *key, size_t len) {
  const unsigned char *p = key;
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < len; i++) h = (h ^ p[i]) * 1099511628211ULL;
  return h != 0 ? h : 1;
}

int gw_rate_table_new(size_t slots, struct gw_rate_table **out) {
  struct gw_rate_table *t = calloc(1, sizeof(*t));
  if (t == NULL) return CS_ERR_NOMEM;
  t->per_stripe = slots / STRIPES < PROBE ? PROBE : slots / STRIPES;
  for (int i = 0; i < STRIPES; i++) {
    pthread_mutex_init(&t->stripes[i].lock, NULL);
    t->stripes[i].slots = calloc(t->per_stripe, sizeof(struct slot));
    if (t->stripes[i].slots == NULL) {
      gw_rate_table_free(t);
      return CS_ERR_NOMEM;
    }
  }
  *out = t;
  return CS_OK;
}

void gw_rate_table_free(struct gw_rate_table *t) {
  if (t == NULL) return;
  for (int i = 0; i < STRIPES; i++) {
    free(t->stripes[i].slots);
    pthread_mutex_destroy(&t->stripes[i].lock);
  }
  free(t);
}

/* The slot of h in s: its own, else a free one, else the one full soonest (a key whose bucket
 * is full again is as good as free). */
static struct slot *find_slot(struct gw_rate_table *t, struct stripe *s, uint64_t h, int64_t now) {
  struct slot *victim = NULL;
  size_t start = (size_t)(h >> 6) % t->per_stripe;
  for (size_t i = 0; i < PROBE; i++) {
    struct slot *sl = &s->slots[(start + i) % t->per_stripe];
    if (sl->key == h) return sl;
    if (victim == NULL || sl->key == 0 || (victim->key != 0 && sl->tat < victim->tat)) victim = sl;
  }
  victim->key = h;
  if (victim->tat > now) victim->tat = now; /* taken from a live key: h starts full */
  return victim;
}

void gw_rate_take(struct gw_rate_table *t, const void *key, size_t len, long per_minute, long burst,
                  int64_t now_ns, struct gw_rate_verdict *v) {
  uint64_t h = hash_key(key, len);
  struct stripe *s = &t->stripes[h % STRIPES];
  /* emission interval: one request's worth of refill; the bucket holds burst of them */
  int64_t interval = 60 * NS_PER_S / per_minute, capacity = interval * burst;
  pthread_mutex_lock(&s->lock);
  struct slot *sl = find_slot(t, s, h, now_ns);
  int64_t tat = sl->tat > now_ns ? sl->tat : now_ns;
  int64_t next = tat + interval; /* the TAT once this request is taken */
  int allowed = next - now_ns <= capacity;
  if (allowed) sl->tat = next;
  pthread_mutex_unlock(&s->lock);
  gw_rate_verdict_set(v, allowed, (allowed ? next : tat) - now_ns, interval, capacity, NS_PER_S);
}

void gw_rate_verdict_set(struct gw_rate_verdict *v, int allowed, int64_t ahead, int64_t interval,
                         int64_t capacity, int64_t per_s) {
  if (ahead < 0) ahead = 0;
  v->allowed = allowed;
  v->reset_s = (long)((ahead + per_s - 1) / per_s);
  if (allowed) {
    v->remaining = ahead < capacity ? (long)((capacity - ahead) / interval) : 0;
    v->retry_after_s = 0;
  } else {
    /* one more request fits once the TAT plus its interval is within the capacity again */
    int64_t wait = ahead + interval - capacity;
    v->remaining = 0;
    v->retry_after_s = wait > 0 ? (long)((wait + per_s - 1) / per_s) : 1;
    if (v->retry_after_s < 1) v->retry_after_s = 1;
  }
}
