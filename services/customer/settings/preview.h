/* What the customer page looks like with a settings document: the colours and logo, the tabs and
 * news kinds that show, the contact block, and the colour pairs that fail WCAG 2.1 AA. Pure: no
 * SQL, no HTTP. */
#ifndef CLAIMSUITE_CUSTOMER_PREVIEW_H
#define CLAIMSUITE_CUSTOMER_PREVIEW_H

#include <jansson.h>

/* The preview of doc (an effective settings document, borrowed; every member present): a new
 * object {appearance, access, tabs, dashboard, documents, contact, contrast}, NULL when out of
 * memory. */
json_t *customer_preview(const json_t *doc);

/* The text/background pairs of doc (borrowed) whose contrast is below 4.5:1: a new array of
 * {text, background, text_color, background_color, ratio (2 decimals), minimum}. */
json_t *customer_contrast_warnings(const json_t *doc);

#endif
