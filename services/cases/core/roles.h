/* The case roles of a caller in a case, as a bit mask: the bits of the decision's roles
 * (common/decision.h), so a mask goes to a decision as it is; authority_roles_json names them. */
#ifndef CLAIMSUITE_CASES_ROLES_H
#define CLAIMSUITE_CASES_ROLES_H

#include "decision.h"

enum cases_role {
  /* the case's external case handler user */
  CASES_ROLE_EXTERNAL_CASE_HANDLER = 1u << AUTHORITY_ROLE_EXTERNAL_CASE_HANDLER,
  /* holds the case's project_management task */
  CASES_ROLE_PROJECT_MANAGER = 1u << AUTHORITY_ROLE_PROJECT_MANAGER,
  /* holds an inspection task: inspector_extra_authority */
  CASES_ROLE_INSPECTOR = 1u << AUTHORITY_ROLE_INSPECTOR_EXTRA_AUTHORITY
};

#endif
