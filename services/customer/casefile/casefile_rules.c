/* The pure rules over the read model of one case (casefile.h): whether a setting's "when"
 * holds, whether a closed case's page is still shown. Unit-tested. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "casefile.h"

static const char *case_member(const json_t *casefile, const char *key) {
  return json_string_value(json_object_get(json_object_get(casefile, "case"), key));
}

int customer_when_holds(const char *when, const json_t *casefile) {
  if (when == NULL || casefile == NULL || !strcmp(when, "never")) return 0;
  if (!strcmp(when, "always") || !strcmp(when, "case_created")) return 1;
  if (!strcmp(when, "inspector_assigned"))
    return json_string_value(json_object_get(casefile, "inspector_assigned_at")) != NULL;
  if (!strcmp(when, "positive_compensation_decision")) {
    const json_t *d = json_object_get(json_object_get(casefile, "case"), "compensation_decision");
    const char *v = json_string_value(json_object_get(d, "decision"));
    return v != NULL && !strcmp(v, "positive");
  }
  return 0;
}

/* Seconds since the epoch of an RFC 3339 UTC time as this service writes them; -1 if not. */
static long long epoch_of(const char *iso) {
  struct tm tm = {0};
  if (iso == NULL || sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                            &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
    return -1;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return (long long)timegm(&tm);
}

int customer_casefile_visible(const json_t *casefile, const json_t *settings) {
  const char *status = case_member(casefile, "status");
  if (status == NULL || strcmp(status, "closed") != 0) return 1;
  long long closed = epoch_of(json_string_value(json_object_get(casefile, "closed_at")));
  if (closed < 0) closed = epoch_of(case_member(casefile, "closed_at"));
  if (closed < 0) return 0; /* closed, and when is unknown: not shown */
  long long days = json_integer_value(json_object_get(settings, "visible_days_after_closing"));
  return (long long)time(NULL) < closed + days * 86400;
}
