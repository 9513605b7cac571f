/* The customer page's settings, the domain: who may see and change them, the portal's document
 * (defaults until first saved), a case's override and the effective result, the preview, and the
 * hooks of their writes for the write runner (http_write.h). Refusals name a problem kind; no
 * HTTP here.
 *
 * Who: for the portal's settings, the insurer's users of authority level 6 and the portal's API
 * clients (403 for others); for a case's override, whoever may work with the case's customer
 * page (case_staff.h: the insurer's users and API clients, the case's external case handler
 * with customer_communication; 404 for a case this service does not know). Each function
 * checks it. */
#ifndef CLAIMSUITE_CUSTOMER_SETTINGS_H
#define CLAIMSUITE_CUSTOMER_SETTINGS_H

#include <jansson.h>
#include <libpq-fe.h>

#include "caller.h"
#include "refusal.h"
#include "write.h"

/* The state of one settings write (w->op); w->caller is the struct customer_caller. */
struct customer_settings_op {
  const char *case_id; /* NULL: the portal's settings; else the case's override (borrowed) */
  json_t *doc;         /* set by check: the document to store (owned) */
};
void customer_settings_op_clear(struct customer_settings_op *op);

/* CS_OK when c may see and change the customer page's settings; else CS_REFUSED (403). */
int customer_settings_allowed(const struct customer_caller *c, struct cs_refusal *err);

/* The portal's settings: *out new {every setting, portal_id, version (0: never saved),
 * updated_at (null), customized}. CS_OK or CS_REFUSED (database). */
int customer_settings_get(PGconn *conn, const struct customer_caller *c, json_t **out,
                          struct cs_refusal *err);
/* case_id's settings: *out new {case_id, portal (as above), override (the members it sets),
 * effective, version (the override's, 0: none), updated_at}. */
int customer_case_settings_get(PGconn *conn, const struct customer_caller *c, const char *case_id,
                               json_t **out, struct cs_refusal *err);
/* case_id's effective settings in portal_id, for whoever asks (no caller: the read model and the
 * customer's side): *out new. CS_OK or CS_REFUSED (database). */
int customer_settings_effective(PGconn *conn, const char *portal_id, const char *case_id,
                                json_t **out, struct cs_refusal *err);
/* The effective settings of the case of casefile (casefile.h; its portal's with its override):
 * *out new. CS_OK or CS_ERR_DB. */
int customer_casefile_settings(PGconn *conn, const json_t *casefile, json_t **out);
/* The preview (preview.h) of the portal's settings, or of case_id's effective ones when not
 * NULL: *out new. */
int customer_settings_preview(PGconn *conn, const struct customer_caller *c, const char *case_id,
                              json_t **out, struct cs_refusal *err);

/* Write hooks of PUT (the portal's when op->case_id is NULL, else the case's override). read
 * checks If-Match itself: a never-saved document is version 0 and needs none; a saved one
 * needs one (428). apply emits customer_settings.updated or customer_case_settings.updated. */
int customer_settings_read(PGconn *conn, struct write_call *w, long long *version);
int customer_settings_check(PGconn *conn, struct write_call *w);
int customer_settings_lock(PGconn *conn, struct write_call *w, long long *version);
int customer_settings_apply(PGconn *conn, struct write_call *w);

#endif
