/* The table of the customer page's settings and the pure functions over it (settings_schema.h).
 * Every member is named in one place: adding a setting is one row here (and its schema in
 * openapi.yaml). */
#include "settings_schema.h"

#include <stdio.h>
#include <string.h>

#include "contrast.h"
#include "problem.h"

#define MAX_DAYS 3650    /* ten years: longer is a typo, not a policy */
#define MAX_TEXT 2000    /* the "contact for more information" text */
#define MAX_LOGO_REF 200 /* a reference to an uploaded logo */

const char *const customer_when_values[] = {
    "never", "always", "case_created", "inspector_assigned", "positive_compensation_decision",
    NULL};

const char *const customer_news_kinds[] = {"call_history",
                                           "inspector_assigned",
                                           "main_inspection_started",
                                           "main_inspection_finished",
                                           "compensation_decision",
                                           "task_started",
                                           "task_finished",
                                           "case_closed",
                                           "main_inspection_office_changed",
                                           "new_tasks_added",
                                           "rebuild_responsible_changed",
                                           "rebuild_task_office_changed",
                                           "case_reopened",
                                           "project_manager_changed",
                                           "project_manager_office_changed",
                                           "meeting_time_changed",
                                           "rebuild_schedule_changed",
                                           "message_to_customer",
                                           "document_shared",
                                           "document_sharing_ended",
                                           NULL};

const char *const customer_languages[] = {"en", "sv", "nb", "da", "fi", NULL};
static const char *const logo_values[] = {"company_default", "custom", NULL};
static const char *const access_values[] = {"policyholder", "contact_person", "both",
                                            "all_contacts", NULL};
static const char *const customer_type_values[] = {"all", "private", "business", NULL};
static const char *const link_values[] = {"manual", "case_created", "inspector_assigned",
                                          "positive_compensation_decision", NULL};
static const char *const direction_values[] = {"both", "to_customer_only", "from_customer_only",
                                               NULL};

enum kind { COLOR, BOOL, ENUM, DAYS, TEXT, LOGO_REF, NEWS_KINDS };

struct member {
  const char *name;
  enum kind kind;
  const char *const *values; /* ENUM: the allowed values */
  const char *defaults;      /* the default as JSON text */
};

/* The defaults are the guide's screenshots where it shows them (SMS code off, the contact person
 * only, all customer types, the link sent manually, 30 days, budget never, dashboard always,
 * news from case creation with call history and new tasks, the plan shown, the inspection
 * report shared at case creation, the settlement report never), and colours that pass WCAG AA. */
static const struct member members[] = {
    {"page_background_color", COLOR, NULL, "\"#ffffff\""},
    {"menu_background_color", COLOR, NULL, "\"#f2f4f7\""},
    {"selected_menu_background_color", COLOR, NULL, "\"#1f3a5f\""},
    {"font_color", COLOR, NULL, "\"#222222\""},
    {"selected_font_color", COLOR, NULL, "\"#ffffff\""},
    {"heading_font_color", COLOR, NULL, "\"#1f3a5f\""},
    {"logo", ENUM, logo_values, "\"company_default\""},
    {"logo_ref", LOGO_REF, NULL, "null"},
    {"sms_security_code", BOOL, NULL, "false"},
    {"access", ENUM, access_values, "\"contact_person\""},
    {"customer_type", ENUM, customer_type_values, "\"all\""},
    {"link_sending", ENUM, link_values, "\"manual\""},
    {"visible_days_after_closing", DAYS, NULL, "30"},
    {"case_budget", ENUM, customer_when_values, "\"never\""},
    {"dashboard", ENUM, customer_when_values, "\"always\""},
    {"news_feed_title", ENUM, customer_when_values, "\"case_created\""},
    {"news_filter", NEWS_KINDS, NULL, "[\"call_history\", \"new_tasks_added\"]"},
    {"show_plan", BOOL, NULL, "true"},
    {"rebuild_plan_tab", ENUM, customer_when_values, "\"case_created\""},
    {"messages_tab", ENUM, customer_when_values, "\"case_created\""},
    {"messages_direction", ENUM, direction_values, "\"both\""},
    {"reports_tab", ENUM, customer_when_values, "\"case_created\""},
    {"inspection_report_sharing", ENUM, customer_when_values, "\"case_created\""},
    {"settlement_report_sharing", ENUM, customer_when_values, "\"never\""},
    {"show_case_handler", BOOL, NULL, "true"},
    {"show_case_handler_mobile", BOOL, NULL, "false"},
    {"show_partner_contact", BOOL, NULL, "false"},
    {"more_information_contact", TEXT, NULL, "\"\""},
    {"language", ENUM, customer_languages, "\"en\""},
};
#define NMEMBERS (sizeof(members) / sizeof(members[0]))

/* Members of a GET answer that a PUT of the whole document may send back unchanged. */
static const char *const read_only[] = {"portal_id", "version", "updated_at", "customized", NULL};

static int among(const char *v, const char *const *values) {
  for (size_t i = 0; v != NULL && values[i] != NULL; i++)
    if (!strcmp(v, values[i])) return 1;
  return 0;
}

static const struct member *find(const char *name) {
  for (size_t i = 0; i < NMEMBERS; i++)
    if (!strcmp(members[i].name, name)) return &members[i];
  return NULL;
}

json_t *customer_settings_defaults(void) {
  json_t *out = json_object();
  for (size_t i = 0; out != NULL && i < NMEMBERS; i++) {
    json_t *v = json_loads(members[i].defaults, JSON_DECODE_ANY, NULL);
    if (v == NULL || json_object_set_new(out, members[i].name, v) != 0) {
      json_decref(out);
      return NULL;
    }
  }
  return out;
}

/* "one of: a, b, c" into buf. */
static const char *one_of(const char *const *values, char *buf, size_t len) {
  size_t used = (size_t)snprintf(buf, len, "must be one of:");
  for (size_t i = 0; values[i] != NULL && used < len; i++)
    used += (size_t)snprintf(buf + used, len - used, "%s %s", i ? "," : "", values[i]);
  return buf;
}

static void check_news_kinds(const char *name, const json_t *v, struct cs_refusal *err) {
  char field[64];
  size_t i, j;
  json_t *k;
  if (!json_is_array(v)) {
    cs_refusal_field(err, name, FIELD_WRONG_TYPE, "must be an array of news kinds");
    return;
  }
  json_array_foreach(v, i, k) {
    snprintf(field, sizeof(field), "%s/%zu", name, i);
    if (!json_is_string(k)) {
      cs_refusal_field(err, field, FIELD_WRONG_TYPE, "must be a string");
    } else if (!among(json_string_value(k), customer_news_kinds)) {
      cs_refusal_field(err, field, FIELD_NOT_ALLOWED, "is not a news kind of the guide");
    } else {
      for (j = 0; j < i; j++)
        if (json_equal(k, json_array_get(v, j))) break;
      if (j < i) cs_refusal_field(err, field, FIELD_INVALID, "is listed twice");
    }
  }
}

static void check_member(const struct member *m, const json_t *v, struct cs_refusal *err) {
  char msg[300];
  const char *s = json_string_value(v);
  switch (m->kind) {
    case COLOR:
      if (s == NULL)
        cs_refusal_field(err, m->name, FIELD_WRONG_TYPE, "must be a string");
      else if (customer_color_parse(s, NULL) != 0)
        cs_refusal_field(err, m->name, FIELD_FORMAT, "must be a colour as #rrggbb");
      break;
    case BOOL:
      if (!json_is_boolean(v))
        cs_refusal_field(err, m->name, FIELD_WRONG_TYPE, "must be a boolean");
      break;
    case ENUM:
      if (s == NULL)
        cs_refusal_field(err, m->name, FIELD_WRONG_TYPE, "must be a string");
      else if (!among(s, m->values))
        cs_refusal_field(err, m->name, FIELD_NOT_ALLOWED, one_of(m->values, msg, sizeof(msg)));
      break;
    case DAYS:
      if (!json_is_integer(v))
        cs_refusal_field(err, m->name, FIELD_WRONG_TYPE, "must be an integer");
      else if (json_integer_value(v) < 0 || json_integer_value(v) > MAX_DAYS)
        cs_refusal_field(err, m->name, FIELD_OUT_OF_RANGE, "must be from 0 to 3650 days");
      break;
    case TEXT:
      if (s == NULL)
        cs_refusal_field(err, m->name, FIELD_WRONG_TYPE, "must be a string");
      else if (strlen(s) > MAX_TEXT)
        cs_refusal_field(err, m->name, FIELD_TOO_LONG, "must be at most 2000 bytes");
      break;
    case LOGO_REF:
      if (json_is_null(v)) break;
      if (s == NULL)
        cs_refusal_field(err, m->name, FIELD_WRONG_TYPE, "must be a string or null");
      else if (s[0] == '\0' || strlen(s) > MAX_LOGO_REF)
        cs_refusal_field(err, m->name, FIELD_TOO_LONG, "must be 1 to 200 bytes");
      break;
    case NEWS_KINDS: check_news_kinds(m->name, v, err); break;
  }
}

void customer_settings_validate(const json_t *body, int whole, struct cs_refusal *err) {
  const char *name;
  json_t *v;
  json_object_foreach((json_t *)body, name, v) {
    const struct member *m = find(name);
    if (m != NULL)
      check_member(m, v, err);
    else if (!whole || !among(name, read_only))
      cs_refusal_field(err, name, FIELD_UNKNOWN_FIELD, "is not a setting of the customer page");
  }
  for (size_t i = 0; whole && i < NMEMBERS; i++)
    if (json_object_get(body, members[i].name) == NULL)
      cs_refusal_field(err, members[i].name, FIELD_REQUIRED, "is required");
}

static const char *str(const json_t *doc, const char *name) {
  return json_string_value(json_object_get(doc, name));
}

void customer_settings_rules(const json_t *doc, struct cs_refusal *err) {
  if (json_is_true(json_object_get(doc, "show_case_handler_mobile")) &&
      !json_is_true(json_object_get(doc, "show_case_handler")))
    cs_refusal_field(err, "show_case_handler_mobile", FIELD_INVALID,
                     "the case handler's mobile is shown only with the case handler's name");
  const char *logo = str(doc, "logo");
  int has_ref = json_is_string(json_object_get(doc, "logo_ref"));
  if (logo != NULL && !strcmp(logo, "custom") && !has_ref)
    cs_refusal_field(err, "logo_ref", FIELD_REQUIRED, "a custom logo needs the uploaded logo");
  if (logo != NULL && !strcmp(logo, "company_default") && has_ref)
    cs_refusal_field(err, "logo_ref", FIELD_INVALID,
                     "must be null while the company's default logo is used");
  /* a report shared into a tab the customer never sees would be shared with nobody */
  const char *tab = str(doc, "reports_tab");
  if (tab != NULL && !strcmp(tab, "never")) {
    const char *shared[] = {"inspection_report_sharing", "settlement_report_sharing"};
    for (size_t i = 0; i < 2; i++) {
      const char *when = str(doc, shared[i]);
      if (when != NULL && strcmp(when, "never") != 0)
        cs_refusal_field(err, shared[i], FIELD_INVALID,
                         "must be never while the reports tab is never shown");
    }
  }
}

json_t *customer_settings_pick(const json_t *body) {
  json_t *out = json_object();
  for (size_t i = 0; out != NULL && i < NMEMBERS; i++) {
    json_t *v = json_object_get(body, members[i].name);
    if (v != NULL) json_object_set(out, members[i].name, v);
  }
  return out;
}

json_t *customer_settings_merge(const json_t *portal, const json_t *override) {
  json_t *out = json_deep_copy(portal);
  if (out != NULL && json_is_object(override)) json_object_update(out, (json_t *) override);
  return out;
}
