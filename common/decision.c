/* Right names and the pure authority decision (see decision.h). */
#include "decision.h"

#include <stdio.h>
#include <string.h>

const char *const authority_role_names[AUTHORITY_ROLE_COUNT] = {
    "external_case_handler", "project_manager", "inspector_extra_authority"};

json_t *authority_roles_json(unsigned mask) {
  json_t *a = json_array();
  for (int r = 0; r < AUTHORITY_ROLE_COUNT && a != NULL; r++)
    if ((mask >> r) & 1u) json_array_append_new(a, json_string(authority_role_names[r]));
  return a;
}

int authority_right_index(const char *name) {
  if (name == NULL) return -1;
  for (int i = 0; i < AUTHORITY_RIGHT_COUNT; i++)
    if (!strcmp(authority_right_names[i], name)) return i;
  return -1;
}

int authority_role_index(const char *name) {
  if (name == NULL) return -1;
  for (int i = 0; i < AUTHORITY_ROLE_COUNT; i++)
    if (!strcmp(authority_role_names[i], name)) return i;
  return -1;
}

static int always_index(const char *name) {
  if (name == NULL) return -1;
  for (int i = 0; i < AUTHORITY_ALWAYS_COUNT; i++)
    if (!strcmp(authority_always_actions[i], name)) return i;
  return -1;
}

int authority_action_known(const char *name) {
  return authority_right_index(name) >= 0 || always_index(name) >= 0;
}

static void deny(struct authority_decision *out, const char *reason) {
  out->allow = 0;
  snprintf(out->reason, sizeof(out->reason), "%s", reason);
}

/* approve_budget once the right is held: bounded by the own limit, else the portal default. */
static void budget(const struct authority_input *in, struct authority_decision *out,
                   const char *granted_by) {
  long long limit = in->has_own_limit ? in->own_limit : in->default_limit;
  const char *which = in->has_own_limit ? "own" : "portal default";
  out->has_limit_remaining = 1;
  if (in->amount <= limit) {
    out->allow = 1;
    out->limit_remaining = limit - in->amount;
    snprintf(out->reason, sizeof(out->reason), "%s; within the %s budget limit", granted_by, which);
  } else {
    out->allow = 0;
    out->limit_remaining = limit;
    snprintf(out->reason, sizeof(out->reason), "amount exceeds the %s budget limit", which);
  }
}

void authority_decide(const struct authority_input *in, struct authority_decision *out) {
  int right = authority_right_index(in->action);
  int is_budget = right >= 0 && !strcmp(in->action, "approve_budget");
  unsigned roles = in->role_mask;
  int ech_given = (roles >> AUTHORITY_ROLE_EXTERNAL_CASE_HANDLER) & 1u;

  memset(out, 0, sizeof(*out));
  if (!in->user_in_portal) {
    deny(out, "user not in portal");
    return;
  }
  if (!in->user_active) {
    deny(out, "user inactive");
    return;
  }
  if (!authority_action_known(in->action)) {
    deny(out, "unknown action");
    return;
  }
  if (in->insurer) {
    if (is_budget) {
      budget(in, out, "internal user of the insurer");
      return;
    }
    out->allow = 1;
    snprintf(out->reason, sizeof(out->reason), "internal user of the insurer");
    return;
  }
  /* The external case handler role counts only for a user the insurer marked for it. */
  if (ech_given && !in->marked_external) roles &= ~(1u << AUTHORITY_ROLE_EXTERNAL_CASE_HANDLER);
  if (right < 0) { /* chat, documents, reported_information */
    if ((roles >> AUTHORITY_ROLE_EXTERNAL_CASE_HANDLER) & 1u) {
      out->allow = 1;
      snprintf(out->reason, sizeof(out->reason),
               "always allowed to the external_case_handler role");
      return;
    }
    if (ech_given) {
      deny(out, "user not marked as external case handler");
      return;
    }
    deny(out, "no case role grants this action");
    return;
  }
  for (int r = 0; r < AUTHORITY_ROLE_COUNT; r++) {
    if (((roles >> r) & 1u) && ((in->definitions[r] >> right) & 1u)) {
      char by[64];
      snprintf(by, sizeof(by), "granted by role %s", authority_role_names[r]);
      if (is_budget) {
        budget(in, out, by);
        return;
      }
      out->allow = 1;
      snprintf(out->reason, sizeof(out->reason), "%s", by);
      return;
    }
  }
  if (ech_given && !in->marked_external &&
      ((in->definitions[AUTHORITY_ROLE_EXTERNAL_CASE_HANDLER] >> right) & 1u))
    deny(out, "user not marked as external case handler");
  else
    deny(out, "no case role grants this action");
}
