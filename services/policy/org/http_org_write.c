/* The write routes of the organisation resources (http_org_write.h), through the one write
 * runner. No SQL here. */
#include "http_org_write.h"

#include <stdio.h>

#include "http.h"
#include "http_org.h"
#include "http_write.h"
#include "service.h"
#include "status.h"

/* The runner's check (before any transaction): every field error of the body at once, the
 * table's types first, then the domain's rules; w->op is the route. */
static int check_body(PGconn *conn, struct write_call *w) {
  const struct policy_org_write_route *route = w->op;
  (void)conn;
  if (route->fields == NULL) return CS_OK;
  fields_check(w->body, route->fields, route->nfields, &w->err);
  if (route->rules != NULL) route->rules(w->body, &w->err);
  return cs_refusal_validation(&w->err);
}

void policy_org_http_write(struct request_ctx *ctx, const struct policy_org_write_route *route) {
  struct policy_org_caller caller;
  struct write_call w = {0};
  json_t *body = NULL;
  PGconn *conn = NULL;
  const char *id = NULL;
  char scope[80];

  if (route->id_names != NULL &&
      (id = http_path_uuid(ctx->req, ctx->resp, "id", route->id_names)) == NULL)
    return;
  if (policy_org_http_caller(ctx, &caller, &conn) != CS_OK) goto done;
  if (route->fields != NULL && http_parse_json_object(ctx->req, ctx->resp, &body) != CS_OK)
    goto done;
  /* keys belong to the caller in one portal: the same key in another portal is another create */
  snprintf(scope, sizeof(scope), "%s/%s", caller.sub, caller.portal_id);
  /* policy calls no other service: the body is judged before the transaction, then apply
   * locks and checks the row and changes it */
  const struct write_hooks hooks = {.check = check_body, .apply = route->apply};
  const struct http_write_spec spec = {.ok_status = route->ok_status,
                                       .idem_scope = route->idem_path != NULL ? scope : NULL,
                                       .idem_path = route->idem_path,
                                       .location_prefix = route->location_prefix,
                                       .replay_omit = "client_secret"}; /* shown once */
  w.op = (void *)route;
  w.caller = &caller;
  w.body = body;
  w.id = id;
  http_write_run(ctx, &conn, &spec, &hooks, &w);
done:
  if (conn != NULL) service_db_release(ctx, conn);
  cs_refusal_clear(&w.err);
  json_decref(w.result);
  json_decref(body);
}
