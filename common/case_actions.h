/* The actions on a case that the policy service decides and the cases service asks about: the
 * 16 rights a portal's role definition may hold, then the 3 a marked external case handler
 * always has (chat, documents, reported information). One list, so both services agree. */
#ifndef CLAIMSUITE_CASE_ACTIONS_H
#define CLAIMSUITE_CASE_ACTIONS_H

#define CASE_RIGHT_COUNT 16
#define CASE_ALWAYS_COUNT 3
#define CASE_ACTION_COUNT (CASE_RIGHT_COUNT + CASE_ALWAYS_COUNT)

/* Rights first (in the order of the role definition guide), then the always-allowed ones. */
extern const char *const case_action_names[CASE_ACTION_COUNT];

#endif
