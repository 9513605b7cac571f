/* SQL of notifications (migrations/0002_notifications.sql): the inbox rows and the outgoing
 * queue. Parameterised statements only; results as jansson values or plain C. Every function
 * runs on the caller's connection (inside its transaction when one is open) and fills sqlstate
 * (6 bytes) on CS_ERR_DB. */
#ifndef CLAIMSUITE_CUSTOMER_STORE_NOTIFY_H
#define CLAIMSUITE_CUSTOMER_STORE_NOTIFY_H

#include <jansson.h>
#include <libpq-fe.h>

/* One inbox row to insert; every string borrowed, body/data_json/link may be NULL.
 * source_event_id (may be NULL): a row of this user, kind and event there already leaves the
 * inbox as it is (migrations/0003). */
struct customer_store_notification {
  const char *id, *portal_id, *user_id, *kind, *title, *body, *data_json, *link, *source_event_id;
};
int customer_store_notification_insert(PGconn *conn, const struct customer_store_notification *n,
                                       char sqlstate[6]);

/* Up to limit documents of the user's inbox, newest first, after the position (before_at,
 * before_id: both NULL for the first page). *rows is a new array. */
int customer_store_inbox_page(PGconn *conn, const char *portal_id, const char *user_id,
                              const char *before_at, const char *before_id, long limit,
                              json_t **rows, char sqlstate[6]);
/* How many of the user's notifications are unread. */
int customer_store_inbox_unread(PGconn *conn, const char *portal_id, const char *user_id,
                                long long *count, char sqlstate[6]);
/* Marks one of the user's notifications read (a read one keeps its first read_at): *doc is its
 * new document, NULL when the user has no such notification. */
int customer_store_inbox_read_one(PGconn *conn, const char *portal_id, const char *user_id,
                                  const char *id, json_t **doc, char sqlstate[6]);
/* Marks every unread notification of the user read; *count says how many. */
int customer_store_inbox_read_all(PGconn *conn, const char *portal_id, const char *user_id,
                                  long long *count, char sqlstate[6]);

/* One message to queue; every string borrowed, subject and dedupe_key may be NULL. A
 * dedupe_key queued already leaves the queue as it is (*queued 0). */
struct customer_store_message {
  const char *id, *channel, *recipient, *subject, *body, *dedupe_key;
  int secret; /* the body is emptied once sent or dead (migrations/0008_secret_messages.sql) */
};
int customer_store_message_queue(PGconn *conn, const struct customer_store_message *m, int *queued,
                                 char sqlstate[6]);

/* A message claimed for one attempt (strings owned: customer_store_claimed_clear). */
struct customer_store_claimed {
  char *id, *channel, *recipient, *subject, *body;
  int attempt; /* 1 for the first */
};
void customer_store_claimed_clear(struct customer_store_claimed *c);

/* Claims the oldest due message (pending, or sending with its lease run out) in one statement
 * of its own, so the claim is committed before anything is sent: it becomes 'sending' with one
 * more attempt and a lease of lease_ms (not due again before). SKIP LOCKED: concurrent workers
 * claim different rows. *found 0 when nothing is due. Outside any transaction. */
int customer_store_message_claim(PGconn *conn, long lease_ms, struct customer_store_claimed *c,
                                 int *found, char sqlstate[6]);
/* The end of an attempt: only the claim that made it (id, attempt, still 'sending') is changed,
 * so a worker whose lease ran out cannot undo what a later claim did (*changed 0 then).
 * sent: 'sent'; retry_ms >= 0: 'pending' again, due in retry_ms; retry_ms < 0: 'dead'. error
 * (may be NULL) becomes last_error. */
int customer_store_message_sent(PGconn *conn, const char *id, int attempt, int *changed,
                                char sqlstate[6]);
int customer_store_message_failed(PGconn *conn, const char *id, int attempt, long retry_ms,
                                  const char *error, int *changed, char sqlstate[6]);

#endif
