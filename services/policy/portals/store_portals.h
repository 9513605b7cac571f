/* SQL of /v1/portals (schema policy): a portal with its insurer, as a JSON object, and the rows
 * a new portal is made of. SQL only; the rules live in portals.c. Conventions of
 * store_org_common.h: every function borrows conn and returns CS_OK, CS_ERR_NOT_FOUND or
 * CS_ERR_DB (sqlstate, when given, 6 bytes, holds the code). */
#ifndef CLAIMSUITE_POLICY_STORE_PORTALS_H
#define CLAIMSUITE_POLICY_STORE_PORTALS_H

#include <jansson.h>
#include <libpq-fe.h>

/* The portal id (a UUID) as {id, name, timezone, office_hours{start,end}, office_days,
 * public_holidays, enhanced_temporary_cases, temporary_cases_report, default_budget_limit,
 * currency, insurer{id,name,org_number}, version, created_at, updated_at}: *out is a new
 * reference. */
int policy_store_portal_get(PGconn *conn, const char *id, json_t **out, char *sqlstate);

/* Every portal in (created_at, id) order after the position (NULL: from the start), at most
 * limit: *rows is a new array of the objects of policy_store_portal_get. */
int policy_store_portal_list(PGconn *conn, const char *after_created_at, const char *after_id,
                             long limit, json_t **rows, char *sqlstate);

/* 1 in *taken when an insurer company has org_number already. */
int policy_store_portal_insurer_taken(PGconn *conn, const char *org_number, int *taken,
                                      char *sqlstate);

/* A new insurer company. */
int policy_store_portal_insurer_insert(PGconn *conn, const char *id, const char *name,
                                       const char *org_number, char *sqlstate);

/* A new portal of insurer_id named name, with the settings of body (borrowed: the members
 * timezone, office_hours{start,end}, office_days, public_holidays, enhanced_temporary_cases,
 * temporary_cases_report, default_budget_limit, currency, each checked already); an absent one
 * takes the default of the portals table (0001_identity.sql, 0007_temporary_cases_report.sql).
 * Then the insurer serves it (company_portals). */
int policy_store_portal_insert(PGconn *conn, const char *id, const char *insurer_id,
                               const json_t *body, char *sqlstate);

#endif
