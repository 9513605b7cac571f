/* The case resource's rules: what a valid case is, creating, changing, upserting by external
 * reference, closing, reopening, holding, and the history. SQL in store_cases.c, HTTP in
 * http_cases.c. */
#ifndef CLAIMSUITE_CASES_CASES_H
#define CLAIMSUITE_CASES_CASES_H

#include <jansson.h>
#include <libpq-fe.h>

#include "cases_internal.h"
#include "http.h"

/* The top-level fields of a create (or upsert) body, and of a PATCH (all optional). */
extern const struct http_field cases_create_fields[];
extern const size_t cases_create_nfields;
extern const struct http_field cases_patch_fields[];
extern const size_t cases_patch_nfields;

/* Checks a whole set of editable fields (nested address and contacts included), adding field
 * errors to err; then that case_handler_id names an active insurer user of the portal (asks the
 * policy service). CS_OK or CS_REFUSED. */
int cases_case_check(const json_t *fields, const char *portal_id, struct cs_refusal *err);

/* Creates a case from body (borrowed, top-level checked) for an internal caller inside conn's
 * open transaction: history, case.created event. *out is the new document (new reference). */
int cases_case_create(PGconn *conn, const struct cases_caller *c, const json_t *body,
                      json_t **out, struct cs_refusal *err);

/* Change runner functions (cases_http_case_op). */
int cases_case_patch(PGconn *conn, struct cases_op *op);
int cases_case_close(PGconn *conn, struct cases_op *op);
int cases_case_reopen(PGconn *conn, struct cases_op *op);
int cases_case_hold(PGconn *conn, struct cases_op *op);

#endif
