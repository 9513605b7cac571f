/* Which offices a task (or the external case handler role) can go to, as the assigner sees
 * them: the nearest offices with a distance first, then every eligible office by name. The
 * replica of the policy service's facts says which offices are eligible and how far they are
 * (earthdistance);
 * this file only shapes the answer. Pure: no I/O, unit-tested in
 * tests/unit/test_cases_recommendations.c. */
#include <stdlib.h>
#include <string.h>

#include "ech.h"

static const char *const task_types[] = {"inspection", "first_aid", "repair", "project_management",
                                         "external_case_handler"};

int cases_recommendation_task_type_valid(const char *task_type) {
  if (task_type == NULL) return 0;
  for (size_t i = 0; i < sizeof(task_types) / sizeof(task_types[0]); i++)
    if (!strcmp(task_types[i], task_type)) return 1;
  return 0;
}

static int is_ech(const struct cases_recommendation_view *view) {
  return !strcmp(view->task_type, "external_case_handler");
}

/* One office as shown: a new object. Categories only to those allowed to see them (the member
 * is absent otherwise, so a screen cannot mistake "hidden" for "none"); the number of marked
 * users only where it matters, for the external case handler role. */
static json_t *office_view(const struct cases_recommendation_view *view, const json_t *o) {
  json_t *out = json_object();
  static const char *const members[] = {"id",           "name", "company_id",
                                        "company_name", "city", "distance_km"};
  if (out == NULL) return NULL;
  for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
    json_t *v = json_object_get(o, members[i]);
    json_object_set_new(out, members[i], v != NULL ? json_incref(v) : json_null());
  }
  if (view->show_categories) {
    json_t *c = json_object_get(o, "categories");
    json_object_set_new(out, "categories", json_is_array(c) ? json_incref(c) : json_array());
  }
  if (is_ech(view)) {
    json_t *n = json_object_get(o, "external_case_handler_users");
    json_object_set_new(out, "external_case_handler_users",
                        json_is_integer(n) ? json_incref(n) : json_integer(0));
  }
  return out;
}

static const char *text_of(const json_t *o, const char *member) {
  const char *s = json_string_value(json_object_get(o, member));
  return s != NULL ? s : "";
}

/* By name, then id so that equal names keep one order. */
static int by_name(const void *a, const void *b) {
  const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
  int d = strcmp(text_of(x, "name"), text_of(y, "name"));
  return d != 0 ? d : strcmp(text_of(x, "id"), text_of(y, "id"));
}

/* Every office (already shaped) sorted by name: a new array. */
static json_t *all_by_name(json_t *shaped) {
  size_t n = json_array_size(shaped);
  json_t **v = calloc(n > 0 ? n : 1, sizeof(*v)), *out = json_array();
  if (v == NULL || out == NULL) {
    free(v);
    json_decref(out);
    return NULL;
  }
  for (size_t i = 0; i < n; i++) v[i] = json_array_get(shaped, i);
  qsort(v, n, sizeof(*v), by_name);
  for (size_t i = 0; i < n; i++) json_array_append(out, v[i]);
  free(v);
  return out;
}

/* The nearest offices: the policy's order is kept (nearest first, offices without coordinates
 * last), so the first ones with a distance are the answer. A new array. */
static json_t *nearest(json_t *shaped, int has_site) {
  json_t *out = json_array();
  size_t i;
  json_t *o;
  if (out == NULL || !has_site) return out;
  json_array_foreach(shaped, i, o) {
    if (json_array_size(out) >= CASES_RECOMMENDED_MAX) break;
    if (json_is_number(json_object_get(o, "distance_km"))) json_array_append(out, o);
  }
  return out;
}

json_t *cases_recommendations_answer(const struct cases_recommendation_view *view,
                                     const json_t *offices) {
  json_t *shaped = json_array(), *answer = NULL, *site;
  size_t i;
  const json_t *o;
  if (shaped == NULL) return NULL;
  json_array_foreach(offices, i, o) json_array_append_new(shaped, office_view(view, o));
  site = view->has_site
             ? json_pack("{s:f, s:f}", "latitude", view->latitude, "longitude", view->longitude)
             : json_null();
  answer = json_pack("{s:s, s:o, s:o, s:o}", "task_type", view->task_type, "damage_site", site,
                     "recommended", nearest(shaped, view->has_site), "all", all_by_name(shaped));
  json_decref(shaped);
  return answer;
}
