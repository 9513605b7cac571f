/* The customer's access messages, from the catalogue (messages/<lang>.json) in the page's
 * language and queued with customer_notify_send inside the caller's transaction: the link of a
 * grant (SMS and/or email) and the SMS code of a login (by email when the grant has no phone).
 * Returns CS_OK, CS_ERR_DB, CS_ERR_NOMEM, or CS_ERR_INVALID for a message notify.h refuses
 * (logged there). */
#ifndef CLAIMSUITE_CUSTOMER_ACCESS_SEND_H
#define CLAIMSUITE_CUSTOMER_ACCESS_SEND_H

#include <jansson.h>
#include <libpq-fe.h>

/* The language of the page whose effective settings are settings (borrowed, may be NULL): its
 * member language, else "en". Borrowed. */
const char *customer_access_language(const json_t *settings);

/* The link of token (PUBLIC_BASE_URL/c/#<token>) to contact {name, email, phone} (borrowed) on
 * each channel of channels ("sms", "email"), naming casefile's claim number. dedupe (1..150
 * bytes) names what made the messages: each is queued once per dedupe and channel. */
int customer_access_send_link(PGconn *conn, const json_t *casefile, const char *lang,
                              const json_t *contact, const json_t *channels, const char *token,
                              const char *dedupe);

/* The login code to recipient on channel ("sms", or "email" for a grant without a phone). */
int customer_access_send_code(PGconn *conn, const json_t *casefile, const char *lang,
                              const char *channel, const char *recipient, const char *name,
                              const char *code);

#endif
