/* The event feed for the insurer's own systems (GET /v1/events): the events of the caller's
 * portal's cases in the order they happened, after a cursor, for core systems that pull rather
 * than take webhooks. Owned by feed/ (http_feed.c, feed.c, store_feed.c).
 *
 * Who: insurer users and the portal's API clients, who see every case of the portal (caller.h).
 * Partner users follow their cases through the case list and the dashboard: the events carry
 * the case whole and every task of it, more than a partner sees, so they get 403.
 * The cursor is the event's sequence number (gapless, in commit order; common/bus.h). The feed
 * keeps what the outbox keeps (OUTBOX_RETENTION_SECONDS); a cursor from before that gets 410. */
#ifndef CLAIMSUITE_CASES_FEED_H
#define CLAIMSUITE_CASES_FEED_H

#include <ulfius.h>

#include "caller.h"
#include "refusal.h"
#include "store_feed.h"

/* Reads after, limit, wait and types (comma-separated prefixes of [a-z0-9._], 1..64 bytes
 * each) from the request's query (borrowed). CS_OK, or CS_REFUSED with 400 invalid-parameter
 * listing every bad parameter in err->errors. */
int cases_feed_query_parse(const struct _u_map *params, struct cases_feed_query *q,
                           struct cs_refusal *err);

/* CS_OK when c may read the feed, else CS_REFUSED (403) with the reason in err. */
int cases_feed_may_read(const struct cases_caller *c, struct cs_refusal *err);

#endif
