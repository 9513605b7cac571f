/* The notifications the cases service's events become (events_cases.c hands each event here by
 * its type): an outside partner's RFQ invitation an email, a chat message a notice in each
 * marked participant's inbox. Each runs inside the consumer's transaction and says what the
 * consumer does next: CS_OK moves the offset on (also for an event that cannot be made into a
 * notification: logged and skipped, never retried forever); CS_ERR_DB or CS_ERR_NOMEM rolls
 * back and the event is applied again. */
#ifndef CLAIMSUITE_CUSTOMER_FROM_EVENTS_H
#define CLAIMSUITE_CUSTOMER_FROM_EVENTS_H

#include <jansson.h>
#include <libpq-fe.h>

struct customer_catalogue;

/* What the functions below need, built once at start (borrowed by them). */
struct customer_from_events {
  const struct customer_catalogue *catalogue; /* the texts (catalogue.h) */
  const char *public_base_url; /* PUBLIC_BASE_URL, no trailing '/': where links point */
};

/* rfq.invited_external: an email to the outside partner (data.email) with the invitation link
 * (public_base_url + data.invitation_path), the description and the due date; queued once per
 * event (dedupe key: the event's id). event borrowed. */
int customer_from_rfq_invited_external(PGconn *conn, const struct customer_from_events *ctx,
                                       const json_t *event);

/* chat.message_posted: a "chat_message" notice to each user of data.notify but the author
 * (data.actor.id), once per user and event. event borrowed. */
int customer_from_chat_message_posted(PGconn *conn, const struct customer_from_events *ctx,
                                      const json_t *event);

#endif
