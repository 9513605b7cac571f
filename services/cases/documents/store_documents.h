/* SQL of the documents of a case (documents/store_documents.c). Every function: CS_OK, or
 * CS_ERR_DB with sqlstate (6 bytes) filled. Documents are the migration's document_document. */
#ifndef CLAIMSUITE_CASES_STORE_DOCUMENTS_H
#define CLAIMSUITE_CASES_STORE_DOCUMENTS_H

#include <jansson.h>
#include <libpq-fe.h>

struct cases_store_document_new {
  const char *id, *case_id, *portal_id, *type, *title, *file_name, *media_type, *sha256;
  const char *added_by, *added_by_company; /* the company NULL for an API client */
  long long size;
};
/* Inserts the document (in the caller's transaction): *doc its document. */
int cases_store_document_insert(PGconn *conn, const struct cases_store_document_new *d,
                                json_t **doc, char sqlstate[6]);
/* The document id of case_id that is not deleted (*doc NULL when none). */
int cases_store_document_get(PGconn *conn, const char *case_id, const char *id, json_t **doc,
                             char sqlstate[6]);
/* The case's documents not deleted, newest first: *items a new array. */
int cases_store_documents(PGconn *conn, const char *case_id, json_t **items, char sqlstate[6]);
/* Deletes the document softly, by actor (in the caller's transaction). */
int cases_store_document_delete(PGconn *conn, const char *id, const char *actor, char sqlstate[6]);

#endif
