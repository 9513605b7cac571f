/* Connections to the upstreams and the HTTP/1.1 exchange on them. See upstream_client.h; the
 * response parsing is upstream_parse.c.
 *
 * Sockets are non-blocking; every wait is a poll() bounded by the request's deadline. A request
 * in the steady state costs four system calls: poll (is the idle connection still open?),
 * sendmsg (header block and body together), poll (wait for the answer), recv. */
#include "upstream_client.h"

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "status.h"
#include "upstream_pool.h"

#define RECV_BUF_BYTES (16 * 1024)
/* An idle connection is retired before the upstream's own idle timeout (60 s for claimsuite's
 * services) can close it under a request being sent. */
#define IDLE_MAX_MS 15000
/* A body buffer left over from a failed exchange is kept only up to this size. */
#define KEEP_BODY_BYTES (1u << 20)

#define D_NOMEM "the gateway is out of memory"
#define D_TIMEOUT "the upstream service did not answer in time"
#define D_UNREACHABLE "the upstream service is not reachable"
#define D_CLOSED "the upstream service closed the connection before answering"
#define D_BROKEN "the upstream service's answer was broken off or malformed"
#define D_NO_STATUS "the upstream service sent no valid HTTP status"
#define D_TOO_LARGE "the upstream service's answer is too large"
#define D_BUSY "every connection to the upstream service is busy"

/* Internal to this file: the connection died before any byte of the answer (send failed, EOF
 * or reset before the status line). Retried, or mapped, by gw_upstream_exchange. */
#define PEER_GONE (-100)

struct upstream {
  struct gw_upstream_url url;
  char *base_url; /* as configured, for logs */
};

struct conn {
  int fd;                  /* -1 when there is none */
  long long idle_since_ms; /* when its last exchange ended */
};

struct gw_upstream_call {
  struct conn conn;    /* of the exchange in flight (of c->upstream); -1 between exchanges */
  struct gw_bytes req; /* request line and header lines of the call being built */
  char *in;            /* receive buffer, RECV_BUF_BYTES */
  struct gw_resp resp;
  int upstream; /* of the call being built */
  int head, idempotent;
  const char *method; /* borrowed from the caller until gw_upstream_exchange returns */
};

/* An answer's body still on its connection (upstream_client.h). */
struct gw_upstream_stream {
  int fd;
  int upstream;                    /* for logs */
  unsigned long long length, left; /* the body's, and what is still to be read of it */
  size_t have, off;                /* body bytes received with the head: [off, have) of early */
  char early[];
};

static struct {
  long connect_timeout_ms, timeout_ms;
  size_t max_response_bytes;
  unsigned long long stream_over;
  struct upstream up[GW_UP_COUNT];
} cfg;
static pthread_key_t thread_key;
static __thread struct gw_upstream_call *thread_call;

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The call's connection after its exchange: kept for the next request (reusable) or closed.
 * Nothing to do when a stream took it (the stream gives its place back, gw_upstream_stream_free).
 */
static void conn_release(struct gw_upstream_call *c, int reusable) {
  struct conn *k = &c->conn;
  if (k->fd < 0) return;
  if (reusable)
    gw_pool_put(c->upstream, k->fd, now_ms());
  else
    gw_pool_drop(c->upstream, k->fd);
  k->fd = -1;
}

static void thread_state_free(void *p) {
  struct gw_upstream_call *c = p;
  if (c == NULL) return;
  conn_release(c, 0);
  free(c->req.data);
  free(c->in);
  gw_resp_free(&c->resp);
  free(c);
}

static struct gw_upstream_call *thread_state(void) {
  if (thread_call != NULL) return thread_call;
  struct gw_upstream_call *c = calloc(1, sizeof(*c));
  if (c == NULL) return NULL;
  c->conn.fd = -1;
  gw_resp_init(&c->resp);
  c->in = malloc(RECV_BUF_BYTES);
  if (c->in == NULL || pthread_setspecific(thread_key, c) != 0) {
    thread_state_free(c);
    return NULL;
  }
  thread_call = c;
  return c;
}

int gw_upstream_init(const struct gw_upstream_settings *s) {
  memset(&cfg, 0, sizeof(cfg));
  cfg.connect_timeout_ms = s->connect_timeout_ms;
  cfg.timeout_ms = s->timeout_ms;
  cfg.max_response_bytes = (size_t)s->max_response_bytes;
  for (int i = 0; i < GW_UP_COUNT; i++) {
    const char *why = NULL;
    if (gw_upstream_url_parse(s->base_url[i], &cfg.up[i].url, &why) != CS_OK) {
      log_error("upstream %s: %s", gw_upstream_name(i), why);
      goto fail;
    }
    if ((cfg.up[i].base_url = strdup(s->base_url[i])) == NULL) goto fail;
  }
  if (pthread_key_create(&thread_key, thread_state_free) != 0) goto fail;
  gw_pool_init(s->max_connections > 0 ? s->max_connections : GW_UPSTREAM_MAX_CONNECTIONS);
  return CS_OK;
fail:
  for (int i = 0; i < GW_UP_COUNT; i++) free(cfg.up[i].base_url);
  memset(&cfg, 0, sizeof(cfg));
  return CS_ERR_INVALID;
}

void gw_upstream_stream_over(long bytes) {
  cfg.stream_over = bytes > 0 ? (unsigned long long)bytes : 0;
}

void gw_upstream_cleanup(void) {
  /* the calling thread's state, if it ever forwarded (worker threads free theirs on exit) */
  thread_state_free(thread_call);
  thread_call = NULL;
  pthread_key_delete(thread_key);
  gw_pool_cleanup();
  for (int i = 0; i < GW_UP_COUNT; i++) free(cfg.up[i].base_url);
  memset(&cfg, 0, sizeof(cfg));
}

/* ------------------------------------------------------------------------------------------ */
/* building the request                                                                        */

/* The bytes of s up to its end, '#' written as %23; CS_ERR_INVALID for controls and spaces. */
static int append_target(struct gw_bytes *b, const char *target) {
  for (const unsigned char *p = (const unsigned char *)target; *p; p++) {
    if (*p <= ' ' || *p == 0x7f) return CS_ERR_INVALID;
  }
  for (const char *p = target; *p != '\0';) {
    size_t n = strcspn(p, "#");
    if (gw_bytes_append(b, p, n) != CS_OK) return CS_ERR_NOMEM;
    p += n;
    if (*p == '#') {
      if (gw_bytes_append(b, "%23", 3) != CS_OK) return CS_ERR_NOMEM;
      p++;
    }
  }
  return CS_OK;
}

static int append_str(struct gw_bytes *b, const char *s) {
  return gw_bytes_append(b, s, strlen(s));
}

int gw_upstream_begin(int upstream, const char *method, const char *target,
                      struct gw_upstream_call **out) {
  int rc;
  struct gw_upstream_call *c = thread_state();
  *out = c;
  if (c == NULL) return CS_ERR_NOMEM;
  if (upstream < 0 || upstream >= GW_UP_COUNT || !gw_http_token(method) || target[0] == '\0') {
    return CS_ERR_INVALID;
  }
  const struct gw_upstream_url *u = &cfg.up[upstream].url;
  c->upstream = upstream;
  c->method = method;
  c->head = !strcmp(method, "HEAD");
  c->idempotent = c->head || !strcmp(method, "GET") || !strcmp(method, "PUT") ||
                  !strcmp(method, "DELETE") || !strcmp(method, "OPTIONS");
  c->req.len = 0;
  c->resp.nhdrs = 0; /* the previous answer's header refs are gone from here on */
  if ((rc = append_str(&c->req, method)) != CS_OK || (rc = append_str(&c->req, " ")) != CS_OK ||
      (rc = append_str(&c->req, u->path)) != CS_OK ||
      (rc = append_target(&c->req, target)) != CS_OK ||
      (rc = append_str(&c->req, " HTTP/1.1\r\nHost: ")) != CS_OK ||
      (rc = append_str(&c->req, u->authority)) != CS_OK ||
      (rc = append_str(&c->req, "\r\n")) != CS_OK) {
    return rc;
  }
  return CS_OK;
}

int gw_upstream_add_header(struct gw_upstream_call *c, const char *name, const char *value,
                           const char *value_tail) {
  if (value == NULL) value = "";
  if (value_tail == NULL) value_tail = "";
  if (!gw_http_token(name) || strpbrk(value, "\r\n") != NULL ||
      strpbrk(value_tail, "\r\n") != NULL) {
    return CS_OK; /* would break the framing: left out */
  }
  int empty = value[0] == '\0' && value_tail[0] == '\0';
  if (append_str(&c->req, name) != CS_OK ||
      gw_bytes_append(&c->req, empty ? ":" : ": ", empty ? 1 : 2) != CS_OK ||
      append_str(&c->req, value) != CS_OK || append_str(&c->req, value_tail) != CS_OK ||
      gw_bytes_append(&c->req, "\r\n", 2) != CS_OK) {
    return CS_ERR_NOMEM;
  }
  return CS_OK;
}

/* "Content-Length: n\r\n". */
static int append_length(struct gw_bytes *b, size_t n) {
  char digits[24];
  size_t i = sizeof(digits);
  do {
    digits[--i] = (char)('0' + n % 10);
    n /= 10;
  } while (n > 0);
  if (append_str(b, "Content-Length: ") != CS_OK ||
      gw_bytes_append(b, digits + i, sizeof(digits) - i) != CS_OK ||
      gw_bytes_append(b, "\r\n", 2) != CS_OK) {
    return CS_ERR_NOMEM;
  }
  return CS_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* sockets                                                                                     */

static const char *errno_text(int err) {
  switch (err) {
    case ECONNREFUSED: return ": connection refused";
    case ETIMEDOUT: return ": timed out";
    case EHOSTUNREACH: return ": host unreachable";
    case ENETUNREACH: return ": network unreachable";
    case ECONNRESET: return ": connection reset";
    case EADDRNOTAVAIL: return ": address not available";
    case EMFILE:
    case ENFILE: return ": too many open files";
    default: return ": system error";
  }
}

static void log_failure(const struct gw_upstream_call *c, const char *what, int err) {
  const char *url = cfg.up[c->upstream].base_url;
  if (err != 0)
    log_warning("upstream %s %s: %s%s (errno %d)", c->method, url, what, errno_text(err), err);
  else
    log_warning("upstream %s %s: %s", c->method, url, what);
}

/* Waits until fd is ready for events or the deadline passes: CS_OK (ready, or in error: the
 * next call on fd tells), CS_ERR_TIMEOUT, or CS_ERR. */
static int wait_fd(int fd, short events, long long deadline) {
  for (;;) {
    long long left = deadline - now_ms();
    if (left <= 0) return CS_ERR_TIMEOUT;
    struct pollfd p = {fd, events, 0};
    int n = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left + 1);
    if (n > 0) return CS_OK;
    if (n < 0 && errno != EINTR) return CS_ERR;
  }
}

/* 1 when an idle connection is still worth a request: nothing to read (no EOF, no stray bytes),
 * no error, and not idle for long. */
static int idle_conn_usable(const struct conn *k, long long now) {
  if (now - k->idle_since_ms > IDLE_MAX_MS) return 0;
  struct pollfd p = {k->fd, POLLIN, 0};
  return poll(&p, 1, 0) == 0;
}

/* A new connection to the call's upstream, resolved now (names like "policy" may move). */
static int connect_upstream(struct gw_upstream_call *c, long long deadline, const char **detail) {
  const struct gw_upstream_url *u = &cfg.up[c->upstream].url;
  struct addrinfo hints, *list = NULL;
  int rc = CS_ERR_UNAVAILABLE, err = 0, fd = -1;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  int g = getaddrinfo(u->host, u->port, &hints, &list);
  if (g != 0) {
    log_failure(c, gai_strerror(g), 0);
    *detail = D_UNREACHABLE;
    return CS_ERR_UNAVAILABLE;
  }
  long long connect_deadline = now_ms() + cfg.connect_timeout_ms;
  if (connect_deadline > deadline) connect_deadline = deadline;
  for (const struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
    fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) goto connected;
    err = errno;
    if (err == EINPROGRESS) {
      int w = wait_fd(fd, POLLOUT, connect_deadline);
      if (w == CS_ERR_TIMEOUT) {
        rc = CS_ERR_TIMEOUT;
        err = ETIMEDOUT;
        break;
      }
      socklen_t len = sizeof(err);
      if (w == CS_OK && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
        goto connected;
      }
    }
    close(fd);
    fd = -1;
  }
  if (fd >= 0) close(fd);
  freeaddrinfo(list);
  log_failure(c, "connect", err);
  *detail = rc == CS_ERR_TIMEOUT ? D_TIMEOUT : D_UNREACHABLE;
  return rc;
connected:
  freeaddrinfo(list);
  c->conn.fd = fd;
  return CS_OK;
}

/* The call's connection from the shared pool: an idle one still usable (*reused), or a new one.
 * CS_OK, or a failure with *detail (CS_ERR_UNAVAILABLE when every connection the upstream may
 * have stays busy until the connect deadline). */
static int obtain(struct gw_upstream_call *c, long long deadline, int *reused,
                  const char **detail) {
  struct conn *k = &c->conn;
  long long connect_deadline = now_ms() + cfg.connect_timeout_ms;
  if (connect_deadline > deadline) connect_deadline = deadline;
  *reused = 0;
  for (;;) {
    int got = gw_pool_take(c->upstream, connect_deadline, &k->fd, &k->idle_since_ms);
    if (got < 0) {
      k->fd = -1;
      log_failure(c, "every connection busy", 0);
      *detail = D_BUSY;
      return CS_ERR_UNAVAILABLE;
    }
    if (got == 0) {
      int rc = connect_upstream(c, deadline, detail);
      if (rc != CS_OK) gw_pool_drop(c->upstream, -1);
      return rc;
    }
    if (idle_conn_usable(k, now_ms())) {
      *reused = 1;
      return CS_OK;
    }
    conn_release(c, 0);
  }
}

/* Writes the request head and body: CS_OK, CS_ERR_TIMEOUT or PEER_GONE. */
static int send_request(struct gw_upstream_call *c, int fd, const void *body, size_t body_len,
                        long long deadline) {
  struct iovec iov[2] = {{c->req.data, c->req.len}, {(void *)(uintptr_t)body, body_len}};
  struct msghdr m;
  memset(&m, 0, sizeof(m));
  m.msg_iov = iov;
  m.msg_iovlen = body_len > 0 ? 2 : 1;
  while (m.msg_iovlen > 0) {
    ssize_t n = sendmsg(fd, &m, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return PEER_GONE;
      int w = wait_fd(fd, POLLOUT, deadline);
      if (w != CS_OK) return w == CS_ERR_TIMEOUT ? w : PEER_GONE;
      continue;
    }
    size_t sent = (size_t)n;
    while (m.msg_iovlen > 0 && sent >= m.msg_iov[0].iov_len) {
      sent -= m.msg_iov[0].iov_len;
      m.msg_iov++;
      m.msg_iovlen--;
    }
    if (m.msg_iovlen > 0) {
      m.msg_iov[0].iov_base = (char *)m.msg_iov[0].iov_base + sent;
      m.msg_iov[0].iov_len -= sent;
    }
  }
  return CS_OK;
}

static int parse_failure(int rc, const char **detail) {
  switch (rc) {
    case GW_RESP_NOMEM: *detail = D_NOMEM; return CS_ERR_NOMEM;
    case GW_RESP_TOO_LARGE: *detail = D_TOO_LARGE; return CS_ERR;
    case GW_RESP_BAD_STATUS: *detail = D_NO_STATUS; return CS_ERR;
    default: *detail = D_BROKEN; return CS_ERR;
  }
}

/* The answer's body is left on fd for a stream, with the n body bytes already received at
 * early: the stream owns fd from here on. */
static int hand_over(struct gw_upstream_call *c, int fd, const char *early, size_t n,
                     struct gw_upstream_stream **stream, const char **detail) {
  unsigned long long length = c->resp.length;
  if (n > length) n = (size_t)length; /* bytes after the body: the connection ends with it */
  struct gw_upstream_stream *s = malloc(sizeof(*s) + n);
  if (s == NULL) {
    *detail = D_NOMEM;
    return CS_ERR_NOMEM;
  }
  *s = (struct gw_upstream_stream){fd, c->upstream, length, length - n, n, 0};
  memcpy(s->early, early, n);
  c->conn.fd = -1;
  *stream = s;
  return CS_OK;
}

/* Reads one answer into c->resp: CS_OK (*reusable says whether the connection may stay open),
 * PEER_GONE, CS_ERR_TIMEOUT, or a parse failure with *detail. With stream not NULL, a body above
 * the streaming threshold is left on the connection, which *stream then owns. */
static int read_response(struct gw_upstream_call *c, int fd, long long deadline, int *reusable,
                         struct gw_upstream_stream **stream, const char **detail) {
  struct gw_resp *r = &c->resp;
  int got_any = 0, waited = 0;
  gw_resp_start(r, c->head, cfg.max_response_bytes);
  if (stream != NULL) gw_resp_stream_over(r, cfg.stream_over);
  *reusable = 0;
  for (;;) {
    if (!waited) { /* the answer takes a while: wait before the first recv */
      int w = wait_fd(fd, POLLIN, deadline);
      if (w != CS_OK) {
        *detail = w == CS_ERR_TIMEOUT ? D_TIMEOUT : D_BROKEN;
        return w == CS_ERR_TIMEOUT ? w : CS_ERR;
      }
      waited = 1;
    }
    char *at = NULL;
    size_t room = gw_resp_body_window(r, &at);
    int direct = room > 0;
    if (!direct) {
      at = c->in;
      room = RECV_BUF_BYTES;
    }
    ssize_t n = recv(fd, at, room, 0);
    if (n > 0) {
      size_t used = (size_t)n;
      int rc = direct ? gw_resp_commit(r, (size_t)n) : gw_resp_feed(r, at, (size_t)n, &used);
      got_any = 1;
      if (rc == GW_RESP_MORE) continue;
      if (rc == GW_RESP_HEADERS)
        return hand_over(c, fd, at + used, (size_t)n - used, stream, detail);
      if (rc != GW_RESP_DONE) return parse_failure(rc, detail);
      *reusable = r->keep_alive && used == (size_t)n; /* stray bytes after it: not reused */
      return CS_OK;
    }
    if (n == 0 || errno == ECONNRESET) {
      if (!got_any) return PEER_GONE;
      int rc = n == 0 ? gw_resp_eof(r) : GW_RESP_BAD;
      return rc == GW_RESP_DONE ? CS_OK : parse_failure(rc, detail);
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      *detail = D_BROKEN;
      return CS_ERR;
    }
    waited = 0;
  }
}

/* One attempt on the call's connection (reused or new): CS_OK, PEER_GONE (*reused set), or a
 * failure with *detail. */
static int attempt(struct gw_upstream_call *c, const void *body, size_t body_len,
                   long long deadline, int *reused, struct gw_upstream_stream **stream,
                   const char **detail) {
  struct conn *k = &c->conn;
  int rc, reusable = 0;
  if ((rc = obtain(c, deadline, reused, detail)) != CS_OK) return rc;
  rc = send_request(c, k->fd, body, body_len, deadline);
  if (rc == CS_OK) rc = read_response(c, k->fd, deadline, &reusable, stream, detail);
  if (rc == CS_ERR_TIMEOUT) *detail = D_TIMEOUT;
  conn_release(c, rc == CS_OK && reusable);
  return rc;
}

/* The end of an exchange, whatever it was: the answer into *out, or the failure mapped. */
static int finish_exchange(struct gw_upstream_call *c, int rc, int reused,
                           struct gw_upstream_answer *out, const char **detail) {
  if (rc == PEER_GONE) {
    log_failure(c, reused ? "connection closed before an answer" : "empty answer", 0);
    /* on a reused connection the request may never have arrived: unreachable, not a bad answer
     * (and a POST is not sent again, it may have been acted on) */
    *detail = reused ? D_CLOSED : D_BROKEN;
    rc = reused ? CS_ERR_UNAVAILABLE : CS_ERR;
  } else if (rc != CS_OK && rc != CS_ERR_UNAVAILABLE) {
    log_failure(c, *detail, 0);
  }
  if (rc != CS_OK) {
    c->resp.nhdrs = 0;
    c->resp.body.len = 0;
    if (c->resp.body.cap > KEEP_BODY_BYTES) {
      free(c->resp.body.data);
      c->resp.body.data = NULL;
      c->resp.body.cap = 0;
    }
    return rc;
  }
  out->status = c->resp.status;
  out->hdr_text = c->resp.hdr_text.data;
  out->hdrs = c->resp.hdrs;
  out->nhdrs = c->resp.nhdrs;
  out->body = gw_resp_take_body(&c->resp, &out->body_len);
  *detail = NULL;
  return CS_OK;
}

int gw_upstream_exchange(struct gw_upstream_call *c, const void *body, size_t body_len,
                         int send_length, struct gw_upstream_answer *out, const char **detail) {
  int rc, reused = 0;
  memset(out, 0, sizeof(*out));
  *detail = D_NOMEM;
  if ((send_length && append_length(&c->req, body_len) != CS_OK) ||
      gw_bytes_append(&c->req, "\r\n", 2) != CS_OK) {
    return CS_ERR_NOMEM;
  }
  if (!send_length) body_len = 0;
  long long deadline = now_ms() + cfg.timeout_ms;
  rc = attempt(c, body, body_len, deadline, &reused, &out->stream, detail);
  if (rc == PEER_GONE && reused && c->idempotent) {
    /* the upstream closed the idle connection as the request went out: once more, new one */
    rc = attempt(c, body, body_len, deadline, &reused, &out->stream, detail);
  }
  return finish_exchange(c, rc, reused, out, detail);
}

/* ------------------------------------------------------------------------------------------ */
/* bodies from elsewhere, answers streamed                                                     */

/* Writes n bytes, each wait for room at most idle_ms: CS_OK, CS_ERR_TIMEOUT or PEER_GONE. */
static int send_bytes(int fd, const char *p, size_t n, long idle_ms) {
  while (n > 0) {
    ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
    if (k > 0) {
      p += k;
      n -= (size_t)k;
    } else if (k < 0 && errno == EINTR) {
      continue;
    } else if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      int w = wait_fd(fd, POLLOUT, now_ms() + idle_ms);
      if (w != CS_OK) return w == CS_ERR_TIMEOUT ? w : PEER_GONE;
    } else {
      return PEER_GONE;
    }
  }
  return CS_OK;
}

/* The head, then the body from src through buf: CS_OK, CS_ERR_TIMEOUT, PEER_GONE (*body_begun
 * says whether any of the body went), or CS_ERR when src failed. */
static int send_from(struct gw_upstream_call *c, int fd, const struct gw_upstream_body *src,
                     char *buf, int *body_begun, const char **detail) {
  int rc = send_bytes(fd, c->req.data, c->req.len, cfg.timeout_ms);
  for (unsigned long long left = src->length; rc == CS_OK && left > 0;) {
    size_t want = left < GW_UPSTREAM_SEND_BYTES ? (size_t)left : GW_UPSTREAM_SEND_BYTES;
    long n = src->fill(src->arg, buf, want);
    if (n <= 0 || (size_t)n > want) {
      *detail = "the gateway could not read back the spooled request body";
      return CS_ERR;
    }
    *body_begun = 1;
    rc = send_bytes(fd, buf, (size_t)n, cfg.timeout_ms);
    left -= (unsigned long long)n;
  }
  return rc;
}

int gw_upstream_exchange_body(struct gw_upstream_call *c, const struct gw_upstream_body *src,
                              struct gw_upstream_answer *out, const char **detail) {
  struct conn *k = &c->conn;
  int rc, reused = 0, reusable = 0, body_begun = 0;
  char *buf = NULL;
  memset(out, 0, sizeof(*out));
  *detail = D_NOMEM;
  if (append_length(&c->req, (size_t)src->length) != CS_OK ||
      gw_bytes_append(&c->req, "\r\n", 2) != CS_OK ||
      (buf = malloc(GW_UPSTREAM_SEND_BYTES)) == NULL) {
    rc = CS_ERR_NOMEM;
    goto done;
  }
  if ((rc = obtain(c, now_ms() + cfg.timeout_ms, &reused, detail)) != CS_OK) goto done;
  rc = send_from(c, k->fd, src, buf, &body_begun, detail);
  /* an upstream that answers before taking the whole body (and closes) is still heard */
  if (rc == CS_OK || (rc == PEER_GONE && body_begun))
    rc = read_response(c, k->fd, now_ms() + cfg.timeout_ms, &reusable, &out->stream, detail);
  if (rc == CS_ERR_TIMEOUT) *detail = D_TIMEOUT;
  conn_release(c, rc == CS_OK && reusable);
  rc = finish_exchange(c, rc, reused, out, detail);
done:
  free(buf);
  return rc;
}

long gw_upstream_stream_read(struct gw_upstream_stream *s, char *buf, size_t cap) {
  if (s->left == 0 && s->off == s->have) return 0;
  if (s->off < s->have) {
    size_t n = s->have - s->off < cap ? s->have - s->off : cap;
    memcpy(buf, s->early + s->off, n);
    s->off += n;
    return (long)n;
  }
  if (cap > s->left) cap = (size_t)s->left;
  for (;;) {
    ssize_t n = recv(s->fd, buf, cap, 0);
    if (n > 0) {
      s->left -= (unsigned long long)n;
      return (long)n;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      int w = wait_fd(s->fd, POLLIN, now_ms() + cfg.timeout_ms);
      if (w == CS_OK) continue;
      log_warning("upstream %s: a streamed answer stalled (%llu of %llu bytes left)",
                  cfg.up[s->upstream].base_url, s->left, s->length);
      return -1;
    }
    log_warning("upstream %s: a streamed answer was broken off (%llu of %llu bytes left)",
                cfg.up[s->upstream].base_url, s->left, s->length);
    return -1;
  }
}

unsigned long long gw_upstream_stream_length(const struct gw_upstream_stream *s) {
  return s->length;
}

void gw_upstream_stream_free(struct gw_upstream_stream *s) {
  if (s == NULL) return;
  gw_pool_drop(s->upstream, s->fd); /* the connection ends with the stream */
  free(s);
}
