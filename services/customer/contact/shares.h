/* The case documents shared with the customer (shares.c over store_shares.c): by hand, by the
 * staff who may work with the case's customer page (core/case_staff.h), and automatically, the
 * inspection report and the customer settlement report when the case's settings say so. Every
 * share and every end of one adds a news entry (document_shared, document_sharing_ended; params
 * {title}). No HTTP here. */
#ifndef CLAIMSUITE_CUSTOMER_SHARES_H
#define CLAIMSUITE_CUSTOMER_SHARES_H

#include <jansson.h>
#include <libpq-fe.h>

#include "caller.h"
#include "refusal.h"

#define CUSTOMER_SHARES_MAX_IDS 100 /* documents one request shares */

/* Called by the read model after every applied event of a case, inside its transaction:
 * shares every document of the case not deleted, not shared yet and never unshared by hand, of
 * type inspection_report while customer_when_holds(settings.inspection_report_sharing,
 * casefile) and of type customer_settlement_report while settlement_report_sharing holds, as
 * "automatic:<setting>", each with its news entry (source: source + ":shared:" + its id; NULL:
 * none). casefile and settings borrowed. CS_OK, CS_ERR_DB or CS_ERR_NOMEM (the consumer rolls
 * back). */
int customer_shares_auto(PGconn *conn, const json_t *casefile, const json_t *settings,
                         const char *source);

/* A document deleted in the cases service stops being shared: a news entry
 * document_sharing_ended when it was (source as above, ":ended:"). Errors as above. */
int customer_shares_document_deleted(PGconn *conn, const char *case_id, const char *document_id,
                                     const char *source);

/* --- The staff's routes; casefile (borrowed) is the case customer_case_staff loaded for c. --- */

/* The case's shared documents: *out new {items, next_cursor: null} (items as
 * customer_store_shares: a case's documents are few, one page). */
int customer_shares_list(PGconn *conn, const json_t *casefile, json_t **out,
                         struct cs_refusal *err);
/* Shares body's document_ids (1..100 UUIDs of documents of this case, not deleted; each other
 * one a 422 naming it) by hand as c; those shared already stay as they are, without a second
 * news entry. *out new: the list above with "shared": the ids newly shared. */
int customer_shares_add(PGconn *conn, const struct customer_caller *c, const json_t *casefile,
                        const json_t *body, json_t **out, struct cs_refusal *err);
/* Ends the share of document_id by hand as c (404 when it is not shared); automation does not
 * share it again. */
int customer_shares_end(PGconn *conn, const struct customer_caller *c, const json_t *casefile,
                        const char *document_id, struct cs_refusal *err);

#endif
