/* The gateway's cache of compressed answers: found by content and coding only, least recently
 * used dropped first, never over its size. */
#include "../../gateway/compress_cache.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

static void digest_of(const char *text, unsigned char d[GW_DIGEST_LEN]) {
  assert_int_equal(gw_compress_digest(text, strlen(text), d), CS_OK);
}

/* 1 when c keeps bytes for text in coding, and they are expected. */
static int kept(struct gw_compress_cache *c, const char *text, int coding, const char *expected) {
  unsigned char d[GW_DIGEST_LEN];
  size_t len = 0;
  digest_of(text, d);
  unsigned char *got = gw_compress_cache_get(c, d, coding, &len);
  if (got == NULL) return 0;
  assert_int_equal(len, strlen(expected));
  assert_memory_equal(got, expected, len);
  free(got);
  return 1;
}

static void put(struct gw_compress_cache *c, const char *text, int coding, const char *data,
                size_t len) {
  unsigned char d[GW_DIGEST_LEN];
  digest_of(text, d);
  gw_compress_cache_put(c, d, coding, data, len);
}

static void test_by_content_and_coding(void **state) {
  (void)state;
  struct gw_compress_cache *c = NULL;
  assert_int_equal(gw_compress_cache_new(1 << 20, &c), CS_OK);
  put(c, "the document", 1, "gz-bytes", 8);
  put(c, "the document", 2, "br-bytes", 8);
  assert_true(kept(c, "the document", 1, "gz-bytes"));
  assert_true(kept(c, "the document", 2, "br-bytes"));
  assert_false(kept(c, "the document!", 1, "gz-bytes")); /* other bytes: nothing */
  assert_false(kept(c, "the document", 3, ""));
  /* kept once: a second put of the same key changes nothing */
  put(c, "the document", 1, "other", 5);
  assert_true(kept(c, "the document", 1, "gz-bytes"));
  gw_compress_cache_free(c);
  gw_compress_cache_free(NULL);
}

static void test_least_recently_used_goes(void **state) {
  (void)state;
  struct gw_compress_cache *c = NULL;
  char text[32], data[32];
  assert_int_equal(gw_compress_cache_new(1 << 20, &c), CS_OK);
  for (int i = 0; i < ENTRIES; i++) {
    snprintf(text, sizeof(text), "doc %d", i);
    snprintf(data, sizeof(data), "z%d", i);
    put(c, text, 1, data, strlen(data));
  }
  assert_true(kept(c, "doc 0", 1, "z0")); /* doc 0 used again: doc 1 is now the oldest */
  put(c, "one more", 1, "m", 1);
  assert_true(kept(c, "one more", 1, "m"));
  assert_true(kept(c, "doc 0", 1, "z0"));
  assert_false(kept(c, "doc 1", 1, "z1"));
  assert_true(kept(c, "doc 2", 1, "z2"));
  gw_compress_cache_free(c);
}

static void test_size_bound(void **state) {
  (void)state;
  struct gw_compress_cache *c = NULL;
  static char big[300];
  memset(big, 'b', sizeof(big));
  assert_int_equal(gw_compress_cache_new(1000, &c), CS_OK);
  /* over a quarter of the cache: never kept */
  put(c, "huge", 1, big, 251);
  assert_false(kept(c, "huge", 1, ""));
  /* four of 250 fill it; a fifth pushes out the oldest */
  const char *names[] = {"a", "b", "c", "d", "e"};
  for (int i = 0; i < 5; i++) put(c, names[i], 1, big, 250);
  assert_true(c->bytes <= 1000);
  unsigned char d[GW_DIGEST_LEN];
  size_t len;
  digest_of("a", d);
  assert_null(gw_compress_cache_get(c, d, 1, &len));
  digest_of("e", d);
  unsigned char *got = gw_compress_cache_get(c, d, 1, &len);
  assert_non_null(got);
  assert_int_equal(len, 250);
  free(got);
  gw_compress_cache_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_by_content_and_coding),
      cmocka_unit_test(test_least_recently_used_goes),
      cmocka_unit_test(test_size_bound),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
