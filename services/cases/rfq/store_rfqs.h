/* SQL of the requests for quotation of a case (rfq/store_rfqs.c). Every function: CS_OK, or
 * CS_ERR_DB with sqlstate (6 bytes) filled. Documents are the migration's rfq_document, seen by
 * everyone (company NULL), by one partner company, or by one invitee (an outside partner's
 * link). */
#ifndef CLAIMSUITE_CASES_STORE_RFQS_H
#define CLAIMSUITE_CASES_STORE_RFQS_H

#include <jansson.h>
#include <libpq-fe.h>

struct cases_store_rfq_new {
  const char *id, *case_id, *task_id, *portal_id, *description, *due_date, *timezone, *currency;
  const char *created_by, *created_by_company; /* the company NULL for an API client */
};
/* Inserts the RFQ and counts it open on its case (in the caller's transaction, the case
 * locked). */
int cases_store_rfq_insert(PGconn *conn, const struct cases_store_rfq_new *r, char sqlstate[6]);
/* Invites office (json {id, name, company_id, company_name}) unless it is invited already:
 * *added 1 when it was added now. */
int cases_store_rfq_invite_office(PGconn *conn, const char *rfq_id, const json_t *office,
                                  const char *invited_by, int *added, char sqlstate[6]);
/* Invites an outside partner by name and email with the digest of its link's token unless that
 * email is invited already: *invitee_id (37 bytes) its id, "" when it was invited before. */
int cases_store_rfq_invite_external(PGconn *conn, const char *rfq_id, const char *name,
                                    const char *email, const char *token_sha256,
                                    const char *invited_by, char invitee_id[37], char sqlstate[6]);
/* Sets description and/or due date (NULL: unchanged; the due date's end in timezone). */
int cases_store_rfq_edit(PGconn *conn, const char *rfq_id, const char *description,
                         const char *due_date, const char *timezone, char sqlstate[6]);
/* Decides the RFQ: outcome awarded (quote_id accepted, the other standing quotes not) or
 * no_award (every standing quote not accepted), with reason, by decided_by; the case counts one
 * open RFQ fewer. */
int cases_store_rfq_decide(PGconn *conn, const char *rfq_id, const char *outcome,
                           const char *quote_id, const char *reason, const char *decided_by,
                           char sqlstate[6]);
/* The open RFQ of task_id into id (37 bytes), "" when it has none. */
int cases_store_task_open_rfq(PGconn *conn, const char *task_id, char id[37], char sqlstate[6]);
/* *passed 1 when date (YYYY-MM-DD) is before today in timezone (the portal's; UTC when ""). */
int cases_store_date_passed(PGconn *conn, const char *date, const char *timezone, int *passed,
                            char sqlstate[6]);
/* Bumps the RFQ's version (a change that did not touch its row: an invitation). */
int cases_store_rfq_touch(PGconn *conn, const char *rfq_id, char sqlstate[6]);

/* The RFQ id of case_id as everyone sees it (*doc NULL when none). */
int cases_store_rfq(PGconn *conn, const char *case_id, const char *id, json_t **doc,
                    char sqlstate[6]);
/* The same in portal_id as company sees it (NULL: everything), NULL when company is invited to
 * none of it. */
int cases_store_rfq_for(PGconn *conn, const char *portal_id, const char *case_id, const char *id,
                        const char *company, json_t **doc, char sqlstate[6]);
/* The RFQs of case_id in portal_id, oldest first, as company sees them (NULL: all; else only
 * those it is invited to): *items a new array. */
int cases_store_rfqs(PGconn *conn, const char *portal_id, const char *case_id, const char *company,
                     json_t **items, char sqlstate[6]);
/* The open RFQs of portal_id (and with company, those it is invited to), newest first, a page
 * of limit + 1 rows after position ({created_at, id} or NULL). status NULL: every status;
 * updated_since NULL: any, else those changed at or after it (RFC 3339). */
int cases_store_rfqs_portal(PGconn *conn, const char *portal_id, const char *company,
                            const char *status, const char *updated_since, long limit,
                            const json_t *position, json_t **items, char sqlstate[6]);

/* The invitee of company on the RFQ id of case_id in portal_id: *invitee_id (37 bytes), "" when
 * company is not invited (or no such RFQ). */
int cases_store_rfq_company_invitee(PGconn *conn, const char *portal_id, const char *case_id,
                                    const char *rfq_id, const char *company, char invitee_id[37],
                                    char sqlstate[6]);
/* What an outside partner's link opens, by the digest of its token: *out {invitee_id, rfq_id,
 * case_id, portal_id} while the link is valid (until 30 days after the RFQ closes), else NULL. */
int cases_store_rfq_link(PGconn *conn, const char *token_sha256, json_t **out, char sqlstate[6]);
/* The RFQ as invitee sees it. */
int cases_store_rfq_for_invitee(PGconn *conn, const char *rfq_id, const char *invitee_id,
                                json_t **doc, char sqlstate[6]);
/* 1 in *open while the RFQ takes quotes: open and before it closes. */
int cases_store_rfq_takes_quotes(PGconn *conn, const char *rfq_id, int *open, char sqlstate[6]);

struct cases_store_quote_new {
  const char *id, *rfq_id, *invitee_id, *currency, *description, *valid_until, *submitted_by;
  long long amount;
};
/* Inserts the quote, superseding the invitee's standing one: *doc its document. */
int cases_store_quote_insert(PGconn *conn, const struct cases_store_quote_new *q, json_t **doc,
                             char sqlstate[6]);

#endif
