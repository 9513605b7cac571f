/* The list runner of the organisation resources: the query's filters (table-driven), ?limit and
 * ?cursor, and the {items, next_cursor} answer of one page (common/paging.h). */
#ifndef CLAIMSUITE_POLICY_HTTP_ORG_LIST_H
#define CLAIMSUITE_POLICY_HTTP_ORG_LIST_H

#include <stddef.h>

#include "org_list.h"

struct request_ctx;

#define POLICY_ORG_MAX_FILTERS 8

/* One query parameter of a list. kind: 'u' a UUID, 'b' true/false, 's' text of 1 to 200 bytes,
 * 'w' one of the words of allowed (NULL-terminated). */
struct policy_org_filter_param {
  const char *name;
  char kind;
  const char *const *allowed;
};

/* Answers a list: the caller, the n (at most POLICY_ORG_MAX_FILTERS) filters of params and
 * ?updated_since, which every organisation list takes (400 naming every bad one), ?limit and
 * ?cursor, then list's page, or list's refusal. The filter array given to list is in the order
 * of params. */
void policy_org_http_list(struct request_ctx *ctx, const struct policy_org_filter_param *params,
                          size_t n, policy_org_list_fn list);

#endif
