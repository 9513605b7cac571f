/* A ticket endpoint for the tests, and the orders service pointed at it. See tl_ticket.h. */
#define _GNU_SOURCE /* strcasestr */
#include "tl_ticket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "testlib.h"

#define MAX_REQUESTS 1024
#define MAX_TICKETS 256

struct seen {
  char key[64];
  char *head; /* the header block, NUL-terminated (owned) */
  json_t *body;
  int status; /* what was answered */
  long long at_ms;
};

struct ticket {
  char key[64];
  char order_id[64];
  int number;
};

struct tl_ticket {
  int fd, port;
  char url[64];
  pthread_t thread;
  pthread_mutex_t mu;
  int stop, want_listening, listening;
  int fail_next, fail_status, delay_ms, numeric_id;
  struct seen req[MAX_REQUESTS];
  int nreq;
  struct ticket tickets[MAX_TICKETS];
  int ntickets;
};

static int header_of(const char *head, const char *name, char *out, size_t len) {
  char pat[64];
  snprintf(pat, sizeof(pat), "\r\n%s:", name);
  const char *p = strcasestr(head, pat);
  out[0] = '\0';
  if (p == NULL) return -1;
  p += strlen(pat);
  while (*p == ' ') p++;
  size_t n = strcspn(p, "\r\n");
  snprintf(out, len, "%.*s", (int)(n < len ? n : len - 1), p);
  return 0;
}

/* Reads one request (head and Content-Length body) into buf; the body's start, or NULL. */
static char *read_request(int c, char *buf, size_t cap, size_t *len) {
  char cl[32] = "0", *end = NULL;
  *len = 0;
  while (*len < cap - 1 && (end = strstr(buf, "\r\n\r\n")) == NULL) {
    struct pollfd p = {c, POLLIN, 0};
    if (poll(&p, 1, 3000) <= 0) return NULL;
    ssize_t r = recv(c, buf + *len, cap - 1 - *len, 0);
    if (r <= 0) return NULL;
    *len += (size_t)r;
    buf[*len] = '\0';
  }
  if (end == NULL) return NULL;
  header_of(buf, "Content-Length", cl, sizeof(cl));
  size_t want = (size_t)(end + 4 - buf) + (size_t)atol(cl);
  while (*len < want && *len < cap - 1) {
    ssize_t r = recv(c, buf + *len, cap - 1 - *len, 0);
    if (r <= 0) return NULL;
    *len += (size_t)r;
    buf[*len] = '\0';
  }
  *end = '\0';
  return end + 4;
}

static void serve(struct tl_ticket *t, int c) {
  static char buf[128 * 1024]; /* the endpoint's thread alone */
  char answer[512], body[128];
  size_t len;
  memset(buf, 0, 8);
  char *payload = read_request(c, buf, sizeof(buf), &len);
  if (payload == NULL) return;
  struct seen q = {.at_ms = tl_now_ms(), .head = strdup(buf)};
  header_of(buf, "Idempotency-Key", q.key, sizeof(q.key));
  q.body = json_loads(payload, JSON_REJECT_DUPLICATES, NULL);
  const char *order_id = json_string_value(json_object_get(q.body, "order_id"));
  pthread_mutex_lock(&t->mu);
  int delay = t->delay_ms, number = 0;
  if (t->fail_next > 0) {
    t->fail_next--;
    q.status = t->fail_status;
    snprintf(body, sizeof(body), "{\"error\":\"not now\"}");
  } else {
    for (int i = 0; i < t->ntickets && number == 0; i++)
      if (q.key[0] != '\0' && strcmp(t->tickets[i].key, q.key) == 0) number = t->tickets[i].number;
    q.status = number != 0 ? 200 : 201;
    if (number == 0 && t->ntickets < MAX_TICKETS) {
      struct ticket *k = &t->tickets[t->ntickets++];
      number = k->number = 1000 + t->ntickets;
      snprintf(k->key, sizeof(k->key), "%s", q.key);
      snprintf(k->order_id, sizeof(k->order_id), "%s", order_id != NULL ? order_id : "");
    }
    if (t->numeric_id)
      snprintf(body, sizeof(body), "{\"id\":%d,\"status\":\"new\"}", number);
    else
      snprintf(body, sizeof(body), "{\"ticket_ref\":\"TCK-%d\"}", number);
  }
  if (t->nreq < MAX_REQUESTS)
    t->req[t->nreq++] = q;
  else {
    free(q.head);
    json_decref(q.body);
  }
  int status = q.status;
  pthread_mutex_unlock(&t->mu);
  if (delay > 0) usleep((useconds_t)delay * 1000);
  int n = snprintf(answer, sizeof(answer),
                   "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                   "Connection: close\r\n\r\n%s",
                   status, strlen(body), body);
  if (send(c, answer, (size_t)n, MSG_NOSIGNAL) < 0) return;
}

static int listen_on(int port, int *bound) {
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                          .sin_port = htons((uint16_t)port)};
  socklen_t alen = sizeof(a);
  /* not inherited by the processes the test starts (the orders service): a copy there would
   * keep the port listening while the endpoint is down */
  int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 16) != 0 ||
      getsockname(fd, (struct sockaddr *)&a, &alen) != 0) {
    close(fd);
    return -1;
  }
  *bound = ntohs(a.sin_port);
  return fd;
}

/* The listening socket is the thread's alone: down and up ask, and it opens or closes it. */
static void *ticket_main(void *arg) {
  struct tl_ticket *t = arg;
  for (;;) {
    pthread_mutex_lock(&t->mu);
    int stop = t->stop, want = t->want_listening;
    pthread_mutex_unlock(&t->mu);
    if (stop) break;
    if (!want && t->fd >= 0) {
      close(t->fd);
      t->fd = -1;
    } else if (want && t->fd < 0) {
      int port;
      t->fd = listen_on(t->port, &port);
    }
    pthread_mutex_lock(&t->mu);
    t->listening = t->fd >= 0;
    pthread_mutex_unlock(&t->mu);
    if (t->fd < 0) {
      usleep(20000);
      continue;
    }
    struct pollfd p = {t->fd, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    int c = accept4(t->fd, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0) continue;
    serve(t, c);
    close(c);
  }
  if (t->fd >= 0) close(t->fd);
  return NULL;
}

void tl_ticket_start(struct tl_ticket **out) {
  struct tl_ticket *t = calloc(1, sizeof(*t));
  if (t == NULL) fail_msg("out of memory");
  pthread_mutex_init(&t->mu, NULL);
  /* a port below the ephemeral range: while the endpoint is down, a caller's connect could
   * otherwise be given the endpoint's own port as its source and connect to itself */
  t->fd = -1;
  for (int i = 0; i < 200 && t->fd < 0; i++)
    t->fd = listen_on(20000 + (int)((tl_now_ms() * 7919 + i * 104729) % 12000), &t->port);
  if (t->fd < 0) fail_msg("the ticket endpoint cannot listen");
  snprintf(t->url, sizeof(t->url), "http://127.0.0.1:%d/tickets", t->port);
  t->want_listening = t->listening = 1;
  if (pthread_create(&t->thread, NULL, ticket_main, t) != 0) fail_msg("no thread");
  *out = t;
}

void tl_ticket_stop(struct tl_ticket *t) {
  if (t == NULL) return;
  pthread_mutex_lock(&t->mu);
  t->stop = 1;
  pthread_mutex_unlock(&t->mu);
  pthread_join(t->thread, NULL);
  for (int i = 0; i < t->nreq; i++) {
    free(t->req[i].head);
    json_decref(t->req[i].body);
  }
  pthread_mutex_destroy(&t->mu);
  free(t);
}

const char *tl_ticket_url(const struct tl_ticket *t) { return t->url; }

void tl_ticket_fail_next(struct tl_ticket *t, int n, int status) {
  pthread_mutex_lock(&t->mu);
  t->fail_next = n;
  t->fail_status = status;
  pthread_mutex_unlock(&t->mu);
}

void tl_ticket_delay(struct tl_ticket *t, int ms) {
  pthread_mutex_lock(&t->mu);
  t->delay_ms = ms;
  pthread_mutex_unlock(&t->mu);
}

void tl_ticket_answer_numeric_id(struct tl_ticket *t, int on) {
  pthread_mutex_lock(&t->mu);
  t->numeric_id = on;
  pthread_mutex_unlock(&t->mu);
}

static void set_listening(struct tl_ticket *t, int on) {
  pthread_mutex_lock(&t->mu);
  t->want_listening = on;
  pthread_mutex_unlock(&t->mu);
  for (int i = 0; i < 200; i++) {
    pthread_mutex_lock(&t->mu);
    int now = t->listening;
    pthread_mutex_unlock(&t->mu);
    if (now == on) return;
    usleep(20000);
  }
  fail_msg("the ticket endpoint did not go %s", on ? "up" : "down");
}

void tl_ticket_down(struct tl_ticket *t) { set_listening(t, 0); }
void tl_ticket_up(struct tl_ticket *t) { set_listening(t, 1); }

int tl_ticket_requests(struct tl_ticket *t, const char *key, int *ok) {
  int n = 0, good = 0;
  pthread_mutex_lock(&t->mu);
  for (int i = 0; i < t->nreq; i++)
    if (key == NULL || strcmp(t->req[i].key, key) == 0) {
      n++;
      good += t->req[i].status >= 200 && t->req[i].status < 300;
    }
  pthread_mutex_unlock(&t->mu);
  if (ok != NULL) *ok = good;
  return n;
}

int tl_ticket_created(struct tl_ticket *t, const char *order_id) {
  int n = 0;
  pthread_mutex_lock(&t->mu);
  for (int i = 0; i < t->ntickets; i++) n += strcmp(t->tickets[i].order_id, order_id) == 0;
  pthread_mutex_unlock(&t->mu);
  return n;
}

char *tl_ticket_ref(struct tl_ticket *t, const char *key) {
  char ref[32] = "";
  pthread_mutex_lock(&t->mu);
  for (int i = 0; i < t->ntickets; i++)
    if (strcmp(t->tickets[i].key, key) == 0)
      snprintf(ref, sizeof(ref), t->numeric_id ? "%d" : "TCK-%d", t->tickets[i].number);
  pthread_mutex_unlock(&t->mu);
  return ref[0] != '\0' ? strdup(ref) : NULL;
}

json_t *tl_ticket_last(struct tl_ticket *t, const char *key, const char *header_name, char *header,
                       size_t len) {
  json_t *body = NULL;
  if (header != NULL) header[0] = '\0';
  pthread_mutex_lock(&t->mu);
  for (int i = t->nreq - 1; i >= 0; i--)
    if (strcmp(t->req[i].key, key) == 0) {
      body = json_incref(t->req[i].body);
      if (header != NULL) header_of(t->req[i].head, header_name, header, len);
      break;
    }
  pthread_mutex_unlock(&t->mu);
  return body;
}

int tl_ticket_times(struct tl_ticket *t, const char *key, long long *at, int n) {
  int k = 0;
  pthread_mutex_lock(&t->mu);
  for (int i = 0; i < t->nreq && k < n; i++)
    if (strcmp(t->req[i].key, key) == 0) at[k++] = t->req[i].at_ms;
  pthread_mutex_unlock(&t->mu);
  return k;
}

/* ---- the orders service pointed at the endpoint ------------------------------------------- */

static int orders_swapped;

void tl_ticket_orders_start(const char *const *env) {
  char from[1024], to[1024], line[4096];
  snprintf(from, sizeof(from), "%s/envs/orders.env", tl_env("STACK_DIR"));
  snprintf(to, sizeof(to), "%s/envs/orders_ticket.env", tl_env("STACK_DIR"));
  FILE *in = fopen(from, "r"), *out = fopen(to, "w");
  if (in == NULL || out == NULL) fail_msg("cannot write %s", to);
  /* the same binary, port, database and settings; the ticket settings are the test's */
  while (fgets(line, sizeof(line), in) != NULL)
    if (strncmp(line, "TICKET_", 7) != 0) fputs(line, out);
  for (size_t i = 0; env != NULL && env[i] != NULL; i++) fprintf(out, "%s\n", env[i]);
  fclose(in);
  fclose(out);
  if (orders_swapped) /* started before with other settings */
    tl_stack("kill", "orders_ticket");
  else if (tl_stack("kill", "orders") != 0)
    fail_msg("orders did not stop");
  orders_swapped = 1;
  tl_ticket_orders_restart();
}

void tl_ticket_orders_kill(const char *signal) {
  char args[64];
  snprintf(args, sizeof(args), "orders_ticket %s", signal);
  if (tl_stack("kill", args) != 0) fail_msg("orders_ticket did not stop");
}

void tl_ticket_orders_restart(void) {
  if (tl_stack("restart", "orders_ticket") != 0) fail_msg("orders_ticket did not start");
}

void tl_ticket_orders_restore(void) {
  if (!orders_swapped) return;
  tl_stack("kill", "orders_ticket >/dev/null 2>&1");
  tl_stack("restart", "orders");
  orders_swapped = 0;
}
