/* The demo portal the run command loads (README lists the logins). */
#ifndef CLAIMSUITE_POLICY_DEMO_H
#define CLAIMSUITE_POLICY_DEMO_H

/* Loads the demo data through the policy schema of conninfo, idempotently (a second load
 * changes nothing), in one transaction: the Demo portal with its insurer and admin through the
 * create of portals (portals.h) with fixed ids, then the rest (store_demo.c). Returns CS_OK or
 * an error after logging why. */
int policy_demo_load(const char *conninfo);

#endif
