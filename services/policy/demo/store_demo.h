/* The demo portal the run command loads (README lists the logins). */
#ifndef CLAIMSUITE_POLICY_STORE_DEMO_H
#define CLAIMSUITE_POLICY_STORE_DEMO_H

/* Inserts the demo data through the policy schema of conninfo, idempotently: a second load
 * changes nothing. Returns CS_OK or an error after logging why. */
int policy_demo_load(const char *conninfo);

#endif
