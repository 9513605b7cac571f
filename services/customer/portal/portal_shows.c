/* Which parts the customer page shows for a case now (portal.h customer_portal_shows): pure,
 * unit-tested. */
#include <string.h>

#include "casefile.h"
#include "portal.h"

static const char *str(const json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

static int holds(const json_t *settings, const char *setting, const json_t *casefile) {
  return customer_when_holds(str(settings, setting), casefile);
}

int customer_portal_shows(const char *part, const json_t *casefile, const json_t *settings) {
  int dashboard = holds(settings, "dashboard", casefile);
  if (!strcmp(part, "dashboard")) return dashboard;
  if (!strcmp(part, "news")) return dashboard && holds(settings, "news_feed_title", casefile);
  if (!strcmp(part, "plan"))
    return (dashboard && json_is_true(json_object_get(settings, "show_plan"))) ||
           holds(settings, "rebuild_plan_tab", casefile);
  if (!strcmp(part, "budget")) return holds(settings, "case_budget", casefile);
  if (!strcmp(part, "messages")) return holds(settings, "messages_tab", casefile);
  if (!strcmp(part, "documents")) return holds(settings, "reports_tab", casefile);
  return 0;
}
