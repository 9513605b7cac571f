/* The store side of the event feed (feed.h): events kept as they arrive, a page of what one
 * caller may read, and retention. SQL only (migrations/0010_feed.sql). */
#ifndef CLAIMSUITE_CUSTOMER_STORE_FEED_H
#define CLAIMSUITE_CUSTOMER_STORE_FEED_H

#include <libpq-fe.h>

#define CUSTOMER_FEED_MAX_LIMIT 500
#define CUSTOMER_FEED_MAX_WAIT_S 30
#define CUSTOMER_FEED_MAX_TYPES 16

struct customer_feed_query {
  long long after;                         /* the last next_after seen; 0: from the start */
  long limit;                              /* 1..500, default 100 */
  long wait_s;                             /* 0..30: how long to wait for a first event */
  char types[CUSTOMER_FEED_MAX_TYPES][65]; /* type prefixes ("case.", "task.added"); none: all */
  int ntypes;
};

/* Who reads: the portal, and what feed_visible (the migration) decides from. */
struct customer_feed_reader {
  const char *portal_id;
  const char *kind;       /* insurer (API clients too), partner, customer, agent */
  const char *company_id; /* the caller's company */
  int admin;              /* the portal's administrators (level 6) and API clients */
};

/* One event to keep; every string borrowed, NULL for SQL NULL. */
struct customer_feed_row {
  const char *event_id, *portal_id, *type, *occurred_at;
  const char *case_id, *order_id; /* exactly one of them */
  const char *data;               /* JSON text: the payload integrators get */
  const char *case_company_ids;   /* a uuid[] literal ("{a,b}") */
  const char *task_company_id, *customer_company_id, *agent_company_id;
};

/* Keeps row inside conn's open transaction (the consumer's, with its offset): an event id kept
 * already is kept once. Takes the feed's transaction-level advisory lock first, so sequence
 * numbers follow commit order (see the migration); call it last in an event's apply. Both
 * statements go out with the transaction's next statement (db_exec_later). CS_OK or
 * CS_ERR_DB. */
int customer_store_feed_insert(PGconn *conn, const struct customer_feed_row *row);

/* What a page says besides its items. */
struct customer_feed_page_info {
  long items;               /* how many events it holds */
  long long next_after;     /* the after to ask with next */
  long long purged_through; /* events up to it may be gone */
};

/* Up to q->limit events r may read with a sequence number above q->after and a type that starts
 * with one of q->types (any, when none), as the JSON text {items, next_after, purged_through}
 * (new, free()), and the same numbers in *info. CS_OK or CS_ERR_DB (sqlstate, 6 bytes, says
 * why). */
int customer_store_feed_page(PGconn *conn, const struct customer_feed_reader *r,
                             const struct customer_feed_query *q, char **page,
                             struct customer_feed_page_info *info, char sqlstate[6]);

/* Deletes up to 1000 of the oldest events kept longer than keep_s and moves purged_through up
 * to the newest one deleted; how many into *deleted. CS_OK or CS_ERR_DB. */
int customer_store_feed_purge(PGconn *conn, long long keep_s, long *deleted, char sqlstate[6]);

#endif
