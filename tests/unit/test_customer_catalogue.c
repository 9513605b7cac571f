/* The customer service's message catalogue (services/customer/notify/catalogue.c): a missing
 * text falls back to English, placeholders are replaced once (a value holding "{x}" is copied as
 * it is), unknown ones stay, bad files are refused; and the repository's catalogues
 * (services/customer/messages/) all have English's keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../services/customer/notify/catalogue.c"
#include "status.h"

static char dir[64];

static void write_file(const char *name, const char *text) {
  char path[128];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static void remove_files(void) {
  const char *names[] = {"en.json", "sv.json", "nb.json", "da.json", "fi.json"};
  char path[128];
  for (size_t i = 0; i < 5; i++) {
    snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
    unlink(path);
  }
}

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof(dir), "/tmp/catalogue-XXXXXX");
  return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  remove_files();
  return rmdir(dir);
}

static void test_fallback_and_placeholders(void **state) {
  (void)state;
  struct customer_catalogue *cat = NULL;
  char err[256];
  write_file("en.json", "{\"greet\": \"Hello {name}, case {case}\", \"bye\": \"Bye {name}\"}");
  write_file("sv.json", "{\"greet\": \"Hej {name}, ärende {case}\"}");
  assert_int_equal(customer_catalogue_load(dir, &cat, err, sizeof(err)), CS_OK);

  json_t *values = json_pack("{s:s, s:s}", "name", "{case}", "case", "C-1");
  char *s = customer_catalogue_render(cat, "sv", "greet", values);
  assert_string_equal(s, "Hej {case}, ärende C-1"); /* the value's "{case}" is not expanded */
  free(s);
  s = customer_catalogue_render(cat, "sv", "bye", values); /* sv lacks it: English */
  assert_string_equal(s, "Bye {case}");
  free(s);
  s = customer_catalogue_render(cat, "fi", "greet", values); /* no fi file: English */
  assert_string_equal(s, "Hello {case}, case C-1");
  free(s);
  s = customer_catalogue_render(cat, NULL, "greet", values);
  assert_string_equal(s, "Hello {case}, case C-1");
  free(s);
  assert_null(customer_catalogue_render(cat, "sv", "nothing", values));
  assert_null(customer_catalogue_text(cat, "en", "nothing"));
  assert_string_equal(customer_catalogue_text(cat, "xx", "bye"), "Bye {name}");
  json_decref(values);
  customer_catalogue_free(cat);
  customer_catalogue_free(NULL);
}

static void test_expand(void **state) {
  (void)state;
  json_t *v = json_pack("{s:s, s:i}", "a", "A{b}", "n", 3);
  struct {
    const char *template, *expected;
  } cases[] = {
      {"", ""},
      {"plain", "plain"},
      {"{a}", "A{b}"},
      {"x{a}y{a}z", "xA{b}yA{b}z"},
      {"{missing} stays", "{missing} stays"},
      {"{n} is no string", "{n} is no string"},
      {"{} {", "{} {"},
      {"{{a}}", "{A{b}}"},
      {"open {a", "open {a"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char *s = customer_catalogue_expand(cases[i].template, v);
    assert_non_null(s);
    assert_string_equal(s, cases[i].expected);
    free(s);
  }
  char *s = customer_catalogue_expand("no values {a}", NULL);
  assert_string_equal(s, "no values {a}");
  free(s);
  assert_null(customer_catalogue_expand(NULL, v));
  json_decref(v);
}

static void test_bad_files(void **state) {
  (void)state;
  struct customer_catalogue *cat = (void *)1;
  char err[256];
  remove_files();
  write_file("sv.json", "{}");
  assert_int_equal(customer_catalogue_load(dir, &cat, err, sizeof(err)), CS_ERR_INVALID);
  assert_null(cat);
  assert_non_null(strstr(err, "en.json")); /* English is required */
  write_file("en.json", "{\"k\": 1}");
  assert_int_equal(customer_catalogue_load(dir, &cat, err, sizeof(err)), CS_ERR_INVALID);
  write_file("en.json", "{\"k\": \"a\", \"k\": \"b\"}");
  assert_int_equal(customer_catalogue_load(dir, &cat, err, sizeof(err)), CS_ERR_INVALID);
  write_file("en.json", "{\"k\": \"a\"}");
  write_file("sv.json", "[\"not an object\"]");
  assert_int_equal(customer_catalogue_load(dir, &cat, err, sizeof(err)), CS_ERR_INVALID);
  assert_non_null(strstr(err, "sv.json"));
}

/* services/customer/messages/, found from this file's place in the tree */
static void test_repository_catalogues(void **state) {
  (void)state;
  char messages[4096], err[256];
  const char *here = __FILE__, *cut = strstr(here, "tests/unit/");
  assert_non_null(cut);
  snprintf(messages, sizeof(messages), "%.*sservices/customer/messages", (int)(cut - here), here);
  struct customer_catalogue *cat = NULL;
  assert_int_equal(customer_catalogue_load(messages, &cat, err, sizeof(err)), CS_OK);
  const char *key;
  json_t *text;
  for (size_t i = 0; i < LANGUAGES; i++) {
    assert_non_null(cat->texts[i]); /* every language has its file */
    assert_int_equal(json_object_size(cat->texts[i]), json_object_size(cat->texts[0]));
    json_object_foreach(cat->texts[0], key, text) {
      assert_non_null(json_object_get(cat->texts[i], key));
    }
  }
  assert_non_null(customer_catalogue_text(cat, "en", "rfq_invitation.subject"));
  assert_non_null(strstr(customer_catalogue_text(cat, "sv", "rfq_invitation.body"), "{link}"));
  assert_non_null(customer_catalogue_text(cat, "fi", "chat_message.title"));
  customer_catalogue_free(cat);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fallback_and_placeholders),
      cmocka_unit_test(test_expand),
      cmocka_unit_test(test_bad_files),
      cmocka_unit_test(test_repository_catalogues),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
