/* What an order says (order_types.c, pure): the kinds of order and, for each, the members of its
 * technical details with their formats, and the check of a create's body against them. A new
 * kind of order is a new row of the table there. */
#ifndef CLAIMSUITE_ORDERS_ORDER_TYPES_H
#define CLAIMSUITE_ORDERS_ORDER_TYPES_H

#include <jansson.h>

#include "refusal.h"

/* 1 when name is a kind of order this service takes. */
int orders_type_known(const char *name);

/* Checks body (borrowed) of POST /v1/orders but for whether agent_company_id names an agent of
 * the portal: every error into err->errors (field paths such as contact/email, technical/
 * endpoint_url). *details a new {service, organisation, contact, technical, note?} to store, or
 * NULL when body had errors (or out of memory). */
void orders_type_check(const json_t *body, json_t **details, struct cs_refusal *err);

/* Checks body (borrowed) of POST /v1/orders/{id}/agent-approval but for attestant_id's person:
 * {terms_accepted: true, billing {organisation_name, org_number, reference, address?, email?},
 * attest_info {reference, comment?}, certified: true, attestant_id}; every error into
 * err->errors. *approval a new {terms_accepted, billing, attest_info, certified} to store, or
 * NULL when body had errors. */
void orders_approval_check(const json_t *body, json_t **approval, struct cs_refusal *err);

/* The formats of the members (exposed for the unit test). */
int orders_format_org_number(const char *s); /* NNNNNN-NNNN (or without the hyphen) */
int orders_format_hsa_id(const char *s);     /* SE + 10 digits + '-' + 1..20 letters/digits */
int orders_format_phone(const char *s);      /* optional '+', 6 to 15 digits, spaces/hyphens */
int orders_format_https_url(const char *s);  /* https://host[...], no spaces */

#endif
