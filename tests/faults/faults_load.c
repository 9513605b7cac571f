/* Keyed writes under a fault, and what survived them (see faults.h). */
#include <curl/curl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "faults.h"

long faults_writes(void) {
  static long n;
  if (n == 0) n = strtol(config_env("FAULTS_WRITES", "200"), NULL, 10);
  return n > 0 ? n : 200;
}

long faults_cut_seconds(void) {
  static long n;
  if (n == 0) n = strtol(config_env("FAULTS_CUT_SECONDS", "5"), NULL, 10);
  return n > 0 ? n : 5;
}

int faults_port_of(const char *url) {
  const char *colon = strrchr(url, ':');
  return colon != NULL ? atoi(colon + 1) : 0;
}

struct shared {
  struct fl_load *l;
  pthread_mutex_t lock;
  pthread_cond_t acked; /* signalled on every acknowledgement, for the fault's thread */
  size_t next;
  int done;
};

static void key_of(const struct fl_load *l, size_t i, char *out, size_t len) {
  snprintf(out, len, "Idempotency-Key: %s-%zu", l->run, i);
}

/* The body of a 2xx answer without the members a replay may leave out. New reference. */
static json_t *comparable(const struct fl_load *l, const json_t *body) {
  json_t *copy = json_deep_copy(body);
  for (size_t i = 0; l->volatile_members != NULL && l->volatile_members[i] != NULL; i++)
    json_object_del(copy, l->volatile_members[i]);
  return copy;
}

static long backoff_ms(int attempt) {
  long ms = 50L << (attempt < 4 ? attempt : 4);
  return ms > 500 ? 500 : ms;
}

/* Writes i until a 2xx, an answer that no retry changes, or give_up_ms. */
static void write_one(struct shared *s, size_t i) {
  struct fl_load *l = s->l;
  struct fl_key *k = &l->keys[i];
  char key[96];
  key_of(l, i, key, sizeof(key));
  const char *headers[] = {"Content-Type: application/json", key, l->authorization, NULL};
  char *body = l->body(i, l->body_arg);
  long long start = tl_now_ms();
  long retries = 0, conn = 0, e5xx = 0, e500 = 0, unexpected = 0, given_up = 0, not503 = 0,
       no_retry_after = 0;
  long long slowest = 0;
  for (;;) {
    struct tl_response r;
    k->attempts++;
    long long sent = tl_now_ms();
    int rc = tl_http("POST", l->url, headers, body, strlen(body), 10000, &r);
    if (tl_now_ms() - sent > slowest) slowest = tl_now_ms() - sent;
    k->last_status = rc == 0 ? r.status : 0;
    if (rc == 0 && r.status == 503) {
      char *retry_after = tl_header(&r, "Retry-After");
      no_retry_after += retry_after == NULL;
      free(retry_after);
    } else if (rc == 0 && r.status >= 500) {
      not503++;
    }
    if (rc == 0 && r.status >= 200 && r.status < 300) {
      const char *id = tl_str(r.json, "id");
      snprintf(k->id, sizeof(k->id), "%s", id != NULL ? id : "");
      k->answer = r.json != NULL ? comparable(l, r.json) : json_string(r.body);
      k->acked = 1;
      tl_response_free(&r);
      break;
    }
    if (rc != 0)
      conn++;
    else if (r.status >= 500)
      e5xx++, e500 += r.status == 500;
    else if (r.status != 409 && r.status != 429) {
      if (unexpected++ == 0)
        fprintf(stderr, "write %zu: unexpected %ld %.300s\n", i, r.status, r.body);
      tl_response_free(&r);
      break;
    }
    tl_response_free(&r);
    if (tl_now_ms() - start > l->give_up_ms) {
      given_up++;
      break;
    }
    usleep((useconds_t)backoff_ms(k->attempts) * 1000);
    retries++;
  }
  free(body);
  pthread_mutex_lock(&s->lock);
  l->retries += retries;
  l->connection_errors += conn;
  l->answers_5xx += e5xx;
  l->answers_500 += e500;
  l->unexpected += unexpected;
  l->given_up += given_up;
  l->answers_not_503 += not503;
  l->without_retry_after += no_retry_after;
  if (slowest > l->slowest_ms) l->slowest_ms = slowest;
  if (k->acked) {
    l->acknowledged++;
    l->acked_on_retry += k->attempts > 1;
    l->acked_during_fault += l->fault_started_ms != 0 && l->fault_ended_ms == 0;
    if (l->first_ack_after_fault_ms < 0 && l->fault_ended_ms != 0)
      l->first_ack_after_fault_ms = tl_now_ms() - l->fault_ended_ms;
    pthread_cond_broadcast(&s->acked);
  }
  pthread_mutex_unlock(&s->lock);
}

static void *client(void *arg) {
  struct shared *s = arg;
  for (;;) {
    pthread_mutex_lock(&s->lock);
    size_t i = s->next < s->l->writes ? s->next++ : s->l->writes;
    pthread_mutex_unlock(&s->lock);
    if (i == s->l->writes) return NULL;
    write_one(s, i);
  }
}

/* Waits for fault_after acknowledgements (or the end of the writes), then runs the fault. */
static void *faulter(void *arg) {
  struct shared *s = arg;
  struct fl_load *l = s->l;
  pthread_mutex_lock(&s->lock);
  while (!s->done && (size_t)l->acknowledged < l->fault_after)
    pthread_cond_wait(&s->acked, &s->lock);
  l->fault_started_ms = tl_now_ms();
  pthread_mutex_unlock(&s->lock);
  l->fault(l->fault_arg);
  pthread_mutex_lock(&s->lock);
  l->fault_ended_ms = tl_now_ms();
  pthread_mutex_unlock(&s->lock);
  return NULL;
}

/* Sends every acknowledged key once more, as a client that lost the first answer does. */
static void replay(struct fl_load *l) {
  for (size_t i = 0; i < l->writes; i++) {
    struct fl_key *k = &l->keys[i];
    if (!k->acked) continue;
    char key[96];
    key_of(l, i, key, sizeof(key));
    const char *headers[] = {"Content-Type: application/json", key, l->authorization, NULL};
    char *body = l->body(i, l->body_arg);
    struct tl_response r;
    int same = tl_http("POST", l->url, headers, body, strlen(body), 10000, &r) == 0 &&
               r.status >= 200 && r.status < 300 && r.json != NULL;
    if (same) {
      json_t *again = comparable(l, r.json);
      same = !strcmp(k->id, tl_str(r.json, "id") != NULL ? tl_str(r.json, "id") : "") &&
             json_equal(again, k->answer);
      json_decref(again);
    }
    if (!same && l->replays_differing++ < 3)
      fprintf(stderr, "replay of write %zu answered %ld %.300s\n", i, r.status, r.body);
    tl_response_free(&r);
    free(body);
  }
}

void fl_run(struct fl_load *l) {
  curl_global_init(CURL_GLOBAL_DEFAULT); /* once, before the clients' threads */
  if (l->threads <= 0) l->threads = 16;
  if (l->give_up_ms <= 0) l->give_up_ms = 60000;
  l->keys = calloc(l->writes, sizeof(*l->keys));
  assert_non_null(l->keys);
  struct shared s = {.l = l, .lock = PTHREAD_MUTEX_INITIALIZER, .acked = PTHREAD_COND_INITIALIZER};
  pthread_t clients[64], fault;
  int n = l->threads < 64 ? l->threads : 64;
  l->first_ack_after_fault_ms = -1; /* none yet */
  l->started_ms = tl_now_ms();
  if (l->fault != NULL) assert_int_equal(pthread_create(&fault, NULL, faulter, &s), 0);
  for (int t = 0; t < n; t++) assert_int_equal(pthread_create(&clients[t], NULL, client, &s), 0);
  for (int t = 0; t < n; t++) pthread_join(clients[t], NULL);
  pthread_mutex_lock(&s.lock);
  s.done = 1;
  pthread_cond_broadcast(&s.acked);
  pthread_mutex_unlock(&s.lock);
  if (l->fault != NULL) pthread_join(fault, NULL);
  l->ended_ms = tl_now_ms();
  replay(l);
}

void fl_free(struct fl_load *l) {
  for (size_t i = 0; l->keys != NULL && i < l->writes; i++) json_decref(l->keys[i].answer);
  free(l->keys);
  l->keys = NULL;
}

void fl_count_rows(const struct fl_load *l, const char *sql, struct fl_rows *out) {
  char pattern[64];
  snprintf(pattern, sizeof(pattern), "%s-%%", l->run);
  const char *p[] = {pattern};
  char *found = tl_sql(sql, 1, p);
  int *rows = calloc(l->writes, sizeof(int));
  memset(out, 0, sizeof(*out));
  for (char *tok = found != NULL ? strtok(found, ",") : NULL; tok != NULL;
       tok = strtok(NULL, ",")) {
    char *colon = strchr(tok, ':');
    size_t i = strtoul(tok, NULL, 10);
    if (colon == NULL || i >= l->writes) continue;
    out->rows++;
    /* a row that is not the acknowledged one is a second copy of that write */
    if (rows[i]++ > 0 || (l->keys[i].acked && strcmp(colon + 1, l->keys[i].id) != 0))
      out->duplicated++;
  }
  for (size_t i = 0; i < l->writes; i++)
    if (l->keys[i].acked && rows[i] == 0) out->lost++;
  free(rows);
  free(found);
}

long fl_count_twice(const struct fl_load *l, const char *sql, long *seen) {
  json_t *ids = json_array();
  for (size_t i = 0; i < l->writes; i++)
    if (l->keys[i].acked) json_array_append_new(ids, json_string(l->keys[i].id));
  /* a PostgreSQL array literal of uuids: {a,b,...} */
  size_t len = json_array_size(ids) * 40 + 3, off = 0;
  char *lit = malloc(len);
  lit[off++] = '{';
  for (size_t i = 0; i < json_array_size(ids); i++)
    off += (size_t)snprintf(lit + off, len - off, "%s%s", i ? "," : "",
                            json_string_value(json_array_get(ids, i)));
  snprintf(lit + off, len - off, "}");
  const char *p[] = {lit};
  char *found = tl_sql(sql, 1, p);
  long twice = 0;
  *seen = 0;
  for (char *tok = found != NULL ? strtok(found, ",") : NULL; tok != NULL;
       tok = strtok(NULL, ",")) {
    char *colon = strchr(tok, ':');
    if (colon == NULL) continue;
    (*seen)++;
    if (atol(colon + 1) > 1) twice++;
  }
  free(found);
  free(lit);
  json_decref(ids);
  return twice;
}

void fl_print(const char *scenario, const struct fl_load *l, const struct fl_rows *rows,
              long applied_twice) {
  print_message(
      "%s: writes attempted %zu, acknowledged %ld, lost %ld, duplicated %ld, events applied "
      "twice %ld, replays differing %ld, given up %ld, unexpected %ld; acknowledged on a retry "
      "%ld, while the fault lasted %ld; retries %ld (connection errors %ld, 5xx %ld: 500 %ld, "
      "other than 503 %ld, 503 "
      "without Retry-After %ld); slowest request %lld ms; fault %lld ms after the start, lasted "
      "%lld ms; first success %lld ms after it (-1: none came after it); %lld ms in all\n",
      scenario, l->writes, l->acknowledged, rows->lost, rows->duplicated, applied_twice,
      l->replays_differing, l->given_up, l->unexpected, l->acked_on_retry, l->acked_during_fault,
      l->retries, l->connection_errors, l->answers_5xx, l->answers_500, l->answers_not_503,
      l->without_retry_after, l->slowest_ms, l->fault_started_ms - l->started_ms,
      l->fault_ended_ms - l->fault_started_ms, l->first_ack_after_fault_ms,
      l->ended_ms - l->started_ms);
}
