/* The domain side of an organisation list: one page of rows in (created_at, id) order, read
 * with the filters of the list's query (checked for shape by the HTTP layer). updated_since
 * only filters: the order and the cursor stay those of created_at, so a sync that pages through
 * "what changed since" gets the same cursors as a full read. */
#ifndef CLAIMSUITE_POLICY_ORG_LIST_H
#define CLAIMSUITE_POLICY_ORG_LIST_H

#include <jansson.h>
#include <libpq-fe.h>

#include "org_caller.h"
#include "refusal.h"

struct policy_org_page {
  long limit;                              /* rows wanted (the page plus one) */
  const char *after_created_at, *after_id; /* keyset cursor, or NULL */
  const char *updated_since;               /* RFC 3339: rows changed at or after it, or NULL */
};

/* Reads the visible rows of a page: filter holds the list's query values (borrowed), in the
 * order of the resource's filter enum, NULL where a value is not given. CS_OK with *rows (a new
 * reference) or CS_REFUSED with err. */
typedef int (*policy_org_list_fn)(PGconn *conn, const struct policy_org_caller *c,
                                  const char *const *filter, const struct policy_org_page *pg,
                                  json_t **rows, struct cs_refusal *err);

#endif
