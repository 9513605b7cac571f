/* SQL of the read model of the cases (migrations/0004_casefile.sql). Results: CS_OK, or
 * CS_ERR_DB with sqlstate (6 bytes) filled. */
#ifndef CLAIMSUITE_CUSTOMER_STORE_CASEFILE_H
#define CLAIMSUITE_CUSTOMER_STORE_CASEFILE_H

#include <jansson.h>
#include <libpq-fe.h>

/* The case's row as casefile.h describes it: *out new, NULL when none (or not of portal_id,
 * which may be NULL: any). */
int customer_store_casefile_get(PGconn *conn, const char *portal_id, const char *case_id,
                                json_t **out, char sqlstate[6]);

/* Keeps doc (borrowed: the cases service's Case) as case_id's; inspector_assigned_at is set the
 * first time inspector_assigned is 1 and kept after; closed_at follows the case. */
int customer_store_casefile_put(PGconn *conn, const char *portal_id, const char *case_id,
                                const json_t *doc, int inspector_assigned, char sqlstate[6]);

/* A document of the case as document.added described it (data borrowed); added_by is the name
 * of its company (added_by_company) in the replica. */
int customer_store_document_added(PGconn *conn, const char *portal_id, const char *case_id,
                                  const json_t *data, char sqlstate[6]);
/* The document is deleted in the cases service. */
int customer_store_document_deleted(PGconn *conn, const char *document_id, char sqlstate[6]);

/* A budget as a budget.* event described it (data borrowed). */
int customer_store_budget(PGconn *conn, const char *case_id, const json_t *data,
                          const char *occurred_at, char sqlstate[6]);

/* A news entry (casefile.h customer_news_add). */
int customer_store_news_add(PGconn *conn, const char *portal_id, const char *case_id,
                            const char *kind, const char *at, const char *params_json,
                            const char *source, char sqlstate[6]);

#endif
