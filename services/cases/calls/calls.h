/* The call history of a case (calls/calls.c): each call to the customer, logged by whoever made
 * it among those who see the case (the partner's app, the insurer, the external case handler),
 * read by the same. A call logged emits call.logged (the customer page's news "call history");
 * it is not a change of the case (no history line, the case's version stays). */
#ifndef CLAIMSUITE_CASES_CALLS_H
#define CLAIMSUITE_CASES_CALLS_H

#include <jansson.h>
#include <libpq-fe.h>

#include "caller.h"
#include "refusal.h"

/* POST body {number, started_at, duration_seconds, reached}: a phone number (+, digits, spaces,
 * dashes, parentheses; 3..40), a start not in the future, 0..86400 seconds. */
void cases_call_rules(const json_t *body, struct cs_refusal *err);
/* Logs the call in the visible case: CS_OK with *doc, or CS_REFUSED. */
int cases_call_log(PGconn *conn, const struct cases_caller *c, const char *case_id,
                   const json_t *body, json_t **doc, struct cs_refusal *err);
/* The case's calls, newest first: *out a new {items, next_cursor: null}. */
int cases_calls(PGconn *conn, const struct cases_caller *c, const char *case_id, const json_t *body,
                json_t **out, struct cs_refusal *err);

#endif
