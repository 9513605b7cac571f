/* The shared connections to the upstreams (see upstream_pool.h). */
#include "upstream_pool.h"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

/* Idle connections kept per upstream: enough for a burst's worth of requests to find one. */
#define IDLE_KEPT 64

struct idle {
  int fd;
  long long since_ms;
};

static struct pool {
  pthread_mutex_t lock;
  pthread_cond_t freed; /* a place was given up or a connection went idle */
  long open;            /* connections open (idle, in use, streaming) and places kept */
  int nidle;
  struct idle idle[IDLE_KEPT]; /* a stack: the most recently used is taken first */
} pools[GW_UP_COUNT];
static long max_open_per_upstream = 1;

void gw_pool_init(long max_open) {
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  for (int i = 0; i < GW_UP_COUNT; i++) {
    pthread_mutex_init(&pools[i].lock, NULL);
    pthread_cond_init(&pools[i].freed, &attr);
    pools[i].open = 0;
    pools[i].nidle = 0;
  }
  pthread_condattr_destroy(&attr);
  max_open_per_upstream = max_open > 0 ? max_open : 1;
}

void gw_pool_cleanup(void) {
  for (int i = 0; i < GW_UP_COUNT; i++) {
    struct pool *p = &pools[i];
    while (p->nidle > 0) close(p->idle[--p->nidle].fd);
    p->open = 0;
    pthread_cond_destroy(&p->freed);
    pthread_mutex_destroy(&p->lock);
  }
}

int gw_pool_take(int upstream, long long deadline_ms, int *fd, long long *idle_since_ms) {
  struct pool *p = &pools[upstream];
  struct timespec until = {deadline_ms / 1000, (deadline_ms % 1000) * 1000000};
  int got = -1;
  pthread_mutex_lock(&p->lock);
  for (;;) {
    if (p->nidle > 0) {
      struct idle *top = &p->idle[--p->nidle];
      *fd = top->fd;
      *idle_since_ms = top->since_ms;
      got = 1;
      break;
    }
    if (p->open < max_open_per_upstream) {
      p->open++;
      *fd = -1;
      got = 0;
      break;
    }
    if (pthread_cond_timedwait(&p->freed, &p->lock, &until) != 0) break; /* timed out */
  }
  pthread_mutex_unlock(&p->lock);
  return got;
}

void gw_pool_put(int upstream, int fd, long long now_ms) {
  struct pool *p = &pools[upstream];
  pthread_mutex_lock(&p->lock);
  if (p->nidle < IDLE_KEPT) {
    p->idle[p->nidle++] = (struct idle){fd, now_ms};
    fd = -1;
  } else {
    p->open--;
  }
  pthread_cond_signal(&p->freed);
  pthread_mutex_unlock(&p->lock);
  if (fd >= 0) close(fd);
}

void gw_pool_drop(int upstream, int fd) {
  struct pool *p = &pools[upstream];
  if (fd >= 0) close(fd);
  pthread_mutex_lock(&p->lock);
  p->open--;
  pthread_cond_signal(&p->freed);
  pthread_mutex_unlock(&p->lock);
}
