/* The store side of the event feed (feed.h): one page of the portal's case events. */
#ifndef CLAIMSUITE_CASES_STORE_FEED_H
#define CLAIMSUITE_CASES_STORE_FEED_H

#include <libpq-fe.h>

#define CASES_FEED_MAX_LIMIT 500
#define CASES_FEED_MAX_WAIT_S 30
#define CASES_FEED_MAX_TYPES 16

struct cases_feed_query {
  long long after;                      /* the last sequence number seen; 0: from the start */
  long limit;                           /* 1..500, default 100 */
  long wait_s;                          /* 0..30: how long to wait for a first event */
  char types[CASES_FEED_MAX_TYPES][65]; /* type prefixes ("case.", "task.added"); none: all */
  int ntypes;
};

/* Up to q->limit events of portal_id with a sequence number above q->after and a type that
 * starts with one of q->types (any, when none), as the JSON text {items, next_after,
 * purged_through} (new, free()), the number of its items into *items; *purged_through: events
 * up to it may have been removed. CS_OK or CS_ERR_DB (sqlstate, 6 bytes, says why). */
int cases_store_feed_page(PGconn *conn, const char *portal_id, const struct cases_feed_query *q,
                          char **page, long *items, long long *purged_through, char sqlstate[6]);

#endif
