/* Notifications for the whole suite, owned by the customer service: the in-app inbox of each
 * user and the durable queue of email and SMS (sent by the delivery worker, deliver.h). Other
 * code of the service calls customer_notify_user / customer_notify_send inside its own open
 * transaction: the notice or message exists exactly when that transaction commits. */
#ifndef CLAIMSUITE_CUSTOMER_NOTIFY_H
#define CLAIMSUITE_CUSTOMER_NOTIFY_H

#include <jansson.h>
#include <libpq-fe.h>

#include "refusal.h"

#define CUSTOMER_NOTIFY_MAX_TITLE 200
#define CUSTOMER_NOTIFY_MAX_BODY 4000
#define CUSTOMER_NOTIFY_MAX_LINK 2000
#define CUSTOMER_NOTIFY_MAX_SUBJECT 998
#define CUSTOMER_NOTIFY_MAX_MESSAGE 100000
#define CUSTOMER_NOTIFY_MAX_DEDUPE_KEY 200

/* Puts a notice into user_id's inbox in portal_id (user_id: a token's sub). kind: lower-case
 * [a-z][a-z0-9_.]*, at most 64 bytes ("case.assigned"); title 1..200 bytes; body (may be NULL)
 * and link (may be NULL) bounded as above; data (borrowed, may be NULL) a JSON object.
 * CS_OK; CS_ERR_INVALID for an argument out of these rules (logged: a bug of the caller);
 * CS_ERR_DB (db_last_sqlstate says which; the caller rolls back). */
int customer_notify_user(PGconn *conn, const char *portal_id, const char *user_id, const char *kind,
                         const char *title, const char *body, const json_t *data, const char *link);

/* customer_notify_user for a notice made from an event: source_event_id (the event's id, 1..200
 * bytes) makes it once per (user_id, kind, event): the same event applied again leaves the inbox
 * as it is (CS_OK). */
int customer_notify_user_from_event(PGconn *conn, const char *source_event_id,
                                    const char *portal_id, const char *user_id, const char *kind,
                                    const char *title, const char *body, const json_t *data,
                                    const char *link);

/* Queues one message for the delivery worker. channel "email" (recipient an address, subject
 * required) or "sms" (recipient +digits, 6..15 of them; subject ignored); body 1..100000 bytes.
 * dedupe_key (may be NULL) names what the message was made from (e.g. "<event id>:email"): a
 * key queued already leaves the queue as it is, so an event applied twice sends once. Errors as
 * customer_notify_user. */
int customer_notify_send(PGconn *conn, const char *channel, const char *recipient,
                         const char *subject, const char *body, const char *dedupe_key);

/* customer_notify_send for a message that carries a credential (a link's token, a code): its
 * body is emptied once it is sent or given up. */
int customer_notify_send_secret(PGconn *conn, const char *channel, const char *recipient,
                                const char *subject, const char *body, const char *dedupe_key);

/* The rules of the two calls above, pure (unit-tested): NULL when the arguments are fine, else
 * what is wrong (a static string). */
const char *customer_notify_user_check(const char *portal_id, const char *user_id, const char *kind,
                                       const char *title, const char *body, const json_t *data,
                                       const char *link);
const char *customer_notify_send_check(const char *channel, const char *recipient,
                                       const char *subject, const char *body,
                                       const char *dedupe_key);

/* --- The inbox, as the caller (portal_id, user_id from its token) sees it. --- */

/* A page of the caller's notifications, newest first: *page is a new {items, next_cursor,
 * unread}. limit from paging_parse; position (borrowed, may be NULL) the decoded cursor: one
 * not of this list is CS_REFUSED (400). */
int customer_notify_inbox(PGconn *conn, const char *portal_id, const char *user_id, long limit,
                          const json_t *position, json_t **page, struct cs_refusal *err);
/* Marks the caller's notification id read; *doc is new. Another user's or no such id:
 * CS_REFUSED (404). */
int customer_notify_read(PGconn *conn, const char *portal_id, const char *user_id, const char *id,
                         json_t **doc, struct cs_refusal *err);
/* Marks all of the caller's notifications read: *marked how many were unread. */
int customer_notify_read_all(PGconn *conn, const char *portal_id, const char *user_id,
                             long long *marked, struct cs_refusal *err);

#endif
