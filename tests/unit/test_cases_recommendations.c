/* The shape of the office recommendations (services/cases/ech/recommendations.c): the nearest
 * offices with a distance (at most ten, in the policy service's order), every office by name,
 * categories only when allowed, the count of marked users only for the external case handler
 * role, and the task types a recommendation is asked for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../services/cases/ech/recommendations.c"

/* An office as the policy service answers it; km < 0 means no coordinates. */
static json_t *office(const char *id, const char *name, double km) {
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:[s], s:i}", "id", id, "name", name,
                   "company_id", "c1", "company_name", "Company", "city", "Town", "street",
                   "Street 1", "distance_km", km < 0 ? json_null() : json_real(km),
                   "categories", "Water", "external_case_handler_users", 2);
}

static const char *name_at(const json_t *list, size_t i) {
  return json_string_value(json_object_get(json_array_get(list, i), "name"));
}

static void test_task_types(void **state) {
  (void)state;
  assert_true(cases_recommendation_task_type_valid("inspection"));
  assert_true(cases_recommendation_task_type_valid("first_aid"));
  assert_true(cases_recommendation_task_type_valid("repair"));
  assert_true(cases_recommendation_task_type_valid("project_management"));
  assert_true(cases_recommendation_task_type_valid("external_case_handler"));
  assert_false(cases_recommendation_task_type_valid(NULL));
  assert_false(cases_recommendation_task_type_valid(""));
  assert_false(cases_recommendation_task_type_valid("Repair"));
  assert_false(cases_recommendation_task_type_valid("repair "));
}

static void test_nearest_and_by_name(void **state) {
  (void)state;
  /* the policy's order: nearest first, offices without coordinates last */
  json_t *offices = json_pack("[o, o, o]", office("b", "Bravo", 0.4), office("a", "Alpha", 398.0),
                              office("c", "Charlie", -1));
  struct cases_recommendation_view view = {"repair", 1, 59.3, 18.0, 1};
  json_t *answer = cases_recommendations_answer(&view, offices);
  assert_non_null(answer);
  assert_string_equal(json_string_value(json_object_get(answer, "task_type")), "repair");
  json_t *site = json_object_get(answer, "damage_site");
  assert_true(json_real_value(json_object_get(site, "latitude")) == 59.3);
  json_t *rec = json_object_get(answer, "recommended"), *all = json_object_get(answer, "all");
  assert_int_equal(json_array_size(rec), 2);
  assert_string_equal(name_at(rec, 0), "Bravo");
  assert_string_equal(name_at(rec, 1), "Alpha");
  assert_int_equal(json_array_size(all), 3);
  assert_string_equal(name_at(all, 0), "Alpha");
  assert_string_equal(name_at(all, 1), "Bravo");
  assert_string_equal(name_at(all, 2), "Charlie");
  json_t *charlie = json_array_get(all, 2);
  assert_true(json_is_null(json_object_get(charlie, "distance_km")));
  /* shown: categories; not shown: the street, the ECH count of a task recommendation */
  assert_non_null(json_object_get(charlie, "categories"));
  assert_null(json_object_get(charlie, "street"));
  assert_null(json_object_get(charlie, "external_case_handler_users"));
  json_decref(answer);
  json_decref(offices);
}

static void test_categories_hidden(void **state) {
  (void)state;
  json_t *offices = json_pack("[o]", office("a", "Alpha", 1.0));
  struct cases_recommendation_view view = {"external_case_handler", 1, 59.3, 18.0, 0};
  json_t *answer = cases_recommendations_answer(&view, offices);
  json_t *a = json_array_get(json_object_get(answer, "all"), 0);
  json_t *r = json_array_get(json_object_get(answer, "recommended"), 0);
  assert_null(json_object_get(a, "categories"));
  assert_null(json_object_get(r, "categories"));
  assert_int_equal(json_integer_value(json_object_get(a, "external_case_handler_users")), 2);
  json_decref(answer);
  json_decref(offices);
}

static void test_without_site(void **state) {
  (void)state;
  json_t *offices = json_pack("[o, o]", office("b", "Bravo", -1), office("a", "Alpha", -1));
  struct cases_recommendation_view view = {"inspection", 0, 0, 0, 1};
  json_t *answer = cases_recommendations_answer(&view, offices);
  assert_true(json_is_null(json_object_get(answer, "damage_site")));
  assert_int_equal(json_array_size(json_object_get(answer, "recommended")), 0);
  assert_int_equal(json_array_size(json_object_get(answer, "all")), 2);
  assert_string_equal(name_at(json_object_get(answer, "all"), 0), "Alpha");
  json_decref(answer);
  json_decref(offices);
}

static void test_at_most_ten_recommended(void **state) {
  (void)state;
  json_t *offices = json_array();
  char id[8], name[16];
  for (int i = 0; i < 14; i++) {
    snprintf(id, sizeof(id), "o%02d", i);
    snprintf(name, sizeof(name), "Office %02d", 13 - i);
    json_array_append_new(offices, office(id, name, i * 10.0));
  }
  struct cases_recommendation_view view = {"first_aid", 1, 59.3, 18.0, 1};
  json_t *answer = cases_recommendations_answer(&view, offices);
  json_t *rec = json_object_get(answer, "recommended");
  assert_int_equal(json_array_size(rec), CASES_RECOMMENDED_MAX);
  assert_string_equal(name_at(rec, 0), "Office 13"); /* the nearest, whatever its name */
  assert_int_equal(json_array_size(json_object_get(answer, "all")), 14);
  assert_string_equal(name_at(json_object_get(answer, "all"), 0), "Office 00");
  json_decref(answer);
  json_decref(offices);
}

static void test_no_offices(void **state) {
  (void)state;
  json_t *offices = json_array();
  struct cases_recommendation_view view = {"external_case_handler", 1, 59.3, 18.0, 1};
  json_t *answer = cases_recommendations_answer(&view, offices);
  assert_int_equal(json_array_size(json_object_get(answer, "recommended")), 0);
  assert_int_equal(json_array_size(json_object_get(answer, "all")), 0);
  json_decref(answer);
  json_decref(offices);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_task_types),         cmocka_unit_test(test_nearest_and_by_name),
      cmocka_unit_test(test_categories_hidden),  cmocka_unit_test(test_without_site),
      cmocka_unit_test(test_at_most_ten_recommended), cmocka_unit_test(test_no_offices),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
