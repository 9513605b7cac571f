/* The customer's view of their case (see portal.h). */
#include "portal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casefile.h"
#include "catalogue.h"
#include "ids.h"
#include "paging.h"
#include "problem.h"
#include "replica.h"
#include "status.h"
#include "store_portal.h"
#include "texts.h"

#define LOGO_HEIGHT_PX 40

static const char *str(const json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

static int not_shown(struct cs_refusal *err) {
  return cs_refuse(err, PROBLEM_NOT_FOUND, "this part of the customer page is not shown");
}

static int db_failed(struct cs_refusal *err) {
  return cs_refuse(err, PROBLEM_UNAVAILABLE, "the case could not be read; try again");
}

static const char *language(const struct customer_portal_session *s) {
  const char *l = str(s->settings, "language");
  return l != NULL ? l : "en";
}

/* The user's {name, mobile (when with_mobile and known)} from the replica, or null. */
static json_t *person(PGconn *conn, const char *portal_id, const char *user_id, int with_mobile) {
  json_t *user = NULL;
  if (user_id == NULL || replica_user(conn, portal_id, user_id, &user) != CS_OK || user == NULL)
    return json_null();
  json_t *p = json_pack("{s:O?}", "name", json_object_get(user, "name"));
  if (with_mobile) json_object_set(p, "mobile", json_object_get(user, "mobile"));
  json_decref(user);
  return p != NULL ? p : json_null();
}

/* The contact person the page names: the case's first contact of kind contact, else the
 * policyholder (kind policyholder or customer). */
static json_t *contact_person(const json_t *doc) {
  const json_t *chosen = NULL;
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(doc, "contacts"), i, c) {
    const char *kind = str(c, "kind");
    if (kind == NULL) continue;
    if (!strcmp(kind, "contact")) {
      chosen = c;
      break;
    }
    if (chosen == NULL) chosen = c;
  }
  if (chosen == NULL) return json_null();
  return json_pack("{s:O?, s:O?, s:O?}", "name", json_object_get(chosen, "name"), "phone",
                   json_object_get(chosen, "phone"), "email", json_object_get(chosen, "email"));
}

static json_t *look(const json_t *settings) {
  static const char *const colours[] = {"page_background_color",
                                        "menu_background_color",
                                        "selected_menu_background_color",
                                        "font_color",
                                        "selected_font_color",
                                        "heading_font_color"};
  json_t *out = json_object();
  for (size_t i = 0; i < sizeof(colours) / sizeof(colours[0]); i++)
    json_object_set(out, colours[i], json_object_get(settings, colours[i]));
  json_object_set_new(
      out, "logo",
      json_pack("{s:O?, s:O?, s:i}", "kind", json_object_get(settings, "logo"), "ref",
                json_object_get(settings, "logo_ref"), "height_px", LOGO_HEIGHT_PX));
  return out;
}

int customer_portal_case(PGconn *conn, const struct customer_portal_session *s, json_t **out,
                         struct cs_refusal *err) {
  const json_t *doc = json_object_get(s->casefile, "case"), *st = s->settings;
  json_t *handler = json_null(), *tabs = json_object();
  static const char *const parts[] = {"dashboard", "news",     "plan",
                                      "budget",    "messages", "documents"};
  if (json_is_true(json_object_get(st, "show_case_handler"))) {
    json_decref(handler);
    handler = person(conn, s->portal_id, str(doc, "case_handler_id"),
                     json_is_true(json_object_get(st, "show_case_handler_mobile")));
  }
  for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
    json_object_set_new(tabs, parts[i],
                        json_boolean(customer_portal_shows(parts[i], s->casefile, st)));
  *out = json_pack("{s:s, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:o, s:o, s:O?, s:s, s:O?, s:o, s:o}",
                   "case_id", s->case_id, "claim_number", json_object_get(doc, "claim_number"),
                   "damage_type", json_object_get(doc, "damage_type"), "damage_date",
                   json_object_get(doc, "damage_date"), "address", json_object_get(doc, "address"),
                   "status", json_object_get(doc, "status"), "closed_at",
                   json_object_get(doc, "closed_at"), "contact_person", contact_person(doc),
                   "case_handler", handler, "more_information_contact",
                   json_object_get(st, "more_information_contact"), "language", language(s),
                   "messages_direction", json_object_get(st, "messages_direction"), "tabs", tabs,
                   "look", look(st));
  if (*out == NULL) return cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
  return CS_OK;
}

/* The entry's values for its text: its params as strings ("reached" as the words for it). */
static json_t *text_values(const json_t *params, const char *lang) {
  const struct customer_catalogue *cat = customer_texts_catalogue();
  json_t *values = json_object(), *v;
  const char *key;
  json_object_foreach((json_t *)params, key, v) {
    if (json_is_string(v)) json_object_set(values, key, v);
    if (json_is_integer(v))
      json_object_set_new(values, key, json_sprintf("%lld", (long long)json_integer_value(v)));
  }
  const json_t *reached = json_object_get(params, "reached");
  if (json_is_boolean(reached)) {
    const char *t = customer_catalogue_text(
        cat, lang, json_is_true(reached) ? "news.call_reached" : "news.call_not_reached");
    if (t != NULL) json_object_set_new(values, "reached", json_string(t));
  }
  return values;
}

/* The position after an entry shown last: its time and id. */
static json_t *news_position(const json_t *last, const void *arg) {
  (void)arg;
  return json_pack("{s:O, s:O}", "at", json_object_get(last, "at"), "id",
                   json_object_get(last, "id"));
}

int customer_portal_news(PGconn *conn, const struct customer_portal_session *s, long limit,
                         const json_t *position, json_t **out, struct cs_refusal *err) {
  json_t *rows = NULL, *portal = NULL, *e;
  const char *at = json_string_value(json_object_get(position, "at"));
  const json_t *id = json_object_get(position, "id");
  char before_id[24] = "";
  size_t i;
  *out = NULL;
  if (!customer_portal_shows("news", s->casefile, s->settings)) return not_shown(err);
  if (position != NULL && (!ids_is_timestamp(at) || !json_is_integer(id)))
    return cs_refuse(err, PROBLEM_INVALID_PARAMETER, "cursor is not one of this list's");
  if (position != NULL) snprintf(before_id, sizeof(before_id), "%lld", json_integer_value(id));
  char *kinds = json_dumps(json_object_get(s->settings, "news_filter"), JSON_COMPACT);
  if (kinds == NULL) return cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
  int rc = replica_portal(conn, s->portal_id, &portal);
  const char *tz = str(portal, "timezone");
  if (rc == CS_OK)
    rc = customer_store_portal_news(conn, s->case_id, kinds, tz != NULL ? tz : "UTC", at,
                                    position != NULL ? before_id : NULL, limit + 1, &rows,
                                    err->sqlstate);
  free(kinds);
  json_decref(portal);
  if (rc != CS_OK) return db_failed(err);
  const char *lang = language(s);
  json_array_foreach(rows, i, e) {
    char key[96];
    snprintf(key, sizeof(key), "news.%s", str(e, "kind"));
    json_t *values = text_values(json_object_get(e, "params"), lang);
    char *text = customer_catalogue_render(customer_texts_catalogue(), lang, key, values);
    json_object_set_new(e, "text", text != NULL ? json_string(text) : json_null());
    free(text);
    json_decref(values);
  }
  *out = paging_page(rows, limit, news_position, NULL); /* steals rows */
  return *out != NULL ? CS_OK : cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
}

int customer_portal_plan(PGconn *conn, const struct customer_portal_session *s, json_t **out,
                         struct cs_refusal *err) {
  const json_t *doc = json_object_get(s->casefile, "case");
  int partner_contact = json_is_true(json_object_get(s->settings, "show_partner_contact"));
  json_t *tasks = json_array(), *t;
  size_t i;
  if (!customer_portal_shows("plan", s->casefile, s->settings)) {
    json_decref(tasks);
    return not_shown(err);
  }
  /* what the partner did on the task (reports, photos of the inspection) is not shown */
  json_array_foreach(json_object_get(doc, "tasks"), i, t) {
    const json_t *office = json_object_get(t, "office"), *user = json_object_get(t, "user");
    json_t *o = json_is_object(office)
                    ? json_pack("{s:O?, s:O?}", "name", json_object_get(office, "name"),
                                "company_name", json_object_get(office, "company_name"))
                    : json_null();
    json_t *who = json_is_object(user)
                      ? person(conn, s->portal_id, str(user, "id"), partner_contact)
                      : json_null();
    json_array_append_new(
        tasks, json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:o, s:o}", "id",
                         json_object_get(t, "id"), "type", json_object_get(t, "type"), "trade",
                         json_object_get(t, "trade"), "status", json_object_get(t, "status"),
                         "meeting_at", json_object_get(t, "meeting_at"), "schedule",
                         json_object_get(t, "schedule"), "office", o, "responsible", who));
  }
  *out = json_pack("{s:o}", "tasks", tasks);
  return *out != NULL ? CS_OK : cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
}

int customer_portal_budget(PGconn *conn, const struct customer_portal_session *s, json_t **out,
                           struct cs_refusal *err) {
  json_t *rows = NULL, *b;
  long long total = 0;
  size_t i;
  *out = NULL;
  if (!customer_portal_shows("budget", s->casefile, s->settings)) return not_shown(err);
  if (customer_store_portal_budgets(conn, s->case_id, &rows, err->sqlstate) != CS_OK)
    return db_failed(err);
  json_array_foreach(rows, i, b) total += json_integer_value(json_object_get(b, "total_incl_vat"));
  const json_t *first = json_array_get(rows, 0);
  *out = json_pack("{s:o, s:I, s:O?}", "budgets", rows, "total_incl_vat", (json_int_t)total,
                   "currency", json_object_get(first, "currency"));
  return *out != NULL ? CS_OK : cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
}

int customer_portal_documents(PGconn *conn, const struct customer_portal_session *s,
                              const char *document_id, json_t **out, struct cs_refusal *err) {
  json_t *rows = NULL;
  *out = NULL;
  if (!customer_portal_shows("documents", s->casefile, s->settings)) return not_shown(err);
  if (customer_store_portal_documents(conn, s->case_id, document_id, &rows, err->sqlstate) != CS_OK)
    return db_failed(err);
  if (document_id == NULL) {
    size_t i;
    json_t *d;
    json_array_foreach(rows, i, d) {
      char path[128];
      snprintf(path, sizeof(path), "/v1/customer-portal/documents/%s/content", str(d, "id"));
      json_object_del(d, "sha256");
      json_object_set_new(d, "content", json_string(path));
    }
    *out = json_pack("{s:o}", "items", rows);
    return *out != NULL ? CS_OK : cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
  }
  *out = json_incref(json_array_get(rows, 0));
  json_decref(rows);
  return *out != NULL ? CS_OK : cs_refuse(err, PROBLEM_NOT_FOUND, "no such shared document");
}
