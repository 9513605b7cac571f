/* Portals: an insurer's tenant, onboarded by the platform operator (operators.h) in one
 * transaction with its insurer company, the insurer's link to it and its first admin (authority
 * level 6 of the insurer). The operator sees every portal (its settings and insurer), and
 * nothing inside one. The demo loader creates the Demo portal through the same function, with
 * fixed ids. SQL lives in store_portals.c.
 *
 * The admin's password is the body's (8 bytes at least), or else a new random one (24
 * characters) that the create answers once, as "initial_password", and never again: the
 * operator hands it to the admin, who changes it. */
#ifndef CLAIMSUITE_POLICY_PORTALS_H
#define CLAIMSUITE_POLICY_PORTALS_H

#include <jansson.h>
#include <libpq-fe.h>

#include "refusal.h"
#include "write.h"

/* The ids a create may fix (the demo's); NULL members are made new. Borrowed. */
struct policy_portal_ids {
  const char *portal_id, *insurer_id, *admin_id;
};

/* Every field error of a create body at once, into err (field paths such as "insurer/name",
 * "admin/email", "office_hours/start"): its field tables, the rules of the portal settings
 * (the same as PATCH /v1/portal/settings), the admin's and the insurer's rules, and the time
 * zone against PostgreSQL. CS_OK when the body is valid, else CS_REFUSED (a 422, or a database
 * failure). Reads no table of ours. */
int policy_portal_check(PGconn *conn, const json_t *body, struct cs_refusal *err);

/* Inside conn's open transaction, creates the portal of a checked body (borrowed): the insurer
 * company {insurer: {name, org_number}}, the portal with the body's settings (absent ones take
 * the defaults), the insurer's link to it and the admin {admin: {email, name, mobile?,
 * password?}}. CS_OK with *out (new): the portal (policy_portal_get's object) with "admin" {id,
 * email, name} and, when the body gave no password, "initial_password". CS_REFUSED with err:
 * 409 naming admin/email and/or insurer/org_number when taken; a database failure. */
int policy_portal_create(PGconn *conn, const struct policy_portal_ids *ids, const json_t *body,
                         json_t **out, struct cs_refusal *err);

/* The write runner's apply of POST /v1/portals: policy_portal_create of w->body with new ids
 * into w->result. */
int policy_portal_create_apply(PGconn *conn, struct write_call *w);

/* The portal id (a UUID, borrowed): CS_OK with *out (new), or CS_REFUSED (404, a database
 * failure). */
int policy_portal_get(PGconn *conn, const char *id, json_t **out, struct cs_refusal *err);

/* One page of every portal, in (created_at, id) order after the position (both NULL: from the
 * start), limit rows at most: CS_OK with *rows (new), or CS_REFUSED. */
int policy_portal_list(PGconn *conn, const char *after_created_at, const char *after_id, long limit,
                       json_t **rows, struct cs_refusal *err);

#endif
