/* SQL of the demo data (demo.c loads it; README lists the logins). */
#ifndef CLAIMSUITE_POLICY_STORE_DEMO_H
#define CLAIMSUITE_POLICY_STORE_DEMO_H

#include <libpq-fe.h>

/* The fixed ids of the Demo portal, its insurer and the insurer's admin (made by demo.c through
 * the create of portals). */
#define POLICY_DEMO_PORTAL_ID "00000000-0000-4000-8000-de0000000201"
#define POLICY_DEMO_INSURER_ID "00000000-0000-4000-8000-de0000000101"
#define POLICY_DEMO_ADMIN_ID "00000000-0000-4000-8000-de0000000501"

/* A connection of its own to conninfo (client encoding UTF8): CS_OK with *conn (PQfinish it),
 * or an error after logging why. */
int policy_store_demo_connect(const char *conninfo, PGconn **conn);

/* In conn's open transaction: one loader at a time (an advisory lock), the policy schema on the
 * search_path, and the schema migrated (else logged, CS_ERR_NOT_FOUND). *portal_exists: 1 when
 * the Demo portal is there already. */
int policy_store_demo_prepare(PGconn *conn, int *portal_exists);

/* In conn's open transaction, after the portal: the demo's other companies and their links to
 * the portal, offices, office categories, role definitions and users, each row only when it is
 * not there yet. Adds the rows inserted to *rows and the users among them to *users. */
int policy_store_demo_load_rest(PGconn *conn, int *rows, int *users);

#endif
