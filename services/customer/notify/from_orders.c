/* The orders service's events as notifications (see from_orders.h). */
#include "from_orders.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalogue.h"
#include "log.h"
#include "notify.h"
#include "replica.h"
#include "status.h"

/* Who hears of an event. */
enum audience {
  AGENT_HANDLERS,      /* the agent organisation's agent_handler users */
  NAMED_ATTESTANT,     /* data.attestant_id */
  CUSTOMER_ATTESTANTS, /* the ordering organisation's customer_attestant users, not the orderer */
  ORDERER              /* data.ordered_by */
};

static const struct {
  const char *type;
  const char *texts; /* the catalogue's key prefix, also the notice's kind */
  enum audience who;
  int to_approvals; /* the link: 1 My approvals (something waits), 0 the order */
} kinds[] = {
    {"order.submitted", "order_submitted", AGENT_HANDLERS, 1},
    {"order.agent_signed", "order_agent_signed", NAMED_ATTESTANT, 1},
    {"order.agent_attested", "order_agent_attested", CUSTOMER_ATTESTANTS, 1},
    {"order.rejected", "order_rejected", ORDERER, 0},
    {"order.stopped", "order_stopped", ORDERER, 0},
    {"order.ticket_opened", "order_ticket_opened", AGENT_HANDLERS, 1},
};

/* The language a portal's messages are written in: English until the replica's portals carry
 * one (as from_events.c). */
static const char *portal_language(const char *portal_id) {
  (void)portal_id;
  return "en";
}

static const char *member(const json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

static const char *or_empty(const char *s) { return s != NULL ? s : ""; }

/* The people of audience: *people a new array of {id, name, email}. */
static int audience_of(PGconn *conn, enum audience who, const char *portal_id, const json_t *data,
                       json_t **people) {
  const char *one = who == NAMED_ATTESTANT ? member(data, "attestant_id")
                    : who == ORDERER       ? member(data, "ordered_by")
                                           : NULL;
  *people = NULL;
  if (who == AGENT_HANDLERS)
    return replica_company_users(conn, portal_id, member(data, "agent_company_id"), "agent_handler",
                                 people);
  if (who == CUSTOMER_ATTESTANTS) {
    int rc = replica_company_users(conn, portal_id, member(data, "customer_company_id"),
                                   "customer_attestant", people);
    /* the orderer never attests its own order (separation of duties): nothing waits for it */
    const char *orderer = member(data, "ordered_by");
    for (size_t i = json_array_size(*people); rc == CS_OK && orderer != NULL && i-- > 0;)
      if (!strcmp(or_empty(member(json_array_get(*people, i), "id")), orderer))
        json_array_remove(*people, i);
    return rc;
  }
  json_t *ids = json_pack("[s?]", one), *users = NULL;
  if (ids == NULL) return CS_ERR_NOMEM;
  int rc = replica_users(conn, portal_id, ids, &users);
  json_decref(ids);
  if (rc != CS_OK) return rc;
  /* a person gone or deactivated since hears nothing */
  size_t i;
  json_t *u;
  *people = json_array();
  json_array_foreach(users, i, u) {
    if (json_is_true(json_object_get(u, "active"))) json_array_append(*people, u);
  }
  json_decref(users);
  return *people != NULL ? CS_OK : CS_ERR_NOMEM;
}

/* The name of company id, or fallback. New string. */
static char *company_name(PGconn *conn, const char *portal_id, const char *id,
                          const char *fallback) {
  json_t *c = NULL;
  char *name = NULL;
  if (replica_company(conn, portal_id, id, &c) == CS_OK && member(c, "name") != NULL)
    name = strdup(member(c, "name"));
  else
    name = strdup(fallback);
  json_decref(c);
  return name;
}

/* One person's email and notice. */
static int tell(PGconn *conn, const struct customer_from_events *ctx, const char *texts,
                const char *event_id, const char *portal_id, const json_t *person, json_t *values,
                const char *path, const json_t *notice) {
  const char *id = member(person, "id"), *email = member(person, "email");
  const char *lang = portal_language(portal_id);
  char key[96], dedupe[CUSTOMER_NOTIFY_MAX_DEDUPE_KEY];
  char *subject = NULL, *body = NULL, *title = NULL;
  int rc = CS_ERR_NOMEM;
  if (id == NULL) return CS_OK;
  json_object_set_new(values, "name", json_string(or_empty(member(person, "name"))));
  snprintf(key, sizeof(key), "%s.subject", texts);
  subject = customer_catalogue_render(ctx->catalogue, lang, key, values);
  snprintf(key, sizeof(key), "%s.body", texts);
  body = customer_catalogue_render(ctx->catalogue, lang, key, values);
  snprintf(key, sizeof(key), "%s.title", texts);
  title = customer_catalogue_render(ctx->catalogue, lang, key, values);
  if (subject == NULL || body == NULL || title == NULL) goto done;
  rc = customer_notify_user_from_event(conn, event_id, portal_id, id, texts, title, body, notice,
                                       path);
  if (rc == CS_OK && email != NULL) {
    snprintf(dedupe, sizeof(dedupe), "%s:%s:email", event_id, id);
    rc = customer_notify_send(conn, "email", email, subject, body, dedupe);
  }
  /* one person's message out of the rules (logged) leaves the others theirs */
  if (rc == CS_ERR_INVALID) rc = CS_OK;
done:
  free(subject);
  free(body);
  free(title);
  return rc;
}

int customer_from_order_event(PGconn *conn, const struct customer_from_events *ctx,
                              const json_t *event) {
  const char *type = member(event, "type"), *event_id = member(event, "id");
  const json_t *data = json_object_get(event, "data"), *person;
  const char *portal_id = member(event, "portal_id"), *order_id = member(data, "order_id");
  json_t *people = NULL, *values = NULL, *notice = NULL;
  char *customer = NULL, *agent = NULL, *link = NULL, path[96];
  size_t k, i;
  int rc = CS_ERR_NOMEM;
  for (k = 0; type != NULL && k < sizeof(kinds) / sizeof(kinds[0]); k++)
    if (!strcmp(kinds[k].type, type)) break;
  if (type == NULL || k == sizeof(kinds) / sizeof(kinds[0])) return CS_OK;
  if (event_id == NULL || portal_id == NULL || order_id == NULL || strlen(order_id) > 40) {
    log_error("%s %s skipped: id, portal_id or data.order_id missing", type,
              event_id != NULL ? event_id : "(no id)");
    return CS_OK;
  }
  if (kinds[k].to_approvals)
    snprintf(path, sizeof(path), "/v1/approvals");
  else
    snprintf(path, sizeof(path), "/v1/orders/%s", order_id);
  size_t n = strlen(ctx->public_base_url) + strlen(path) + 1;
  const json_t *details = json_object_get(json_object_get(data, "order"), "details");
  const char *service = member(details, "service");
  if ((link = malloc(n)) == NULL) goto done;
  snprintf(link, n, "%s%s", ctx->public_base_url, path);
  customer = company_name(conn, portal_id, member(data, "customer_company_id"), "the customer");
  agent = company_name(conn, portal_id, member(data, "agent_company_id"), "the agent");
  values = json_pack("{s:s, s:s?, s:s?, s:s, s:s, s:s}", "link", link, "customer", customer,
                     "agent", agent, "service", service != NULL ? service : "", "reason",
                     or_empty(member(data, "reason")), "ticket_ref",
                     or_empty(member(json_object_get(data, "order"), "ticket_ref")));
  notice = json_pack("{s:s, s:s}", "order_id", order_id, "event", type);
  if (values == NULL || notice == NULL) goto done;
  if ((rc = audience_of(conn, kinds[k].who, portal_id, data, &people)) != CS_OK) goto done;
  json_array_foreach(people, i, person) {
    rc = tell(conn, ctx, kinds[k].texts, event_id, portal_id, person, values, path, notice);
    if (rc != CS_OK) break;
  }
done:
  if (rc == CS_ERR_NOMEM) log_error("%s %s: out of memory", type, event_id);
  json_decref(people);
  json_decref(values);
  json_decref(notice);
  free(customer);
  free(agent);
  free(link);
  return rc;
}
