/* SQL of the chat of a case (chat/store_chat.c). Every function: CS_OK, or CS_ERR_DB with
 * sqlstate (6 bytes) filled. */
#ifndef CLAIMSUITE_CASES_STORE_CHAT_H
#define CLAIMSUITE_CASES_STORE_CHAT_H

#include <jansson.h>
#include <libpq-fe.h>

struct cases_store_chat_message {
  const char *id, *case_id, *portal_id, *author_id, *author_kind, *author_company, *text;
};
/* Inserts a message (in the caller's transaction) and marks it read by its author: *doc. */
int cases_store_chat_post(PGconn *conn, const struct cases_store_chat_message *m, json_t **doc,
                          char sqlstate[6]);
/* A page of the case's messages, newest first, before the position (before_at, before_id; both
 * NULL for the newest): at most limit rows in *rows (new array). */
int cases_store_chat_page(PGconn *conn, const char *case_id, const char *before_at,
                          const char *before_id, long limit, json_t **rows, char sqlstate[6]);
/* Messages of the case by others that user_id has not read. */
int cases_store_chat_unread(PGconn *conn, const char *case_id, const char *user_id,
                            long long *count, char sqlstate[6]);
/* user_id has read everything of the case up to now. */
int cases_store_chat_read(PGconn *conn, const char *case_id, const char *user_id, char sqlstate[6]);
/* The users marked in the case: *items a new array of {user_id, marked_by, marked_at}. */
int cases_store_chat_participants(PGconn *conn, const char *case_id, json_t **items,
                                  char sqlstate[6]);
/* Replaces the marked users by user_ids (a JSON array text of UUIDs), marked by actor. */
int cases_store_chat_participants_set(PGconn *conn, const char *case_id, const char *user_ids,
                                      const char *actor, char sqlstate[6]);

#endif
