/* Who asks an organisation request and what they may do (org_caller.h). */
#include "org_caller.h"

#include <string.h>

#include "ids.h"
#include "status.h"
#include "store_org_common.h"

int policy_org_caller_from_claims(const json_t *claims, struct policy_org_caller *c) {
  const char *kind = json_string_value(json_object_get(claims, "kind"));
  memset(c, 0, sizeof(*c));
  c->sub = json_string_value(json_object_get(claims, "sub"));
  c->portal_id = json_string_value(json_object_get(claims, "portal_id"));
  c->company_id = json_string_value(json_object_get(claims, "company_id"));
  c->company_kind = json_string_value(json_object_get(claims, "company_kind"));
  c->is_client = kind != NULL && strcmp(kind, "client") == 0;
  c->level = (int)json_integer_value(json_object_get(claims, "authority_level"));
  if (c->sub == NULL || c->portal_id == NULL || c->company_id == NULL || kind == NULL ||
      (!c->is_client && (c->company_kind == NULL || strcmp(kind, "user") != 0)))
    return CS_ERR_INVALID;
  return CS_OK;
}

int policy_org_caller_refresh(PGconn *conn, struct policy_org_caller *c) {
  static const char *const kinds[] = {"insurer", "partner", "customer", "agent"};
  struct policy_store_org_principal p;
  if (!ids_is_uuid(c->sub) || !ids_is_uuid(c->portal_id)) return CS_ERR_NOT_FOUND;
  if (policy_store_org_principal(conn, c->sub, c->portal_id, c->is_client, &p, NULL) != CS_OK)
    return CS_ERR_DB;
  if (!p.found || !p.active || !p.in_portal || strcmp(p.company_id, c->company_id) != 0)
    return CS_ERR_NOT_FOUND;
  c->company_kind = NULL;
  for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
    if (strcmp(p.kind, kinds[i]) == 0) c->company_kind = kinds[i];
  if (c->company_kind == NULL) return CS_ERR_NOT_FOUND;
  c->level = c->is_client ? 0 : p.level;
  return CS_OK;
}

static int is_insurer(const struct policy_org_caller *c) {
  return c->company_kind != NULL && strcmp(c->company_kind, "insurer") == 0;
}

int policy_org_sees_portal(const struct policy_org_caller *c) {
  return c->is_client || is_insurer(c);
}

int policy_org_is_insurer_admin(const struct policy_org_caller *c) {
  return !c->is_client && is_insurer(c) && c->level >= POLICY_ORG_ADMIN_LEVEL;
}

int policy_org_is_admin(const struct policy_org_caller *c) {
  return !c->is_client && c->level >= POLICY_ORG_ADMIN_LEVEL;
}

int policy_org_may_manage(const struct policy_org_caller *c, const char *company_id) {
  if (!policy_org_is_admin(c)) return 0;
  if (is_insurer(c)) return 1;
  return company_id != NULL && strcmp(company_id, c->company_id) == 0;
}

const char *policy_org_scope_company(const struct policy_org_caller *c) {
  return policy_org_sees_portal(c) ? NULL : c->company_id;
}
