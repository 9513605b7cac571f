/* What the bus threads share: a stop flag they can sleep on, a monotonic clock, the backoff. */
#define _GNU_SOURCE /* pipe2 */
#include "bus.h"
#include "deadline.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "status.h"

struct bus_waker {
  int fds[2]; /* self-pipe: a byte on fds[1] wakes every poll on fds[0] */
  atomic_int stopped;
};

long bus_backoff_next(long current_ms) {
  if (current_ms < BUS_BACKOFF_MIN_MS) return BUS_BACKOFF_MIN_MS;
  return current_ms >= BUS_BACKOFF_MAX_MS / 2 ? BUS_BACKOFF_MAX_MS : current_ms * 2;
}

long long bus_now_ms(void) { return deadline_now_ms(); }

int bus_waker_new(struct bus_waker **out) {
  struct bus_waker *w = calloc(1, sizeof(*w));
  if (w == NULL) return CS_ERR_NOMEM;
  if (pipe2(w->fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    free(w);
    return CS_ERR;
  }
  atomic_init(&w->stopped, 0);
  *out = w;
  return CS_OK;
}

void bus_waker_free(struct bus_waker *w) {
  if (w == NULL) return;
  close(w->fds[0]);
  close(w->fds[1]);
  free(w);
}

void bus_waker_stop(struct bus_waker *w) {
  atomic_store(&w->stopped, 1);
  ssize_t n;
  do {
    n = write(w->fds[1], "x", 1);
  } while (n < 0 && errno == EINTR);
  /* EAGAIN: the pipe is full, so it is readable already. */
}

int bus_waker_stopped(struct bus_waker *w) { return atomic_load(&w->stopped); }

int bus_waker_wait(struct bus_waker *w, int fd, short events, long timeout_ms) {
  if (bus_waker_stopped(w)) return 0;
  if (timeout_ms < 0) timeout_ms = 0;
  struct pollfd p[2] = {{.fd = w->fds[0], .events = POLLIN}, {.fd = fd, .events = events}};
  int n = poll(p, fd >= 0 ? 2 : 1, (int)timeout_ms);
  if (n < 0) return errno == EINTR ? 0 : CS_ERR;
  /* The pipe is never drained: once stopped, every later wait returns at once. */
  if (p[0].revents != 0) return 0;
  return fd >= 0 && p[1].revents != 0 ? 1 : 0;
}

int bus_worker_start(struct bus_worker *w, void *(*main)(void *), void *arg) {
  if (bus_waker_new(&w->waker) != CS_OK) return CS_ERR;
  if (pthread_create(&w->thread, NULL, main, arg) != 0) return CS_ERR;
  w->started = 1;
  return CS_OK;
}

void bus_worker_stop(struct bus_worker *w) {
  if (w->started) {
    bus_waker_stop(w->waker);
    pthread_join(w->thread, NULL);
    w->started = 0;
  }
  bus_waker_free(w->waker);
  w->waker = NULL;
}
