/* The case resource's rules: what a valid case is, creating, changing, upserting by external
 * reference, closing, reopening, holding, and the history. SQL in store_cases.c, HTTP (and the
 * fields of the bodies) in http_cases.c. */
#ifndef CLAIMSUITE_CASES_CASES_H
#define CLAIMSUITE_CASES_CASES_H

#include <jansson.h>
#include <libpq-fe.h>

#include "case_op.h"

/* Body rules (case_op.h) of a whole case (POST, PUT by reference): the required members, the
 * forms of claim_number, damage_type and external_ref, the nested address and contacts. */
void cases_case_rules(const json_t *body, struct cs_refusal *err);
/* Body rules of a PATCH: the same of the members it names; a required one may not be null. */
void cases_case_patch_rules(const json_t *body, struct cs_refusal *err);

/* Checks a whole set of editable fields (cases_case_rules: the case as it will be), adding field
 * errors to op->err; then that case_handler_id names an active insurer user of the caller's
 * portal (cases_op_user: asked in the check phase, only when the rest is valid). CS_OK or
 * CS_REFUSED. */
int cases_case_check(struct cases_op *op, const json_t *fields);
/* Adds a field error on case_handler_id to op->err unless handler is an active insurer user of
 * the caller's portal (asked of the replica in the check phase): CS_OK, or CS_REFUSED when the
 * replica could not be asked. */
int cases_case_handler_check(struct cases_op *op, const char *handler);

/* Creates a case from op->body (top-level checked) for an internal caller, in the two phases of
 * case_op.h (op->current NULL): the apply phase inserts it with history and the case.created
 * event inside conn's open transaction; op->result is the new document. */
int cases_case_create(PGconn *conn, struct cases_op *op);

/* The case id (or, for internal callers, external reference ref; id NULL) as the caller sees
 * it: CS_OK with *doc a new reference, or CS_REFUSED with err (404 "no such case": absent or
 * not visible; partners know cases by id, never by the core system's reference). */
int cases_case_read(PGconn *conn, const struct cases_caller *c, const char *id, const char *ref,
                    json_t **doc, struct cs_refusal *err);
/* The case id as the caller sees it, as JSON text (new, free()) with its version: the read of
 * GET /v1/cases/{id}, answered without parsing the document. Refusals as cases_case_read. */
int cases_case_read_text(PGconn *conn, const struct cases_caller *c, const char *id, char **text,
                         char version[24], struct cs_refusal *err);

/* PUT by reference: the case of the caller's portal with external reference ref, into
 * op->current (NULL when there is none yet; replaced) and op->case_id. With lock (inside the
 * transaction) the row is locked, and so is the reference itself, so that concurrent upserts of
 * one new reference run one by one. CS_OK or CS_REFUSED (database failure in op->err). */
int cases_case_find_by_ref(PGconn *conn, struct cases_op *op, const char *ref, int lock);

/* The history of case_id (visibility checked by the caller): the entries after entry after_id,
 * oldest first, at most limit, as a new array in *items. CS_OK or CS_REFUSED (database). */
int cases_case_history(PGconn *conn, const char *case_id, long long after_id, long limit,
                       json_t **items, struct cs_refusal *err);

/* Change functions (case_op.h), run by cases_http_case_op. */
int cases_case_patch(PGconn *conn, struct cases_op *op);
int cases_case_close(PGconn *conn, struct cases_op *op);
int cases_case_reopen(PGconn *conn, struct cases_op *op);
int cases_case_hold(PGconn *conn, struct cases_op *op);

#endif
