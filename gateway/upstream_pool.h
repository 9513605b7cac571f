/* The connections to each upstream, shared by every worker thread: idle keep-alive connections
 * kept for the next request whichever thread sends it, and a cap on how many are open at once.
 *
 * Why shared: the gateway gives every client connection a thread of its own (a pool thread
 * would hold up all its connections while one upstream is silent), so connections kept per
 * thread would grow with the clients and stay open while those clients idle. Shared, an
 * upstream sees about as many connections as requests in flight, never more than the cap (the
 * services accept HTTP_MAX_CONNECTIONS each; a gateway must not take them all). */
#ifndef CLAIMSUITE_GATEWAY_UPSTREAM_POOL_H
#define CLAIMSUITE_GATEWAY_UPSTREAM_POOL_H

#include "routes_table.h"

/* Once, before any worker thread starts: at most max_open connections per upstream (> 0). */
void gw_pool_init(long max_open);
/* Once, after every worker thread has stopped: closes the idle connections. */
void gw_pool_cleanup(void);

/* A connection of upstream for one request: 1 with an idle one in *fd (its last use ended at
 * *idle_since_ms; it may have been closed by the upstream since), 0 with a place kept for a
 * new connection the caller opens, or -1 when max_open are open until deadline_ms (a monotonic
 * clock in ms). Every 1 and 0 ends with gw_pool_put or gw_pool_drop. */
int gw_pool_take(int upstream, long long deadline_ms, int *fd, long long *idle_since_ms);
/* A connection whose exchange ended cleanly, kept idle from now_ms (or closed when enough are
 * idle already). */
void gw_pool_put(int upstream, int fd, long long now_ms);
/* A connection closed (fd >= 0) or a place given up (fd -1): frees its place. */
void gw_pool_drop(int upstream, int fd);

#endif
