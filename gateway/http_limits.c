/* Rate limits per caller at the gateway (see http_limits.h). */
#include "http_limits.h"

#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "log.h"
#include "rate_limit.h"
#include "rate_limit_redis.h"
#include "status.h"

/* Keys kept: a slot is 16 bytes, so 1 MiB; beyond it the least active callers are forgotten */
#define LIMIT_TABLE_SLOTS 65536
#define KEY_MAX 320

enum limit_kind { LIMIT_USER, LIMIT_CLIENT, LIMIT_ADDRESS, LIMIT_COUNT };
static const char *const limit_names[LIMIT_COUNT] = {"user", "client", "address"};

struct gw_limits {
  long per_minute[LIMIT_COUNT]; /* 0: that limit is off */
  long burst[LIMIT_COUNT];
  struct gw_rate_table *table;  /* this replica's buckets */
  struct gw_rate_redis *shared; /* every replica's (REDIS_HOST), NULL: none */
  atomic_long refused[LIMIT_COUNT];
  atomic_long judged_locally; /* by table while shared could not answer */
};

int gw_limits_new(const struct gw_config *cfg, struct gw_limits **out) {
  struct gw_limits *l = calloc(1, sizeof(*l));
  if (l == NULL) return CS_ERR_NOMEM;
  l->per_minute[LIMIT_USER] = cfg->rate_limit_user;
  l->per_minute[LIMIT_CLIENT] = cfg->rate_limit_client;
  l->per_minute[LIMIT_ADDRESS] = cfg->rate_limit_address;
  for (int k = 0; k < LIMIT_COUNT; k++) {
    /* no burst set: a whole minute's requests may come at once */
    long b = cfg->rate_limit_burst;
    l->burst[k] = b > 0 && b < l->per_minute[k] ? b : l->per_minute[k];
  }
  int rc = gw_rate_table_new(LIMIT_TABLE_SLOTS, &l->table);
  if (rc == CS_OK && cfg->redis_host != NULL && cfg->redis_host[0] != '\0') {
    const struct gw_rate_redis_settings shared = {
        .host = cfg->redis_host,
        .port = (int)cfg->redis_port,
        .user = cfg->redis_user,
        .password = cfg->redis_password,
        .timeout_ms = cfg->rate_limit_redis_timeout_ms,
        .connections = cfg->rate_limit_redis_connections,
    };
    rc = gw_rate_redis_new(&shared, &l->shared);
    if (rc == CS_OK)
      log_info("rate limits shared by every replica through Redis %s:%ld", cfg->redis_host,
               cfg->redis_port);
  }
  if (rc != CS_OK) {
    gw_limits_free(l);
    return rc;
  }
  *out = l;
  return CS_OK;
}

void gw_limits_free(struct gw_limits *l) {
  if (l == NULL) return;
  gw_rate_redis_free(l->shared);
  gw_rate_table_free(l->table);
  free(l);
}

/* The client's address as text (a Redis key an operator can read). ulfius keeps
 * sizeof(struct sockaddr) bytes of the peer's address: an IPv4 one whole, of an IPv6 one its
 * first 8 bytes (its /64 network, which is what one IPv6 client usually holds anyway). */
static size_t address_key(const struct _u_request *req, char *key, size_t len) {
  const struct sockaddr *sa = req->client_address;
  if (sa == NULL || len < INET_ADDRSTRLEN) return 0;
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *in = (const void *)sa;
    return inet_ntop(AF_INET, &in->sin_addr, key, (socklen_t)len) != NULL ? strlen(key) : 0;
  }
  /* sa_data of an IPv6 address: port (2), flow info (4), then the address */
  if (sa->sa_family == AF_INET6) {
    const unsigned char *a = (const unsigned char *)sa->sa_data + 6;
    return (size_t)snprintf(key, len, "%02x%02x:%02x%02x:%02x%02x:%02x%02x::/64", a[0], a[1], a[2],
                            a[3], a[4], a[5], a[6], a[7]);
  }
  return 0;
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int gw_limits_check(struct gw_limits *l, const struct _u_request *req, const json_t *claims,
                    struct _u_response *resp) {
  char key[KEY_MAX];
  size_t klen;
  int kind;
  const char *sub = json_string_value(json_object_get(claims, "sub"));
  if (claims != NULL && sub != NULL) {
    const char *who = json_string_value(json_object_get(claims, "kind"));
    /* tokens of API clients and of the platform operator say so; a user's says "user" */
    kind = who != NULL && strcmp(who, "user") != 0 ? LIMIT_CLIENT : LIMIT_USER;
    /* the kind is part of the key: a client and a user never share a bucket */
    klen = (size_t)snprintf(key, sizeof(key), "%c:%s", kind == LIMIT_CLIENT ? 'c' : 'u', sub);
    if (klen >= sizeof(key)) klen = sizeof(key) - 1;
  } else {
    kind = LIMIT_ADDRESS;
    key[0] = 'a';
    key[1] = ':';
    klen = 2 + address_key(req, key + 2, sizeof(key) - 2);
  }
  if (l->per_minute[kind] <= 0) return 0;

  struct gw_rate_verdict v;
  if (l->shared == NULL ||
      gw_rate_redis_take(l->shared, key, klen, l->per_minute[kind], l->burst[kind], &v) != CS_OK) {
    /* Redis could not say (down, slow, refusing): judge by this replica's own table. Failing
     * open to the per-replica limit, not closed with 429 or 503: the limit protects the
     * services from a caller, and refusing every caller while Redis is out would turn a cache
     * outage into a whole outage; the local table still holds any one caller to the limit per
     * replica, so the worst case is N times the limit for as long as Redis is gone. */
    if (l->shared != NULL) atomic_fetch_add(&l->judged_locally, 1);
    gw_rate_take(l->table, key, klen, l->per_minute[kind], l->burst[kind], now_ns(), &v);
  }
  char policy[96], state[96], retry[24];
  snprintf(policy, sizeof(policy), "\"%s\";q=%ld;w=60", limit_names[kind], l->per_minute[kind]);
  snprintf(state, sizeof(state), "\"%s\";r=%ld;t=%ld", limit_names[kind], v.remaining,
           v.allowed ? v.reset_s : v.retry_after_s);
  if (!v.allowed) {
    char detail[128];
    atomic_fetch_add(&l->refused[kind], 1);
    snprintf(detail, sizeof(detail), "more than %ld requests a minute for this %s",
             l->per_minute[kind], kind == LIMIT_ADDRESS ? "client address" : limit_names[kind]);
    http_problem(resp, PROBLEM_RATE_LIMITED, detail);
    snprintf(retry, sizeof(retry), "%ld", v.retry_after_s);
    u_map_put(resp->map_header, "Retry-After", retry);
  }
  u_map_put(resp->map_header, "RateLimit-Policy", policy);
  u_map_put(resp->map_header, "RateLimit", state);
  return !v.allowed;
}

void gw_limits_metrics(struct gw_limits *l, FILE *f) {
  fputs(
      "# HELP gateway_rate_limited_total Requests answered 429 by the gateway's rate limits.\n"
      "# TYPE gateway_rate_limited_total counter\n",
      f);
  for (int k = 0; k < LIMIT_COUNT; k++) {
    fprintf(f, "gateway_rate_limited_total{limit=\"%s\"} %ld\n", limit_names[k],
            atomic_load(&l->refused[k]));
  }
  if (l->shared == NULL) return;
  fprintf(f,
          "# HELP gateway_rate_limit_store_errors_total Failures of the Redis the rate limits "
          "are shared through (connects, timeouts, error replies).\n"
          "# TYPE gateway_rate_limit_store_errors_total counter\n"
          "gateway_rate_limit_store_errors_total %ld\n"
          "# HELP gateway_rate_limit_local_total Requests judged by this replica's own buckets "
          "because the shared ones could not answer.\n"
          "# TYPE gateway_rate_limit_local_total counter\n"
          "gateway_rate_limit_local_total %ld\n",
          gw_rate_redis_errors(l->shared), atomic_load(&l->judged_locally));
}
