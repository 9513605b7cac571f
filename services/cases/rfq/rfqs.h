/* Requests for quotation on a case's repair tasks (rfq/rfqs.c, quotes.c, rfq_reads.c): who
 * holds rfq_initiate_edit invites partner offices of the portal, and with
 * rfq_add_external_partners outside partners by name and email (they get a single-purpose link:
 * rfq.invited_external carries it to the notifications); the invited quote until the due date
 * ends in the portal's time zone; who holds rfq_decide awards the task to one standing quote
 * (an office's quote gives the task to that office) or to none. One RFQ of a task is open at a
 * time; the task must not have a user yet.
 *
 * Who sees what: the insurer and whoever holds rfq_initiate_edit or rfq_decide on the case see
 * every invitee and quote; a user of an invited company sees that RFQ (the case's damage type
 * and address, not its customer) with only its company's invitations and quotes, whether or not
 * it sees the case; an outside partner's link shows only its own. Everyone else: 404. */
#ifndef CLAIMSUITE_CASES_RFQS_H
#define CLAIMSUITE_CASES_RFQS_H

#include <jansson.h>
#include <libpq-fe.h>

#include "case_op.h"
#include "caller.h"
#include "refusal.h"

#define RFQ_MAX_INVITEES 20

/* ---- changes on the case's row (cases_http_case_op) ---- */
/* POST /v1/cases/{id}/rfqs {task_id, description, due_date, office_ids, external_partners}. */
void cases_rfq_create_rules(const json_t *body, struct cs_refusal *err);
int cases_rfq_create(PGconn *conn, struct cases_op *op);
/* PATCH /v1/cases/{id}/rfqs/{rfq_id} {description, due_date, add_office_ids,
 * add_external_partners}: while it is open. */
void cases_rfq_edit_rules(const json_t *body, struct cs_refusal *err);
int cases_rfq_edit(PGconn *conn, struct cases_op *op);
/* POST /v1/cases/{id}/rfqs/{rfq_id}/decision {outcome: awarded | no_award, quote_id, reason}. */
void cases_rfq_decision_rules(const json_t *body, struct cs_refusal *err);
int cases_rfq_decide(PGconn *conn, struct cases_op *op);

/* ---- quotes (quotes.c) ---- */
/* {amount, description, valid_until}. */
void cases_rfq_quote_rules(const json_t *body, struct cs_refusal *err);
/* A quote by a user of an invited company: CS_OK with *doc (the quote), or CS_REFUSED (404 when
 * the caller neither sees the case nor is invited; 403 when it sees the case only; 409 once the
 * RFQ is decided or closed). */
int cases_rfq_quote_by_partner(PGconn *conn, const struct cases_caller *c, const char *case_id,
                               const char *rfq_id, const json_t *body, json_t **doc,
                               struct cs_refusal *err);
/* What an outside partner's link shows (*doc, the RFQ as that invitee sees it), and its quote:
 * 404 for a token that is unknown or has expired. */
int cases_rfq_link_view(PGconn *conn, const char *token, json_t **doc, struct cs_refusal *err);
int cases_rfq_quote_by_link(PGconn *conn, const char *token, const json_t *body, json_t **doc,
                            struct cs_refusal *err);

/* ---- reads (rfq_reads.c) ---- */
/* The case's RFQs (*out {items, next_cursor: null}) or one (*out its document), as the caller
 * may see them; visible: whether the caller sees the case. */
int cases_rfq_list(PGconn *conn, const struct cases_caller *c, const char *case_id, int visible,
                   json_t **out, struct cs_refusal *err);
int cases_rfq_get(PGconn *conn, const struct cases_caller *c, const char *case_id, int visible,
                  const char *rfq_id, json_t **out, struct cs_refusal *err);
/* GET /v1/rfqs: the portal's RFQs (the insurer) or those the caller's company is invited to,
 * newest first, a page of limit after position (NULL: the first), status NULL or one,
 * updated_since NULL or an RFC 3339 timestamp (those changed at or after it: it only filters,
 * the order and the cursors stay those of created_at). */
int cases_rfq_portal_list(PGconn *conn, const struct cases_caller *c, const char *status,
                          const char *updated_since, long limit, const json_t *position,
                          json_t **out, struct cs_refusal *err);

#endif
