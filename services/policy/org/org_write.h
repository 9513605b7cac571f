/* The domain side of an organisation write (companies, offices, users, API clients). A write is
 * a write_call (common/write.h) run by the org write route (http_org_write.h): w->caller is the
 * struct policy_org_caller, w->body the parsed body (borrowed), w->id the path id (or NULL).
 *
 * Every field error of a body is answered at once: the route collects the type errors of the
 * body's field table (fields_check), then the resource's rules (policy_org_rules_fn) add theirs,
 * and only a body without errors reaches the change (policy_org_write_fn). */
#ifndef CLAIMSUITE_POLICY_ORG_WRITE_H
#define CLAIMSUITE_POLICY_ORG_WRITE_H

#include <jansson.h>
#include <libpq-fe.h>

#include "org_caller.h"
#include "refusal.h"
#include "write.h"

/* The rules of a body beyond its field table, adding field errors to err. Safe on any value
 * (a member of the wrong type is left to the table's error); judges nothing absent, reads no
 * database and decides nothing. */
typedef void (*policy_org_rules_fn)(const json_t *body, struct cs_refusal *err);

/* The change of a valid body. A PATCH/PUT calls policy_org_precondition with the row once it
 * is locked and seen to be visible and changeable. CS_OK with w->result (a new reference: the
 * resource, with an integer "version") or CS_REFUSED with w->err filled. */
typedef int (*policy_org_write_fn)(PGconn *conn, struct write_call *w);

/* Reads one visible resource of the caller: CS_OK with *out (a new reference) or CS_REFUSED
 * with err (404 when it is not visible). */
typedef int (*policy_org_get_fn)(PGconn *conn, const struct policy_org_caller *c, const char *id,
                                 json_t **out, struct cs_refusal *err);

/* The caller of an org write. Borrowed. */
static inline const struct policy_org_caller *policy_org_caller_of(const struct write_call *w) {
  return w->caller;
}

/* If-Match against the locked resource's integer "version" (required: 428 without one):
 * CS_OK, or CS_REFUSED with the answer written. */
int policy_org_precondition(struct write_call *w, const json_t *resource, int required);

/* An object's event payload without private fields and the version: a new reference. */
json_t *policy_org_event_data(const json_t *resource);

/* The end of every write of a resource: re-reads it with get (the row was just written, so any
 * failure is a database failure), adds the event type for aggregate id (the event payload of
 * policy_org_event_data) and hands the resource to w->result. CS_OK or CS_REFUSED. */
int policy_org_write_done(PGconn *conn, struct write_call *w, const char *type, const char *id,
                          policy_org_get_fn get);

#endif
