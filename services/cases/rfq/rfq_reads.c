/* The reads of RFQs (see rfqs.h): who sees everything of them, and who only its own
 * invitations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_op.h"
#include "paging.h"
#include "rfqs.h"
#include "status.h"
#include "store_rfqs.h"

static const char *const full_view_rights[] = {"rfq_initiate_edit", "rfq_decide", NULL};

/* The company whose invitations the caller sees (*company), NULL when it sees everything: the
 * insurer, and whoever sees the case with an RFQ right. */
static int view_scope(PGconn *conn, const struct cases_caller *c, const char *case_id, int visible,
                      const char **company, struct cs_refusal *err) {
  int held = 0;
  *company = NULL;
  /* the insurer sees every case of its portal: one it does not see is another portal's */
  if (!visible && cases_caller_is_internal(c))
    return cs_refuse(err, PROBLEM_NOT_FOUND, "no such case");
  if (cases_caller_is_internal(c)) return CS_OK;
  if (visible && cases_holds_any(conn, c, case_id, full_view_rights, &held, err) != CS_OK)
    return CS_REFUSED;
  if (!held) *company = c->company_id;
  return CS_OK;
}

int cases_rfq_list(PGconn *conn, const struct cases_caller *c, const char *case_id, int visible,
                   json_t **out, struct cs_refusal *err) {
  const char *company;
  json_t *items = NULL;
  *out = NULL;
  if (view_scope(conn, c, case_id, visible, &company, err) != CS_OK) return CS_REFUSED;
  if (cases_store_rfqs(conn, c->portal_id, case_id, company, &items, err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  /* invited to none of a case it does not see: the case does not exist for it */
  if (!visible && json_array_size(items) == 0) {
    json_decref(items);
    return cs_refuse(err, PROBLEM_NOT_FOUND, "no such case");
  }
  /* a case's RFQs are few: one page, in the shape of every list */
  *out = json_pack("{s:o, s:n}", "items", items, "next_cursor");
  return CS_OK;
}

int cases_rfq_get(PGconn *conn, const struct cases_caller *c, const char *case_id, int visible,
                  const char *rfq_id, json_t **out, struct cs_refusal *err) {
  const char *company;
  *out = NULL;
  if (view_scope(conn, c, case_id, visible, &company, err) != CS_OK) return CS_REFUSED;
  if (cases_store_rfq_for(conn, c->portal_id, case_id, rfq_id, company, out, err->sqlstate) !=
      CS_OK)
    return cs_refusal_db(err);
  if (*out == NULL)
    return cs_refuse(err, PROBLEM_NOT_FOUND, visible ? "no such RFQ" : "no such case");
  return CS_OK;
}

static json_t *position_of(const json_t *last, const void *arg) {
  (void)arg;
  return json_pack("{s:O?, s:O?}", "created_at", json_object_get(last, "created_at"), "id",
                   json_object_get(last, "id"));
}

int cases_rfq_portal_list(PGconn *conn, const struct cases_caller *c, const char *status,
                          const char *updated_since, long limit, const json_t *position,
                          json_t **out, struct cs_refusal *err) {
  static const char *const statuses[] = {"open", "awarded", "no_award", NULL};
  json_t *rows = NULL;
  int known = status == NULL;
  for (size_t i = 0; !known && statuses[i] != NULL; i++) known = !strcmp(statuses[i], status);
  if (!known)
    return cs_refuse(err, PROBLEM_INVALID_PARAMETER, "status must be open, awarded or no_award");
  if (!cs_refusal_timestamp_param(err, "updated_since", updated_since))
    return cs_refuse(err, PROBLEM_INVALID_PARAMETER, "updated_since is not valid");
  if (cases_store_rfqs_portal(conn, c->portal_id, cases_caller_scope(c), status, updated_since,
                              limit, position, &rows, err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  if ((*out = paging_page(rows, limit, position_of, NULL)) == NULL)
    return cs_refuse(err, PROBLEM_INTERNAL, "out of memory");
  return CS_OK;
}
