/* Request ids: which client ids are kept, and the fast generator's UUIDs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "http.h"
#include "ids.h"
#include "request_id.h"

static void test_valid(void **state) {
  (void)state;
  char id[130];
  assert_true(request_id_valid("abc-DEF_1.2"));
  assert_true(request_id_valid("0c4b4c5e-8c1f-4a3e-9d2b-6f0e2b7a9c11"));
  assert_false(request_id_valid(NULL));
  assert_false(request_id_valid(""));
  assert_false(request_id_valid("a b"));
  assert_false(request_id_valid("a/b"));
  assert_false(request_id_valid("a\"b"));
  assert_false(request_id_valid("é"));
  memset(id, 'x', 128);
  id[128] = '\0';
  assert_true(request_id_valid(id));
  id[128] = 'x';
  id[129] = '\0';
  assert_false(request_id_valid(id));
}

static void test_new_ids_are_distinct_uuids_v4(void **state) {
  (void)state;
  static char ids[200][37];
  for (int i = 0; i < 200; i++) { /* more than one reserve of random bytes */
    request_id_new(ids[i]);
    assert_true(ids_is_uuid(ids[i]));
    assert_int_equal(ids[i][14], '4');
    assert_non_null(strchr("89ab", ids[i][19]));
    for (int j = 0; j < i; j++) assert_string_not_equal(ids[i], ids[j]);
  }
}

static void test_of_request(void **state) {
  (void)state;
  struct _u_request req;
  char rid[REQUEST_ID_MAX + 1];
  ulfius_init_request(&req);
  request_id_of(&req, rid);
  assert_true(ids_is_uuid(rid));
  u_map_put(req.map_header, "X-Request-Id", "trace-abc.123");
  request_id_of(&req, rid);
  assert_string_equal(rid, "trace-abc.123");
  u_map_put(req.map_header, "X-Request-Id", "has spaces and \"quotes\"");
  request_id_of(&req, rid);
  assert_true(ids_is_uuid(rid)); /* replaced, not echoed */
  ulfius_clean_request(&req);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_valid),
      cmocka_unit_test(test_new_ids_are_distinct_uuids_v4),
      cmocka_unit_test(test_of_request),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
