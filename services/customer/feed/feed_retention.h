/* Retention of the event feed (feed.h): a thread of every instance deletes, every check_s,
 * the events kept longer than keep_s (OUTBOX_RETENTION_SECONDS: what the producers' outboxes
 * keep) and moves purged_through up. Instances purging at once delete each row once. */
#ifndef CLAIMSUITE_CUSTOMER_FEED_RETENTION_H
#define CLAIMSUITE_CUSTOMER_FEED_RETENTION_H

#include "db.h"

/* Starts the thread; pool (borrowed) must outlive it. CS_OK or CS_ERR. */
int customer_feed_retention_start(struct db_pool *pool, long long keep_s, long long check_s);
void customer_feed_retention_stop(void); /* joins the thread; a no-op when not started */

#endif
