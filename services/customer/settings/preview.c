/* The preview of the customer page (preview.h). */
#include "preview.h"

#include <math.h>
#include <string.h>

#include "contrast.h"
#include "settings_schema.h"

/* Which text colour is drawn on which background on the page: body text and headings on the
 * page, menu items on the menu, the selected item on its own background. */
static const struct {
  const char *text, *background;
} pairs[] = {
    {"font_color", "page_background_color"},
    {"heading_font_color", "page_background_color"},
    {"font_color", "menu_background_color"},
    {"selected_font_color", "selected_menu_background_color"},
};

static const char *str(const json_t *doc, const char *name) {
  return json_string_value(json_object_get(doc, name));
}

static int shown(const json_t *doc, const char *when_member) {
  const char *when = str(doc, when_member);
  return when != NULL && strcmp(when, "never") != 0;
}

json_t *customer_contrast_warnings(const json_t *doc) {
  json_t *out = json_array();
  for (size_t i = 0; out != NULL && i < sizeof(pairs) / sizeof(pairs[0]); i++) {
    const char *fg = str(doc, pairs[i].text), *bg = str(doc, pairs[i].background);
    double ratio = customer_contrast_ratio(fg, bg);
    if (ratio < 0 || ratio >= CUSTOMER_CONTRAST_AA) continue;
    json_array_append_new(
        out, json_pack("{s:s, s:s, s:s, s:s, s:f, s:f}", "text", pairs[i].text, "background",
                       pairs[i].background, "text_color", fg, "background_color", bg, "ratio",
                       floor(ratio * 100) / 100, "minimum", CUSTOMER_CONTRAST_AA));
  }
  return out;
}

static json_t *appearance(const json_t *doc) {
  static const char *const colors[] = {"page_background_color",
                                       "menu_background_color",
                                       "selected_menu_background_color",
                                       "font_color",
                                       "selected_font_color",
                                       "heading_font_color"};
  json_t *c = json_object();
  for (size_t i = 0; i < sizeof(colors) / sizeof(colors[0]); i++)
    json_object_set(c, colors[i], json_object_get(doc, colors[i]));
  return json_pack("{s:o, s:{s:O, s:O, s:i}}", "colors", c, "logo", "source",
                   json_object_get(doc, "logo"), "ref", json_object_get(doc, "logo_ref"),
                   "height_px", CUSTOMER_LOGO_HEIGHT_PX);
}

/* One tab of the page, or nothing when it is never shown. */
static void add_tab(json_t *tabs, const json_t *doc, const char *tab, const char *when_member) {
  if (!shown(doc, when_member)) return;
  json_array_append_new(
      tabs, json_pack("{s:s, s:O}", "tab", tab, "from", json_object_get(doc, when_member)));
}

static json_t *tabs(const json_t *doc) {
  json_t *t = json_array();
  add_tab(t, doc, "dashboard", "dashboard");
  add_tab(t, doc, "rebuild_plan", "rebuild_plan_tab");
  add_tab(t, doc, "messages", "messages_tab");
  add_tab(t, doc, "documents", "reports_tab");
  add_tab(t, doc, "case_budget", "case_budget");
  /* the messages tab says which way messages go */
  json_t *tab;
  size_t i;
  json_array_foreach(t, i, tab) {
    if (!strcmp(json_string_value(json_object_get(tab, "tab")), "messages"))
      json_object_set(tab, "direction", json_object_get(doc, "messages_direction"));
  }
  return t;
}

/* The dashboard: its news feed (the kinds in the guide's order) and the plan; null when the
 * dashboard is never shown. */
static json_t *dashboard(const json_t *doc) {
  if (!shown(doc, "dashboard")) return json_null();
  json_t *feed = json_null();
  if (shown(doc, "news_feed_title")) {
    json_t *kinds = json_array(), *filter = json_object_get(doc, "news_filter"), *k;
    size_t i;
    for (i = 0; customer_news_kinds[i] != NULL; i++) {
      size_t j;
      json_array_foreach(filter, j, k) {
        if (!strcmp(json_string_value(k), customer_news_kinds[i]))
          json_array_append_new(kinds, json_string(customer_news_kinds[i]));
      }
    }
    feed = json_pack("{s:O, s:o}", "from", json_object_get(doc, "news_feed_title"), "kinds", kinds);
  }
  return json_pack("{s:o, s:O}", "news_feed", feed, "plan", json_object_get(doc, "show_plan"));
}

static json_t *documents(const json_t *doc) {
  if (!shown(doc, "reports_tab")) return json_null();
  return json_pack("{s:O, s:O}", "inspection_report_shared",
                   json_object_get(doc, "inspection_report_sharing"), "settlement_report_shared",
                   json_object_get(doc, "settlement_report_sharing"));
}

/* The contact block of the case information: the handler's mobile only with the name. */
static json_t *contact(const json_t *doc) {
  int name = json_is_true(json_object_get(doc, "show_case_handler"));
  int mobile = name && json_is_true(json_object_get(doc, "show_case_handler_mobile"));
  const char *more = str(doc, "more_information_contact");
  return json_pack("{s:b, s:b, s:O, s:o}", "case_handler_name", name, "case_handler_mobile", mobile,
                   "partner_contact", json_object_get(doc, "show_partner_contact"),
                   "more_information",
                   more != NULL && more[0] != '\0' ? json_string(more) : json_null());
}

json_t *customer_preview(const json_t *doc) {
  return json_pack("{s:o, s:{s:O, s:O, s:O, s:O, s:O}, s:o, s:o, s:o, s:o, s:o}", "appearance",
                   appearance(doc), "access", "sms_security_code",
                   json_object_get(doc, "sms_security_code"), "who", json_object_get(doc, "access"),
                   "customer_type", json_object_get(doc, "customer_type"), "link_sending",
                   json_object_get(doc, "link_sending"), "visible_days_after_closing",
                   json_object_get(doc, "visible_days_after_closing"), "tabs", tabs(doc),
                   "dashboard", dashboard(doc), "documents", documents(doc), "contact",
                   contact(doc), "contrast", customer_contrast_warnings(doc));
}
