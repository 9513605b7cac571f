/* The customer page's side of the tests: a case the customer service knows, and its page
 * opened the way a customer opens it (an access link granted by hand, read from the message
 * queue, exchanged for the session cookie). */
#ifndef CLAIMSUITE_TL_CUSTOMER_H
#define CLAIMSUITE_TL_CUSTOMER_H

#include "tl_world.h"

/* Waits (15 s at most) until the customer service's replica holds every fact the policy
 * service published and the service is ready (its facts fresh); the test fails otherwise. */
void tl_customer_sync(void);

/* method path on the customer service (CUSTOMER_URL) with token and extra_header (each may be
 * NULL), the first call of the process once the service's replica holds every fact the policy
 * service published (what the world made is then what it decides from). Returns the status. */
long tl_customer_call(const char *method, const char *path, const char *token, const char *body,
                      const char *extra_header, struct tl_response *r);

/* A case of portal A made by ia_handler, with the policyholder Bente Larsen (a phone number
 * unique to the case, and an email bente-...) and the contact person Rie Nielsen (an email
 * only); waits (10 s at most) until the customer service knows it. Its id into id, the phone
 * into phone (24 bytes), its claim number into claim (64 bytes; may be NULL). */
void tl_customer_case(const struct tl_world *w, char id[37], char phone[24], char *claim);

/* 1 once the customer service's copy of case_id holds a row for query (one parameter: the case
 * id), within 10 s; the test fails otherwise. */
void tl_customer_wait(const char *case_id, const char *query);

/* The link token of the newest message queued to recipient (what follows "/c/#"), read from
 * what the stack's file provider delivered (the queue empties a link's body once sent). New. */
char *tl_customer_link_token(const char *recipient);

/* Grants the policyholder of case_id (contact 0) access as ia_handler and opens the page with the
 * link sent to phone (the portal asks no SMS code): "Cookie: claimsuite_customer=..." into
 * cookie. */
void tl_customer_open_page(const struct tl_world *w, const char *case_id, const char *phone,
                           char cookie[512]);

#endif
