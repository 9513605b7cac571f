/* The pull feed of events (GET /v1/events): the cases and orders events integrators get by
 * webhooks, kept by this service as its consumers apply them (events_cases.c,
 * events_orders.c), read after a cursor by core systems that pull rather than take webhooks.
 * Owned by feed/ (http_feed.c, feed.c, feed_retention.c, store_feed.c).
 *
 * Who sees what, decided per caller in SQL (feed_visible in migrations/0010_feed.sql), always
 * within the caller's portal only:
 *   - insurer users and the portal's API clients: every case event; order events too for the
 *     portal's administrators (level 6) and API clients;
 *   - partner users: the events of the cases their company saw when the event happened (it
 *     held a task on the case or was its external case handler company), limited to what the
 *     cases service's reads show a partner: the case and its tasks, and money, RFQ, quote and
 *     report events only about a task of its own company (feed_partner_scope);
 *   - users of a customer or agent organisation: the events of the orders their company placed
 *     or is the agent of.
 * The cursor is the event's sequence number, in commit order (see the migration). Events are
 * kept OUTBOX_RETENTION_SECONDS, as the producers keep them; a cursor below purged_through gets
 * 410. */
#ifndef CLAIMSUITE_CUSTOMER_FEED_H
#define CLAIMSUITE_CUSTOMER_FEED_H

#include <jansson.h>
#include <libpq-fe.h>
#include <ulfius.h>

#include "caller.h"
#include "refusal.h"
#include "store_feed.h"

/* Reads after, limit, wait and types (comma-separated prefixes of [a-z0-9._], 1..64 bytes
 * each, at most 16) from the request's query (borrowed). CS_OK, or CS_REFUSED with 400
 * invalid-parameter listing every bad parameter (an unknown one too) in err->errors. */
int customer_feed_query_parse(const struct _u_map *params, struct customer_feed_query *q,
                              struct cs_refusal *err);

/* A page of what caller c (borrowed) may read for q (customer_store_feed_page: the page as JSON
 * text, new, and its numbers in *info). CS_OK or CS_ERR_DB (sqlstate says why). */
int customer_feed_page(PGconn *conn, const struct customer_caller *c,
                       const struct customer_feed_query *q, char **page,
                       struct customer_feed_page_info *info, char sqlstate[6]);

/* Keeps event (an envelope of the cases or orders service, borrowed) in the feed inside the
 * consumer's open transaction, when it is of a type integrators get: its payload as webhooks
 * send it (customer_webhooks_payload) and who may read it. Call it last in the apply (it takes
 * the feed's lock until the commit). CS_OK (an event not meant for the feed too) or CS_ERR_DB /
 * CS_ERR_NOMEM, which roll the apply back. */
int customer_feed_record(PGconn *conn, const json_t *event);

#endif
