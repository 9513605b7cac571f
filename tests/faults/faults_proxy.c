#define _GNU_SOURCE /* accept4 */
/* A TCP proxy that can cut its upstream off (see faults.h). One thread accepts; one thread per
 * connection moves bytes both ways. Cut, a connection's thread moves nothing: what the peers
 * send stays in the kernel's buffers, as on a network that drops packets, and flows again (late)
 * when the cut ends, unless a peer gave up and closed first. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "faults.h"

struct fp {
  int listener, port, target_port;
  atomic_int cut, stopping, live; /* live: connection threads still running */
  pthread_t acceptor;
};

struct conn {
  struct fp *p;
  int client;
};

static int connect_target(int port) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
    close(fd);
    fd = -1;
  }
  return fd;
}

/* Copies what from has to to; 0 while both stay open. */
static int move_bytes(int from, int to) {
  char buf[16384];
  ssize_t n = read(from, buf, sizeof(buf));
  if (n <= 0) return -1;
  for (ssize_t off = 0; off < n;) {
    ssize_t w = write(to, buf + off, (size_t)(n - off));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    off += w;
  }
  return 0;
}

static void *pump(void *arg) {
  struct conn *c = arg;
  struct fp *p = c->p;
  int upstream = -1;
  while (!atomic_load(&p->stopping)) {
    if (atomic_load(&p->cut)) { /* the network is gone: nothing moves, nothing is refused */
      usleep(20000);
      continue;
    }
    if (upstream < 0 && (upstream = connect_target(p->target_port)) < 0) break;
    struct pollfd fds[2] = {{c->client, POLLIN, 0}, {upstream, POLLIN, 0}};
    if (poll(fds, 2, 50) < 0 && errno != EINTR) break;
    if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) && move_bytes(c->client, upstream) != 0)
      break;
    if ((fds[1].revents & (POLLIN | POLLHUP | POLLERR)) && move_bytes(upstream, c->client) != 0)
      break;
  }
  close(c->client);
  if (upstream >= 0) close(upstream);
  free(c);
  atomic_fetch_sub(&p->live, 1);
  return NULL;
}

static void *accept_loop(void *arg) {
  struct fp *p = arg;
  for (;;) {
    int fd = accept4(p->listener, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
      if (atomic_load(&p->stopping)) return NULL;
      if (errno == EINTR || errno == ECONNABORTED) continue;
      usleep(10000);
      continue;
    }
    struct conn *c = malloc(sizeof(*c));
    pthread_t t;
    c->p = p;
    c->client = fd;
    atomic_fetch_add(&p->live, 1);
    if (pthread_create(&t, NULL, pump, c) != 0) {
      atomic_fetch_sub(&p->live, 1);
      close(fd);
      free(c);
      continue;
    }
    pthread_detach(t);
  }
}

struct fp *fp_start(int target_port) {
  struct fp *p = calloc(1, sizeof(*p));
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
  socklen_t len = sizeof(a);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  p->target_port = target_port;
  p->listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (p->listener < 0 || bind(p->listener, (struct sockaddr *)&a, sizeof(a)) != 0 ||
      listen(p->listener, 128) != 0 || getsockname(p->listener, (struct sockaddr *)&a, &len) != 0 ||
      pthread_create(&p->acceptor, NULL, accept_loop, p) != 0) {
    if (p->listener >= 0) close(p->listener);
    free(p);
    return NULL;
  }
  p->port = ntohs(a.sin_port);
  return p;
}

int fp_port(const struct fp *p) { return p->port; }

void fp_cut(struct fp *p, int cut) { atomic_store(&p->cut, cut); }

void fp_stop(struct fp *p) {
  if (p == NULL) return;
  atomic_store(&p->stopping, 1);
  shutdown(p->listener, SHUT_RDWR); /* wakes accept() */
  pthread_join(p->acceptor, NULL);
  close(p->listener);
  while (atomic_load(&p->live) > 0) usleep(10000);
  free(p);
}
