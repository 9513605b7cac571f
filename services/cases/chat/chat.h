/* The chat of a case (chat/chat.c): everyone who sees the case reads and writes it (the external
 * case handler always has it); the insurer marks which users are told of new messages, and the
 * case's external case handler is marked, unremovably, when its role holds chat_notifications.
 * A message emits chat.message_posted naming the users to notify; it is not a change of the case
 * (no history line, the case's version stays). */
#ifndef CLAIMSUITE_CASES_CHAT_H
#define CLAIMSUITE_CASES_CHAT_H

#include <jansson.h>
#include <libpq-fe.h>

#include "caller.h"
#include "refusal.h"

#define CASES_CHAT_MAX_TEXT 4000
#define CASES_CHAT_MAX_PARTICIPANTS 50

/* POST body {text}: 1..4000 bytes, not only white space. */
void cases_chat_message_rules(const json_t *body, struct cs_refusal *err);
/* PUT body {user_ids}: an array of at most 50 distinct UUIDs. */
void cases_chat_participants_rules(const json_t *body, struct cs_refusal *err);

/* Posts text to the visible case case_id: CS_OK with *doc (the message), or CS_REFUSED. */
int cases_chat_post(PGconn *conn, const struct cases_caller *c, const char *case_id,
                    const char *text, json_t **doc, struct cs_refusal *err);
/* The marked users of the case with the automatic one first: *out a new {items: [{user_id,
 * automatic, marked_by, marked_at}]}. */
int cases_chat_participants(PGconn *conn, const struct cases_caller *c, const char *case_id,
                            json_t **out, struct cs_refusal *err);
/* Replaces the marked users (the insurer only, 403): each must be an active user of the portal
 * who sees the case (422 naming it). The automatic one stays whatever the list says. */
int cases_chat_participants_set(PGconn *conn, const struct cases_caller *c, const char *case_id,
                                const json_t *user_ids, json_t **out, struct cs_refusal *err);

#endif
