/* Per-thread memory of verified tokens. See token_memo.h. */
#include "token_memo.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct slot {
  uint64_t hash;
  char *token;    /* own copy; NULL when the slot is empty */
  json_t *claims; /* a reference */
  double exp;
  time_t verified_at;
};

static pthread_key_t memo_key;
static pthread_once_t memo_once = PTHREAD_ONCE_INIT;
static __thread struct slot *memo; /* TOKEN_MEMO_SLOTS slots, direct-mapped by hash */

static void slot_clear(struct slot *s) {
  free(s->token);
  json_decref(s->claims);
  s->token = NULL;
  s->claims = NULL;
}

static void memo_free(void *p) {
  struct slot *slots = p;
  if (slots == NULL) return;
  for (size_t i = 0; i < TOKEN_MEMO_SLOTS; i++) slot_clear(&slots[i]);
  free(slots);
}

static void memo_key_init(void) { pthread_key_create(&memo_key, memo_free); }

static uint64_t fnv1a(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

/* The slot for hash in this thread's memo, or NULL when it cannot be had. */
static struct slot *slot_for(uint64_t hash) {
  if (memo == NULL) {
    pthread_once(&memo_once, memo_key_init);
    memo = calloc(TOKEN_MEMO_SLOTS, sizeof(*memo));
    if (memo == NULL) return NULL;
    pthread_setspecific(memo_key, memo); /* frees it when the thread exits */
  }
  return &memo[hash % TOKEN_MEMO_SLOTS];
}

int token_memo_hit(const char *token, json_t **claims) {
  uint64_t hash = fnv1a(token);
  struct slot *s = slot_for(hash);
  time_t now = time(NULL);
  int hit = s != NULL && s->token != NULL && s->hash == hash && (double)now < s->exp &&
            now - s->verified_at < TOKEN_MEMO_TTL_S && strcmp(s->token, token) == 0;
  if (hit && claims != NULL) *claims = json_incref(s->claims);
  return hit;
}

void token_memo_put(const char *token, json_t *claims) {
  uint64_t hash = fnv1a(token);
  struct slot *s = slot_for(hash);
  const json_t *exp = json_object_get(claims, "exp");
  if (s == NULL || !json_is_number(exp)) return;
  char *copy = strdup(token);
  if (copy == NULL) return;
  slot_clear(s);
  s->token = copy;
  s->claims = json_incref(claims);
  s->hash = hash;
  s->exp = json_number_value(exp);
  s->verified_at = time(NULL);
}
