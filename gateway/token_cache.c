/* Per-thread memory of verified tokens. See token_cache.h. */
#include "token_cache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct slot {
  uint64_t hash;
  char *token; /* own copy; NULL when the slot is empty */
  double exp;
  time_t verified_at;
};

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static __thread struct slot *cache; /* GW_TOKEN_CACHE_SLOTS slots, direct-mapped by hash */

static void cache_free(void *p) {
  struct slot *slots = p;
  if (slots == NULL) return;
  for (size_t i = 0; i < GW_TOKEN_CACHE_SLOTS; i++) free(slots[i].token);
  free(slots);
}

static void cache_key_init(void) { pthread_key_create(&cache_key, cache_free); }

static uint64_t fnv1a(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

/* The slot for hash in this thread's cache, or NULL when it cannot be had. */
static struct slot *slot_for(uint64_t hash) {
  if (cache == NULL) {
    pthread_once(&cache_once, cache_key_init);
    cache = calloc(GW_TOKEN_CACHE_SLOTS, sizeof(*cache));
    if (cache == NULL) return NULL;
    pthread_setspecific(cache_key, cache); /* frees it when the thread exits */
  }
  return &cache[hash % GW_TOKEN_CACHE_SLOTS];
}

int gw_token_cache_hit(const char *token) {
  uint64_t hash = fnv1a(token);
  struct slot *s = slot_for(hash);
  time_t now = time(NULL);
  return s != NULL && s->token != NULL && s->hash == hash && (double)now < s->exp &&
         now - s->verified_at < GW_TOKEN_CACHE_TTL_S && strcmp(s->token, token) == 0;
}

void gw_token_cache_put(const char *token, const json_t *claims) {
  uint64_t hash = fnv1a(token);
  struct slot *s = slot_for(hash);
  const json_t *exp = json_object_get(claims, "exp");
  if (s == NULL || !json_is_number(exp)) return;
  char *copy = strdup(token);
  if (copy == NULL) return;
  free(s->token);
  s->token = copy;
  s->hash = hash;
  s->exp = json_number_value(exp);
  s->verified_at = time(NULL);
}
