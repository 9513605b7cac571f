/* Who on the staff side may work with the customer page of one case (its access, shares and
 * messages): the insurer's users of the case's portal and the portal's API clients, and the
 * external case handler of the case (its user, or a user of its office when no user holds it)
 * whose role gives customer_communication. Decided from the authority replica (replica.h); a
 * decision is not a guarded write's, so it is not logged. */
#ifndef CLAIMSUITE_CUSTOMER_CASE_STAFF_H
#define CLAIMSUITE_CUSTOMER_CASE_STAFF_H

#include <jansson.h>
#include <libpq-fe.h>

#include "caller.h"
#include "refusal.h"

/* Loads casefile_out (casefile.h customer_casefile_get; new) for case_id and checks c may work
 * with it: CS_OK, or CS_REFUSED with err: 404 for a case unknown here or of another portal, or
 * one c may not see (the same answer: nothing leaked), 403 for an external case handler without
 * customer_communication, 503 for the database. */
int customer_case_staff(PGconn *conn, const struct customer_caller *c, const char *case_id,
                        json_t **casefile_out, struct cs_refusal *err);

#endif
