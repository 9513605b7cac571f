/* The customer service's read model of one case (casefile.c, store_casefile.c; migration
 * 0004_casefile.sql): the case as its last event showed it, its documents and budgets, its
 * news feed, and the rules that read them: whether a setting's "when" holds for the case, the
 * case's effective customer-page settings, and whether the page is still open after closure.
 * Built by apply_cases.c from the cases service's events. No HTTP here. */
#ifndef CLAIMSUITE_CUSTOMER_CASEFILE_H
#define CLAIMSUITE_CUSTOMER_CASEFILE_H

#include <jansson.h>
#include <libpq-fe.h>

/* The case case_id: *out new {case_id, portal_id, version, case (the cases service's Case
 * document: claim_number, damage_type, damage_date, status, address, case_handler_id,
 * contacts, tasks, compensation_decision, closed_at, ...), inspector_assigned_at, closed_at}
 * or NULL when this service has not heard of it, or when portal_id (may be NULL: any) is not
 * its portal. CS_OK or CS_ERR_DB. */
int customer_casefile_get(PGconn *conn, const char *portal_id, const char *case_id, json_t **out);

/* 1 when when ("never", "always", "case_created", "inspector_assigned",
 * "positive_compensation_decision") holds for casefile now: case_created as soon as the case is
 * known, inspector_assigned once a user holds its inspection task, the decision while the case's
 * current compensation decision is positive. */
int customer_when_holds(const char *when, const json_t *casefile);

/* 1 when the customer page of casefile may still be shown: the case is not closed, or was
 * closed less than settings.visible_days_after_closing days ago. */
int customer_casefile_visible(const json_t *casefile, const json_t *settings);

/* Adds a news entry of kind (settings_schema.c customer_news_kinds) to case_id at at (RFC 3339;
 * NULL: now) with params (borrowed, may be NULL: {}), the values its text names. source (may
 * be NULL) names what made it: an entry whose source exists already is not added again. CS_OK
 * or CS_ERR_DB. */
int customer_news_add(PGconn *conn, const char *portal_id, const char *case_id, const char *kind,
                      const char *at, const json_t *params, const char *source);

#endif
