/* SQL of the messages between a case's staff and its customer (migrations/0006_contact.sql:
 * messages, contact_message_document). viewer is "staff" or "customer": what a message's
 * document calls unread, and where its file is downloaded. Results: CS_OK, or CS_ERR_DB with
 * sqlstate (6 bytes) filled. */
#ifndef CLAIMSUITE_CUSTOMER_STORE_MESSAGES_H
#define CLAIMSUITE_CUSTOMER_STORE_MESSAGES_H

#include <jansson.h>
#include <libpq-fe.h>

/* One message to insert; every string borrowed; the file's members NULL for none. */
struct customer_store_contact_message {
  const char *id, *portal_id, *case_id, *direction, *text;
  const char *sender_id, *sender_name, *sender_email;
  const char *file_sha256, *file_name, *file_media_type, *file_size;
};

/* Serialises the writers of case_id's messages until the transaction ends, so that the unread
 * count each of them publishes counts every message committed before it. */
int customer_store_contact_lock(PGconn *conn, const char *case_id, char sqlstate[6]);

/* Inserts m: *doc new, its document as viewer sees it. */
int customer_store_contact_insert(PGconn *conn, const struct customer_store_contact_message *m,
                                  const char *viewer, json_t **doc, char sqlstate[6]);

/* case_id's messages before (before_at, before_id) (NULLs: from the newest), newest first, at
 * most limit: *rows new array of documents. */
int customer_store_contact_page(PGconn *conn, const char *case_id, const char *viewer,
                                const char *before_at, const char *before_id, long limit,
                                json_t **rows, char sqlstate[6]);

/* How many of case_id's messages viewer has not read. */
int customer_store_contact_unread(PGconn *conn, const char *case_id, const char *viewer,
                                  long long *count, char sqlstate[6]);

/* Marks every message of case_id viewer has not read as read (by: who, for the staff); *count
 * how many. */
int customer_store_contact_read_all(PGconn *conn, const char *case_id, const char *viewer,
                                    const char *by, long long *count, char sqlstate[6]);

/* The file of message id of case_id: *file new {file_sha256, file_name, file_media_type}, NULL
 * when there is no such message or it has no file. */
int customer_store_contact_file(PGconn *conn, const char *case_id, const char *id, json_t **file,
                                char sqlstate[6]);

/* What the cases service counts of case_id: *state new {unread_from_customer,
 * last_message_at (the customer's newest message, null: none)}. */
int customer_store_contact_state(PGconn *conn, const char *case_id, json_t **state,
                                 char sqlstate[6]);

#endif
