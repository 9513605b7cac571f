/* The caller of a request: the token's claims, checked against the authority replica on every
 * request so that a deactivated, moved or demoted user, or a deactivated API client, loses
 * access as soon as the fact arrives; and the portal's time zone (see caller.h). */
#include "caller.h"

#include <stdio.h>
#include <string.h>

#include "ids.h"
#include "log.h"
#include "policy_facts.h"
#include "replica.h"
#include "status.h"

/* The portal's time zone when the portal's row names none. */
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

/* The time zone of the portal (a replica row {id, timezone, ...} or NULL) into c: the default
 * when there is none; CS_ERR_UNAVAILABLE when it names something that is not a time zone. */
static int take_timezone(struct cases_caller *c, const json_t *portal) {
  const json_t *tz = json_object_get(portal, "timezone");
  if (tz == NULL || json_is_null(tz)) {
    snprintf(c->timezone, sizeof(c->timezone), "%s", DEFAULT_TIMEZONE);
    return CS_OK;
  }
  if (!timezone_sane(json_string_value(tz))) {
    log_error("the replica has an unusable time zone for portal %s", c->portal_id);
    return CS_ERR_UNAVAILABLE;
  }
  snprintf(c->timezone, sizeof(c->timezone), "%s", json_string_value(tz));
  return CS_OK;
}

/* Fills the user's current facts from the replica. CS_ERR_NOT_FOUND when the user may no longer
 * act in the token's portal for the token's company. */
static int refresh_user(struct cases_caller *c, const json_t *portal) {
  json_t *u = NULL;
  int rc = replica_user(NULL, c->portal_id, c->sub, &u);
  if (rc != CS_OK) return CS_ERR_UNAVAILABLE;
  const char *kind = replica_user_acting_kind(u, c->company_id);
  if (portal == NULL || kind == NULL || strlen(kind) >= sizeof(c->company_kind)) {
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
  json_decref(u);
  return rc;
}

/* Checks the API client against the replica: CS_ERR_NOT_FOUND when it is gone, inactive, or not
 * the token's portal's and company's. An integration acts for the insurer of its portal. */
static int refresh_client(struct cases_caller *c, const json_t *portal) {
  json_t *client = NULL;
  int rc = replica_api_client(NULL, c->sub, &client);
  if (rc != CS_OK) return CS_ERR_UNAVAILABLE;
  const char *portal_id = json_string_value(json_object_get(client, "portal_id"));
  const char *company = json_string_value(json_object_get(client, "company_id"));
  if (client == NULL || portal == NULL || !json_is_true(json_object_get(client, "active")) ||
      portal_id == NULL || strcmp(portal_id, c->portal_id) != 0 || company == NULL ||
      strcmp(company, c->company_id) != 0) {
    rc = CS_ERR_NOT_FOUND;
    goto done;
  }
  if ((rc = take_timezone(c, portal)) != CS_OK) goto done;
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
  /* facts nobody can vouch for decide nothing (replica.h) */
  if (replica_fresh(err) != CS_OK) return CS_REFUSED;
  json_t *portal = NULL;
  int rc = replica_portal(NULL, c->portal_id, &portal) == CS_OK ? CS_OK : CS_ERR_UNAVAILABLE;
  if (rc == CS_OK) rc = c->is_client ? refresh_client(c, portal) : refresh_user(c, portal);
  json_decref(portal);
  if (rc == CS_OK) return CS_OK;
  cases_caller_clear(c);
  if (rc == CS_ERR_NOT_FOUND)
    return unauthorized(err, c->is_client ? "the API client is no longer active in this portal"
                                          : "the user is no longer active in this portal");
  return cs_refuse(err, PROBLEM_UNAVAILABLE, CASES_POLICY_FAILED_DETAIL);
}

int cases_caller_outside_partner(const char *portal_id, const char *invitee_id,
                                 struct cases_caller *c, struct cs_refusal *err) {
  memset(c, 0, sizeof(*c));
  snprintf(c->sub, sizeof(c->sub), "invitation:%s", invitee_id);
  snprintf(c->portal_id, sizeof(c->portal_id), "%s", portal_id);
  snprintf(c->company_kind, sizeof(c->company_kind), "%s", CASES_OUTSIDE_PARTNER);
  if (replica_fresh(err) != CS_OK) return CS_REFUSED;
  json_t *portal = NULL;
  int rc = replica_portal(NULL, c->portal_id, &portal) == CS_OK ? take_timezone(c, portal)
                                                                : CS_ERR_UNAVAILABLE;
  json_decref(portal);
  if (rc == CS_OK) return CS_OK;
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

const char *cases_actor_kind(const struct cases_caller *c) {
  if (c->is_client) return "client";
  if (!strcmp(c->company_kind, CASES_OUTSIDE_PARTNER)) return CASES_OUTSIDE_PARTNER;
  return !strcmp(c->company_kind, CASES_SYSTEM) ? CASES_SYSTEM : "user";
}

const char *cases_caller_scope(const struct cases_caller *c) {
  return cases_caller_is_internal(c) ? NULL : c->company_id;
}
