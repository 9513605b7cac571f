/* A small LRU of compressed answers, by content (see compress_cache.h). */
#include "compress_cache.h"

#include <gnutls/crypto.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

#define ENTRIES 16 /* the gateway's own documents and a few more; a search is a short scan */

struct entry {
  unsigned char digest[GW_DIGEST_LEN];
  int coding;
  unsigned char *data; /* NULL: a free entry */
  size_t len;
  uint64_t used; /* when last found or kept (the cache's clock) */
};

struct gw_compress_cache {
  pthread_mutex_t lock;
  size_t max_bytes, bytes;
  uint64_t clock;
  struct entry e[ENTRIES];
};

int gw_compress_cache_new(size_t max_bytes, struct gw_compress_cache **out) {
  struct gw_compress_cache *c = calloc(1, sizeof(*c));
  if (c == NULL) return CS_ERR_NOMEM;
  pthread_mutex_init(&c->lock, NULL);
  c->max_bytes = max_bytes;
  *out = c;
  return CS_OK;
}

void gw_compress_cache_free(struct gw_compress_cache *c) {
  if (c == NULL) return;
  for (int i = 0; i < ENTRIES; i++) free(c->e[i].data);
  pthread_mutex_destroy(&c->lock);
  free(c);
}

int gw_compress_digest(const void *data, size_t len, unsigned char digest[GW_DIGEST_LEN]) {
  return gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, digest) == 0 ? CS_OK : CS_ERR;
}

static struct entry *find(struct gw_compress_cache *c, const unsigned char *digest, int coding) {
  for (int i = 0; i < ENTRIES; i++) {
    struct entry *e = &c->e[i];
    if (e->data != NULL && e->coding == coding && !memcmp(e->digest, digest, GW_DIGEST_LEN))
      return e;
  }
  return NULL;
}

unsigned char *gw_compress_cache_get(struct gw_compress_cache *c,
                                     const unsigned char digest[GW_DIGEST_LEN], int coding,
                                     size_t *len) {
  unsigned char *copy = NULL;
  pthread_mutex_lock(&c->lock);
  struct entry *e = find(c, digest, coding);
  if (e != NULL && (copy = malloc(e->len)) != NULL) {
    memcpy(copy, e->data, e->len);
    *len = e->len;
    e->used = ++c->clock;
  }
  pthread_mutex_unlock(&c->lock);
  return copy;
}

static void drop(struct gw_compress_cache *c, struct entry *e) {
  c->bytes -= e->len;
  free(e->data);
  e->data = NULL;
  e->len = 0;
}

void gw_compress_cache_put(struct gw_compress_cache *c, const unsigned char digest[GW_DIGEST_LEN],
                           int coding, const void *data, size_t len) {
  if (len == 0 || len > c->max_bytes / 4) return;
  unsigned char *copy = malloc(len); /* made before the lock: the lock guards only the table */
  if (copy == NULL) return;
  memcpy(copy, data, len);
  pthread_mutex_lock(&c->lock);
  if (find(c, digest, coding) != NULL) { /* another thread kept it meanwhile */
    pthread_mutex_unlock(&c->lock);
    free(copy);
    return;
  }
  for (;;) { /* the least recently used go until there is a free entry and room */
    struct entry *lru = NULL, *free_entry = NULL;
    for (int i = 0; i < ENTRIES; i++) {
      struct entry *e = &c->e[i];
      if (e->data == NULL) {
        if (free_entry == NULL) free_entry = e;
      } else if (lru == NULL || e->used < lru->used) {
        lru = e;
      }
    }
    if (free_entry != NULL && c->bytes + len <= c->max_bytes) {
      memcpy(free_entry->digest, digest, GW_DIGEST_LEN);
      free_entry->coding = coding;
      free_entry->data = copy;
      free_entry->len = len;
      free_entry->used = ++c->clock;
      c->bytes += len;
      break;
    }
    drop(c, lru); /* never NULL here: a full table or too many bytes means entries are kept */
  }
  pthread_mutex_unlock(&c->lock);
}
