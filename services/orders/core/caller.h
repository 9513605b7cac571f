/* Who calls the orders service: a user of a portal, read from the token's claims and then from
 * the authority replica (common/replica.h) on every request, so that a user deactivated, moved
 * or stripped of an org role in the policy service loses it as soon as the fact arrives. The
 * orders are between organisations: company_kind and org_roles decide what a user may do.
 * Owned by core/caller.c. */
#ifndef CLAIMSUITE_ORDERS_CALLER_H
#define CLAIMSUITE_ORDERS_CALLER_H

#include <jansson.h>

#include "refusal.h"

struct orders_caller {
  char sub[64];          /* the user's id */
  char portal_id[40];    /* the portal the token acts in */
  char company_id[40];   /* the user's organisation */
  char company_kind[16]; /* insurer, partner, customer, agent */
  json_t *org_roles;     /* array of agent_handler, attestant, customer_attestant (owned) */
  char name[256];
  char email[256];
  char mobile[48]; /* "" when the user has none */
};

/* Reads the caller from verified claims (borrowed), then its current row from the replica.
 * CS_OK (clear it with orders_caller_clear), or CS_REFUSED with err: PROBLEM_INVALID_TOKEN for a
 * token naming no user of a portal (API clients and operators take no part in orders), or one
 * gone, inactive or moved; PROBLEM_UNAVAILABLE when the replica is too old or unreadable. */
int orders_caller_load(const json_t *claims, struct orders_caller *c, struct cs_refusal *err);
void orders_caller_clear(struct orders_caller *c); /* NULL-safe */

/* 1 when c holds org role role (agent_handler, attestant, customer_attestant). */
int orders_caller_has_role(const struct orders_caller *c, const char *role);
/* 1 when c's organisation is of kind (customer, agent). */
int orders_caller_is_kind(const struct orders_caller *c, const char *kind);

#endif
