/* The gateway's edge (edge.h): an acceptor thread, and threads that move bytes between each
 * client and its socket pair to the HTTP server, each with its own epoll. A connection belongs
 * to one mover thread for its whole life. */
#define _GNU_SOURCE /* accept4, pipe2 */
#include "edge.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http_server.h"
#include "log.h"
#include "problem.h"
#include "request_id.h"
#include "status.h"

#define READ_CHUNK 65536
#define PENDING_MAX (1024 * 1024) /* a direction stops reading while this much waits */
#define TICK_MS 200               /* how often head deadlines are looked at */
#define MOVERS_MAX 16
#define LINGER_MS 2000 /* after a refusal, what the client still sends is read and dropped */

struct conn;
struct end {
  struct conn *c;
  int client; /* 1: the client's socket, 0: the server's end of the pair */
};

struct buf {
  char *data;
  size_t len, cap, off; /* [off, len) waits to be written */
};

struct conn {
  struct end client_end, server_end;
  int client_fd, server_fd;
  struct http_frame frame;
  struct buf to_server, to_client;
  long long head_since; /* when the current head began, 0: none */
  int refused;          /* the status to answer once the server is done, 0: none */
  const char *detail;
  int server_done;        /* the server closed its end */
  int client_eof;         /* the client is done sending */
  long long linger_until; /* refused and answered: reading what the client still sends */
  int closing;            /* close once to_client is written */
  struct conn *next;      /* the mover's list, or its dead */
  int dead;               /* dropped: freed once the events read with it are handled */
  unsigned client_events, server_events; /* what epoll watches now on each end */
};

struct mover {
  struct gw_edge *edge;
  int epfd;
  pthread_t thread;
  pthread_mutex_t lock; /* guards the list (the acceptor adds) */
  struct conn *conns;
  struct conn *dead; /* dropped in this round of events: both its ends may still be in it */
};

struct gw_edge {
  struct gw_edge_settings s;
  struct http_server *srv;
  int listen_fd, port;
  int accept_stop[2]; /* wakes the acceptor */
  int stop_pipe[2];   /* wakes the movers */
  pthread_t acceptor;
  int acceptor_running;
  atomic_int stopping;
  int nmovers;
  struct mover movers[MOVERS_MAX];
  atomic_uint next_mover;
};

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- a connection ---------------------------------------------------------------------------- */

/* Before n more bytes are appended: what was written already makes room first, so a buffer
 * stays about PENDING_MAX long however much passes through while it never quite empties (a
 * big upload or download). */
static void buf_make_room(struct buf *b, size_t n) {
  if (b->off == 0 || b->len + n <= b->cap) return;
  memmove(b->data, b->data + b->off, b->len - b->off);
  b->len -= b->off;
  b->off = 0;
}

static int buf_add(struct buf *b, const char *p, size_t n) {
  buf_make_room(b, n);
  if (b->len + n > b->cap) {
    size_t want = b->cap ? b->cap : 4096;
    while (want < b->len + n) want *= 2;
    char *grown = realloc(b->data, want);
    if (grown == NULL) return CS_ERR_NOMEM;
    b->data = grown;
    b->cap = want;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
  return CS_OK;
}

static size_t buf_pending(const struct buf *b) { return b->len - b->off; }

/* Writes what waits in b to fd. 0, or -1 when the peer is gone. */
static int buf_flush(struct buf *b, int fd) {
  while (buf_pending(b) > 0) {
    ssize_t w = send(fd, b->data + b->off, buf_pending(b), MSG_NOSIGNAL);
    if (w < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
    b->off += (size_t)w;
  }
  b->off = b->len = 0;
  if (b->cap > READ_CHUNK) { /* a large body passed: an idle connection keeps no big buffer */
    free(b->data);
    b->data = NULL;
    b->cap = 0;
  }
  return 0;
}

static void conn_free(struct conn *c) {
  close(c->client_fd);
  close(c->server_fd);
  http_frame_free(&c->frame);
  free(c->to_server.data);
  free(c->to_client.data);
  free(c);
}

static enum problem_kind kind_of(int status) {
  switch (status) {
    case 400: return PROBLEM_BAD_REQUEST;
    case 408: return PROBLEM_REQUEST_TIMEOUT;
    case 413: return PROBLEM_BODY_TOO_LARGE;
    case 414: return PROBLEM_URI_TOO_LONG;
    case 431: return PROBLEM_HEADERS_TOO_LARGE;
    case 501: return PROBLEM_NOT_IMPLEMENTED;
    case 505: return PROBLEM_HTTP_VERSION;
    default: return PROBLEM_INTERNAL;
  }
}

/* The refused request's X-Request-Id when it has a good one (its head was complete), else a new
 * one: every answer carries one, as the server's do. */
static void refused_request_id(const struct http_frame *f, char out[REQUEST_ID_MAX + 1]) {
  static const char name[] = "\r\nX-Request-Id:";
  const char *head = f->head, *end = f->head + f->last_head_len;
  for (const char *p = head; f->last_head_len > 0 && p + sizeof(name) - 1 < end; p++) {
    if (strncasecmp(p, name, sizeof(name) - 1) != 0) continue;
    const char *v = p + sizeof(name) - 1, *eol = memchr(v, '\r', (size_t)(end - v));
    while (v < eol && (*v == ' ' || *v == '\t')) v++;
    while (eol > v && (eol[-1] == ' ' || eol[-1] == '\t')) eol--;
    if (eol - v <= REQUEST_ID_MAX) {
      snprintf(out, REQUEST_ID_MAX + 1, "%.*s", (int)(eol - v), v);
      if (request_id_valid(out)) return;
    }
    break;
  }
  request_id_new(out);
}

/* The one answer to a refused request, after the server's answers to those before it. */
static void answer_refusal(struct conn *c) {
  const struct problem_type *t = problem_type_of(kind_of(c->refused));
  char body[512], head[512], rid[REQUEST_ID_MAX + 1];
  refused_request_id(&c->frame, rid);
  int n = snprintf(body, sizeof(body),
                   "{\"type\":\"" PROBLEM_TYPE_PREFIX
                   "%s\",\"title\":\"%s\",\"status\":%d,"
                   "\"detail\":\"%s\"}",
                   t->slug, t->title, t->status, c->detail != NULL ? c->detail : t->title);
  int h = snprintf(head, sizeof(head),
                   "HTTP/1.1 %d %s\r\nContent-Type: application/problem+json\r\n"
                   "Content-Length: %d\r\nX-Request-Id: %s\r\nConnection: close\r\n\r\n",
                   t->status, t->title, n, rid);
  if (buf_add(&c->to_client, head, (size_t)h) != CS_OK ||
      buf_add(&c->to_client, body, (size_t)n) != CS_OK)
    c->to_client.len = c->to_client.off; /* no memory: just close */
  c->closing = 1;
}

/* The client's request is refused. A refused head: what was released before still goes to the
 * server, then its end is shut for writing, so it answers those requests and closes; the
 * refusal follows. A refused body: the server has the request's head and waits for the rest,
 * which never comes; its end is closed now (it drops the request) and the refusal is the
 * answer. */
static void refuse(struct mover *m, struct conn *c, int status, const char *detail, int in_body) {
  if (c->refused) return;
  c->refused = status;
  c->detail = detail;
  log_info("edge: refused a request with %d: %s", status, detail);
  if (in_body && !c->server_done) {
    epoll_ctl(m->epfd, EPOLL_CTL_DEL, c->server_fd, NULL);
    shutdown(c->server_fd, SHUT_RDWR);
    c->server_done = 1;
    answer_refusal(c);
  }
}

static void watch(struct mover *m, struct conn *c) {
  struct epoll_event ce = {0}, se = {0};
  int server_writable = buf_pending(&c->to_server) > 0;
  if ((!c->refused && !c->closing && !c->client_eof && buf_pending(&c->to_server) < PENDING_MAX) ||
      c->linger_until)
    ce.events |= EPOLLIN;
  if (buf_pending(&c->to_client) > 0) ce.events |= EPOLLOUT;
  if (!c->server_done && !c->closing && buf_pending(&c->to_client) < PENDING_MAX)
    se.events |= EPOLLIN;
  if (server_writable && !c->server_done) se.events |= EPOLLOUT;
  ce.data.ptr = &c->client_end;
  se.data.ptr = &c->server_end;
  /* a system call only when what is watched changes: most events change nothing */
  if (ce.events != c->client_events && epoll_ctl(m->epfd, EPOLL_CTL_MOD, c->client_fd, &ce) == 0)
    c->client_events = ce.events;
  if (!c->server_done && se.events != c->server_events &&
      epoll_ctl(m->epfd, EPOLL_CTL_MOD, c->server_fd, &se) == 0)
    c->server_events = se.events;
}

/* 0, or -1 when the connection is over. */
static int from_client(struct mover *m, struct conn *c) {
  char in[READ_CHUNK];
  ssize_t n = recv(c->client_fd, in, sizeof(in), 0);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
  if (c->linger_until) return n == 0 ? -1 : 0; /* dropped: the answer was the refusal */
  /* gone in the middle of a body: that request can never end, nothing is left to answer. The
   * server's end is closed at once, so the server drops the request (and an upload's files) now:
   * a half-close that arrives with the last bytes can go unseen by libmicrohttpd (edge-triggered
   * epoll, a short read taken for "no more") until its idle timeout */
  if (n == 0 && c->frame.state != HTTP_FRAME_HEAD && c->frame.state != HTTP_FRAME_REFUSED)
    return -1;
  if (n == 0) { /* the client is done sending: the server answers what it has, then closes */
    c->client_eof = 1;
    if (buf_pending(&c->to_server) == 0) shutdown(c->server_fd, SHUT_WR);
    return 0;
  }
  buf_make_room(&c->to_server, (size_t)n);
  int status = http_frame_feed(&c->frame, in, (size_t)n, &c->to_server.data, &c->to_server.len,
                               &c->to_server.cap);
  if (status != 0) refuse(m, c, status, c->frame.detail, c->frame.refused_in_body);
  if (http_frame_in_head(&c->frame)) {
    if (c->head_since == 0) c->head_since = now_ms();
  } else {
    c->head_since = 0;
  }
  return 0;
}

/* 0, or -1 when the connection is over. */
static int from_server(struct mover *m, struct conn *c) {
  char in[READ_CHUNK];
  if (c->server_done) return 0;
  ssize_t n = recv(c->server_fd, in, sizeof(in), 0);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
  if (n == 0) {
    c->server_done = 1;
    epoll_ctl(m->epfd, EPOLL_CTL_DEL, c->server_fd, NULL); /* it would report the hangup forever */
    if (c->refused)
      answer_refusal(c);
    else
      c->closing = 1; /* the server closed (Connection: close, a timeout, a limit) */
    return 0;
  }
  return buf_add(&c->to_client, in, (size_t)n) == CS_OK ? 0 : -1;
}

/* Moves what can be moved; 0, or -1 when the connection is over. */
static int pump(struct conn *c) {
  if (!c->server_done && buf_flush(&c->to_server, c->server_fd) < 0) return -1;
  if ((c->refused || c->client_eof) && buf_pending(&c->to_server) == 0 && !c->server_done)
    shutdown(c->server_fd, SHUT_WR);
  if (buf_flush(&c->to_client, c->client_fd) < 0) return -1;
  if (!c->closing || buf_pending(&c->to_client) > 0) return 0;
  if (!c->refused) return -1;
  /* a lingering close (RFC 9112 section 9.6): a client still sending its body would otherwise
   * get a reset before it reads the refusal */
  if (!c->linger_until) {
    shutdown(c->client_fd, SHUT_WR);
    c->linger_until = now_ms() + LINGER_MS;
  }
  return 0;
}

static void drop(struct mover *m, struct conn *c) {
  if (c->dead) return;
  epoll_ctl(m->epfd, EPOLL_CTL_DEL, c->client_fd, NULL);
  epoll_ctl(m->epfd, EPOLL_CTL_DEL, c->server_fd, NULL);
  pthread_mutex_lock(&m->lock);
  for (struct conn **p = &m->conns; *p != NULL; p = &(*p)->next)
    if (*p == c) {
      *p = c->next;
      break;
    }
  pthread_mutex_unlock(&m->lock);
  c->dead = 1;
  c->next = m->dead;
  m->dead = c;
}

static void bury(struct mover *m) {
  while (m->dead != NULL) {
    struct conn *c = m->dead;
    m->dead = c->next;
    conn_free(c);
  }
}

/* Heads that began too long ago are refused with 408; lingering closes end. */
static void deadlines(struct mover *m) {
  long long now = now_ms();
  struct conn *over[256];
  size_t n = 0;
  pthread_mutex_lock(&m->lock);
  for (struct conn *c = m->conns; c != NULL; c = c->next) {
    if (c->linger_until && now >= c->linger_until) {
      if (n < sizeof(over) / sizeof(over[0])) over[n++] = c;
      continue;
    }
    if (c->refused || c->head_since == 0 || now - c->head_since < m->edge->s.head_deadline_ms)
      continue;
    refuse(m, c, 408, "the request head did not arrive in time", 0);
    if (pump(c) == 0) watch(m, c);
  }
  pthread_mutex_unlock(&m->lock);
  for (size_t i = 0; i < n; i++) drop(m, over[i]);
}

static void *mover_main(void *arg) {
  struct mover *m = arg;
  struct epoll_event ev[64];
  long long next_tick = now_ms() + TICK_MS;
  for (;;) {
    int n = epoll_wait(m->epfd, ev, 64, TICK_MS);
    if (atomic_load(&m->edge->stopping) == 2) break;
    for (int i = 0; i < n; i++) {
      struct end *end = ev[i].data.ptr;
      if (end == NULL) continue; /* the stop pipe */
      struct conn *c = end->c;
      int rc = 0;
      if (c->dead) continue;
      if (end->client && (ev[i].events & (EPOLLHUP | EPOLLERR)))
        rc = -1; /* the client is gone: its answers have nowhere to go */
      else if (ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
        rc = end->client ? from_client(m, c) : from_server(m, c);
      if (rc == 0) rc = pump(c);
      if (rc == 0)
        watch(m, c);
      else
        drop(m, c);
    }
    if (now_ms() >= next_tick) {
      deadlines(m);
      next_tick = now_ms() + TICK_MS;
    }
    bury(m);
  }
  bury(m);
  return NULL;
}

/* ---- accepting ------------------------------------------------------------------------------- */

static void hand_over(struct gw_edge *e, int client_fd, struct sockaddr_storage *addr,
                      socklen_t len) {
  int pair[2];
  struct conn *c = calloc(1, sizeof(*c));
  if (c == NULL || socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) != 0) {
    free(c);
    close(client_fd);
    return;
  }
  if (http_frame_init(&c->frame, &e->s.limits) != CS_OK ||
      http_server_add_connection(e->srv, pair[1], (struct sockaddr *)addr, len) != CS_OK) {
    /* refused (a limit): the server closed its end already */
    http_frame_free(&c->frame);
    free(c);
    close(pair[0]);
    close(client_fd);
    return;
  }
  c->client_fd = client_fd;
  c->server_fd = pair[0];
  c->client_end = (struct end){c, 1};
  c->server_end = (struct end){c, 0};
  struct mover *m = &e->movers[atomic_fetch_add(&e->next_mover, 1) % (unsigned)e->nmovers];
  pthread_mutex_lock(&m->lock);
  c->next = m->conns;
  m->conns = c;
  struct epoll_event ce = {.events = EPOLLIN, .data.ptr = &c->client_end};
  struct epoll_event se = {.events = EPOLLIN, .data.ptr = &c->server_end};
  c->client_events = c->server_events = EPOLLIN;
  /* the server's end first: the mover may take the client's first bytes at once, and wants to
   * watch the server's end for room then (a change to an end not added yet is lost: the
   * connection would stall with its first megabyte waiting) */
  epoll_ctl(m->epfd, EPOLL_CTL_ADD, c->server_fd, &se);
  epoll_ctl(m->epfd, EPOLL_CTL_ADD, c->client_fd, &ce);
  pthread_mutex_unlock(&m->lock);
}

static void *acceptor_main(void *arg) {
  struct gw_edge *e = arg;
  struct pollfd p[2] = {{e->listen_fd, POLLIN, 0}, {e->accept_stop[0], POLLIN, 0}};
  while (!atomic_load(&e->stopping)) {
    if (poll(p, 2, -1) < 0 && errno != EINTR) break;
    if (p[1].revents) break;
    if (!(p[0].revents & POLLIN)) continue;
    struct sockaddr_storage addr;
    socklen_t len = sizeof(addr);
    int fd = accept4(e->listen_fd, (struct sockaddr *)&addr, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE) usleep(10000); /* out of files: let some close */
      continue;
    }
    int one = 1; /* answers leave at once, not after Nagle's delay */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    hand_over(e, fd, &addr, len);
  }
  return NULL;
}

static int listen_on(struct gw_edge *e, char *err, size_t errlen) {
  struct sockaddr_storage ss;
  struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
  if (http_server_address(e->s.bind_address, e->s.port, &ss, err, errlen) != CS_OK) return CS_ERR;
  socklen_t len = ss.ss_family == AF_INET6 ? sizeof(*in6) : sizeof(*in4);
  int one = 1, zero = 0;
  e->listen_fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (e->listen_fd < 0) goto fail;
  setsockopt(e->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (ss.ss_family == AF_INET6) /* "::" takes IPv4 too */
    setsockopt(e->listen_fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
  if (bind(e->listen_fd, (struct sockaddr *)&ss, len) != 0 || listen(e->listen_fd, 1024) != 0)
    goto fail;
  getsockname(e->listen_fd, (struct sockaddr *)&ss, &len);
  e->port = ntohs(ss.ss_family == AF_INET6 ? in6->sin6_port : in4->sin_port);
  return CS_OK;
fail:
  snprintf(err, errlen, "cannot listen on %s:%ld: %s", e->s.bind_address, e->s.port,
           strerror(errno));
  return CS_ERR;
}

int gw_edge_start(const struct gw_edge_settings *s, struct http_server *srv, struct gw_edge **out,
                  char *err, size_t errlen) {
  struct gw_edge *e = calloc(1, sizeof(*e));
  *out = NULL;
  if (e == NULL) return CS_ERR_NOMEM;
  e->s = *s;
  e->srv = srv;
  e->listen_fd = e->stop_pipe[0] = e->stop_pipe[1] = e->accept_stop[0] = e->accept_stop[1] = -1;
  e->nmovers = s->threads < 1 ? 1 : s->threads > MOVERS_MAX ? MOVERS_MAX : s->threads;
  for (int i = 0; i < e->nmovers; i++) e->movers[i].epfd = -1;
  if (listen_on(e, err, errlen) != CS_OK || pipe2(e->stop_pipe, O_CLOEXEC) != 0 ||
      pipe2(e->accept_stop, O_CLOEXEC) != 0)
    goto fail;
  for (int i = 0; i < e->nmovers; i++) {
    struct mover *m = &e->movers[i];
    m->edge = e;
    pthread_mutex_init(&m->lock, NULL);
    struct epoll_event stop = {.events = EPOLLIN, .data.ptr = NULL};
    if ((m->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
        epoll_ctl(m->epfd, EPOLL_CTL_ADD, e->stop_pipe[0], &stop) != 0 ||
        pthread_create(&m->thread, NULL, mover_main, m) != 0) {
      snprintf(err, errlen, "cannot start the edge's threads");
      if (m->epfd >= 0) close(m->epfd);
      m->epfd = -1;
      goto fail;
    }
  }
  if (pthread_create(&e->acceptor, NULL, acceptor_main, e) != 0) {
    snprintf(err, errlen, "cannot start the edge's acceptor");
    goto fail;
  }
  e->acceptor_running = 1;
  *out = e;
  return CS_OK;
fail:
  gw_edge_free(e);
  return CS_ERR;
}

int gw_edge_port(struct gw_edge *e) { return e->port; }

void gw_edge_stop_accepting(struct gw_edge *e) {
  if (e == NULL || !e->acceptor_running) return;
  atomic_store(&e->stopping, 1);
  if (write(e->accept_stop[1], "x", 1) < 0) { /* the acceptor also polls stopping */
  }
  pthread_join(e->acceptor, NULL);
  e->acceptor_running = 0;
  close(e->listen_fd);
  e->listen_fd = -1;
}

void gw_edge_free(struct gw_edge *e) {
  if (e == NULL) return;
  gw_edge_stop_accepting(e);
  /* what the server answered before it stopped is still passed on, for a moment */
  for (int waited = 0; waited < 1000; waited += 10) {
    int pending = 0;
    for (int i = 0; i < e->nmovers; i++) {
      pthread_mutex_lock(&e->movers[i].lock);
      for (struct conn *c = e->movers[i].conns; c != NULL; c = c->next)
        pending |= buf_pending(&c->to_client) > 0;
      pthread_mutex_unlock(&e->movers[i].lock);
    }
    if (!pending) break;
    usleep(10000);
  }
  atomic_store(&e->stopping, 2);
  if (e->stop_pipe[1] >= 0 && write(e->stop_pipe[1], "x", 1) < 0) {
  }
  for (int i = 0; i < e->nmovers; i++) {
    struct mover *m = &e->movers[i];
    if (m->epfd < 0) continue;
    pthread_join(m->thread, NULL);
    while (m->conns != NULL) {
      struct conn *c = m->conns;
      m->conns = c->next;
      conn_free(c);
    }
    close(m->epfd);
    pthread_mutex_destroy(&m->lock);
  }
  if (e->listen_fd >= 0) close(e->listen_fd);
  if (e->stop_pipe[0] >= 0) close(e->stop_pipe[0]);
  if (e->stop_pipe[1] >= 0) close(e->stop_pipe[1]);
  if (e->accept_stop[0] >= 0) close(e->accept_stop[0]);
  if (e->accept_stop[1] >= 0) close(e->accept_stop[1]);
  free(e);
}
