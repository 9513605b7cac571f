/* The authority replica: the policy service's facts (users, API clients, companies and their
 * portals, offices and categories, role definitions, portals with their settings), kept in the
 * using service's own schema (common/replica_migrations) by a consumer of policy's feed, and the
 * decisions made from them in-process (decision.h). No call to another service is made to
 * decide: a service with a replica answers while the policy service is away, for as long as
 * its facts are fresh enough.
 *
 * Facts: the policy service publishes every change as the entity's whole state with a version
 * (services/policy/migrations/0004_facts.sql); the replica applies a fact only when it is newer
 * than what it has, in the transaction that advances the consumer's offset. A new or wiped
 * replica (tables and offset gone) reads policy's feed from the start, which holds every
 * entity's latest fact: the outbox is never pruned.
 *
 * Freshness: the consumer knows how old its facts may be (bus_consumer_age_ms: policy's relay
 * sends a heartbeat every second). Above AUTHORITY_MAX_LAG_MS (default 5000) replica_fresh
 * refuses with 503 and the service reports not ready; /metrics shows the age. Failing closed:
 * a deactivated user must not keep acting on facts nobody can vouch for.
 *
 * Reads are cached in-process (what one request needs: the user or API client, the portal with
 * its role definitions); the cache is dropped whenever a fact is applied. Each read takes a
 * connection (borrowed, outside a transaction or inside one) or NULL to use one of the pool's
 * for the call. Results: CS_OK; CS_ERR_DB / CS_ERR_NOMEM; CS_ERR_TIMEOUT when no pooled
 * connection was free. */
#ifndef CLAIMSUITE_REPLICA_H
#define CLAIMSUITE_REPLICA_H

#include <jansson.h>
#include <libpq-fe.h>

#include "decision.h"
#include "refusal.h"

struct service;

/* The source name of the policy service's feed (EVENT_FEEDS "policy=<url>"). */
#define REPLICA_SOURCE "policy"

/* Makes svc keep a replica: its tables (migrations "replica"), the consumer of policy's facts,
 * readiness bound to max_age_ms (<= 0: 5000). Call from the service's wire, once per
 * process. CS_OK, or CS_ERR_NOT_FOUND (logged) when EVENT_FEEDS names no policy feed. */
int replica_follow(struct service *svc, long long max_age_ms);

/* CS_OK while the facts are at most the bound old; else CS_REFUSED with err: PROBLEM_UNAVAILABLE
 * (503, Retry-After) saying how old they are. */
int replica_fresh(struct cs_refusal *err);

/* Users by id (ids: array of id strings, borrowed) as the portal sees them: *items a new array
 * of {id, company_id, company_kind, email, name, mobile, active, external_case_handler,
 * authority_level, budget_limit, office_ids, org_roles, in_portal}, ordered by id; unknown ids
 * are absent.
 * mobile is null when the user has none or its fact does not carry one yet. */
int replica_users(PGconn *conn, const char *portal_id, const json_t *ids, json_t **items);
/* One user the same way (cached): *user new, NULL when unknown. */
int replica_user(PGconn *conn, const char *portal_id, const char *user_id, json_t **user);
/* The company kind of user (replica_user's answer, borrowed, may be NULL) when the user may still
 * act in the portal it was read for on behalf of company_id: active, its company in the portal,
 * still of that company. NULL otherwise. Borrowed from user. */
const char *replica_user_acting_kind(const json_t *user, const char *company_id);
/* The active users of company_id serving portal_id who hold org_role (agent_handler, attestant,
 * customer_attestant): *items a new array of {id, name, email, mobile}, ordered by id. */
int replica_company_users(PGconn *conn, const char *portal_id, const char *company_id,
                          const char *org_role, json_t **items);
/* One company as the portal sees it: *company new {id, kind, name, org_number, in_portal},
 * NULL when unknown. */
int replica_company(PGconn *conn, const char *portal_id, const char *company_id, json_t **company);
/* One API client (cached): *client new {id, portal_id, company_id, active}, NULL when unknown. */
int replica_api_client(PGconn *conn, const char *id, json_t **client);
/* One portal (cached): *portal new {id, timezone, office_hours_start, office_hours_end ("HH:MM"),
 * office_days (ISO weekdays 1..7), public_holidays (["YYYY-MM-DD"], sorted),
 * enhanced_temporary_cases, temporary_cases_report ("weekly" | "monthly"), default_budget_limit,
 * currency, roles: {role: [rights]}}, NULL when unknown. */
int replica_portal(PGconn *conn, const char *portal_id, json_t **portal);
/* The partner offices serving the portal, nearest first when lat/lon are given (both or
 * neither), only those with an active marked external case handler user when ech_only: *items a
 * new array of {id, name, company_id, company_name, street, postal_code, city, country,
 * latitude, longitude, distance_km, categories, external_case_handler_users}. */
int replica_offices(PGconn *conn, const char *portal_id, const double *lat, const double *lon,
                    int ech_only, json_t **items);

/* The facts decisions of user_id in portal_id are made of, read once for several actions:
 * *in is filled but for action, role_mask and amount (authority_decide per action then). */
int replica_decision_facts(PGconn *conn, const char *user_id, const char *portal_id,
                           struct authority_input *in);
/* The decision for action (decision.h) of the user in the portal with the case roles given (bit
 * r: enum authority_case_role r), amount for approve_budget (NULL: 0). */
int replica_decide(PGconn *conn, const char *user_id, const char *portal_id, const char *action,
                   unsigned case_roles, const long long *amount, struct authority_decision *out);

/* Records a decision on a guarded write for the policy service's decision log (GET
 * /v1/authorize/log): an event "authority.decided" of this service's outbox, in conn's open
 * transaction or on its own (conn NULL: a pooled connection, committed at once). */
int replica_log_decision(PGconn *conn, const char *user_id, const char *portal_id,
                         const char *action, unsigned case_roles, const long long *amount,
                         const struct authority_decision *d);

#endif
