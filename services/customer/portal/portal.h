/* The customer's view of their case (GET /v1/customer-portal/...): built from the read model
 * (casefile.h) and the case's effective settings, each part only when its setting's "when"
 * holds for the case (else CS_REFUSED 404: the tab is not there). Texts in the page's language
 * (settings.language) from the catalogue. No HTTP here. */
#ifndef CLAIMSUITE_CUSTOMER_PORTAL_H
#define CLAIMSUITE_CUSTOMER_PORTAL_H

#include <jansson.h>
#include <libpq-fe.h>

#include "portal_session.h"
#include "refusal.h"

/* The case information, the page's look and which tabs it has: *out new. */
int customer_portal_case(PGconn *conn, const struct customer_portal_session *s, json_t **out,
                         struct cs_refusal *err);
/* A page of the news feed (paging.h: limit, position the decoded cursor or NULL): entries of
 * the kinds settings.news_filter lets through, newest first; a cursor not of this list is 400. */
int customer_portal_news(PGconn *conn, const struct customer_portal_session *s, long limit,
                         const json_t *position, json_t **out, struct cs_refusal *err);
/* The plan: the case's tasks with partner, responsible person and meeting times. */
int customer_portal_plan(PGconn *conn, const struct customer_portal_session *s, json_t **out,
                         struct cs_refusal *err);
/* The case budget: the approved budgets and their total. */
int customer_portal_budget(PGconn *conn, const struct customer_portal_session *s, json_t **out,
                           struct cs_refusal *err);
/* The documents shared with the customer; with document_id (may be NULL) that one only, with its
 * sha256 for the download (404 when it is not shared). */
int customer_portal_documents(PGconn *conn, const struct customer_portal_session *s,
                              const char *document_id, json_t **out, struct cs_refusal *err);

/* The rules of the tabs, pure (unit-tested): 1 when the part is shown for casefile with
 * settings. part: "dashboard", "news", "plan", "budget", "messages", "documents". */
int customer_portal_shows(const char *part, const json_t *casefile, const json_t *settings);

#endif
