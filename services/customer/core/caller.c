/* The caller of a request (see caller.h): claims first, then the replica's current facts. */
#include "caller.h"

#include <stdio.h>
#include <string.h>

#include "ids.h"
#include "log.h"
#include "replica.h"
#include "status.h"

#define DEFAULT_TIMEZONE "Europe/Stockholm" /* a portal whose row names none */
#define ADMIN_LEVEL 6
#define FACTS_FAILED "who may act could not be read; try again"

static int copy_claim(const json_t *claims, const char *name, char *dst, size_t len) {
  const char *v = json_string_value(json_object_get(claims, name));
  if (v == NULL || strlen(v) >= len) return CS_ERR_INVALID;
  memcpy(dst, v, strlen(v) + 1);
  return CS_OK;
}

/* The portal's time zone into c: it travels as a parameter only, but a replica row that names
 * something unlike an IANA name is a fault upstream, not a zone to use. */
static int take_timezone(struct customer_caller *c, const json_t *portal) {
  static const char allowed[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_-+";
  const char *tz = json_string_value(json_object_get(portal, "timezone"));
  if (tz == NULL) tz = DEFAULT_TIMEZONE;
  size_t n = strlen(tz);
  if (n == 0 || n >= sizeof(c->timezone) || strspn(tz, allowed) != n) {
    log_error("the replica has an unusable time zone for portal %s", c->portal_id);
    return CS_ERR_UNAVAILABLE;
  }
  memcpy(c->timezone, tz, n + 1);
  return CS_OK;
}

/* CS_ERR_NOT_FOUND when the user may no longer act in the token's portal for its company. */
static int refresh_user(struct customer_caller *c) {
  json_t *u = NULL;
  if (replica_user(NULL, c->portal_id, c->sub, &u) != CS_OK) return CS_ERR_UNAVAILABLE;
  const char *kind = replica_user_acting_kind(u, c->company_id);
  int rc = CS_OK;
  if (kind == NULL || strlen(kind) >= sizeof(c->company_kind)) {
    rc = CS_ERR_NOT_FOUND;
    goto done;
  }
  snprintf(c->company_kind, sizeof(c->company_kind), "%s", kind);
  c->level = (int)json_integer_value(json_object_get(u, "authority_level"));
  json_t *offices = json_object_get(u, "office_ids");
  c->office_ids = json_is_array(offices) ? json_incref(offices) : json_array();
done:
  json_decref(u);
  return rc;
}

/* CS_ERR_NOT_FOUND when the API client is gone, inactive, or not of the token's portal and
 * company. An integration acts for the insurer of its portal. */
static int refresh_client(struct customer_caller *c) {
  json_t *client = NULL;
  if (replica_api_client(NULL, c->sub, &client) != CS_OK) return CS_ERR_UNAVAILABLE;
  const char *portal = json_string_value(json_object_get(client, "portal_id"));
  const char *company = json_string_value(json_object_get(client, "company_id"));
  int rc = CS_OK;
  if (client == NULL || !json_is_true(json_object_get(client, "active")) || portal == NULL ||
      strcmp(portal, c->portal_id) != 0 || company == NULL || strcmp(company, c->company_id) != 0)
    rc = CS_ERR_NOT_FOUND;
  snprintf(c->company_kind, sizeof(c->company_kind), "insurer");
  if (rc == CS_OK && (c->office_ids = json_array()) == NULL) rc = CS_ERR_NOMEM;
  json_decref(client);
  return rc;
}

int customer_caller_load(const json_t *claims, struct customer_caller *c, struct cs_refusal *err) {
  const char *kind = json_string_value(json_object_get(claims, "kind"));
  memset(c, 0, sizeof(*c));
  if (kind == NULL || (strcmp(kind, "user") != 0 && strcmp(kind, "client") != 0) ||
      copy_claim(claims, "sub", c->sub, sizeof(c->sub)) != CS_OK ||
      copy_claim(claims, "portal_id", c->portal_id, sizeof(c->portal_id)) != CS_OK ||
      copy_claim(claims, "company_id", c->company_id, sizeof(c->company_id)) != CS_OK ||
      !ids_is_uuid(c->sub) || !ids_is_uuid(c->portal_id) || !ids_is_uuid(c->company_id))
    return cs_refuse(err, PROBLEM_INVALID_TOKEN,
                     "the token does not name a user or API client of a portal");
  c->is_client = !strcmp(kind, "client");
  /* facts nobody can vouch for decide nothing (replica.h) */
  if (replica_fresh(err) != CS_OK) return CS_REFUSED;
  json_t *portal = NULL;
  int rc = replica_portal(NULL, c->portal_id, &portal) == CS_OK ? CS_OK : CS_ERR_UNAVAILABLE;
  if (rc == CS_OK && portal == NULL) rc = CS_ERR_NOT_FOUND;
  if (rc == CS_OK) rc = c->is_client ? refresh_client(c) : refresh_user(c);
  if (rc == CS_OK) rc = take_timezone(c, portal);
  json_decref(portal);
  if (rc == CS_OK) return CS_OK;
  customer_caller_clear(c);
  if (rc == CS_ERR_NOT_FOUND)
    return cs_refuse(err, PROBLEM_INVALID_TOKEN, "the %s is no longer active in this portal",
                     c->is_client ? "API client" : "user");
  return cs_refuse(err, PROBLEM_UNAVAILABLE, FACTS_FAILED);
}

void customer_caller_clear(struct customer_caller *c) {
  if (c == NULL) return;
  json_decref(c->office_ids);
  c->office_ids = NULL;
}

int customer_caller_is_portal_admin(const struct customer_caller *c) {
  return c->is_client || (!strcmp(c->company_kind, "insurer") && c->level >= ADMIN_LEVEL);
}
