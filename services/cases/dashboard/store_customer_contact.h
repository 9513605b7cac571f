/* SQL of the customer's unread messages per case (store_customer_contact.c), the read model
 * behind the dashboard's cases_with_customer_contact and the list's customer_contact filter:
 * written only by the consumer of the customer service's events (events_customer.c). */
#ifndef CLAIMSUITE_CASES_STORE_CUSTOMER_CONTACT_H
#define CLAIMSUITE_CASES_STORE_CUSTOMER_CONTACT_H

#include <libpq-fe.h>

/* One event customer_contact.changed, checked: every member borrowed. */
struct cases_customer_contact {
  const char *case_id;         /* a UUID */
  const char *portal_id;       /* a UUID */
  long long unread;            /* 0 .. INT32_MAX */
  const char *last_message_at; /* an RFC 3339 time, NULL for none */
  long long seq;               /* the event's number in the customer service's feed */
  const char *occurred_at;     /* the event's time */
};

/* Keeps e as the case's row unless the row holds a newer event (a higher seq): *applied 1 when
 * it did, 0 when e was older and nothing changed. Inside the consumer's transaction (conn
 * borrowed). CS_OK or CS_ERR_DB with sqlstate. */
int cases_store_customer_contact_apply(PGconn *conn, const struct cases_customer_contact *e,
                                       int *applied, char sqlstate[6]);

#endif
