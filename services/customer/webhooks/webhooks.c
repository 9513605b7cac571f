/* Webhooks: the rules of subscriptions and deliveries (see webhooks.h). */
#include "webhooks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caller.h"
#include "config.h"
#include "db.h"
#include "fields.h"
#include "ids.h"
#include "log.h"
#include "paging.h"
#include "status.h"
#include "store_webhooks.h"
#include "webhook_rules.h"
#include "webhook_sign.h"

/* How long a rotated secret keeps signing: a receiver has a day to take the new one. */
#define WEBHOOK_ROTATION_OVERLAP_S 86400

int customer_webhooks_config_read(struct customer_webhooks_config *c, char *err, size_t errlen) {
  memset(c, 0, sizeof(*c));
  if (config_bool("WEBHOOK_ALLOW_HTTP", 0, &c->allow_http, err, errlen) != CS_OK ||
      config_long("WEBHOOK_RETRY_FOR_SECONDS", 86400, 1, 30L * 86400, &c->retry_for_s, err,
                  errlen) != CS_OK ||
      config_long("WEBHOOK_RETRY_BASE_MS", 5000, 10, 3600000, &c->retry_base_ms, err, errlen) !=
          CS_OK ||
      config_long("WEBHOOK_RETRY_MAX_MS", 3600000, 10, 86400000, &c->retry_max_ms, err, errlen) !=
          CS_OK ||
      config_long("WEBHOOK_POLL_MS", 500, 10, 60000, &c->poll_ms, err, errlen) != CS_OK ||
      config_long("WEBHOOK_CONNECT_TIMEOUT_MS", 5000, 100, 60000, &c->connect_timeout_ms, err,
                  errlen) != CS_OK ||
      config_long("WEBHOOK_TIMEOUT_MS", 15000, 100, 300000, &c->timeout_ms, err, errlen) != CS_OK ||
      config_long("WEBHOOK_KEEP_SECONDS", 30L * 86400, 60, 3650L * 86400, &c->keep_s, err,
                  errlen) != CS_OK ||
      config_long("WEBHOOK_PURGE_CHECK_SECONDS", 600, 1, 86400, &c->purge_check_s, err, errlen) !=
          CS_OK)
    return CS_ERR_INVALID;
  return CS_OK;
}

static int admin_only(const struct customer_caller *c, struct cs_refusal *err) {
  if (customer_caller_is_portal_admin(c)) return CS_OK;
  return cs_refuse(err, PROBLEM_FORBIDDEN,
                   "only the portal's administrators (authority level 6) and API clients manage"
                   " webhooks");
}

/* The rules of a subscription's fields in body (create: url and event_types required). */
static void check_body(const json_t *body, const struct customer_webhooks_config *cfg, int create,
                       struct cs_refusal *err) {
  static const struct http_field create_fields[] = {
      {"url", HTTP_FIELD_STRING, 1, WEBHOOK_MAX_URL},
      {"event_types", HTTP_FIELD_ARRAY, 1, 0},
      {"description", HTTP_FIELD_STRING, 0, WEBHOOK_MAX_DESCRIPTION},
      {"active", HTTP_FIELD_BOOLEAN, 0, 0}};
  static const struct http_field patch_fields[] = {
      {"url", HTTP_FIELD_STRING, 0, WEBHOOK_MAX_URL},
      {"event_types", HTTP_FIELD_ARRAY, 0, 0},
      {"description", HTTP_FIELD_STRING, 0, WEBHOOK_MAX_DESCRIPTION},
      {"active", HTTP_FIELD_BOOLEAN, 0, 0}};
  fields_check(body, create ? create_fields : patch_fields, 4, err);
  if (json_array_size(err->errors) > 0) return; /* nothing more judged of a mistyped body */
  const char *url = json_string_value(json_object_get(body, "url"));
  const char *why = url != NULL ? customer_webhooks_url_check(url, cfg->allow_http) : NULL;
  if (why != NULL) cs_refusal_field(err, "url", FIELD_FORMAT, why);
  const json_t *types = json_object_get(body, "event_types"), *t;
  size_t i;
  char field[48];
  if (types == NULL) return;
  if (json_array_size(types) < 1 || json_array_size(types) > WEBHOOK_MAX_EVENT_TYPES) {
    cs_refusal_field(err, "event_types", FIELD_OUT_OF_RANGE, "must hold 1 to 50 event types");
    return;
  }
  json_array_foreach(types, i, t) {
    const char *s = json_string_value(t);
    snprintf(field, sizeof(field), "event_types/%zu", i);
    if (s == NULL)
      cs_refusal_field(err, field, FIELD_WRONG_TYPE, "must be a string");
    else if (strlen(s) > WEBHOOK_MAX_EVENT_TYPE || !customer_webhooks_pattern_ok(s))
      cs_refusal_field(err, field, FIELD_NOT_ALLOWED,
                       "is no event type the suite publishes (e.g. case.created or case.*)");
  }
}

static json_t *position_of(const json_t *last, const void *arg) {
  (void)arg;
  return json_pack("{s:O, s:O}", "at", json_object_get(last, "created_at"), "id",
                   json_object_get(last, "id"));
}

/* The position's at and id, or a refusal for a cursor of another list. */
static int position_read(const json_t *position, const char **at, const char **id,
                         struct cs_refusal *err) {
  *at = json_string_value(json_object_get(position, "at"));
  *id = json_string_value(json_object_get(position, "id"));
  if (position != NULL && (!ids_is_timestamp(*at) || !ids_is_uuid(*id)))
    return cs_refuse(err, PROBLEM_INVALID_PARAMETER, "cursor is not one of this list's");
  return CS_OK;
}

int customer_webhooks_list(PGconn *conn, const struct customer_caller *c, long limit,
                           const json_t *position, json_t **page, struct cs_refusal *err) {
  const char *at, *id;
  json_t *rows = NULL;
  *page = NULL;
  if (admin_only(c, err) != CS_OK || position_read(position, &at, &id, err) != CS_OK)
    return CS_REFUSED;
  if (customer_store_webhooks_page(conn, c->portal_id, at, id, limit + 1, &rows, err->sqlstate) !=
      CS_OK)
    return cs_refusal_db(err);
  if ((*page = paging_page(rows, limit, position_of, NULL)) == NULL)
    return cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
  return CS_OK;
}

int customer_webhooks_create(PGconn *conn, const struct customer_caller *c,
                             const struct customer_webhooks_config *cfg, const json_t *body,
                             json_t **doc, struct cs_refusal *err) {
  char id[37], secret[WEBHOOK_SECRET_SIZE];
  *doc = NULL;
  if (admin_only(c, err) != CS_OK) return CS_REFUSED;
  check_body(body, cfg, 1, err);
  if (cs_refusal_validation(err) != CS_OK) return CS_REFUSED;
  const json_t *active = json_object_get(body, "active");
  const char *description = json_string_value(json_object_get(body, "description"));
  char *types = json_dumps(json_object_get(body, "event_types"), JSON_COMPACT);
  if (types == NULL || webhook_secret_new(secret) != CS_OK) {
    free(types);
    return cs_refuse(err, PROBLEM_INTERNAL, "the subscription could not be made");
  }
  ids_uuid_v4(id);
  int rc = customer_store_webhook_insert(
      conn, id, c->portal_id, json_string_value(json_object_get(body, "url")), types,
      description != NULL ? description : "", active == NULL || json_is_true(active), secret, doc,
      err->sqlstate);
  free(types);
  if (rc == CS_OK && *doc != NULL) json_object_set_new(*doc, "secret", json_string(secret));
  explicit_bzero(secret, sizeof(secret));
  if (rc != CS_OK) return cs_refusal_db(err);
  return CS_OK;
}

int customer_webhooks_get(PGconn *conn, const struct customer_caller *c, const char *id,
                          json_t **doc, struct cs_refusal *err) {
  *doc = NULL;
  if (admin_only(c, err) != CS_OK) return CS_REFUSED;
  if (customer_store_webhook_get(conn, c->portal_id, id, 0, doc, err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  if (*doc == NULL) return cs_refuse(err, PROBLEM_NOT_FOUND, "no such webhook");
  return CS_OK;
}

int customer_webhooks_update(PGconn *conn, const struct customer_caller *c,
                             const struct customer_webhooks_config *cfg, const char *id,
                             const json_t *body, long long if_match_version, json_t **doc,
                             struct cs_refusal *err) {
  json_t *now = NULL;
  char *types = NULL;
  int rc = CS_REFUSED;
  *doc = NULL;
  if (admin_only(c, err) != CS_OK) return CS_REFUSED;
  check_body(body, cfg, 0, err);
  if (cs_refusal_validation(err) != CS_OK) return CS_REFUSED;
  /* read under lock, merge, write: the If-Match compares with what is written over */
  if (customer_store_webhook_get(conn, c->portal_id, id, 1, &now, err->sqlstate) != CS_OK) {
    rc = cs_refusal_db(err);
    goto done;
  }
  if (now == NULL) {
    rc = cs_refuse(err, PROBLEM_NOT_FOUND, "no such webhook");
    goto done;
  }
  if (if_match_version >= 0 &&
      json_integer_value(json_object_get(now, "version")) != (json_int_t)if_match_version) {
    rc = cs_refuse(err, PROBLEM_PRECONDITION_FAILED, "the webhook has changed since it was read");
    goto done;
  }
  const char *keys[] = {"url", "event_types", "description", "active"};
  for (size_t i = 0; i < 4; i++) {
    json_t *v = json_object_get(body, keys[i]);
    if (v != NULL) json_object_set(now, keys[i], v);
  }
  if ((types = json_dumps(json_object_get(now, "event_types"), JSON_COMPACT)) == NULL) {
    rc = cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
    goto done;
  }
  json_t *written = NULL;
  if (customer_store_webhook_update(
          conn, c->portal_id, id, json_string_value(json_object_get(now, "url")), types,
          json_string_value(json_object_get(now, "description")),
          json_is_true(json_object_get(now, "active")), &written, err->sqlstate) != CS_OK) {
    rc = cs_refusal_db(err);
    goto done;
  }
  *doc = written;
  rc = CS_OK;
done:
  free(types);
  json_decref(now);
  return rc;
}

int customer_webhooks_delete(PGconn *conn, const struct customer_caller *c, const char *id,
                             struct cs_refusal *err) {
  int deleted = 0;
  if (admin_only(c, err) != CS_OK) return CS_REFUSED;
  if (customer_store_webhook_delete(conn, c->portal_id, id, &deleted, err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  if (!deleted) return cs_refuse(err, PROBLEM_NOT_FOUND, "no such webhook");
  return CS_OK;
}

int customer_webhooks_rotate(PGconn *conn, const struct customer_caller *c, const char *id,
                             json_t **doc, struct cs_refusal *err) {
  char secret[WEBHOOK_SECRET_SIZE];
  *doc = NULL;
  if (admin_only(c, err) != CS_OK) return CS_REFUSED;
  if (webhook_secret_new(secret) != CS_OK)
    return cs_refuse(err, PROBLEM_INTERNAL, "no new secret could be made");
  int rc = customer_store_webhook_rotate(conn, c->portal_id, id, secret, WEBHOOK_ROTATION_OVERLAP_S,
                                         doc, err->sqlstate);
  if (rc == CS_OK && *doc != NULL) json_object_set_new(*doc, "secret", json_string(secret));
  explicit_bzero(secret, sizeof(secret));
  if (rc != CS_OK) return cs_refusal_db(err);
  if (*doc == NULL) return cs_refuse(err, PROBLEM_NOT_FOUND, "no such webhook");
  return CS_OK;
}

/* The subscription id of the caller's portal, or a 404 refusal. */
static int subscription_exists(PGconn *conn, const struct customer_caller *c, const char *id,
                               struct cs_refusal *err) {
  json_t *doc = NULL;
  int rc = customer_webhooks_get(conn, c, id, &doc, err);
  json_decref(doc);
  return rc;
}

int customer_webhooks_deliveries(PGconn *conn, const struct customer_caller *c, const char *id,
                                 const char *status, long limit, const json_t *position,
                                 json_t **page, struct cs_refusal *err) {
  const char *at, *after_id;
  json_t *rows = NULL;
  *page = NULL;
  if (status != NULL && strcmp(status, "pending") != 0 && strcmp(status, "sending") != 0 &&
      strcmp(status, "delivered") != 0 && strcmp(status, "dead") != 0)
    return cs_refuse(err, PROBLEM_INVALID_PARAMETER,
                     "status must be pending, sending, delivered or dead");
  if (subscription_exists(conn, c, id, err) != CS_OK) return CS_REFUSED;
  if (position_read(position, &at, &after_id, err) != CS_OK) return CS_REFUSED;
  if (customer_store_deliveries_page(conn, c->portal_id, id, status, at, after_id, limit + 1, &rows,
                                     err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  if ((*page = paging_page(rows, limit, position_of, NULL)) == NULL)
    return cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
  return CS_OK;
}

int customer_webhooks_redeliver(PGconn *conn, const struct customer_caller *c, const char *id,
                                const char *delivery_id, json_t **doc, struct cs_refusal *err) {
  int queued = 0;
  *doc = NULL;
  if (subscription_exists(conn, c, id, err) != CS_OK) return CS_REFUSED;
  if (customer_store_delivery_requeue(conn, c->portal_id, id, delivery_id, doc, &queued,
                                      err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  if (*doc == NULL) return cs_refuse(err, PROBLEM_NOT_FOUND, "no such delivery");
  if (!queued) {
    json_decref(*doc);
    *doc = NULL;
    return cs_refuse(err, PROBLEM_WRONG_STATE, "the delivery is queued already");
  }
  return CS_OK;
}

int customer_webhooks_enqueue(PGconn *conn, const json_t *event) {
  const char *type = json_string_value(json_object_get(event, "type"));
  const char *portal_id = json_string_value(json_object_get(event, "portal_id"));
  const char *event_id = json_string_value(json_object_get(event, "id"));
  const json_t *data = json_object_get(event, "data");
  const char *key = json_string_value(json_object_get(data, "case_id"));
  if (!customer_webhooks_type_known(type) || !ids_is_uuid(portal_id) || event_id == NULL ||
      strlen(event_id) > 200)
    return CS_OK;
  /* the order kept is per case; an event of no case keeps the order of its own aggregate */
  if (key == NULL) key = json_string_value(json_object_get(event, "aggregate_id"));
  if (key == NULL || strlen(key) > 200) key = "";
  json_t *payload = customer_webhooks_payload(event);
  char *text = payload != NULL ? json_dumps(payload, JSON_COMPACT) : NULL;
  json_decref(payload);
  if (text == NULL) return CS_OK; /* no id, type or time: nothing an integrator could dedupe */
  int rc = customer_store_deliveries_enqueue(conn, portal_id, event_id, type, key, text);
  free(text);
  if (rc != CS_OK) log_error("webhook deliveries of event %s not queued", event_id);
  return rc == CS_OK ? CS_OK : CS_ERR_DB;
}
