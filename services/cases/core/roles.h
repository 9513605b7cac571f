/* The policy service's case roles, as a bit mask, and their names. Pure; core/roles.c. */
#ifndef CLAIMSUITE_CASES_ROLES_H
#define CLAIMSUITE_CASES_ROLES_H

#include <jansson.h>

enum cases_role {
  CASES_ROLE_EXTERNAL_CASE_HANDLER = 1u << 0, /* the case's external case handler user */
  CASES_ROLE_PROJECT_MANAGER = 1u << 1,       /* holds the case's project_management task */
  CASES_ROLE_INSPECTOR = 1u << 2 /* holds an inspection task: inspector_extra_authority */
};

/* The role names of mask, as the policy service spells them: a new array. */
json_t *cases_roles_json(unsigned mask);

#endif
