/* The documents of a case (documents/documents.c): files added by anyone who sees the case (the
 * insurer, the partners holding its tasks, the external case handler, who always has the case's
 * documents), listed and read by the same, deleted softly by whoever added one or the insurer.
 * A closed case takes no new documents (409). Each change leaves a history line and one event
 * (document.added, document.deleted). HTTP (the multipart form, the file's bytes) is
 * http_documents.c's. */
#ifndef CLAIMSUITE_CASES_DOCUMENTS_H
#define CLAIMSUITE_CASES_DOCUMENTS_H

#include <jansson.h>
#include <libpq-fe.h>

#include "caller.h"
#include "refusal.h"

/* A file stored in the blob store, with what the form said of it. */
struct cases_document_file {
  const char *type, *title; /* the form's fields (checked by cases_document_rules) */
  const char *file_name, *media_type, *sha256;
  long long size;
};

/* The form's own fields: type one of the three, title 1..200 bytes (defaults to the file name
 * when absent: pass NULL). */
void cases_document_rules(const char *type, const char *title, struct cs_refusal *err);

/* Adds the document to the visible case case_id in one transaction (the case's row locked):
 * CS_OK with *doc, or CS_REFUSED (409 closed case, 5xx). conn is a pooled connection, idle. */
int cases_document_add(PGconn *conn, const struct cases_caller *c, const char *case_id,
                       const struct cases_document_file *f, json_t **doc, struct cs_refusal *err);
/* The same inside op (begun or joined, case_op.h): the row, the history line, the event; *doc
 * the document (NULL when refused). CS_OK or CS_REFUSED with op->err. */
struct cases_op;
int cases_document_record(PGconn *conn, struct cases_op *op, const struct cases_document_file *f,
                          json_t **doc);
/* Deletes it softly: the adder or the insurer (403), 404 when absent or deleted. */
int cases_document_delete(PGconn *conn, const struct cases_caller *c, const char *case_id,
                          const char *doc_id, struct cs_refusal *err);

#endif
