/* Who calls the cases service: the token's principal, checked against the authority replica
 * (common/replica.h) on every request (see caller.c), and what that caller may see. Owned by
 * core/caller.c.
 *
 * Visibility (an invisible case is 404 on every path, never 403, and absent from every list,
 * counter and report):
 *   - insurer users and API clients see every case of the token's portal;
 *   - partner users see the cases of the token's portal where their company holds a task or
 *     the external case handler role (the SQL: store_visibility.h). */
#ifndef CLAIMSUITE_CASES_CALLER_H
#define CLAIMSUITE_CASES_CALLER_H

#include <jansson.h>

#include "refusal.h"

struct cases_caller {
  char sub[64]; /* user id or API client id */
  char portal_id[40];
  char company_id[40];
  char company_kind[16]; /* insurer, partner, customer, agent */
  int is_client;         /* kind "client": an integration acting for the insurer */
  int level;             /* users: the current authority level; clients 0 */
  int marked_external;   /* users: marked as external case handler */
  json_t *office_ids;    /* users: array of the user's office ids (owned); clients: [] */
  char timezone[64];     /* the portal's IANA time zone, from the replica: the local
                            dates ("today") of the portal */
};

/* Reads the caller from verified claims (borrowed), then its current row from the authority
 * replica. CS_OK (clear it with cases_caller_clear), or CS_REFUSED with err: PROBLEM_INVALID_TOKEN
 * for a token naming no user or client of a portal, a user gone, inactive, moved to another
 * company or out of the portal, an API client gone, inactive, of another portal or company;
 * PROBLEM_UNAVAILABLE when the replica's facts are older than allowed or could not be read. Also
 * reads the portal's time zone. */
int cases_caller_load(const json_t *claims, struct cases_caller *c, struct cs_refusal *err);
void cases_caller_clear(struct cases_caller *c); /* NULL-safe */
/* The company kind of an outside partner acting through its RFQ link (rfq/quotes.c): no login, no
 * company of the portal, nothing visible but that RFQ. */
#define CASES_OUTSIDE_PARTNER "outside_partner"
/* The outside partner invited as invitee_id to an RFQ of portal_id, acting through its link:
 * CS_OK (clear it), or CS_REFUSED (503: the replica is behind). */
int cases_caller_outside_partner(const char *portal_id, const char *invitee_id,
                                 struct cases_caller *c, struct cs_refusal *err);
/* The company kind of the service itself acting on what happened (an inspection's report built
 * once it completed): no token, the case's portal. */
#define CASES_SYSTEM "system"
/* What an event's and a history line's actor is: "client", "outside_partner", "system" or
 * "user". */
const char *cases_actor_kind(const struct cases_caller *c);
/* 1 for insurer users and API clients: they see and act on the whole portal. */
int cases_caller_is_internal(const struct cases_caller *c);
/* The company scope of the visibility condition: NULL for internal callers, else the caller's
 * company id. Borrowed. */
const char *cases_caller_scope(const struct cases_caller *c);

#endif
