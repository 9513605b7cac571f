/* The event feed's rules (feed.h): its query, its reader, and what of an event is kept. */
#include "feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "log.h"
#include "paging.h"
#include "status.h"
#include "webhook_rules.h"

static const char *const known_params[] = {"after", "limit", "wait", "types"};

/* *n from name when it is a decimal integer in [min, max] (kept when absent), else an error. */
static void integer_param(const struct _u_map *params, const char *name, long long min,
                          long long max, long long *n, struct cs_refusal *err) {
  if (paging_query_integer(params, name, *n, min, max, n) == CS_OK) return;
  char message[96];
  snprintf(message, sizeof(message), "must be an integer between %lld and %lld", min, max);
  cs_refusal_field(err, name, FIELD_OUT_OF_RANGE, message);
}

/* types: comma-separated prefixes of lower-case letters, digits, '.' and '_'. */
static void types_param(const struct _u_map *params, struct customer_feed_query *q,
                        struct cs_refusal *err) {
  const char *v = u_map_get(params, "types");
  if (v == NULL) return;
  const char *p = v;
  for (;;) {
    size_t len = strcspn(p, ",");
    int ok = len >= 1 && len <= 64 && q->ntypes < CUSTOMER_FEED_MAX_TYPES;
    for (size_t i = 0; ok && i < len; i++)
      ok = (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '.' ||
           p[i] == '_';
    if (!ok) {
      cs_refusal_field(err, "types", FIELD_FORMAT,
                       "must be at most 16 comma-separated event type prefixes such as case. "
                       "or task.added (lower-case letters, digits, . and _)");
      return;
    }
    memcpy(q->types[q->ntypes], p, len);
    q->types[q->ntypes++][len] = '\0';
    if (p[len] == '\0') return;
    p += len + 1;
  }
}

int customer_feed_query_parse(const struct _u_map *params, struct customer_feed_query *q,
                              struct cs_refusal *err) {
  long long limit = 100, wait = 0;
  memset(q, 0, sizeof(*q));
  const char **keys = u_map_enum_keys(params);
  for (size_t i = 0; keys != NULL && keys[i] != NULL; i++) {
    int known = 0;
    for (size_t k = 0; k < sizeof(known_params) / sizeof(known_params[0]); k++)
      known = known || strcmp(keys[i], known_params[k]) == 0;
    if (!known)
      cs_refusal_field(err, keys[i], FIELD_UNKNOWN_FIELD, "is not a parameter of the event feed");
  }
  integer_param(params, "after", 0, (long long)1 << 62, &q->after, err);
  integer_param(params, "limit", 1, CUSTOMER_FEED_MAX_LIMIT, &limit, err);
  integer_param(params, "wait", 0, CUSTOMER_FEED_MAX_WAIT_S, &wait, err);
  types_param(params, q, err);
  q->limit = (long)limit;
  q->wait_s = (long)wait;
  if (json_array_size(err->errors) > 0)
    return cs_refuse(err, PROBLEM_INVALID_PARAMETER, "the query has invalid parameters");
  return CS_OK;
}

int customer_feed_page(PGconn *conn, const struct customer_caller *c,
                       const struct customer_feed_query *q, char **page,
                       struct customer_feed_page_info *info, char sqlstate[6]) {
  const struct customer_feed_reader r = {
      .portal_id = c->portal_id,
      .kind = c->is_client ? "insurer" : c->company_kind, /* a client acts for the insurer */
      .company_id = c->company_id,
      .admin = customer_caller_is_portal_admin(c)};
  return customer_store_feed_page(conn, &r, q, page, info, sqlstate);
}

static const char *str(const json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

/* The member key of o when it is a uuid, else NULL. */
static const char *uuid_of(const json_t *o, const char *key) {
  const char *v = str(o, key);
  return ids_is_uuid(v) ? v : NULL;
}

static const char *office_company(const json_t *holder) {
  return uuid_of(json_object_get(holder, "office"), "company_id");
}

/* The companies that see the case of doc (its tasks' and its external case handler's), as a
 * uuid[] literal. New (free()), NULL when out of memory. */
static char *case_companies(const json_t *doc) {
  size_t used = 0, i;
  const json_t *t;
  json_t *seen = json_object();
  if (seen == NULL) return NULL;
  const char *ech = office_company(json_object_get(doc, "external_case_handler"));
  if (ech != NULL) json_object_set_new(seen, ech, json_true());
  json_array_foreach(json_object_get(doc, "tasks"), i, t) {
    const char *company = office_company(t);
    if (company != NULL) json_object_set_new(seen, company, json_true());
  }
  size_t len = 3 + json_object_size(seen) * 37; /* braces, uuids, commas, the end */
  char *out = malloc(len);
  const char *key;
  json_t *v;
  if (out != NULL) {
    out[used++] = '{';
    json_object_foreach(seen, key, v) {
      used += (size_t)snprintf(out + used, len - used, "%s%s", used > 1 ? "," : "", key);
    }
    snprintf(out + used, len - used, "}");
  }
  json_decref(seen);
  return out;
}

/* The company of the task the event is about: the task's office in the case document, or for
 * a task's own events (a removed task is no longer in the document) the office they carry. */
static const char *task_company(const char *type, const json_t *data) {
  const char *task_id = str(data, "task_id");
  size_t i;
  const json_t *t;
  if (task_id == NULL) return NULL;
  json_array_foreach(json_object_get(json_object_get(data, "case"), "tasks"), i, t) {
    const char *id = str(t, "id");
    if (id != NULL && !strcmp(id, task_id)) return office_company(t);
  }
  return strncmp(type, "task.", 5) == 0 ? office_company(data) : NULL;
}

int customer_feed_record(PGconn *conn, const json_t *event) {
  const char *type = str(event, "type"), *portal_id = str(event, "portal_id");
  const char *event_id = str(event, "id");
  const json_t *data = json_object_get(event, "data");
  if (!customer_webhooks_type_known(type) || !ids_is_uuid(portal_id) || event_id == NULL ||
      strlen(event_id) > 200 || !ids_is_timestamp(str(event, "occurred_at")))
    return CS_OK; /* not an event integrators get */
  struct customer_feed_row row = {.event_id = event_id,
                                  .portal_id = portal_id,
                                  .type = type,
                                  .occurred_at = str(event, "occurred_at"),
                                  .case_company_ids = "{}"};
  char *companies = NULL, *text = NULL;
  json_t *payload = NULL;
  int rc = CS_ERR_NOMEM;
  if (strncmp(type, "order.", 6) == 0) {
    row.order_id = uuid_of(data, "order_id");
    row.customer_company_id = uuid_of(data, "customer_company_id");
    row.agent_company_id = uuid_of(data, "agent_company_id");
  } else {
    row.case_id = uuid_of(data, "case_id");
    row.task_company_id = task_company(type, data);
    if ((companies = case_companies(json_object_get(data, "case"))) == NULL) goto done;
    row.case_company_ids = companies;
  }
  if (row.case_id == NULL && row.order_id == NULL) {
    log_warning("event %s (%s) names no case or order: not in the feed", event_id, type);
    rc = CS_OK;
    goto done;
  }
  /* what webhooks send of it: no invitation links, tokens or recipient lists */
  payload = customer_webhooks_payload(event);
  text = payload != NULL ? json_dumps(json_object_get(payload, "data"), JSON_COMPACT) : NULL;
  if (text == NULL) goto done;
  row.data = text;
  if ((rc = customer_store_feed_insert(conn, &row)) != CS_OK)
    log_error("event %s not kept in the feed", event_id);
done:
  json_decref(payload);
  free(companies);
  free(text);
  return rc;
}
