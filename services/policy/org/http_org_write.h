/* The write routes of the organisation resources, run by the one write runner
 * (common/http_write.h): a table row per route says the body's shape, the domain's rules and
 * change, and what a create answers. */
#ifndef CLAIMSUITE_POLICY_HTTP_ORG_WRITE_H
#define CLAIMSUITE_POLICY_HTTP_ORG_WRITE_H

#include <stddef.h>

#include "fields.h"
#include "org_write.h"

struct request_ctx;

struct policy_org_write_route {
  const struct http_field *fields; /* the body's field table; NULL: the route takes no body */
  size_t nfields;
  policy_org_rules_fn rules;   /* the domain's rules of the body, or NULL */
  policy_org_write_fn apply;   /* the change */
  int ok_status;               /* 200, 201 or 204 */
  const char *id_names;        /* the path's :id names a ... (404 "no such ..."); NULL: none */
  const char *idem_path;       /* creates: the path Idempotency-Keys are claimed for */
  const char *location_prefix; /* creates: Location is <prefix>/<id> */
};

/* Answers one write of route: the caller, the path id, the body; then, before any transaction,
 * every field error of the body at once (the table's types, then the rules) as one 422; then
 * the change in one transaction, with Idempotency-Key and If-Match (http_write.h). */
void policy_org_http_write(struct request_ctx *ctx, const struct policy_org_write_route *route);

#endif
