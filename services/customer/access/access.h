/* The customer's access to the customer page of one case, the staff's side (access.c): the
 * grants of a case (list), a grant by hand (the link sent at once by SMS and/or email), a
 * revocation (its sessions end at once), and the grants the case's link_sending trigger makes.
 * A grant's link holds a token shown to nobody but its contact: only its digest is stored.
 * Refusals name a problem kind; no HTTP here. The customer's side is login.h and
 * portal_session.h. */
#ifndef CLAIMSUITE_CUSTOMER_ACCESS_H
#define CLAIMSUITE_CUSTOMER_ACCESS_H

#include <jansson.h>
#include <libpq-fe.h>

#include "caller.h"
#include "refusal.h"
#include "write.h"

/* The state of one grant or revocation (w->op); w->caller is the struct customer_caller, w->id
 * the access id of a revocation. */
struct customer_access_op {
  const char *case_id;
  json_t *casefile; /* customer_case_staff's (owned) */
  json_t *contact;  /* check: whom the grant is for {kind, index, name, email, phone} (owned) */
  json_t *send;     /* check: the channels the link goes out on (owned) */
  char language[16];
  int revoked_already; /* revocation: the grant was revoked before this request */
};
void customer_access_op_clear(struct customer_access_op *op);

/* The grants of op's case: *out new {items, next_cursor: null}, oldest first (a case has a
 * handful). CS_OK or CS_REFUSED (database). */
int customer_access_list(PGconn *conn, const struct customer_caller *c,
                         const struct customer_access_op *op, json_t **out, struct cs_refusal *err);

/* Write hooks of a grant by hand (POST): check validates the body ({contact_index} or {name,
 * email, phone}, optional send) against the case's contacts (422 for every error at once, a
 * contact with neither phone nor email among them); apply stores the grant, queues its link and
 * emits customer_access.granted. */
int customer_access_grant_check(PGconn *conn, struct write_call *w);
int customer_access_grant_apply(PGconn *conn, struct write_call *w);

/* Write hooks of a revocation (DELETE): read answers 404 for a grant not of the case; apply
 * revokes it (once: a grant revoked already stays as it was, and the answer is the same 204),
 * ends its sessions, and emits customer_access.revoked. */
int customer_access_revoke_read(PGconn *conn, struct write_call *w, long long *version);
int customer_access_revoke_lock(PGconn *conn, struct write_call *w, long long *version);
int customer_access_revoke_apply(PGconn *conn, struct write_call *w);

/* Called by the read model inside the consumer's transaction once trigger ("case_created",
 * "inspector_assigned", "positive_compensation_decision") has happened for casefile's case
 * (borrowed; settings its effective settings, borrowed): when settings.link_sending is trigger,
 * grants access (granted_by trigger) to each contact settings.access chooses that has a phone or
 * an email and no live grant yet, and queues its link; source (the event's id) makes every
 * message once, so the same event applied twice sends once. CS_OK (a contact whose message
 * notify.h refuses is logged and skipped), or CS_ERR_DB / CS_ERR_NOMEM (roll back). */
int customer_access_on_trigger(PGconn *conn, const json_t *casefile, const json_t *settings,
                               const char *trigger, const char *source);

#endif
