/* The rights of case roles and the one authority decision, made in-process by every service
 * (from its replica, common/replica.h) and by the policy service's POST /internal/authorize: given
 * what the database says (the portal's role definitions, the user's flags and limits), allow or
 * deny. No I/O here, so every rule is unit-tested (tests/unit/test_decision.c). */
#ifndef CLAIMSUITE_DECISION_H
#define CLAIMSUITE_DECISION_H

#include <jansson.h>
#include <stddef.h>

#include "case_actions.h"

/* The 16 rights a role definition may hold, in the order of the issue. A set of rights is a
 * bit mask: bit i is authority_right_names[i]. */
#define AUTHORITY_RIGHT_COUNT CASE_RIGHT_COUNT
#define authority_right_names case_action_names

/* Actions the external case handler role always has, whatever its definition. */
#define AUTHORITY_ALWAYS_COUNT CASE_ALWAYS_COUNT
#define authority_always_actions (case_action_names + CASE_RIGHT_COUNT)

/* The case roles a portal defines. */
enum authority_case_role {
  AUTHORITY_ROLE_EXTERNAL_CASE_HANDLER = 0,
  AUTHORITY_ROLE_PROJECT_MANAGER = 1,
  AUTHORITY_ROLE_INSPECTOR_EXTRA_AUTHORITY = 2,
  AUTHORITY_ROLE_COUNT = 3
};
extern const char *const authority_role_names[AUTHORITY_ROLE_COUNT];

/* The role names of a mask of case roles (bit r = enum authority_case_role r), in the order of
 * the enum: a new array. */
json_t *authority_roles_json(unsigned mask);

/* Index of a right name, -1 when unknown. NULL-safe. */
int authority_right_index(const char *name);
/* Index of a case role name, -1 when unknown. NULL-safe. */
int authority_role_index(const char *name);
/* 1 when name is a right or one of the always-allowed actions. */
int authority_action_known(const char *name);

/* The facts one decision is made of. Masks are of rights (bit i = authority_right_names[i]). */
struct authority_input {
  const char *action; /* a known action (authority_action_known) */
  int user_in_portal; /* the user exists and its company serves the portal */
  int user_active;
  int insurer;         /* the user's company is an insurer (internal user) */
  int marked_external; /* the user is marked as external case handler */
  unsigned role_mask;  /* case roles given: bit r = enum authority_case_role r */
  unsigned definitions[AUTHORITY_ROLE_COUNT]; /* the portal's rights of each role */
  long long amount;                           /* approve_budget: >= 0 */
  int has_own_limit;
  long long own_limit;     /* the user's own budget limit when has_own_limit */
  long long default_limit; /* the portal's default_budget_limit */
};

struct authority_decision {
  int allow;
  char reason[128];
  int has_limit_remaining;
  /* approve_budget, once the right itself is held: limit - amount when allowed; when the amount
   * is over the limit, the whole limit (the most that could be approved). */
  long long limit_remaining;
};

/* Decides. Pure: reads in, writes out. Rules, in order: a user not in the portal or inactive is
 * denied; an insurer user may do everything; anyone else only what the union of the definitions
 * of the case roles given allows (external_case_handler counts only for a marked user, and then
 * always allows chat, documents and reported_information); approve_budget is further bounded by
 * the own limit when set, else the portal default (amount == limit allowed). */
void authority_decide(const struct authority_input *in, struct authority_decision *out);

#endif
