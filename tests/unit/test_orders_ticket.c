/* The pure rules of the ticket worker (services/orders/ticket/ticket.c): which answers of the
 * ticket endpoint name a ticket, and the retry backoff. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "../../services/orders/ticket/ticket.c"

/* The reference of an answer, or NULL when it names none (err then says why). */
static char *ref_of(long status, const char *body, char *err, size_t errlen) {
  char *ref = (char *)"unchanged";
  int rc = orders_ticket_answer(status, body, body != NULL ? strlen(body) : 0, &ref, err, errlen);
  if (rc != CS_OK) assert_null(ref);
  return rc == CS_OK ? ref : NULL;
}

static void test_answers(void **state) {
  (void)state;
  char err[256] = "", *r;
  assert_string_equal(r = ref_of(201, "{\"ticket_ref\":\"INC-1\"}", err, sizeof(err)), "INC-1");
  free(r);
  assert_string_equal(r = ref_of(200, "{\"id\":\"INC-2\",\"x\":1}", err, sizeof(err)), "INC-2");
  free(r);
  assert_string_equal(r = ref_of(200, "{\"id\":12345}", err, sizeof(err)), "12345");
  free(r);
  /* ticket_ref wins over id; a null ticket_ref falls back to id */
  assert_string_equal(r = ref_of(200, "{\"id\":\"a\",\"ticket_ref\":\"b\"}", err, 256), "b");
  free(r);
  assert_string_equal(r = ref_of(200, "{\"ticket_ref\":null,\"id\":\"a\"}", err, 256), "a");
  free(r);
  /* failures: status, no body, not JSON, no reference, an unusable one, duplicate keys */
  assert_null(ref_of(503, "{\"ticket_ref\":\"INC-1\"}", err, sizeof(err)));
  assert_non_null(strstr(err, "503"));
  assert_null(ref_of(302, NULL, err, sizeof(err)));
  assert_null(ref_of(201, NULL, err, sizeof(err)));
  assert_non_null(strstr(err, "without a usable"));
  assert_null(ref_of(201, "INC-1", err, sizeof(err)));
  assert_null(ref_of(201, "{}", err, sizeof(err)));
  assert_null(ref_of(201, "{\"ticket_ref\":\"\"}", err, sizeof(err)));
  assert_null(ref_of(201, "{\"ticket_ref\":\"a\\nb\"}", err, sizeof(err)));
  assert_null(ref_of(201, "{\"ticket_ref\":true}", err, sizeof(err)));
  assert_null(ref_of(201, "{\"id\":1.5}", err, sizeof(err)));
  assert_null(ref_of(201, "{\"ticket_ref\":\"a\",\"ticket_ref\":\"b\"}", err, sizeof(err)));
  /* the longest the orders table keeps, and one more */
  char longest[ORDERS_TICKET_REF_MAX + 2], big[ORDERS_TICKET_REF_MAX + 32];
  memset(longest, 'x', ORDERS_TICKET_REF_MAX);
  longest[ORDERS_TICKET_REF_MAX] = '\0';
  snprintf(big, sizeof(big), "{\"ticket_ref\":\"%s\"}", longest);
  assert_string_equal(r = ref_of(201, big, err, sizeof(err)), longest);
  free(r);
  snprintf(big, sizeof(big), "{\"ticket_ref\":\"%sx\"}", longest);
  assert_null(ref_of(201, big, err, sizeof(err)));
}

static void test_backoff(void **state) {
  (void)state;
  assert_int_equal(orders_ticket_backoff_ms(1000, 600000, 1), 1000);
  assert_int_equal(orders_ticket_backoff_ms(1000, 600000, 2), 2000);
  assert_int_equal(orders_ticket_backoff_ms(1000, 600000, 3), 4000);
  assert_int_equal(orders_ticket_backoff_ms(1000, 600000, 10), 512000);
  assert_int_equal(orders_ticket_backoff_ms(1000, 600000, 11), 600000);     /* capped */
  assert_int_equal(orders_ticket_backoff_ms(1000, 600000, 100000), 600000); /* no overflow */
  assert_int_equal(orders_ticket_backoff_ms(1000, 500, 1), 500);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_answers),
      cmocka_unit_test(test_backoff),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
