/* The authority replica's upkeep (see replica.h): following the policy service's facts, the
 * freshness bound, and the in-process cache of reads, dropped whenever a fact is applied. The
 * reads and decisions are in replica_read.c. */
#include "replica.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "replica_internal.h"
#include "service.h"
#include "status.h"

#define DEFAULT_MAX_AGE_MS 5000LL
#define CACHE_SLOTS 4096 /* a slot per key hash; a collision only costs a query */

static struct service *followed;
static long long max_age_ms = DEFAULT_MAX_AGE_MS;

/* ---- following the facts ----------------------------------------------------------------- */

/* A fact event: data {kind, id, version, state}; anything else of policy's feed is not ours. */
static int apply_fact(PGconn *conn, const json_t *event, void *arg) {
  (void)arg;
  const char *type = json_string_value(json_object_get(event, "type"));
  if (type == NULL || strncmp(type, "fact.", 5) != 0) return 0;
  const json_t *data = json_object_get(event, "data");
  const char *kind = json_string_value(json_object_get(data, "kind"));
  const char *id = json_string_value(json_object_get(data, "id"));
  const json_t *version = json_object_get(data, "version");
  const json_t *state = json_object_get(data, "state");
  if (kind == NULL || id == NULL || !json_is_integer(version) || state == NULL) {
    log_error("replica: a %s event without kind, id, version and state; skipped", type);
    return 0; /* retrying cannot mend it; the next fact of the entity will */
  }
  char version_s[24], *state_s = NULL;
  snprintf(version_s, sizeof(version_s), "%" JSON_INTEGER_FORMAT, json_integer_value(version));
  if (!json_is_null(state) && (state_s = json_dumps(state, JSON_COMPACT)) == NULL) return 1;
  const char *params[] = {kind, id, version_s, state_s};
  /* the state is stored whole by replica_apply (replica_migrations/): a member without a column
   * is not kept, a column the fact lacks (a user's mobile before policy published it) keeps its
   * default or NULL */
  int rc =
      db_exec(conn, "SELECT replica_apply($1, $2, $3::bigint, $4::jsonb)", 4, params, NULL, NULL);
  free(state_s);
  /* dropped here and again once committed (fact_committed): what is read in between is kept
   * only until then */
  replica_cache_drop();
  return rc == CS_OK ? 0 : 1;
}

static void fact_committed(const json_t *event, void *arg) {
  (void)arg;
  const char *type = json_string_value(json_object_get(event, "type"));
  if (type != NULL && strncmp(type, "fact.", 5) == 0) replica_cache_drop();
}

int replica_follow(struct service *svc, long long bound_ms) {
  followed = svc;
  max_age_ms = bound_ms > 0 ? bound_ms : DEFAULT_MAX_AGE_MS;
  service_migrations_more(svc, "replica", "common/replica_migrations");
  int rc = service_consume(svc, REPLICA_SOURCE, apply_fact, fact_committed, NULL);
  if (rc != CS_OK) return rc;
  service_feed_bound(svc, REPLICA_SOURCE, max_age_ms);
  return CS_OK;
}

int replica_fresh(struct cs_refusal *err) {
  long long age = followed != NULL ? service_feed_age_ms(followed, REPLICA_SOURCE) : -1;
  if (age >= 0 && age <= max_age_ms) return CS_OK;
  if (age < 0)
    return cs_refuse(err, PROBLEM_UNAVAILABLE,
                     "the authority facts have not been received yet; try again");
  return cs_refuse(err, PROBLEM_UNAVAILABLE,
                   "the authority facts are %lld ms old, more than the %lld ms allowed; "
                   "try again",
                   age, max_age_ms);
}

/* ---- connections --------------------------------------------------------------------------- */

int replica_conn(PGconn *given, PGconn **conn) {
  if (given != NULL) {
    *conn = given;
    return CS_OK;
  }
  if (followed == NULL || followed->pool == NULL) return CS_ERR;
  return db_pool_acquire(followed->pool, conn) == CS_OK ? CS_OK : CS_ERR_TIMEOUT;
}

void replica_conn_done(PGconn *given, PGconn *conn) {
  if (given == NULL && conn != NULL) db_pool_release(followed->pool, conn);
}

/* ---- the cache ---------------------------------------------------------------------------- */

struct slot {
  char key[96];
  unsigned long generation;
  json_t *value; /* NULL: known not to exist */
};

static struct slot cache[CACHE_SLOTS];
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
/* Bumped after every applied fact: entries of an older generation are not used. Starts at 1 so
 * that an empty slot (generation 0) never matches. */
static atomic_ulong generation = 1;

unsigned long replica_cache_generation(void) { return atomic_load(&generation); }

void replica_cache_drop(void) { atomic_fetch_add(&generation, 1); }

static struct slot *slot_of(const char *key) {
  unsigned long h = 1469598103934665603UL; /* FNV-1a */
  for (const unsigned char *p = (const unsigned char *)key; *p; p++) h = (h ^ *p) * 1099511628211UL;
  return &cache[h % CACHE_SLOTS];
}

int replica_cache_get(const char *key, json_t **value) {
  int hit = 0;
  unsigned long now = atomic_load(&generation);
  pthread_mutex_lock(&cache_lock);
  struct slot *s = slot_of(key);
  if (s->generation == now && !strcmp(s->key, key)) {
    *value = s->value != NULL ? json_deep_copy(s->value) : NULL;
    hit = s->value == NULL || *value != NULL;
  }
  pthread_mutex_unlock(&cache_lock);
  return hit;
}

void replica_cache_put(const char *key, unsigned long read_generation, const json_t *value) {
  if (strlen(key) >= sizeof(cache[0].key)) return;
  json_t *copy = value != NULL ? json_deep_copy(value) : NULL;
  if (value != NULL && copy == NULL) return;
  pthread_mutex_lock(&cache_lock);
  struct slot *s = slot_of(key);
  json_t *old = s->value;
  snprintf(s->key, sizeof(s->key), "%s", key);
  /* read before the query: a fact applied meanwhile makes this entry stale at once */
  s->generation = read_generation;
  s->value = copy;
  pthread_mutex_unlock(&cache_lock);
  json_decref(old);
}
