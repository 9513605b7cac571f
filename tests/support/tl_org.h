/* Organisations beyond the world of tl_world.h: a company of any kind serving portal A, and a
 * user of it with organisation roles (the agent order workflow's agent_handler, attestant,
 * customer_attestant), both written as the database superuser; and waiting until a service's
 * replica holds what the policy service published. */
#ifndef CLAIMSUITE_TL_ORG_H
#define CLAIMSUITE_TL_ORG_H

#include "tl_world.h"

/* A company of kind ("agent", "customer", ...) named "<name> <sfx>" serving portal A. Its id
 * into id. */
void tl_org_company(const struct tl_world *w, char id[37], const char *kind, const char *name);

/* A user "<who>-<sfx>@orders.test" of company_id (of kind) at level 3 with the org roles
 * (a PostgreSQL array text, "{}" for none), and its token in portal A (p->token, new). */
void tl_org_person(const struct tl_world *w, struct tl_person *p, const char *who,
                   const char *company_id, const char *kind, const char *roles);

/* 1 once the service whose schema is arg has applied every fact the policy service has
 * published (for tl_wait). */
int tl_org_replica_caught_up(void *schema);

#endif
