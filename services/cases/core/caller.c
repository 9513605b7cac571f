/* The caller of a request: the token's claims, refreshed from the policy service on every
 * request so that a deactivated, moved or demoted user, or a deactivated API client, loses
 * access at once; and the portal's time zone from the same answer (see caller.h). */
#include "caller.h"

#include <stdio.h>
#include <string.h>

#include "ids.h"
#include "log.h"
#include "policy_client.h"
#include "status.h"

/* The portal's time zone when the policy service's answer names none. */
#define DEFAULT_TIMEZONE "Europe/Stockholm"

static int copy_claim(const json_t *claims, const char *name, char *dst, size_t len) {
  const char *v = json_string_value(json_object_get(claims, name));
  if (v == NULL || strlen(v) >= len) return CS_ERR_INVALID;
  memcpy(dst, v, strlen(v) + 1);
  return CS_OK;
}

static int unauthorized(struct cs_refusal *err, const char *detail) {
  return cs_refuse(err, PROBLEM_INVALID_TOKEN, "%s", detail);
}

/* 1 when tz has the shape of an IANA name ("Europe/Stockholm", "Etc/GMT+5"): 1..63 bytes of
 * letters, digits, '/', '_', '-', '+'. It travels as a query parameter, never into SQL text. */
static int timezone_sane(const char *tz) {
  static const char allowed[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
      "0123456789/_-+";
  size_t n = tz != NULL ? strlen(tz) : 0;
  return n > 0 && n < 64 && strspn(tz, allowed) == n;
}

/* The time zone of portal (borrowed: {id, timezone}, null or NULL) into c: the default when the
 * answer names none; CS_ERR_UNAVAILABLE when it names something that is not a time zone. */
static int take_timezone(struct cases_caller *c, const json_t *portal) {
  const json_t *tz = json_object_get(portal, "timezone");
  if (tz == NULL || json_is_null(tz)) {
    snprintf(c->timezone, sizeof(c->timezone), "%s", DEFAULT_TIMEZONE);
    return CS_OK;
  }
  if (!timezone_sane(json_string_value(tz))) {
    log_error("policy answered an unusable time zone for portal %s", c->portal_id);
    return CS_ERR_UNAVAILABLE;
  }
  snprintf(c->timezone, sizeof(c->timezone), "%s", json_string_value(tz));
  return CS_OK;
}

/* Fills the user's current facts from the policy service. CS_ERR_NOT_FOUND when the user may
 * no longer act in the token's portal for the token's company. */
static int refresh_user(struct cases_caller *c) {
  json_t *ids = json_pack("[s]", c->sub), *items = NULL, *portal = NULL;
  int rc =
      ids != NULL ? cases_policy_users_portal(c->portal_id, ids, &items, &portal) : CS_ERR_NOMEM;
  json_decref(ids);
  if (rc != CS_OK) return rc;
  const json_t *u = json_array_get(items, 0);
  const char *company = json_string_value(json_object_get(u, "company_id"));
  const char *kind = json_string_value(json_object_get(u, "company_kind"));
  if (u == NULL || !json_is_true(json_object_get(u, "active")) ||
      !json_is_true(json_object_get(u, "in_portal")) || company == NULL ||
      strcmp(company, c->company_id) != 0 || kind == NULL ||
      strlen(kind) >= sizeof(c->company_kind)) {
    rc = CS_ERR_NOT_FOUND;
    goto done;
  }
  if ((rc = take_timezone(c, portal)) != CS_OK) goto done;
  snprintf(c->company_kind, sizeof(c->company_kind), "%s", kind);
  c->level = (int)json_integer_value(json_object_get(u, "authority_level"));
  c->marked_external = json_is_true(json_object_get(u, "external_case_handler"));
  json_t *offices = json_object_get(u, "office_ids");
  c->office_ids = json_is_array(offices) ? json_incref(offices) : json_array();
done:
  json_decref(items);
  json_decref(portal);
  return rc;
}

/* Checks the API client against the policy service: CS_ERR_NOT_FOUND when it is gone, inactive,
 * or not the token's portal's and company's. An integration acts for the insurer of its portal. */
static int refresh_client(struct cases_caller *c) {
  json_t *client = NULL;
  int rc = cases_policy_api_client(c->sub, c->portal_id, &client);
  if (rc != CS_OK) return rc;
  const char *portal_id = json_string_value(json_object_get(client, "portal_id"));
  const char *company = json_string_value(json_object_get(client, "company_id"));
  if (!json_is_true(json_object_get(client, "active")) || portal_id == NULL ||
      strcmp(portal_id, c->portal_id) != 0 || company == NULL ||
      strcmp(company, c->company_id) != 0) {
    rc = CS_ERR_NOT_FOUND;
    goto done;
  }
  if ((rc = take_timezone(c, json_object_get(client, "portal"))) != CS_OK) goto done;
  snprintf(c->company_kind, sizeof(c->company_kind), "insurer");
  c->office_ids = json_array();
  rc = c->office_ids != NULL ? CS_OK : CS_ERR_NOMEM;
done:
  json_decref(client);
  return rc;
}

int cases_caller_load(const json_t *claims, struct cases_caller *c, struct cs_refusal *err) {
  const char *kind = json_string_value(json_object_get(claims, "kind"));
  memset(c, 0, sizeof(*c));
  if (kind == NULL || (strcmp(kind, "user") != 0 && strcmp(kind, "client") != 0) ||
      copy_claim(claims, "sub", c->sub, sizeof(c->sub)) != CS_OK ||
      copy_claim(claims, "portal_id", c->portal_id, sizeof(c->portal_id)) != CS_OK ||
      copy_claim(claims, "company_id", c->company_id, sizeof(c->company_id)) != CS_OK ||
      copy_claim(claims, "company_kind", c->company_kind, sizeof(c->company_kind)) != CS_OK ||
      !ids_is_uuid(c->portal_id) || !ids_is_uuid(c->company_id)) {
    return unauthorized(err, "the token does not name a user or API client of a portal");
  }
  c->is_client = !strcmp(kind, "client");
  if (!ids_is_uuid(c->sub)) {
    return unauthorized(err, c->is_client ? "the token does not name an API client"
                                          : "the token does not name a user");
  }
  int rc = c->is_client ? refresh_client(c) : refresh_user(c);
  if (rc == CS_OK) return CS_OK;
  cases_caller_clear(c);
  if (rc == CS_ERR_NOT_FOUND)
    return unauthorized(err, c->is_client ? "the API client is no longer active in this portal"
                                          : "the user is no longer active in this portal");
  return cs_refuse(err, PROBLEM_UNAVAILABLE, CASES_POLICY_FAILED_DETAIL);
}

void cases_caller_clear(struct cases_caller *c) {
  if (c == NULL) return;
  json_decref(c->office_ids);
  c->office_ids = NULL;
}

int cases_caller_is_internal(const struct cases_caller *c) {
  return c->is_client || !strcmp(c->company_kind, "insurer");
}

const char *cases_caller_scope(const struct cases_caller *c) {
  return cases_caller_is_internal(c) ? NULL : c->company_id;
}
