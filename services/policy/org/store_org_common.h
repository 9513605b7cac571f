/* SQL helpers shared by the organisation stores (store_org_*.c), the one-row JSON reads of the
 * other stores too. SQL only; every function borrows conn and returns CS_OK,
 * CS_ERR_NOT_FOUND or CS_ERR_DB (sqlstate, when given, 6 bytes, holds the code). */
#ifndef CLAIMSUITE_POLICY_STORE_ORG_COMMON_H
#define CLAIMSUITE_POLICY_STORE_ORG_COMMON_H

#include <jansson.h>
#include <libpq-fe.h>

/* RFC 3339 UTC text with microseconds of a timestamptz expression. */
#define POLICY_ORG_TS(col) \
  "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

/* The company column col is visible to a caller: $P is the portal, $S the scope company (NULL:
 * every company serving the portal, else only that company). Both are parameter numbers. */
#define POLICY_ORG_VISIBLE(col, P, S)                                                    \
  "(CASE WHEN $" S                                                                       \
  "::uuid IS NULL THEN EXISTS (SELECT 1 FROM company_portals vcp"                        \
  " WHERE vcp.company_id = " col " AND vcp.portal_id = $" P "::uuid) ELSE " col " = $" S \
  "::uuid END)"

/* A statement of at most one row whose one column is JSON text (db_json_row; many rows:
 * db_json_rows): *out is a new reference, or CS_ERR_NOT_FOUND without a row. */
int policy_store_org_row(PGconn *conn, const char *sql, int n, const char *const *params,
                         json_t **out, char *sqlstate);
/* The two statements reading one visible row of an org resource: as it is and locked. sql is
 * "SELECT <json> FROM <table> <alias> WHERE ...", alias the alias to lock. */
struct policy_store_org_get {
  const char *plain, *locked;
};
#define POLICY_ORG_GET(sql, alias) \
  { sql, sql " FOR UPDATE OF " alias }
/* Reads the row of get (locked when for_update) with the n params: as policy_store_org_row. */
int policy_store_org_get(PGconn *conn, const struct policy_store_org_get *get, int for_update,
                         int n, const char *const *params, json_t **out, char *sqlstate);

/* Runs a statement without rows; *affected (may be NULL) receives the row count. */
int policy_store_org_exec(PGconn *conn, const char *sql, int n, const char *const *params,
                          long *affected, char *sqlstate);

/* The current row of a token's principal (users re-read on every request, so a demoted or
 * deactivated user loses rights at once). */
struct policy_store_org_principal {
  int found;     /* the row exists */
  int active;    /* users.active / api_clients.active */
  int level;     /* authority level (users), 0 for clients */
  int in_portal; /* the company serves portal (and a client belongs to it) */
  char kind[16]; /* the company's kind */
  char company_id[37];
};
/* Reads the principal sub (a user, or an API client when is_client) against portal. sub and
 * portal must be UUIDs (borrowed). CS_OK with out->found 0 when there is no such row. */
int policy_store_org_principal(PGconn *conn, const char *sub, const char *portal, int is_client,
                               struct policy_store_org_principal *out, char *sqlstate);

/* A PostgreSQL array literal {"a","b"} of the strings of arr (quoted and escaped; passed as a
 * parameter, never spliced into SQL). New string (free()). */
char *policy_store_org_array_literal(const json_t *arr);

#endif
