/* SQL of what the customer's side reads (portal.h): the news feed, the budgets and the shared
 * documents of one case. Results: CS_OK, or CS_ERR_DB with sqlstate (6 bytes) filled. */
#ifndef CLAIMSUITE_CUSTOMER_STORE_PORTAL_H
#define CLAIMSUITE_CUSTOMER_STORE_PORTAL_H

#include <jansson.h>
#include <libpq-fe.h>

/* limit news entries of case_id of the kinds named (a JSON array text), newest first, before
 * (before_at, before_id) when not NULL: *rows new [{id, kind, at, params}], the times in params
 * (meeting_at, start, end) written "YYYY-MM-DD HH:MM" in the IANA time zone tz. */
int customer_store_portal_news(PGconn *conn, const char *case_id, const char *kinds_json,
                               const char *tz, const char *before_at, const char *before_id,
                               long limit, json_t **rows, char sqlstate[6]);

/* The approved budgets of case_id: *rows new [{budget_id, task_id, revision, currency,
 * total_excl_vat, total_vat, total_incl_vat, updated_at}]. */
int customer_store_portal_budgets(PGconn *conn, const char *case_id, json_t **rows,
                                  char sqlstate[6]);

/* The documents of case_id shared with the customer and not deleted, newest first: *rows new
 * [{id, type, title, file_name, media_type, size, added_by, added_at, shared_at}]; with
 * document_id (may be NULL: all) only that one, and its sha256. */
int customer_store_portal_documents(PGconn *conn, const char *case_id, const char *document_id,
                                    json_t **rows, char sqlstate[6]);

#endif
