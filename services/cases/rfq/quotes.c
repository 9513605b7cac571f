/* Quotes on an RFQ: by a user of an invited company, or by an outside partner through its link
 * (see rfqs.h). A quote is no change of the case's document (no history line, the case's version
 * stays); it changes the RFQ's version and emits quote.received. */
#include <stdio.h>
#include <string.h>

#include "case_op.h"
#include "ids.h"
#include "money.h"
#include "rfqs.h"
#include "secret_token.h"
#include "status.h"
#include "store_core.h"
#include "store_rfqs.h"

static const char *text(const json_t *o, const char *name) {
  return json_string_value(json_object_get(o, name));
}

void cases_rfq_quote_rules(const json_t *body, struct cs_refusal *err) {
  const json_t *d = json_object_get(body, "description");
  money_amount_rule(json_object_get(body, "amount"), "amount", 1, 0, err);
  if (json_is_string(d) && json_string_length(d) == 0)
    cs_refusal_field(err, "description", FIELD_REQUIRED, "is required: what the quote covers");
}

/* Takes the quote of invitee_id on rfq_id in the case locked by op (apply phase): 409 once the
 * RFQ no longer takes quotes, 422 for a valid_until in the past. */
static int take_quote(PGconn *conn, struct cases_op *op, const char *rfq_id, const char *invitee_id,
                      const json_t *body, json_t **doc) {
  json_t *rfq = NULL;
  int open = 0, passed = 0;
  char id[37];
  if (cases_store_rfq_takes_quotes(conn, rfq_id, &open, op->err.sqlstate) != CS_OK ||
      cases_store_rfq_for_invitee(conn, rfq_id, invitee_id, &rfq, op->err.sqlstate) != CS_OK ||
      rfq == NULL)
    return cs_refusal_db(&op->err);
  int rc = CS_OK;
  if (!open) {
    rc = cs_refuse(&op->err, PROBLEM_WRONG_STATE,
                   "the RFQ takes no more quotes: it is %s, and it closed or closes at %s",
                   text(rfq, "status"), text(rfq, "closes_at"));
    goto done;
  }
  if (cases_store_date_passed(conn, text(body, "valid_until"), op->caller->timezone, &passed,
                              op->err.sqlstate) != CS_OK) {
    rc = cs_refusal_db(&op->err);
    goto done;
  }
  if (passed) {
    cs_refusal_field(&op->err, "valid_until", FIELD_OUT_OF_RANGE, "must not be before today");
    rc = cs_refusal_validation(&op->err);
    goto done;
  }
  ids_uuid_v4(id);
  const struct cases_store_quote_new q = {
      id,
      rfq_id,
      invitee_id,
      text(rfq, "currency"),
      text(body, "description"),
      text(body, "valid_until"),
      strcmp(op->caller->company_kind, CASES_OUTSIDE_PARTNER) ? op->caller->sub : "invitation",
      json_integer_value(json_object_get(body, "amount"))};
  if (cases_store_quote_insert(conn, &q, doc, op->err.sqlstate) != CS_OK || *doc == NULL ||
      cases_store_rfq_touch(conn, rfq_id, op->err.sqlstate) != CS_OK) {
    rc = cs_refusal_db(&op->err);
    goto done;
  }
  const json_t *invitee = json_array_get(json_object_get(rfq, "invitees"), 0);
  rc = cases_event(
      conn, op, "quote.received",
      json_pack("{s:s, s:O?, s:s, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?}", "rfq_id", rfq_id, "task_id",
                json_object_get(rfq, "task_id"), "quote_id", id, "invitee_id",
                json_object_get(invitee, "id"), "office", json_object_get(invitee, "office"),
                "name", json_object_get(invitee, "name"), "amount", json_object_get(*doc, "amount"),
                "currency", json_object_get(*doc, "currency"), "valid_until",
                json_object_get(*doc, "valid_until")));
done:
  json_decref(rfq);
  return rc;
}

int cases_rfq_quote_by_partner(PGconn *conn, const struct cases_caller *c, const char *case_id,
                               const char *rfq_id, const json_t *body, json_t **doc,
                               struct cs_refusal *err) {
  char invitee[37] = "", sqlstate[6] = "";
  int visible = 0;
  *doc = NULL;
  if (!cases_caller_is_internal(c) &&
      cases_store_rfq_company_invitee(conn, c->portal_id, case_id, rfq_id, c->company_id, invitee,
                                      sqlstate) != CS_OK) {
    memcpy(err->sqlstate, sqlstate, sizeof(sqlstate));
    return cs_refusal_db(err);
  }
  if (invitee[0] == '\0') {
    if (cases_store_visible(conn, c->portal_id, cases_caller_scope(c), case_id, &visible,
                            err->sqlstate) != CS_OK)
      return cs_refusal_db(err);
    if (!visible) return cs_refuse(err, PROBLEM_NOT_FOUND, "no such case");
    return cs_refuse(err, PROBLEM_FORBIDDEN,
                     "only a partner invited to the RFQ quotes on it, and your company is not");
  }
  struct cases_op op = {.caller = c, .case_id = case_id, .phase = CASES_OP_APPLY};
  int rc = cases_op_begin(conn, &op);
  if (rc == CS_OK) rc = take_quote(conn, &op, rfq_id, invitee, body, doc);
  return cases_op_end(conn, &op, rc, doc, err); /* no history: the case's version stays */
}

/* What the link token opens (*link {invitee_id, rfq_id, case_id, portal_id}), else 404. */
static int open_link(PGconn *conn, const char *token, json_t **link, struct cs_refusal *err) {
  char digest[SECRET_TOKEN_DIGEST_LEN + 1];
  *link = NULL;
  if (!secret_token_well_formed(token) || secret_token_digest(token, digest) != CS_OK)
    return cs_refuse(err, PROBLEM_NOT_FOUND, "no such invitation, or it has expired");
  if (cases_store_rfq_link(conn, digest, link, err->sqlstate) != CS_OK) return cs_refusal_db(err);
  if (*link == NULL)
    return cs_refuse(err, PROBLEM_NOT_FOUND, "no such invitation, or it has expired");
  return CS_OK;
}

int cases_rfq_link_view(PGconn *conn, const char *token, json_t **doc, struct cs_refusal *err) {
  json_t *link = NULL;
  *doc = NULL;
  if (open_link(conn, token, &link, err) != CS_OK) return CS_REFUSED;
  int rc = cases_store_rfq_for_invitee(conn, text(link, "rfq_id"), text(link, "invitee_id"), doc,
                                       err->sqlstate);
  json_decref(link);
  return rc == CS_OK && *doc != NULL ? CS_OK : cs_refusal_db(err);
}

int cases_rfq_quote_by_link(PGconn *conn, const char *token, const json_t *body, json_t **doc,
                            struct cs_refusal *err) {
  json_t *link = NULL;
  *doc = NULL;
  if (open_link(conn, token, &link, err) != CS_OK) return CS_REFUSED;
  /* the outside partner acts as itself: no login, no company, the RFQ's portal */
  struct cases_caller c;
  if (cases_caller_outside_partner(text(link, "portal_id"), text(link, "invitee_id"), &c, err) !=
      CS_OK) {
    json_decref(link);
    return CS_REFUSED;
  }
  struct cases_op op = {.caller = &c, .case_id = text(link, "case_id"), .phase = CASES_OP_APPLY};
  int rc = cases_op_begin(conn, &op);
  if (rc == CS_OK)
    rc = take_quote(conn, &op, text(link, "rfq_id"), text(link, "invitee_id"), body, doc);
  rc = cases_op_end(conn, &op, rc, doc, err);
  cases_caller_clear(&c);
  json_decref(link);
  return rc;
}
