/* What an answer of the ticket endpoint means, and when to ask again: the pure rules of the
 * ticket worker (worker.h), without HTTP or SQL, unit-tested.
 *
 * The endpoint (TICKET_URL) answers a ticket it created, or the one it created before under the
 * same Idempotency-Key (the order id), with a 2xx and a JSON object naming the ticket:
 *   {"ticket_ref": "INC-1234"}   preferred, or
 *   {"id": "INC-1234"} / {"id": 1234}   taken when there is no ticket_ref.
 * Anything else is a failure and the call is made again later: a failing endpoint never loses
 * an order, and the Idempotency-Key keeps a repeated call from opening a second ticket. */
#ifndef CLAIMSUITE_ORDERS_TICKET_H
#define CLAIMSUITE_ORDERS_TICKET_H

#include <stddef.h>

/* The longest ticket reference kept with an order. */
#define ORDERS_TICKET_REF_MAX 200

/* The ticket reference of an answer with status and body (len bytes, borrowed): CS_OK with
 * *ref new (free()), or CS_ERR_INVALID with why (no secrets, no body) in err. */
int orders_ticket_answer(long status, const char *body, size_t len, char **ref, char *err,
                         size_t errlen);

/* The delay before the call that follows attempt (1 for the first): base_ms doubled per
 * attempt, at most max_ms (TICKET_RETRY_BASE_MS, TICKET_RETRY_MAX_MS). */
long orders_ticket_backoff_ms(long base_ms, long max_ms, int attempt);

#endif
