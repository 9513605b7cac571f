/* Upstream health checks on a thread of their own. See upstream_health.h. */
#include "upstream_health.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deadline.h"
#include "http_client.h"
#include "log.h"
#include "status.h"

#define CHECK_MAX_BYTES 65536 /* a /healthz answer is small: a bigger one fails the check */

struct upstream_state {
  char *url;         /* base URL */
  char *check_url;   /* base URL + "/healthz" */
  int checked;
  int up;
  double latency_s;
  char error[128];
};

struct gw_health {
  struct upstream_state up[GW_UP_COUNT];
  long interval_ms, timeout_ms;
  pthread_mutex_t lock; /* guards up[].checked/up/latency_s/error, stop */
  pthread_cond_t wake;
  int stop;
  int running;
  pthread_t thread;
};

int gw_health_new(char *const urls[GW_UP_COUNT], long interval_ms, long timeout_ms,
                  struct gw_health **out) {
  int rc = CS_ERR_NOMEM;
  pthread_condattr_t attr;
  struct gw_health *h = calloc(1, sizeof(*h));
  if (h == NULL) return CS_ERR_NOMEM;
  h->interval_ms = interval_ms;
  h->timeout_ms = timeout_ms;
  pthread_mutex_init(&h->lock, NULL);
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&h->wake, &attr);
  pthread_condattr_destroy(&attr);
  for (int i = 0; i < GW_UP_COUNT; i++) {
    size_t n = strlen(urls[i]) + sizeof("/healthz");
    h->up[i].url = strdup(urls[i]);
    h->up[i].check_url = malloc(n);
    if (h->up[i].url == NULL || h->up[i].check_url == NULL) goto done;
    snprintf(h->up[i].check_url, n, "%s/healthz", urls[i]);
    snprintf(h->up[i].error, sizeof(h->up[i].error), "not checked yet");
  }
  rc = CS_OK;
done:
  if (rc != CS_OK) {
    gw_health_free(h);
    h = NULL;
  }
  *out = h;
  return rc;
}

/* One check; fills the result fields of a local copy. */
static void check_one(CURL *c, const struct httpc_options *o, const struct upstream_state *u,
                      int *up, double *latency_s, char *error, size_t errlen) {
  struct timespec t0, t1;
  struct httpc_body body;
  long status = 0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int rc = httpc_get(c, o, u->check_url, &status, &body, error, errlen);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  free(body.data);
  *latency_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  *up = rc == CS_OK && status >= 200 && status < 300;
  if (rc != CS_OK) return; /* error says why */
  if (!*up) snprintf(error, errlen, "status %ld", status);
  else error[0] = '\0';
}

static void *health_main(void *arg) {
  struct gw_health *h = arg;
  const struct httpc_options o = {h->timeout_ms, h->timeout_ms, CHECK_MAX_BYTES, NULL, NULL, NULL};
  CURL *c = httpc_handle_new(&o);
  if (c == NULL) {
    log_error("upstream health: could not create the HTTP client handle");
    return NULL;
  }
  pthread_mutex_lock(&h->lock);
  while (!h->stop) {
    pthread_mutex_unlock(&h->lock);
    for (int i = 0; i < GW_UP_COUNT; i++) {
      int up;
      double latency;
      char error[128];
      check_one(c, &o, &h->up[i], &up, &latency, error, sizeof(error));
      pthread_mutex_lock(&h->lock);
      struct upstream_state *u = &h->up[i];
      if (u->checked && u->up != up) {
        if (up) log_info("upstream %s is up again", gw_upstream_name(i));
        else log_warning("upstream %s is down: %s", gw_upstream_name(i), error);
      } else if (!u->checked && !up) {
        log_warning("upstream %s is down: %s", gw_upstream_name(i), error);
      }
      u->checked = 1;
      u->up = up;
      u->latency_s = latency;
      memcpy(u->error, error, sizeof(u->error));
      pthread_mutex_unlock(&h->lock);
    }
    struct timespec until = deadline_after_ms(CLOCK_MONOTONIC, h->interval_ms);
    pthread_mutex_lock(&h->lock);
    while (!h->stop && pthread_cond_timedwait(&h->wake, &h->lock, &until) == 0) {
    }
  }
  pthread_mutex_unlock(&h->lock);
  curl_easy_cleanup(c);
  return NULL;
}

int gw_health_start(struct gw_health *h) {
  if (pthread_create(&h->thread, NULL, health_main, h) != 0) return CS_ERR;
  h->running = 1;
  return CS_OK;
}

void gw_health_stop(struct gw_health *h) {
  if (h == NULL || !h->running) return;
  pthread_mutex_lock(&h->lock);
  h->stop = 1;
  pthread_cond_broadcast(&h->wake);
  pthread_mutex_unlock(&h->lock);
  pthread_join(h->thread, NULL);
  h->running = 0;
}

void gw_health_free(struct gw_health *h) {
  if (h == NULL) return;
  gw_health_stop(h);
  for (int i = 0; i < GW_UP_COUNT; i++) {
    free(h->up[i].url);
    free(h->up[i].check_url);
  }
  pthread_cond_destroy(&h->wake);
  pthread_mutex_destroy(&h->lock);
  free(h);
}

int gw_health_ready(struct gw_health *h) {
  int ready = 1;
  pthread_mutex_lock(&h->lock);
  for (int i = 0; i < GW_UP_COUNT; i++) ready = ready && h->up[i].checked;
  pthread_mutex_unlock(&h->lock);
  return ready;
}

json_t *gw_health_json(struct gw_health *h) {
  json_t *all = json_object();
  if (all == NULL) return NULL;
  pthread_mutex_lock(&h->lock);
  for (int i = 0; i < GW_UP_COUNT; i++) {
    const struct upstream_state *u = &h->up[i];
    json_t *one = json_pack("{s:s, s:s, s:I}", "url", u->url, "status", u->up ? "up" : "down",
                            "latency_ms", (json_int_t)(u->latency_s * 1e3 + 0.5));
    if (one != NULL && !u->up) json_object_set_new(one, "error", json_string(u->error));
    json_object_set_new(all, gw_upstream_name(i), one);
  }
  pthread_mutex_unlock(&h->lock);
  return all;
}

char *gw_health_metrics(struct gw_health *h) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (f == NULL) return NULL;
  fputs("# HELP gateway_upstream_up 1 when the upstream's last /healthz check succeeded.\n"
        "# TYPE gateway_upstream_up gauge\n",
        f);
  pthread_mutex_lock(&h->lock);
  for (int i = 0; i < GW_UP_COUNT; i++) {
    fprintf(f, "gateway_upstream_up{upstream=\"%s\"} %d\n", gw_upstream_name(i), h->up[i].up);
  }
  fputs("# HELP gateway_upstream_check_seconds Duration of the last /healthz check.\n"
        "# TYPE gateway_upstream_check_seconds gauge\n",
        f);
  for (int i = 0; i < GW_UP_COUNT; i++) {
    fprintf(f, "gateway_upstream_check_seconds{upstream=\"%s\"} %.6f\n", gw_upstream_name(i),
            h->up[i].latency_s);
  }
  pthread_mutex_unlock(&h->lock);
  if (fclose(f) != 0) {
    free(text);
    return NULL;
  }
  return text;
}
