/* The customer page's settings as the user guide names them (docs: openapi.yaml, schema
 * CustomerSettings): one table of members with their kind, allowed values and default, and the
 * pure functions over it: defaults, the check of a body (every error at once), the rules
 * between members, and the merge of a case's override over the portal's settings. No SQL, no
 * HTTP. */
#ifndef CLAIMSUITE_CUSTOMER_SETTINGS_SCHEMA_H
#define CLAIMSUITE_CUSTOMER_SETTINGS_SCHEMA_H

#include <jansson.h>

#include "refusal.h"

/* When something becomes visible to the customer (a tab, the budget, the news feed) or is
 * shared (a report): one enum for every such setting, as the guide's choices. */
extern const char *const customer_when_values[]; /* NULL-terminated */

/* The news feed's kinds (the guide's "Filter for nyheder"). NULL-terminated. */
extern const char *const customer_news_kinds[];
/* The languages of the customer page: those of the message catalogue (catalogue.h). */
extern const char *const customer_languages[]; /* NULL-terminated */

/* The logo's height on the page, in px: the guide scales every logo to it. */
#define CUSTOMER_LOGO_HEIGHT_PX 40

/* A new object holding every member at its default. NULL when out of memory. */
json_t *customer_settings_defaults(void);

/* Checks body (borrowed) member by member into err (fields named by member): with whole set
 * every member is required (the portal's document) and the read-only members of a GET answer
 * (portal_id, version, updated_at, customized) are ignored; without it any subset is allowed
 * (a case's override). Unknown members, wrong types and values outside their set are errors. */
void customer_settings_validate(const json_t *body, int whole, struct cs_refusal *err);

/* The rules between members, checked on the effective document (borrowed) into err: the
 * handler's mobile needs the handler's name, a custom logo needs its reference, automatic
 * sharing needs a reports tab. */
void customer_settings_rules(const json_t *effective, struct cs_refusal *err);

/* The known members of body (borrowed) only: a new object (the document to store). */
json_t *customer_settings_pick(const json_t *body);

/* portal's members with override's (both borrowed) over them: a new object. */
json_t *customer_settings_merge(const json_t *portal, const json_t *override);

#endif
