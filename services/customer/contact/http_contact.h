/* The routes of the customer contact of a case (contact/): the shared documents
 * (http_shares.c), the staff's side of the messages (http_messages.c) and the customer's
 * (http_portal_messages.c), and what they share here: the staff caller with its case, a
 * message's body (JSON, or a form with text and one file streamed to the blob store), and a
 * message's file answered from the store. */
#ifndef CLAIMSUITE_CUSTOMER_HTTP_CONTACT_H
#define CLAIMSUITE_CUSTOMER_HTTP_CONTACT_H

#include <jansson.h>
#include <libpq-fe.h>

#include "caller.h"
#include "http_upload.h"
#include "messages.h"
#include "service.h"

struct blob_store;

/* Registers every route of the customer contact; their files are read from blobs (borrowed,
 * lives as long as the process) and streamed there as they arrive (core/http_uploads.h). At
 * start only. */
void customer_contact_routes(struct service *svc, struct blob_store *blobs);

/* Each file's routes, registered by customer_contact_routes. */
void customer_shares_routes(struct service *svc);
void customer_messages_routes(struct service *svc);
void customer_portal_messages_routes(struct service *svc);

/* The staff caller c of the path's case_id, with a connection and the case (customer_case_staff
 * in core/case_staff.h; *casefile new): CS_OK, or answered (404 for a case id that is none,
 * 401/403/404/503) with nothing left to free but what was set (c cleared, conn released). */
int contact_http_staff(struct request_ctx *ctx, struct customer_caller *c, PGconn **conn,
                       json_t **casefile);

/* The message a POST sends: a JSON object {text}, or multipart/form-data with a field text
 * and/or one file in field file (u: the request's files, taken by the caller). in's strings
 * point into *body (new, may stay NULL), ctx's request and u. CS_OK, or answered: 400/415 for a
 * body of neither kind, 413 for a file over 30 MiB, 415 for a file type not on the allow-list,
 * 422 for the fields (customer_messages_rules), 503 when a file could not be stored. */
int contact_http_message_in(struct request_ctx *ctx, const struct http_upload *u, json_t **body,
                            struct customer_message_in *in);

/* The file of a message (customer_messages_file's *file, borrowed) as the answer, streamed from
 * the store; call it with no connection held. */
void contact_http_file(struct request_ctx *ctx, const json_t *file);

/* The request's Idempotency-Key into in, owned by scope (borrowed, outlives in): CS_OK (none
 * is fine), or answered 400 for a key that is empty or longer than 200 bytes. *replayed is
 * where the domain says the answer is the key's first one. */
int contact_http_idempotency(struct request_ctx *ctx, struct customer_message_in *in,
                             const char *scope, int *replayed);

/* Answers 201 with doc (stolen) and its Location, base (a path) + "/" + its id, after the file of
 * u (may be NULL) went into the store (the row committed); replayed: the key's first answer
 * again (Idempotent-Replayed: true). */
void contact_http_created(struct request_ctx *ctx, struct http_upload *u, const char *base,
                          json_t *doc, int replayed);

#endif
