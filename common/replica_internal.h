/* What the replica's files share (replica.c, replica_read.c): not for services. */
#ifndef CLAIMSUITE_REPLICA_INTERNAL_H
#define CLAIMSUITE_REPLICA_INTERNAL_H

#include <jansson.h>
#include <libpq-fe.h>

/* given when not NULL, else a pooled connection: CS_OK, CS_ERR_TIMEOUT, CS_ERR (no replica). */
int replica_conn(PGconn *given, PGconn **conn);
/* Gives back what replica_conn took from the pool. */
void replica_conn_done(PGconn *given, PGconn *conn);

/* The cache: 1 and *value (a new copy, NULL for "does not exist") when key has an entry of the
 * current generation, else 0. */
int replica_cache_get(const char *key, json_t **value);
/* Keeps value (copied; NULL: does not exist) under key, as read at read_generation (taken with
 * replica_cache_generation before the query). */
void replica_cache_put(const char *key, unsigned long read_generation, const json_t *value);
unsigned long replica_cache_generation(void);
/* Every entry is stale from now on (a fact was applied). */
void replica_cache_drop(void);

#endif
