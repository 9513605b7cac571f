/* The SMTP and HTTP providers of the customer service's delivery worker
 * (services/customer/notify/provider_smtp.c, provider_http.c), against a local SMTP sink
 * (postfix's smtp-sink) and an SMS gateway this test plays (a thread with a listening socket that
 * records every request and answers as told). The stack's customer service is stopped and one
 * with these providers and short retries started in its place (envs/customer_notify.env), on the
 * same database; the stack's comes back at the end. Proven: a failing provider is retried with
 * growing delays and the message delivered once when it recovers (HTTP 500s, an SMTP server
 * down); a permanent refusal (a 4xx of the gateway, an SMTP 5xx) is dead at once; a 429 is
 * retried; and a service killed mid-queue loses nothing and doubles nothing once the gateway
 * dedupes by the Idempotency-Key every request carries. */
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "testlib.h"

#define TOKEN "sms-gateway-token-of-the-test"
#define DEAD_PHONE "+46700000400"      /* the gateway refuses it: 400 */
#define THROTTLED_PHONE "+46700000429" /* the gateway answers 429 to its first request */

/* ---- the SMS gateway ------------------------------------------------------------------------- */

struct rx_request {
  char key[64];   /* Idempotency-Key */
  char auth[128]; /* Authorization */
  char id[64], to[32], text[256];
  int status; /* what was answered */
  long long at_ms;
};

static struct {
  int fd, port;
  pthread_t thread;
  volatile int stop;
  pthread_mutex_t mu;
  struct rx_request req[512];
  int n;
  int fail_next; /* answer 500 to this many requests */
  int delay_ms;  /* before each answer */
} rx = {.mu = PTHREAD_MUTEX_INITIALIZER};

static int rx_header(const char *head, const char *name, char *out, size_t len) {
  char pat[64];
  snprintf(pat, sizeof(pat), "\r\n%s:", name);
  const char *p = strcasestr(head, pat);
  if (p == NULL) return -1;
  p += strlen(pat);
  while (*p == ' ') p++;
  size_t n = strcspn(p, "\r\n");
  snprintf(out, len, "%.*s", (int)(n < len ? n : len - 1), p);
  return 0;
}

static void rx_serve(int c) {
  char buf[16384], cl[32] = "0";
  size_t len = 0;
  char *end = NULL;
  while (len < sizeof(buf) - 1 && (end = strstr(buf, "\r\n\r\n")) == NULL) {
    struct pollfd p = {c, POLLIN, 0};
    if (poll(&p, 1, 3000) <= 0) return;
    ssize_t r = recv(c, buf + len, sizeof(buf) - 1 - len, 0);
    if (r <= 0) return;
    len += (size_t)r;
    buf[len] = '\0';
  }
  if (end == NULL) return;
  rx_header(buf, "Content-Length", cl, sizeof(cl));
  size_t want = (size_t)(end + 4 - buf) + (size_t)atol(cl);
  while (len < want && len < sizeof(buf) - 1) {
    ssize_t r = recv(c, buf + len, sizeof(buf) - 1 - len, 0);
    if (r <= 0) return;
    len += (size_t)r;
    buf[len] = '\0';
  }
  struct rx_request q = {.at_ms = tl_now_ms()};
  *end = '\0';
  rx_header(buf, "Idempotency-Key", q.key, sizeof(q.key));
  rx_header(buf, "Authorization", q.auth, sizeof(q.auth));
  json_t *body = json_loads(end + 4, 0, NULL);
  snprintf(q.id, sizeof(q.id), "%s", json_string_value(json_object_get(body, "id")) ?: "");
  snprintf(q.to, sizeof(q.to), "%s", json_string_value(json_object_get(body, "to")) ?: "");
  snprintf(q.text, sizeof(q.text), "%s", json_string_value(json_object_get(body, "text")) ?: "");
  json_decref(body);
  pthread_mutex_lock(&rx.mu);
  int seen = 0;
  for (int i = 0; i < rx.n; i++) seen += strcmp(rx.req[i].key, q.key) == 0;
  if (strcmp(q.to, DEAD_PHONE) == 0)
    q.status = 400;
  else if (strcmp(q.to, THROTTLED_PHONE) == 0 && seen == 0)
    q.status = 429;
  else if (rx.fail_next > 0 && rx.fail_next--)
    q.status = 500;
  else
    q.status = 200;
  int delay = rx.delay_ms;
  if (rx.n < (int)(sizeof(rx.req) / sizeof(rx.req[0]))) rx.req[rx.n++] = q;
  pthread_mutex_unlock(&rx.mu);
  if (delay > 0) usleep((useconds_t)delay * 1000);
  char answer[256];
  int n = snprintf(answer, sizeof(answer),
                   "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                   "Connection: close\r\n\r\n{}",
                   q.status);
  if (send(c, answer, (size_t)n, MSG_NOSIGNAL) < 0) return;
}

static void *rx_main(void *arg) {
  (void)arg;
  while (!rx.stop) {
    struct pollfd p = {rx.fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    int c = accept(rx.fd, NULL, NULL);
    if (c < 0) continue;
    rx_serve(c);
    close(c);
  }
  return NULL;
}

/* A listening socket on 127.0.0.1 and a free port; its port. */
static int listen_any(int *fd) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t alen = sizeof(a);
  *fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(*fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (*fd < 0 || bind(*fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(*fd, 16) != 0 ||
      getsockname(*fd, (struct sockaddr *)&a, &alen) != 0)
    fail_msg("cannot listen");
  return ntohs(a.sin_port);
}

static int free_port(void) {
  int fd, port = listen_any(&fd);
  close(fd);
  return port;
}

/* Requests for id and, of them, those answered 200. */
static int rx_count(const char *id, int *ok) {
  int n = 0, good = 0;
  pthread_mutex_lock(&rx.mu);
  for (int i = 0; i < rx.n; i++)
    if (strcmp(rx.req[i].key, id) == 0) {
      n++;
      good += rx.req[i].status == 200;
    }
  pthread_mutex_unlock(&rx.mu);
  if (ok != NULL) *ok = good;
  return n;
}

/* ---- the SMTP sink and the customer service with these providers ----------------------------- */

static char dir[512];
static int smtp_port, service_port, sink_up, customer_stopped, notify_started;

static void sink_start(const char *reject) {
  assert_int_equal(
      tl_sh("mkdir -p '%s/mail' && chmod 777 '%s/mail' && (smtp-sink %s %s -d '%s/mail/m.'"
            " 127.0.0.1:%d 10 > '%s/sink.log' 2>&1 & echo $! > '%s/sink.pid')",
            dir, dir, geteuid() == 0 ? "-u postfix" : "", reject, dir, smtp_port, dir, dir),
      0);
  sink_up = 1;
  char cmd[64];
  snprintf(cmd, sizeof(cmd), "(exec 3<>/dev/tcp/127.0.0.1/%d) 2>/dev/null", smtp_port);
  for (int i = 0; i < 100 && tl_sh("bash -c '%s'", cmd) != 0; i++) usleep(50000);
}

static void sink_stop(void) {
  if (!sink_up) return;
  tl_sh("kill $(cat '%s/sink.pid') 2>/dev/null; sleep 0.2", dir);
  sink_up = 0;
}

/* Mail files of the sink holding the Message-ID of message id. */
static int mails_of(const char *id) {
  char path[1024], needle[128], line[4096];
  int n = 0;
  snprintf(needle, sizeof(needle), "Message-ID: <%s@", id);
  snprintf(path, sizeof(path), "%s/mail", dir);
  DIR *d = opendir(path);
  if (d == NULL) return 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof(path), "%s/mail/%s", dir, e->d_name);
    FILE *f = fopen(path, "r");
    if (f == NULL) continue;
    while (fgets(line, sizeof(line), f) != NULL)
      if (strstr(line, needle) != NULL) {
        n++;
        break;
      }
    fclose(f);
  }
  closedir(d);
  return n;
}

static int setup(void **state) {
  (void)state;
  const char *stack = tl_env("STACK_DIR");
  snprintf(dir, sizeof(dir), "%s/notify-providers", stack);
  tl_sh("rm -rf '%s' && mkdir -p '%s'", dir, dir);
  rx.port = listen_any(&rx.fd);
  if (pthread_create(&rx.thread, NULL, rx_main, NULL) != 0) return -1;
  smtp_port = free_port();
  service_port = free_port();
  /* the customer service as the stack runs it, with these providers and short retries */
  if (tl_sh("printf '%%s' '" TOKEN "' > '%s/sms-token' && grep -v -e '^PORT=' -e '^NOTIFY_'"
            " '%s/envs/customer.env' > '%s/envs/customer_notify.env' && printf '%%s\\n'"
            " PORT=%d EMAIL_PROVIDER=smtp SMTP_URL=smtp://127.0.0.1:%d"
            " SMTP_FROM=noreply@claimsuite.test SMS_PROVIDER=http"
            " SMS_HTTP_URL=http://127.0.0.1:%d/sms SMS_HTTP_TOKEN_FILE='%s/sms-token'"
            " NOTIFY_RETRY_BASE_MS=200 NOTIFY_RETRY_MAX_MS=1000 NOTIFY_MAX_ATTEMPTS=30"
            " NOTIFY_POLL_MS=50 NOTIFY_SEND_TIMEOUT_MS=2000 NOTIFY_CONNECT_TIMEOUT_MS=500"
            " >> '%s/envs/customer_notify.env'",
            dir, stack, stack, service_port, smtp_port, rx.port, dir, stack) != 0)
    return -1;
  if (tl_stack("kill", "customer") != 0) return -1;
  customer_stopped = 1;
  if (tl_stack("restart", "customer_notify") != 0) return -1;
  notify_started = 1;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  if (notify_started) tl_stack("kill", "customer_notify");
  sink_stop();
  if (customer_stopped) tl_stack("restart", "customer");
  rx.stop = 1;
  pthread_join(rx.thread, NULL);
  close(rx.fd);
  return 0;
}

/* ---- the tests ------------------------------------------------------------------------------- */

static void queue(const char *channel, const char *to, const char *subject, const char *body,
                  char id[37]) {
  char *v = tl_sql(
      "INSERT INTO customer.outgoing_messages (id, channel, recipient, subject, body)"
      " VALUES (gen_random_uuid(), $1, $2, $3, $4) RETURNING id",
      4, (const char *[]){channel, to, subject, body});
  snprintf(id, 37, "%s", v);
  free(v);
}

static int status_is(const char *id, const char *status) {
  char *v = tl_sql("SELECT status FROM customer.outgoing_messages WHERE id = $1", 1,
                   (const char *[]){id});
  int is = v != NULL && strcmp(v, status) == 0;
  free(v);
  return is;
}
static int is_sent(void *id) { return status_is(id, "sent"); }
static int is_dead(void *id) { return status_is(id, "dead"); }
static long attempts(const char *id) {
  return tl_sql_long("SELECT attempts FROM customer.outgoing_messages WHERE id = $1", 1,
                     (const char *[]){id});
}

/* The gateway fails three times, then recovers: three retries, each later than the one before,
 * and one delivery. Every request names the message: its id, the Idempotency-Key, the bearer. */
static void test_sms_recovers(void **state) {
  (void)state;
  char id[37];
  pthread_mutex_lock(&rx.mu);
  rx.fail_next = 3;
  pthread_mutex_unlock(&rx.mu);
  queue("sms", "+46701112233", NULL, "Hej från claimsuite – ärende 42", id);
  assert_true(tl_wait(is_sent, id, 15000));
  int ok = 0;
  assert_int_equal(rx_count(id, &ok), 4);
  assert_int_equal(ok, 1);
  assert_int_equal(attempts(id), 4);
  long long at[4];
  int k = 0;
  pthread_mutex_lock(&rx.mu);
  for (int i = 0; i < rx.n; i++) {
    const struct rx_request *q = &rx.req[i];
    if (strcmp(q->key, id) != 0) continue;
    at[k++] = q->at_ms;
    assert_string_equal(q->id, id);
    assert_string_equal(q->to, "+46701112233");
    assert_string_equal(q->text, "Hej från claimsuite – ärende 42");
    assert_string_equal(q->auth, "Bearer " TOKEN);
  }
  pthread_mutex_unlock(&rx.mu);
  printf("retries after %lld, %lld, %lld ms\n", at[1] - at[0], at[2] - at[1], at[3] - at[2]);
  assert_true(at[1] - at[0] >= 150); /* 200 ms */
  assert_true(at[2] - at[1] >= 350); /* 400 ms */
  assert_true(at[3] - at[2] >= 750); /* 800 ms */
  assert_true(at[3] - at[2] > at[1] - at[0]);
  assert_int_equal(tl_sql_long("SELECT count(*) FROM customer.outgoing_messages WHERE id = $1"
                               " AND sent_at IS NOT NULL AND last_error IS NULL",
                               1, (const char *[]){id}),
                   1);
  sleep(1); /* nothing more is sent */
  assert_int_equal(rx_count(id, NULL), 4);
}

/* A 4xx other than 408/429 is the gateway refusing this message: dead after one request. A 429
 * is "later": sent on the second. */
static void test_sms_refused(void **state) {
  (void)state;
  char dead[37], throttled[37];
  queue("sms", DEAD_PHONE, NULL, "never", dead);
  queue("sms", THROTTLED_PHONE, NULL, "later", throttled);
  assert_true(tl_wait(is_dead, dead, 10000));
  assert_true(tl_wait(is_sent, throttled, 10000));
  assert_int_equal(attempts(dead), 1);
  assert_int_equal(rx_count(dead, NULL), 1);
  char *err = tl_sql("SELECT last_error FROM customer.outgoing_messages WHERE id = $1", 1,
                     (const char *[]){dead});
  assert_non_null(strstr(err, "400"));
  free(err);
  int ok = 0;
  assert_int_equal(rx_count(throttled, &ok), 2);
  assert_int_equal(ok, 1);
  sleep(1);
  assert_int_equal(rx_count(dead, NULL), 1);
}

static int retried_twice(void *id) { return attempts(id) >= 2; }

/* The SMTP server is down: the mail waits, retried; once it is up the mail arrives once, with
 * its Message-ID and its subject encoded for a mail header. */
static void test_smtp_recovers(void **state) {
  (void)state;
  char id[37], path[1024], line[4096];
  queue("email", "kund@example.se", "Ditt ärende är uppdaterat", "Hej!\nNågot har hänt.", id);
  assert_true(tl_wait(retried_twice, id, 10000));
  assert_true(status_is(id, "pending") || status_is(id, "sending"));
  char *err = tl_sql("SELECT last_error FROM customer.outgoing_messages WHERE id = $1", 1,
                     (const char *[]){id});
  assert_non_null(err);
  free(err);
  sink_start("");
  assert_true(tl_wait(is_sent, id, 10000));
  assert_int_equal(mails_of(id), 1);
  /* the mail as the sink received it */
  snprintf(path, sizeof(path), "%s/mail", dir);
  int subject = 0, to = 0;
  DIR *d = opendir(path);
  assert_non_null(d);
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof(path), "%s/mail/%s", dir, e->d_name);
    FILE *f = fopen(path, "r");
    while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
      subject += strncmp(line, "Subject: =?UTF-8?B?", 19) == 0;
      to += strstr(line, "To: <kund@example.se>") == line;
    }
    if (f != NULL) fclose(f);
  }
  closedir(d);
  assert_int_equal(subject, 1);
  assert_int_equal(to, 1);
  sleep(1);
  assert_int_equal(mails_of(id), 1);
}

/* An SMTP server that refuses the recipient for good (5xx): dead at once, nothing delivered. */
static void test_smtp_refused(void **state) {
  (void)state;
  char id[37];
  sink_stop();
  sink_start("-f rcpt");
  queue("email", "nobody@example.se", "Refused", "never", id);
  assert_true(tl_wait(is_dead, id, 10000));
  assert_int_equal(attempts(id), 1);
  assert_int_equal(mails_of(id), 0);
  char *err = tl_sql("SELECT last_error FROM customer.outgoing_messages WHERE id = $1", 1,
                     (const char *[]){id});
  printf("refused: %s\n", err);
  free(err);
  sink_stop();
  sink_start("");
}

#define MANY 15

static int some_delivered(void *arg) {
  const char(*ids)[37] = arg;
  int n = 0;
  for (int i = 0; i < MANY; i++) {
    int ok = 0;
    rx_count(ids[i], &ok);
    n += ok > 0;
  }
  return n >= 4;
}

static int all_sent(void *arg) {
  const char(*ids)[37] = arg;
  for (int i = 0; i < MANY; i++)
    if (!status_is(ids[i], "sent")) return 0;
  return 1;
}

/* The service killed (SIGKILL) with the queue half sent, started again: every message is
 * delivered — the one whose send was cut off again once its lease has run out — and, the
 * gateway keeping Idempotency-Keys, none twice. */
static void test_restart_mid_queue(void **state) {
  (void)state;
  char ids[MANY][37], text[32];
  pthread_mutex_lock(&rx.mu);
  rx.delay_ms = 150;
  int before = rx.n;
  pthread_mutex_unlock(&rx.mu);
  for (int i = 0; i < MANY; i++) {
    snprintf(text, sizeof(text), "message %d", i);
    queue("sms", "+46709998877", NULL, text, ids[i]);
  }
  assert_true(tl_wait(some_delivered, ids, 15000));
  assert_int_equal(tl_stack("kill", "customer_notify KILL"), 0);
  int delivered_before = 0;
  for (int i = 0; i < MANY; i++) delivered_before += status_is(ids[i], "sent");
  assert_true(delivered_before < MANY);
  assert_int_equal(tl_stack("restart", "customer_notify"), 0);
  /* a send cut off by the kill waits out its lease: the send timeout + 10 s */
  assert_true(tl_wait(all_sent, ids, 40000));
  pthread_mutex_lock(&rx.mu);
  rx.delay_ms = 0;
  int requests = rx.n - before;
  pthread_mutex_unlock(&rx.mu);
  int doubled = 0;
  for (int i = 0; i < MANY; i++) {
    int ok = 0;
    rx_count(ids[i], &ok);
    assert_true(ok >= 1); /* not lost */
    doubled += ok - 1;
  }
  printf("%d sent before the kill, %d requests for %d messages, %d repeated\n", delivered_before,
         requests, MANY, doubled);
  /* at most the one in flight at the kill reached the gateway twice, under the same key */
  assert_true(doubled <= 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sms_recovers),      cmocka_unit_test(test_sms_refused),
      cmocka_unit_test(test_smtp_recovers),     cmocka_unit_test(test_smtp_refused),
      cmocka_unit_test(test_restart_mid_queue),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
