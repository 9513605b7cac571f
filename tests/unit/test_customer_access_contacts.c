/* Which contacts of a case the customer page's access setting chooses, and the rest of the pure
 * rules of a grant (services/customer/access/access_rules.c): the phone number an SMS goes to,
 * the contacts a trigger grants access to (reachable, not reached by a live grant yet), and the
 * masked recipient a login names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../services/customer/access/access_rules.c"

/* A case's contacts: two policyholders (one of kind customer), two contact persons, and a
 * contact of a kind the guide does not name (a neighbour). */
static json_t *contacts(void) {
  return json_pack(
      "[{s:s, s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}, {s:s, s:s, s:s},"
      " {s:s, s:s, s:s}]",
      "kind", "policyholder", "name", "Anna Andersson", "phone", "+46 70-123 45 67", "kind",
      "customer", "name", "Bo Berg", "email", "bo@example.se", "kind", "contact", "name",
      "Cecilia Carlsson", "phone", "0046701112233", "email", "cecilia@example.se", "kind",
      "contact", "name", "David Dahl", "email", "david@example.se", "kind", "neighbour", "name",
      "Eva Ek", "phone", "+46709998877");
}

/* The names of the contacts to grant, comma-joined into buf. */
static const char *names(const json_t *picks, char *buf, size_t len) {
  const json_t *p;
  size_t i, o = 0;
  buf[0] = '\0';
  json_array_foreach(picks, i, p) {
    o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? "," : "",
                          json_string_value(json_object_get(p, "name")));
  }
  return buf;
}

static void test_contact_chosen(void **state) {
  (void)state;
  json_t *all = contacts();
  /* policyholder: kinds policyholder and customer; contact_person: kind contact; both: the two;
   * all_contacts: every one */
  const char *access[] = {"policyholder", "contact_person", "both", "all_contacts", "nobody", NULL};
  const int expect[][5] = {
      {1, 1, 0, 0, 0}, {0, 0, 1, 1, 0}, {1, 1, 1, 1, 0}, {1, 1, 1, 1, 1}, {0, 0, 0, 0, 0}};
  for (size_t a = 0; access[a] != NULL; a++)
    for (size_t i = 0; i < 5; i++)
      assert_int_equal(customer_access_contact_chosen(json_array_get(all, i), access[a]),
                       expect[a][i]);
  assert_int_equal(customer_access_contact_chosen(json_array_get(all, 0), NULL), 0);
  json_t *kindless = json_pack("{s:s}", "name", "X");
  assert_int_equal(customer_access_contact_chosen(kindless, "all_contacts"), 0);
  json_decref(kindless);
  json_decref(all);
}

static void test_contacts_to_grant(void **state) {
  (void)state;
  char buf[256];
  json_t *all = contacts(), *none = json_array();
  json_t *p = customer_access_contacts_to_grant(all, "both", none);
  assert_string_equal(names(p, buf, sizeof(buf)),
                      "Anna Andersson,Bo Berg,Cecilia Carlsson,David Dahl");
  /* each as a grant names it: its index, its kind, the phone written for an SMS */
  json_t *anna = json_array_get(p, 0), *cecilia = json_array_get(p, 2);
  assert_int_equal(json_integer_value(json_object_get(anna, "index")), 0);
  assert_string_equal(json_string_value(json_object_get(anna, "phone")), "+46701234567");
  assert_true(json_is_null(json_object_get(anna, "email")));
  assert_string_equal(json_string_value(json_object_get(cecilia, "kind")), "contact");
  assert_string_equal(json_string_value(json_object_get(cecilia, "phone")), "+46701112233");
  assert_string_equal(json_string_value(json_object_get(cecilia, "email")), "cecilia@example.se");
  json_decref(p);

  p = customer_access_contacts_to_grant(all, "policyholder", none);
  assert_string_equal(names(p, buf, sizeof(buf)), "Anna Andersson,Bo Berg");
  json_decref(p);
  p = customer_access_contacts_to_grant(all, "contact_person", none);
  assert_string_equal(names(p, buf, sizeof(buf)), "Cecilia Carlsson,David Dahl");
  json_decref(p);
  p = customer_access_contacts_to_grant(all, "all_contacts", none);
  assert_string_equal(names(p, buf, sizeof(buf)),
                      "Anna Andersson,Bo Berg,Cecilia Carlsson,David Dahl,Eva Ek");
  json_decref(p);

  /* a live grant reaching the same phone (however written) or email (any case) counts */
  json_t *live = json_pack("[{s:s, s:n}, {s:n, s:s}]", "phone", "+46701234567", "email", "phone",
                           "email", "DAVID@example.se");
  p = customer_access_contacts_to_grant(all, "both", live);
  assert_string_equal(names(p, buf, sizeof(buf)), "Bo Berg,Cecilia Carlsson");
  json_decref(p);
  json_decref(live);
  json_decref(all);

  /* nobody without a usable phone or email, nor without a name */
  json_t *unreachable =
      json_pack("[{s:s, s:s}, {s:s, s:s, s:s, s:s}, {s:s, s:s, s:n, s:n}, {s:s, s:s}]", "kind",
                "policyholder", "name", "No Means", "kind", "policyholder", "name", "Bad Means",
                "phone", "call me", "email", "not-an-email", "kind", "contact", "name", "Nulls",
                "phone", "email", "kind", "contact", "phone", "+46701234567");
  p = customer_access_contacts_to_grant(unreachable, "all_contacts", none);
  assert_int_equal(json_array_size(p), 0);
  json_decref(p);
  json_decref(unreachable);
  /* no contacts at all */
  p = customer_access_contacts_to_grant(NULL, "both", none);
  assert_int_equal(json_array_size(p), 0);
  json_decref(p);
  json_decref(none);
}

static void test_phone(void **state) {
  (void)state;
  char out[24];
  const char *good[][2] = {
      {"+46701234567", "+46701234567"},        {"+46 70-123 45 67", "+46701234567"},
      {"0046 (0)70.123", "+46070123"},         {"070-123 45 67", "0701234567"},
      {"  +4512345678", "+4512345678"},        {"123456", "123456"},
      {"+123456789012345", "+123456789012345"}};
  for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
    assert_int_equal(customer_access_phone(good[i][0], out, sizeof(out)), CS_OK);
    assert_string_equal(out, good[i][1]);
  }
  const char *bad[] = {
      NULL, "", "+", "12345", "+1234567890123456", "070 123 45 67 ext 2", "+46+701234567", "phone"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_int_equal(customer_access_phone(bad[i], out, sizeof(out)), CS_ERR_INVALID);
    assert_string_equal(out, bad[i] == NULL ? out : "");
  }
  /* a buffer too small is refused, never overrun */
  char small[5];
  assert_int_equal(customer_access_phone("+46701234567", small, sizeof(small)), CS_ERR_INVALID);
}

static void test_mask(void **state) {
  (void)state;
  char out[64];
  customer_access_mask("sms", "+46701234512", out, sizeof(out));
  assert_string_equal(out, "+46 *** ** 12");
  customer_access_mask("sms", "0701234567", out, sizeof(out));
  assert_string_equal(out, "070 *** ** 67");
  customer_access_mask("sms", "12345", out, sizeof(out));
  assert_string_equal(out, "***");
  customer_access_mask("email", "anna.andersson@example.se", out, sizeof(out));
  assert_string_equal(out, "a***@example.se");
  customer_access_mask("email", "", out, sizeof(out));
  assert_string_equal(out, "");
  /* a short buffer is cut, never overrun */
  char small[6];
  customer_access_mask("sms", "+46701234512", small, sizeof(small));
  assert_string_equal(small, "+46 *");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_contact_chosen),
      cmocka_unit_test(test_contacts_to_grant),
      cmocka_unit_test(test_phone),
      cmocka_unit_test(test_mask),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
