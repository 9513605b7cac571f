/* Who calls the customer service: the token's principal, checked against the authority replica
 * (common/replica.h) on every request, so that a user deactivated, moved or demoted in the
 * policy service loses access as soon as the fact arrives. Owned by core/caller.c. */
#ifndef CLAIMSUITE_CUSTOMER_CALLER_H
#define CLAIMSUITE_CUSTOMER_CALLER_H

#include <jansson.h>

#include "refusal.h"

struct customer_caller {
  char sub[64]; /* user id or API client id */
  char portal_id[40];
  char company_id[40];
  char company_kind[16]; /* insurer, partner, customer, agent */
  int is_client;         /* kind "client": an integration acting for the insurer */
  int level;             /* users: the current authority level; clients 0 */
  json_t *office_ids;    /* users: array of the user's office ids (owned); clients: [] */
  char timezone[64];     /* the portal's IANA time zone */
};

/* Reads the caller from verified claims (borrowed), then its current row from the replica.
 * CS_OK (clear it with customer_caller_clear), or CS_REFUSED with err: PROBLEM_INVALID_TOKEN for
 * a token naming no user or client of a portal, or one gone, inactive or moved; or
 * PROBLEM_UNAVAILABLE when the replica is too old or could not be read. */
int customer_caller_load(const json_t *claims, struct customer_caller *c, struct cs_refusal *err);
void customer_caller_clear(struct customer_caller *c); /* NULL-safe */

/* 1 for who administers the customer page of the portal: the insurer's users of authority level
 * 6 and the portal's API clients. */
int customer_caller_is_portal_admin(const struct customer_caller *c);

#endif
