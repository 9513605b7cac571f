/* The caller of a request (see caller.h): claims first, then the replica's current facts. */
#include "caller.h"

#include <stdio.h>
#include <string.h>

#include "ids.h"
#include "replica.h"
#include "status.h"

#define FACTS_FAILED "who may act could not be read; try again"

static int copy_claim(const json_t *claims, const char *name, char *dst, size_t len) {
  const char *v = json_string_value(json_object_get(claims, name));
  if (v == NULL || strlen(v) >= len) return CS_ERR_INVALID;
  memcpy(dst, v, strlen(v) + 1);
  return CS_OK;
}

static void copy_member(const json_t *o, const char *name, char *dst, size_t len) {
  const char *v = json_string_value(json_object_get(o, name));
  snprintf(dst, len, "%s", v != NULL ? v : "");
}

/* CS_ERR_NOT_FOUND when the user may no longer act in the token's portal for its company. */
static int refresh_user(struct orders_caller *c) {
  json_t *u = NULL;
  if (replica_user(NULL, c->portal_id, c->sub, &u) != CS_OK) return CS_ERR_UNAVAILABLE;
  const char *kind = replica_user_acting_kind(u, c->company_id);
  int rc = CS_OK;
  if (kind == NULL || strlen(kind) >= sizeof(c->company_kind)) {
    rc = CS_ERR_NOT_FOUND;
    goto done;
  }
  snprintf(c->company_kind, sizeof(c->company_kind), "%s", kind);
  copy_member(u, "name", c->name, sizeof(c->name));
  copy_member(u, "email", c->email, sizeof(c->email));
  copy_member(u, "mobile", c->mobile, sizeof(c->mobile));
  json_t *roles = json_object_get(u, "org_roles");
  c->org_roles = json_is_array(roles) ? json_incref(roles) : json_array();
  if (c->org_roles == NULL) rc = CS_ERR_NOMEM;
done:
  json_decref(u);
  return rc;
}

int orders_caller_load(const json_t *claims, struct orders_caller *c, struct cs_refusal *err) {
  const char *kind = json_string_value(json_object_get(claims, "kind"));
  memset(c, 0, sizeof(*c));
  if (kind == NULL || strcmp(kind, "user") != 0 ||
      copy_claim(claims, "sub", c->sub, sizeof(c->sub)) != CS_OK ||
      copy_claim(claims, "portal_id", c->portal_id, sizeof(c->portal_id)) != CS_OK ||
      copy_claim(claims, "company_id", c->company_id, sizeof(c->company_id)) != CS_OK ||
      !ids_is_uuid(c->sub) || !ids_is_uuid(c->portal_id) || !ids_is_uuid(c->company_id))
    return cs_refuse(err, PROBLEM_INVALID_TOKEN, "the token does not name a user of a portal");
  /* facts nobody can vouch for decide nothing (replica.h) */
  if (replica_fresh(err) != CS_OK) return CS_REFUSED;
  int rc = refresh_user(c);
  if (rc == CS_OK) return CS_OK;
  orders_caller_clear(c);
  if (rc == CS_ERR_NOT_FOUND)
    return cs_refuse(err, PROBLEM_INVALID_TOKEN, "the user is no longer active in this portal");
  return cs_refuse(err, PROBLEM_UNAVAILABLE, FACTS_FAILED);
}

void orders_caller_clear(struct orders_caller *c) {
  if (c == NULL) return;
  json_decref(c->org_roles);
  c->org_roles = NULL;
}

int orders_caller_has_role(const struct orders_caller *c, const char *role) {
  size_t i;
  const json_t *v;
  json_array_foreach(c->org_roles, i, v) {
    const char *r = json_string_value(v);
    if (r != NULL && strcmp(r, role) == 0) return 1;
  }
  return 0;
}

int orders_caller_is_kind(const struct orders_caller *c, const char *kind) {
  return strcmp(c->company_kind, kind) == 0;
}
