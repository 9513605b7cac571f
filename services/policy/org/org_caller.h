/* Who asks an organisation request, and what they may see and change. Used by the org
 * resources (companies, offices, users, API clients) and by the authority files.
 *
 * Visibility (every list and read is scoped; an invisible object is 404, never 403):
 *   - insurer users and API clients see every company serving the token's portal, with their
 *     offices and users;
 *   - partner, customer and agent users see only their own company, its offices and users.
 * Changes need a level-6 user: the insurer admin on any company serving the portal, or the
 * admin of the object's own company. API clients are read-only here. */
#ifndef CLAIMSUITE_POLICY_ORG_CALLER_H
#define CLAIMSUITE_POLICY_ORG_CALLER_H

#include <jansson.h>
#include <libpq-fe.h>

#define POLICY_ORG_ADMIN_LEVEL 6

/* The token's principal; every string is borrowed from the claims. */
struct policy_org_caller {
  const char *sub; /* user or API client id */
  const char *portal_id;
  const char *company_id;
  const char *company_kind; /* insurer, partner, customer, agent */
  int is_client;            /* kind "client" */
  int level;                /* authority level (users), 0 for clients */
};

/* Fills c from verified claims (borrowed). CS_ERR_INVALID when a claim is missing. */
int policy_org_caller_from_claims(const json_t *claims, struct policy_org_caller *c);

/* Re-reads the caller's current row (once per request): the level and company kind come from
 * the database, not the token. CS_OK; CS_ERR_NOT_FOUND when the user or client is gone or
 * inactive, its company changed or no longer serves the token's portal (answer 401); CS_ERR_DB
 * (db_last_sqlstate says why). company_kind then points to a static string. */
int policy_org_caller_refresh(PGconn *conn, struct policy_org_caller *c);

/* 1 when the caller sees every company serving the portal (insurer users, API clients). */
int policy_org_sees_portal(const struct policy_org_caller *c);
/* 1 for an insurer user of level 6. */
int policy_org_is_insurer_admin(const struct policy_org_caller *c);
/* 1 for a user (not an API client) of level 6. */
int policy_org_is_admin(const struct policy_org_caller *c);
/* 1 when the caller may change things of company_id (borrowed): the insurer admin (company_id
 * must already be visible), or a level-6 user of that very company. */
int policy_org_may_manage(const struct policy_org_caller *c, const char *company_id);

/* The scope parameter of the store's visibility conditions: NULL for portal-wide callers, else
 * the caller's own company. Borrowed. */
const char *policy_org_scope_company(const struct policy_org_caller *c);

#endif
