/* The read model of the cases (casefile.h) kept from the cases service's events, inside the
 * consumer's transaction: the case (every event carries it whole, data.case; an older version
 * than the one kept changes nothing), its documents and budgets, the news entries the guide
 * lists, and what the case's settings make happen then: the access link sent on its trigger
 * (access.h), the reports shared automatically (shares.h). */
#ifndef CLAIMSUITE_CUSTOMER_APPLY_CASES_H
#define CLAIMSUITE_CUSTOMER_APPLY_CASES_H

#include <jansson.h>
#include <libpq-fe.h>

/* CS_OK (also for an event it cannot use: logged, skipped), or CS_ERR_DB / CS_ERR_NOMEM: the
 * consumer rolls back and applies it again. event borrowed. */
int customer_apply_cases_event(PGconn *conn, const json_t *event);

#endif
