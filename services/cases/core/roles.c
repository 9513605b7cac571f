/* The case roles' names (see roles.h). */
#include "roles.h"

json_t *cases_roles_json(unsigned mask) {
  json_t *a = json_array();
  if (mask & CASES_ROLE_EXTERNAL_CASE_HANDLER)
    json_array_append_new(a, json_string("external_case_handler"));
  if (mask & CASES_ROLE_PROJECT_MANAGER) json_array_append_new(a, json_string("project_manager"));
  if (mask & CASES_ROLE_INSPECTOR)
    json_array_append_new(a, json_string("inspector_extra_authority"));
  return a;
}
