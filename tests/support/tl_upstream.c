/* A tiny recording HTTP/1.1 upstream and child-process helpers for the gateway tests.
 * See tl_upstream.h. */
#include "tl_upstream.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RING 256
#define MAX_CONNS 512
#define MAX_HEAD (64 * 1024)
#define MAX_BODY (64L * 1024 * 1024)

struct record {
  char method[16];
  char target[2048];
  char *headers;
  char *body;
  size_t body_len;
  int conn;
};

struct tl_upstream {
  char name[32];
  int listen_fd;
  int port;
  pthread_t accept_thread;
  pthread_mutex_t lock; /* guards everything below */
  pthread_cond_t idle;
  int stopping;
  int conn_fd[MAX_CONNS];
  int active;           /* connection threads running */
  int accepted;
  struct record ring[RING];
  long total;           /* records ever written; ring[total % RING] is the next */
};

struct conn {
  struct tl_upstream *u;
  int fd;
  int id;
};

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static const char *reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 418: return "I'm a teapot";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Whatever";
  }
}

static int sleep_unless_stopping(struct tl_upstream *u, long ms) {
  for (long waited = 0; waited < ms; waited += 20) {
    pthread_mutex_lock(&u->lock);
    int stop = u->stopping;
    pthread_mutex_unlock(&u->lock);
    if (stop) return -1;
    struct timespec ts = {0, 20 * 1000000L};
    nanosleep(&ts, NULL);
  }
  return 0;
}

/* Case-insensitive header lookup in a raw block; new string or NULL. */
static char *header_in(const char *block, const char *name) {
  size_t n = strlen(name);
  for (const char *p = block; p != NULL && *p;) {
    if (!strncasecmp(p, name, n) && p[n] == ':') {
      p += n + 1;
      while (*p == ' ' || *p == '\t') p++;
      size_t len = strcspn(p, "\r\n");
      while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t')) len--;
      return strndup(p, len);
    }
    p = strchr(p, '\n');
    if (p != NULL) p++;
  }
  return NULL;
}

static void record(struct tl_upstream *u, const struct record *r) {
  pthread_mutex_lock(&u->lock);
  struct record *slot = &u->ring[u->total % RING];
  free(slot->headers);
  free(slot->body);
  *slot = *r;
  u->total++;
  pthread_mutex_unlock(&u->lock);
}

/* The body in chunks of at most 1000 bytes (the first with an extension), a pause between
 * writes so the reader gets them in pieces, and a trailer. 0, or -1 on a write error. */
static int respond_chunked(struct tl_upstream *u, int fd, const char *body, size_t len) {
  char line[256];
  int n = snprintf(line, sizeof(line),
                   "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                   "Transfer-Encoding: chunked\r\nX-Upstream: %s\r\nTrailer: X-Checksum\r\n\r\n",
                   u->name);
  if (write_all(fd, line, (size_t)n) != 0) return -1;
  size_t step = len > 3 ? len / 3 : 1;
  if (step > 1000) step = 1000;
  for (size_t off = 0; off < len; off += step) {
    size_t k = len - off < step ? len - off : step;
    n = snprintf(line, sizeof(line), off == 0 ? "%zx;name=first\r\n" : "%zX\r\n", k);
    if (write_all(fd, line, (size_t)n) != 0 || write_all(fd, body + off, k) != 0 ||
        write_all(fd, "\r\n", 2) != 0 || sleep_unless_stopping(u, len > 3000 ? 0 : 20) != 0) {
      return -1;
    }
  }
  static const char last[] = "0\r\nX-Checksum: none\r\n\r\n";
  return write_all(fd, last, sizeof(last) - 1);
}

/* Writes the answer: 0 (the connection stays open), 1 (close it: the answer ends with it), or
 * -1 on a write error. */
static int respond(struct tl_upstream *u, int fd, const struct record *r) {
  int status = 200;
  const char *ctype = "application/json";
  char *body = NULL, *extra = "";
  size_t body_len = 0;
  char head[1024];
  const char *p;
  int rc = -1;
  unsigned char binary[256];

  if ((p = strstr(r->target, "/slow/")) != NULL) {
    if (sleep_unless_stopping(u, strtol(p + 6, NULL, 10)) != 0) return -1;
  }
  if ((p = strstr(r->target, "/status/")) != NULL) status = (int)strtol(p + 8, NULL, 10);
  if (!strcmp(r->target, "/healthz")) {
    body = strdup("{\"status\":\"ok\"}");
    body_len = strlen(body);
  } else if (strstr(r->target, "/binary") != NULL) {
    for (int i = 0; i < 256; i++) binary[i] = (unsigned char)i;
    body = malloc(sizeof(binary));
    if (body != NULL) memcpy(body, binary, sizeof(binary));
    body_len = sizeof(binary);
    ctype = "application/octet-stream";
  } else {
    char *rid = header_in(r->headers, "X-Request-Id");
    json_t *j = json_pack("{s:s, s:s, s:s, s:s?, s:I}", "upstream", u->name, "method", r->method,
                          "target", r->target, "request_id", rid, "body_len",
                          (json_int_t)r->body_len);
    free(rid);
    body = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    body_len = body ? strlen(body) : 0;
  }
  if (strstr(r->target, "/cookies") != NULL) extra = "Set-Cookie: a=1; Path=/\r\nSet-Cookie: b=2; HttpOnly\r\n";
  if ((p = strstr(r->target, "/big/")) != NULL) {
    free(body);
    body_len = (size_t)strtoul(p + 5, NULL, 10);
    body = malloc(body_len + 1);
    if (body == NULL) return -1;
    memset(body, 'z', body_len);
    ctype = "text/plain";
  }
  if (strstr(r->target, "/chunked-answer") != NULL && body != NULL) {
    rc = respond_chunked(u, fd, body, body_len);
    goto done;
  }
  if (strstr(r->target, "/http10-answer") != NULL && body != NULL) {
    /* HTTP/1.0, no Content-Length: the body ends where the connection does */
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.0 200 OK\r\nContent-Type: %s\r\nX-Upstream: %s\r\n\r\n", ctype,
                     u->name);
    rc = write_all(fd, head, (size_t)n) == 0 && write_all(fd, body, body_len) == 0 ? 1 : -1;
    goto done;
  }
  if (strstr(r->target, "/bad-length") != NULL) {
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc");
    rc = write_all(fd, head, (size_t)n) == 0 ? 1 : -1;
    goto done;
  }
  if (status == 204 || status == 304 || !strcmp(r->method, "HEAD")) {
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nX-Upstream: %s\r\nX-Custom-Reply: yes, \"kept\"\r\n%s%s\r\n",
                     status, reason_phrase(status), u->name, extra,
                     status == 204 || status == 304 ? "" : "Content-Length: 0\r\n");
    rc = write_all(fd, head, (size_t)n);
    goto done;
  }
  int n = snprintf(head, sizeof(head),
                   "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                   "X-Upstream: %s\r\nX-Custom-Reply: yes, \"kept\"\r\n%s\r\n",
                   status, reason_phrase(status), ctype, body_len, u->name, extra);
  if (write_all(fd, head, (size_t)n) != 0) goto done;
  rc = body_len > 0 ? write_all(fd, body, body_len) : 0;
done:
  free(body);
  return rc;
}

/* Reads at least one more byte into *buf; -1 on EOF or error. */
static int fill(int fd, char **buf, size_t *len, size_t *cap) {
  if (*len + 4096 + 1 > *cap) {
    size_t ncap = (*cap ? *cap * 2 : 8192) + 4096;
    char *grown = realloc(*buf, ncap);
    if (grown == NULL) return -1;
    *buf = grown;
    *cap = ncap;
  }
  ssize_t n;
  do {
    n = recv(fd, *buf + *len, *cap - *len - 1, 0);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return -1;
  *len += (size_t)n;
  (*buf)[*len] = '\0';
  return 0;
}

static void *conn_main(void *arg) {
  struct conn *c = arg;
  struct tl_upstream *u = c->u;
  char *buf = NULL;
  size_t len = 0, cap = 0;
  int served = 0; /* answers written on this connection */

  for (;;) {
    char *end;
    while ((buf == NULL || (end = strstr(buf, "\r\n\r\n")) == NULL) && len < MAX_HEAD) {
      if (fill(c->fd, &buf, &len, &cap) != 0) goto done;
    }
    if (len >= MAX_HEAD && strstr(buf, "\r\n\r\n") == NULL) goto done;
    end = strstr(buf, "\r\n\r\n");
    struct record r;
    memset(&r, 0, sizeof(r));
    r.conn = c->id;
    char *line_end = strstr(buf, "\r\n");
    char *sp1 = memchr(buf, ' ', (size_t)(line_end - buf));
    char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(line_end - sp1 - 1)) : NULL;
    if (sp1 == NULL || sp2 == NULL) goto done;
    snprintf(r.method, sizeof(r.method), "%.*s", (int)(sp1 - buf), buf);
    snprintf(r.target, sizeof(r.target), "%.*s", (int)(sp2 - sp1 - 1), sp1 + 1);
    r.headers = strndup(line_end + 2, (size_t)(end + 2 - (line_end + 2)));
    size_t head_len = (size_t)(end + 4 - buf);
    char *cl = header_in(r.headers, "Content-Length");
    char *te = header_in(r.headers, "Transfer-Encoding");
    size_t body_len = cl ? (size_t)strtoull(cl, NULL, 10) : 0;
    free(cl);
    if (te != NULL) { /* the gateway never sends chunked bodies: refuse and close */
      free(te);
      free(r.headers);
      goto done;
    }
    if (body_len > (size_t)MAX_BODY) {
      free(r.headers);
      goto done;
    }
    while (len < head_len + body_len) {
      if (fill(c->fd, &buf, &len, &cap) != 0) {
        free(r.headers);
        goto done;
      }
    }
    r.body = malloc(body_len + 1);
    if (r.body == NULL) {
      free(r.headers);
      goto done;
    }
    memcpy(r.body, buf + head_len, body_len);
    r.body[body_len] = '\0';
    r.body_len = body_len;
    memmove(buf, buf + head_len + body_len, len - head_len - body_len);
    len -= head_len + body_len;
    buf[len] = '\0';
    struct record copy = r; /* the ring owns r's strings from here: copy what respond reads */
    copy.headers = strdup(r.headers);
    copy.body = NULL;
    record(u, &r);
    if (served > 0 && strstr(copy.target, "/drop-reused") != NULL) {
      free(copy.headers); /* read it, answer nothing, close: a keep-alive race lost */
      goto done;
    }
    int sent = copy.headers != NULL ? respond(u, c->fd, &copy) : -1;
    const char *linger = strstr(copy.target, "/close-after/");
    long linger_ms = linger != NULL ? strtol(linger + 13, NULL, 10) : -1;
    free(copy.headers);
    if (sent != 0) goto done;
    served++;
    if (linger_ms >= 0) { /* an idle timeout: close the kept-alive connection a bit later */
      sleep_unless_stopping(u, linger_ms);
      goto done;
    }
  }
done:
  free(buf);
  pthread_mutex_lock(&u->lock);
  for (int i = 0; i < MAX_CONNS; i++) {
    if (u->conn_fd[i] == c->fd) u->conn_fd[i] = -1;
  }
  close(c->fd);
  u->active--;
  pthread_cond_broadcast(&u->idle);
  pthread_mutex_unlock(&u->lock);
  free(c);
  return NULL;
}

static void *accept_main(void *arg) {
  struct tl_upstream *u = arg;
  for (;;) {
    int fd = accept(u->listen_fd, NULL, NULL);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return NULL;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    pthread_mutex_lock(&u->lock);
    int slot = -1;
    for (int i = 0; i < MAX_CONNS && !u->stopping; i++) {
      if (u->conn_fd[i] < 0) {
        slot = i;
        break;
      }
    }
    struct conn *c = slot >= 0 ? malloc(sizeof(*c)) : NULL;
    pthread_t t;
    if (c == NULL) {
      pthread_mutex_unlock(&u->lock);
      close(fd);
      continue;
    }
    c->u = u;
    c->fd = fd;
    c->id = ++u->accepted;
    u->conn_fd[slot] = fd;
    u->active++;
    if (pthread_create(&t, NULL, conn_main, c) != 0) {
      u->conn_fd[slot] = -1;
      u->active--;
      close(fd);
      free(c);
    } else {
      pthread_detach(t);
    }
    pthread_mutex_unlock(&u->lock);
  }
}

int tl_upstream_start(const char *name, struct tl_upstream **out) {
  struct tl_upstream *u = calloc(1, sizeof(*u));
  struct sockaddr_in a;
  socklen_t alen = sizeof(a);
  int one = 1;
  *out = NULL;
  if (u == NULL) return -1;
  snprintf(u->name, sizeof(u->name), "%s", name);
  for (int i = 0; i < MAX_CONNS; i++) u->conn_fd[i] = -1;
  pthread_mutex_init(&u->lock, NULL);
  pthread_cond_init(&u->idle, NULL);
  u->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  setsockopt(u->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (u->listen_fd < 0 || bind(u->listen_fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
      listen(u->listen_fd, 128) != 0 ||
      getsockname(u->listen_fd, (struct sockaddr *)&a, &alen) != 0) {
    if (u->listen_fd >= 0) close(u->listen_fd);
    free(u);
    return -1;
  }
  u->port = ntohs(a.sin_port);
  if (pthread_create(&u->accept_thread, NULL, accept_main, u) != 0) {
    close(u->listen_fd);
    free(u);
    return -1;
  }
  *out = u;
  return 0;
}

int tl_upstream_port(const struct tl_upstream *u) { return u->port; }

void tl_upstream_stop(struct tl_upstream *u) {
  if (u == NULL) return;
  pthread_mutex_lock(&u->lock);
  u->stopping = 1;
  pthread_mutex_unlock(&u->lock);
  shutdown(u->listen_fd, SHUT_RDWR); /* wakes accept() */
  pthread_join(u->accept_thread, NULL);
  close(u->listen_fd);
  pthread_mutex_lock(&u->lock);
  for (int i = 0; i < MAX_CONNS; i++) {
    if (u->conn_fd[i] >= 0) shutdown(u->conn_fd[i], SHUT_RDWR);
  }
  while (u->active > 0) pthread_cond_wait(&u->idle, &u->lock);
  pthread_mutex_unlock(&u->lock);
  for (int i = 0; i < RING; i++) {
    free(u->ring[i].headers);
    free(u->ring[i].body);
  }
  pthread_cond_destroy(&u->idle);
  pthread_mutex_destroy(&u->lock);
  free(u);
}

int tl_upstream_find(struct tl_upstream *u, const char *needle, struct tl_seen *out) {
  int rc = -1;
  memset(out, 0, sizeof(*out));
  pthread_mutex_lock(&u->lock);
  for (long k = u->total - 1; k >= 0 && k >= u->total - RING; k--) {
    const struct record *r = &u->ring[k % RING];
    if (strstr(r->target, needle) == NULL) continue;
    memcpy(out->method, r->method, sizeof(out->method));
    memcpy(out->target, r->target, sizeof(out->target));
    out->headers = strdup(r->headers);
    out->body = malloc(r->body_len + 1);
    if (out->body != NULL) {
      memcpy(out->body, r->body, r->body_len + 1);
      out->body_len = r->body_len;
    }
    out->connection_id = r->conn;
    rc = 0;
    break;
  }
  pthread_mutex_unlock(&u->lock);
  return rc;
}

int tl_upstream_count(struct tl_upstream *u, const char *needle) {
  int n = 0;
  pthread_mutex_lock(&u->lock);
  for (long k = u->total - 1; k >= 0 && k >= u->total - RING; k--) {
    if (strstr(u->ring[k % RING].target, needle) != NULL) n++;
  }
  pthread_mutex_unlock(&u->lock);
  return n;
}

int tl_upstream_connections(struct tl_upstream *u) {
  pthread_mutex_lock(&u->lock);
  int n = u->accepted;
  pthread_mutex_unlock(&u->lock);
  return n;
}

void tl_seen_free(struct tl_seen *s) {
  free(s->headers);
  free(s->body);
  memset(s, 0, sizeof(*s));
}

char *tl_seen_header(const struct tl_seen *s, const char *name) {
  return header_in(s->headers, name);
}

int tl_seen_header_count(const struct tl_seen *s, const char *name) {
  int count = 0;
  size_t n = strlen(name);
  for (const char *p = s->headers; p != NULL && *p;) {
    if (!strncasecmp(p, name, n) && p[n] == ':') count++;
    p = strchr(p, '\n');
    if (p != NULL) p++;
  }
  return count;
}

int tl_free_port(void) {
  struct sockaddr_in a;
  socklen_t alen = sizeof(a);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;
  if (fd < 0) return -1;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
      getsockname(fd, (struct sockaddr *)&a, &alen) == 0) {
    port = ntohs(a.sin_port);
  }
  close(fd);
  return port;
}

pid_t tl_process_start(const char *bin, const char *const *env, const char *log_path) {
  pid_t pid = fork();
  if (pid != 0) return pid; /* parent (or -1) */
  int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  char *const argv[] = {(char *)bin, NULL};
  execve(bin, argv, (char *const *)env);
  _exit(127);
}

int tl_process_exited(pid_t pid, int *status) {
  int st = 0;
  pid_t r = waitpid(pid, &st, WNOHANG);
  if (r == pid && status != NULL) *status = st;
  return r == pid;
}

int tl_process_stop(pid_t pid, long timeout_ms) {
  int st = 0;
  if (pid <= 0) return -1;
  if (kill(pid, SIGTERM) != 0) return waitpid(pid, &st, WNOHANG) == pid ? st : -1;
  for (long waited = 0; waited < timeout_ms; waited += 20) {
    if (waitpid(pid, &st, WNOHANG) == pid) return st;
    struct timespec ts = {0, 20 * 1000000L};
    nanosleep(&ts, NULL);
  }
  kill(pid, SIGKILL);
  return waitpid(pid, &st, 0) == pid ? st : -1;
}
