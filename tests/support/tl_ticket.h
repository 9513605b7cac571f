/* A ticket endpoint for the tests of the orders service's ticket worker
 * (services/orders/ticket/worker.h), played by a thread with a listening socket, and the orders
 * service of the stack started again pointed at it.
 *
 * The endpoint keeps tickets by Idempotency-Key, as a real one must: the first successful
 * request with a key creates a ticket (TCK-1, TCK-2, ...) and answers 201 {"ticket_ref"}; a later
 * one with the same key answers 200 with the same ticket. A ticket is created when the request
 * arrives, before any delay, so a caller killed while it waits for the answer has opened it. It
 * records every request (key, the configured header, the body, what it answered). */
#ifndef CLAIMSUITE_TL_TICKET_H
#define CLAIMSUITE_TL_TICKET_H

#include <jansson.h>

struct tl_ticket;

/* Listens on 127.0.0.1, a free port below the ephemeral range. *out is new (tl_ticket_stop).
 * Fails the test on error. */
void tl_ticket_start(struct tl_ticket **out);
/* Stops listening, joins the thread, frees t. NULL-safe. */
void tl_ticket_stop(struct tl_ticket *t);
/* Its URL: http://127.0.0.1:<port>/tickets (borrowed). */
const char *tl_ticket_url(const struct tl_ticket *t);

/* The next n requests are answered status (no ticket is created). */
void tl_ticket_fail_next(struct tl_ticket *t, int n, int status);
/* Every answer from now on waits ms milliseconds (after the ticket is created). */
void tl_ticket_delay(struct tl_ticket *t, int ms);
/* Answers name the ticket as {"id": <number>} instead of {"ticket_ref": "TCK-<number>"}. */
void tl_ticket_answer_numeric_id(struct tl_ticket *t, int on);
/* Closes the listening socket (callers get "connection refused") / listens again on the same
 * port. Both return once done. */
void tl_ticket_down(struct tl_ticket *t);
void tl_ticket_up(struct tl_ticket *t);

/* Requests received with Idempotency-Key key (NULL: all), and of them those answered 2xx. */
int tl_ticket_requests(struct tl_ticket *t, const char *key, int *ok);
/* Tickets created whose body names order_id (by any key). */
int tl_ticket_created(struct tl_ticket *t, const char *order_id);
/* The reference of the ticket created for key: new string, or NULL. */
char *tl_ticket_ref(struct tl_ticket *t, const char *key);
/* The last request with key: its body (a new reference, NULL when none) and its configured
 * header's value (the named header, into header, "" when absent). */
json_t *tl_ticket_last(struct tl_ticket *t, const char *key, const char *header_name, char *header,
                       size_t len);
/* Request arrival times (ms, tl_now_ms) with key, up to n of them into at; their number. */
int tl_ticket_times(struct tl_ticket *t, const char *key, long long *at, int n);

/* The stack's orders service stopped, and started again on the same port and database with its
 * environment plus env (NULL-terminated "NAME=value" strings; TICKET_* settings of the stack's
 * dropped) as stack process "orders_ticket". Fails the test on error. */
void tl_ticket_orders_start(const char *const *env);
/* "orders_ticket" stopped (signal "TERM" or "KILL"), without starting anything. */
void tl_ticket_orders_kill(const char *signal);
/* "orders_ticket" started again with the environment it had. */
void tl_ticket_orders_restart(void);
/* "orders_ticket" stopped if running and the stack's orders service started again. */
void tl_ticket_orders_restore(void);

#endif
