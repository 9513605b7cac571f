/* The messages between a case's staff and its customer (messages.c over store_messages.c): each
 * with text and/or one file, newest first, unread from each side's point of view. The staff
 * write when the case's settings.messages_direction is not from_customer_only, the customer
 * when it is not to_customer_only, and the customer only while the messages tab's "when"
 * (settings.messages_tab) holds. A staff message adds the news entry message_to_customer; a
 * customer's message tells the case's case handler and external case handler (inbox notice
 * customer.message). Whenever the number of the customer's unread messages of a case changes,
 * the event customer_contact.changed {case_id, claim_number, unread_from_customer,
 * last_message_at} is published. No HTTP here. */
#ifndef CLAIMSUITE_CUSTOMER_MESSAGES_H
#define CLAIMSUITE_CUSTOMER_MESSAGES_H

#include <jansson.h>
#include <libpq-fe.h>

#include "caller.h"
#include "refusal.h"

#define CUSTOMER_MESSAGES_MAX_TEXT 10000                /* bytes of a message's text */
#define CUSTOMER_MESSAGES_MAX_FILE (30LL * 1024 * 1024) /* bytes of its file */
#define CUSTOMER_MESSAGES_STAFF "staff"                 /* the viewers of store_messages.h */
#define CUSTOMER_MESSAGES_CUSTOMER "customer"

/* What one message says; strings borrowed. */
struct customer_message_in {
  const char *text; /* NULL or "": none (then a file is required) */
  const char *file_sha256, *file_name, *file_media_type; /* file_sha256 NULL: no file */
  long long file_size;
  /* An Idempotency-Key (NULL: none), whose it is (the staff member's id, the customer's grant)
   * and the path posted to: the same key again with the same message answers the message it
   * made; with another message, 422 idempotency-key-reused. */
  const char *idem_key, *idem_scope, *idem_path;
  int *replayed; /* set to 1 when the answer is such a replay (may be NULL) */
};

/* The customer writing: the session's contact (access/portal_session.h); borrowed. */
struct customer_message_author {
  const char *access_id, *name, *email; /* email may be "" */
  const json_t *casefile, *settings;
};

/* The rules of in's text (1..10000 bytes of UTF-8, or none with a file) into err's fields. */
void customer_messages_rules(const struct customer_message_in *in, struct cs_refusal *err);

/* CS_OK when the messages tab's "when" holds for casefile under settings; else CS_REFUSED with
 * a 404 (the customer's page has no messages then). */
int customer_messages_tab_open(const json_t *casefile, const json_t *settings,
                               struct cs_refusal *err);

/* A page of case_id's messages as viewer sees them, newest first: *page new {items,
 * next_cursor, unread}. limit from paging_parse; position (borrowed, may be NULL) the decoded
 * cursor: one not of this list is a 400. */
int customer_messages_list(PGconn *conn, const char *case_id, const char *viewer, long limit,
                           const json_t *position, json_t **page, struct cs_refusal *err);

/* The staff's message: c (customer_case_staff let it work with casefile, borrowed) writes in to
 * the customer: *doc new (the staff's view). 409 when the case takes messages from the customer
 * only. The file, if any, must be committed to the blob store by the caller once this returned
 * CS_OK (the row committed). */
int customer_messages_staff_post(PGconn *conn, const struct customer_caller *c,
                                 const json_t *casefile, const struct customer_message_in *in,
                                 json_t **doc, struct cs_refusal *err);

/* The customer's message (the customer's view in *doc); 409 when the case takes messages to the
 * customer only. File as above. */
int customer_messages_customer_post(PGconn *conn, const struct customer_message_author *a,
                                    const struct customer_message_in *in, json_t **doc,
                                    struct cs_refusal *err);

/* Marks every message of casefile's case that viewer has not read as read (by: the staff's
 * user or client id; NULL for the customer): *marked how many. */
int customer_messages_read_all(PGconn *conn, const json_t *casefile, const char *viewer,
                               const char *by, long long *marked, struct cs_refusal *err);

/* The file of message id of case_id: *file new {file_sha256, file_name, file_media_type}, or
 * CS_REFUSED (404) when there is no such message or it carries no file. */
int customer_messages_file(PGconn *conn, const char *case_id, const char *id, json_t **file,
                           struct cs_refusal *err);

#endif
