/* SQL of the money of a case (see store_money.h). Reads of one item run on every change of it:
 * prepared once per connection; lists and writes are planned each time. */
#include "store_money.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_json.h"
#include "status.h"

#define NUM(buf, v) (snprintf((buf), sizeof(buf), "%lld", (long long)(v)), (buf))

int cases_store_money_facts(PGconn *conn, const char *case_id, json_t **out, char sqlstate[6]) {
  const char *p[] = {case_id};
  int rc = db_json_row_prepared(
      conn, "cases_money_facts",
      "SELECT COALESCE(json_object_agg(t.id, json_build_object("
      " 'approved_incl_vat', (SELECT COALESCE(sum(b.total_incl_vat), 0) FROM budgets b"
      "   WHERE b.task_id = t.id AND b.status = 'approved'),"
      " 'approved_budgets', (SELECT count(*) FROM budgets b"
      "   WHERE b.task_id = t.id AND b.status = 'approved'),"
      " 'open_budget', (SELECT b.status FROM budgets b"
      "   WHERE b.task_id = t.id AND b.status IN ('draft', 'submitted')),"
      " 'cash_offer', (SELECT o.status FROM cash_offers o WHERE o.task_id = t.id"
      "   AND o.kind = 'task' AND o.status IN ('offered', 'accepted')),"
      " 'invoiced_incl_vat', (SELECT COALESCE(sum(i.total_incl_vat), 0) FROM invoices i"
      "   WHERE i.task_id = t.id AND i.status <> 'rejected'),"
      " 'linked_items', (SELECT count(*) FROM budgets b WHERE b.task_id = t.id)"
      "   + (SELECT count(*) FROM invoices i WHERE i.task_id = t.id)"
      "   + (SELECT count(*) FROM cash_offers o WHERE o.task_id = t.id)"
      "   + (SELECT count(*) FROM task_reports r WHERE r.task_id = t.id)"
      "   + (SELECT count(*) FROM rfqs q WHERE q.task_id = t.id))), '{}'::json)"
      " FROM tasks t WHERE t.case_id = $1::uuid",
      1, p, out, sqlstate);
  return rc;
}

int cases_store_budget(PGconn *conn, const char *case_id, const char *id, json_t **doc,
                       char sqlstate[6]) {
  const char *p[] = {case_id, id};
  return db_json_row_prepared(conn, "cases_budget",
                              "SELECT budget_document(b) FROM budgets b"
                              " WHERE b.case_id = $1::uuid AND b.id = $2::uuid",
                              2, p, doc, sqlstate);
}

int cases_store_invoice(PGconn *conn, const char *case_id, const char *id, json_t **doc,
                        char sqlstate[6]) {
  const char *p[] = {case_id, id};
  return db_json_row_prepared(conn, "cases_invoice",
                              "SELECT invoice_document(i) FROM invoices i"
                              " WHERE i.case_id = $1::uuid AND i.id = $2::uuid",
                              2, p, doc, sqlstate);
}

int cases_store_cash_offer(PGconn *conn, const char *case_id, const char *id, json_t **doc,
                           char sqlstate[6]) {
  const char *p[] = {case_id, id};
  return db_json_row_prepared(conn, "cases_cash_offer",
                              "SELECT cash_offer_document(o) FROM cash_offers o"
                              " WHERE o.case_id = $1::uuid AND o.id = $2::uuid",
                              2, p, doc, sqlstate);
}

int cases_store_lines_replace(PGconn *conn, const char *owner_id, const char *lines_json,
                              char sqlstate[6]) {
  const char *p[] = {owner_id, lines_json};
  if (db_exec(conn, "DELETE FROM money_lines WHERE owner_id = $1::uuid", 1, p, NULL, sqlstate) !=
      CS_OK)
    return CS_ERR_DB;
  /* quantities and rates arrive as integers (thousandths, hundredths): numeric keeps them exact */
  return db_exec(conn,
                 "INSERT INTO money_lines (owner_id, position, description, quantity, unit,"
                 " unit_price, vat_rate, amount_excl_vat, vat, amount_incl_vat)"
                 " SELECT $1::uuid, e.ord, e.v->>'description',"
                 " (e.v->>'quantity_milli')::numeric / 1000, e.v->>'unit',"
                 " (e.v->>'unit_price')::bigint, (e.v->>'vat_bp')::numeric / 100,"
                 " (e.v->>'excl_vat')::bigint, (e.v->>'vat')::bigint, (e.v->>'incl_vat')::bigint"
                 " FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(v, ord)",
                 2, p, NULL, sqlstate);
}

int cases_store_budget_insert(PGconn *conn, const struct cases_store_budget_new *b,
                              const struct cases_store_totals *t, json_t **doc, char sqlstate[6]) {
  char ex[24], vat[24], in[24];
  const char *p[] = {b->id,
                     b->case_id,
                     b->task_id,
                     b->portal_id,
                     b->company_id,
                     b->currency,
                     b->note,
                     b->created_by,
                     b->created_by_company,
                     NUM(ex, t->excl_vat),
                     NUM(vat, t->vat),
                     NUM(in, t->incl_vat)};
  return db_json_row(
      conn,
      "INSERT INTO budgets (id, case_id, task_id, portal_id, company_id, currency, note,"
      " created_by, created_by_company, total_excl_vat, total_vat, total_incl_vat, revision)"
      " VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::uuid, $6, $7, $8, $9::uuid,"
      " $10::bigint, $11::bigint, $12::bigint, (SELECT COALESCE(max(revision), 0) + 1"
      " FROM budgets WHERE task_id = $3::uuid)) RETURNING budget_document(budgets)",
      12, p, doc, sqlstate);
}

int cases_store_budget_update(PGconn *conn, const char *id, const struct cases_store_totals *t,
                              int set_note, const char *note, json_t **doc, char sqlstate[6]) {
  char ex[24], vat[24], in[24];
  const char *p[] = {id,
                     t != NULL ? NUM(ex, t->excl_vat) : NULL,
                     t != NULL ? NUM(vat, t->vat) : NULL,
                     t != NULL ? NUM(in, t->incl_vat) : NULL,
                     set_note ? "1" : NULL,
                     note};
  return db_json_row(conn,
                     "UPDATE budgets SET total_excl_vat = COALESCE($2::bigint, total_excl_vat),"
                     " total_vat = COALESCE($3::bigint, total_vat),"
                     " total_incl_vat = COALESCE($4::bigint, total_incl_vat),"
                     " note = CASE WHEN $5::text IS NULL THEN note ELSE $6 END,"
                     " version = version + 1, updated_at = now()"
                     " WHERE id = $1::uuid RETURNING budget_document(budgets)",
                     6, p, doc, sqlstate);
}

int cases_store_budget_status(PGconn *conn, const char *id, const char *status, const char *actor,
                              const char *reason, json_t **doc, char sqlstate[6]) {
  const char *p[] = {id, status, actor, reason};
  return db_json_row(
      conn,
      "UPDATE budgets SET status = $2, version = version + 1, updated_at = now(),"
      " submitted_by = CASE WHEN $2 = 'submitted' THEN $3 ELSE submitted_by END,"
      " submitted_at = CASE WHEN $2 = 'submitted' THEN now() ELSE submitted_at END,"
      " decided_by = CASE WHEN $2 IN ('approved', 'rejected') THEN $3 ELSE decided_by END,"
      " decided_at = CASE WHEN $2 IN ('approved', 'rejected') THEN now() ELSE decided_at END,"
      " rejection_reason = CASE WHEN $2 = 'rejected' THEN $4 ELSE rejection_reason END"
      " WHERE id = $1::uuid RETURNING budget_document(budgets)",
      4, p, doc, sqlstate);
}

int cases_store_invoice_insert(PGconn *conn, const struct cases_store_invoice_new *in,
                               const struct cases_store_totals *t, json_t **doc, char sqlstate[6]) {
  char ex[24], vat[24], inc[24], appr[24], before[24], over[24];
  const char *p[] = {in->id,
                     in->case_id,
                     in->task_id,
                     in->portal_id,
                     in->company_id,
                     in->currency,
                     in->number,
                     in->issued_on,
                     in->due_on,
                     in->document_ref,
                     in->created_by,
                     NUM(ex, t->excl_vat),
                     NUM(vat, t->vat),
                     NUM(inc, t->incl_vat),
                     NUM(appr, in->approved_incl_vat),
                     NUM(before, in->invoiced_before_incl_vat),
                     NUM(over, in->over_budget_amount)};
  return db_json_row(
      conn,
      "INSERT INTO invoices (id, case_id, task_id, portal_id, company_id, currency,"
      " invoice_number, issued_on, due_on, document_ref, created_by, total_excl_vat, total_vat,"
      " total_incl_vat, approved_incl_vat, invoiced_before_incl_vat, over_budget_amount)"
      " VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::uuid, $6, $7, $8::date, $9::date,"
      " $10, $11, $12::bigint, $13::bigint, $14::bigint, $15::bigint, $16::bigint, $17::bigint)"
      " RETURNING invoice_document(invoices)",
      17, p, doc, sqlstate);
}

int cases_store_invoice_status(PGconn *conn, const char *id, const char *status, const char *actor,
                               const char *reason, json_t **doc, char sqlstate[6]) {
  const char *p[] = {id, status, actor, reason};
  return db_json_row(conn,
                     "UPDATE invoices SET status = $2, version = version + 1, updated_at = now(),"
                     " decided_by = $3, decided_at = now(),"
                     " rejection_reason = CASE WHEN $2 = 'rejected' THEN $4 END"
                     " WHERE id = $1::uuid RETURNING invoice_document(invoices)",
                     4, p, doc, sqlstate);
}

int cases_store_offer_insert(PGconn *conn, const struct cases_store_offer_new *o, json_t **doc,
                             char sqlstate[6]) {
  char amount[24];
  const char *p[] = {o->id,
                     o->case_id,
                     o->task_id,
                     o->portal_id,
                     o->kind,
                     o->currency,
                     NUM(amount, o->amount),
                     o->work_items_json,
                     o->comment,
                     o->valid_until,
                     o->before_budget_approval ? "true" : "false",
                     o->created_by,
                     o->created_by_company};
  return db_json_row(
      conn,
      "INSERT INTO cash_offers (id, case_id, task_id, portal_id, kind, currency, amount,"
      " work_items, comment, valid_until, before_budget_approval, created_by,"
      " created_by_company) VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5, $6,"
      " $7::bigint, $8::jsonb, $9, $10::date, $11::boolean, $12, $13::uuid)"
      " RETURNING cash_offer_document(cash_offers)",
      13, p, doc, sqlstate);
}

int cases_store_offer_status(PGconn *conn, const char *id, const char *status, const char *actor,
                             json_t **doc, char sqlstate[6]) {
  const char *p[] = {id, status, actor};
  return db_json_row(conn,
                     "UPDATE cash_offers SET status = $2, version = version + 1,"
                     " updated_at = now(), answered_by = $3, answered_at = now()"
                     " WHERE id = $1::uuid RETURNING cash_offer_document(cash_offers)",
                     3, p, doc, sqlstate);
}

int cases_store_money_refresh(PGconn *conn, const char *case_id, const char *task_id,
                              char sqlstate[6]) {
  const char *p[] = {case_id, task_id};
  if (task_id != NULL &&
      db_exec(conn,
              "UPDATE tasks t SET budget_indicator = i.indicator, version = t.version + 1,"
              " updated_at = now() FROM (SELECT CASE"
              "  WHEN bool_or(b.status = 'submitted') THEN 'B'"
              "  WHEN bool_or(b.status = 'approved') THEN 'B++' END AS indicator"
              "  FROM budgets b WHERE b.task_id = $2::uuid) i"
              " WHERE t.id = $2::uuid AND t.case_id = $1::uuid"
              " AND t.budget_indicator IS DISTINCT FROM i.indicator",
              2, p, NULL, sqlstate) != CS_OK)
    return CS_ERR_DB;
  return db_exec(conn,
                 "UPDATE cases c SET budgets_submitted = n.b, invoices_submitted = n.i FROM"
                 " (SELECT (SELECT count(*) FROM budgets WHERE case_id = $1::uuid"
                 "   AND status = 'submitted') AS b,"
                 "  (SELECT count(*) FROM invoices WHERE case_id = $1::uuid"
                 "   AND status = 'submitted') AS i) n"
                 " WHERE c.id = $1::uuid AND (c.budgets_submitted, c.invoices_submitted)"
                 " IS DISTINCT FROM (n.b::int, n.i::int)",
                 1, p, NULL, sqlstate);
}

int cases_store_compensation(PGconn *conn, const char *case_id, const char *decision,
                             const char *comment, const char *actor, char sqlstate[6]) {
  const char *p[] = {case_id, decision, comment, actor};
  return db_exec(conn,
                 "UPDATE cases SET compensation_decision = $2, compensation_comment = $3,"
                 " compensation_decided_by = $4,"
                 " compensation_decided_at = CASE WHEN $2::text IS NULL THEN NULL ELSE now() END"
                 " WHERE id = $1::uuid",
                 4, p, NULL, sqlstate);
}

/* One list of a case's items (sql: of table aliased x, with LIST_WHERE). */
static int list(PGconn *conn, const char *sql, const char *case_id,
                const struct cases_store_money_filter *f, json_t **items, char sqlstate[6]) {
  const char *p[] = {case_id, f->company_id, f->task_id, f->status, f->id};
  return db_json_rows(conn, sql, 5, p, items, sqlstate);
}

/* The scope and filters every list shares: the company of the item's task, its task, its
 * status, its id. */
#define LIST_WHERE                                                                       \
  " WHERE x.case_id = $1::uuid AND ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM tasks vt"  \
  " WHERE vt.id = x.task_id AND vt.company_id = $2::uuid)) AND ($3::uuid IS NULL OR"     \
  " x.task_id = $3::uuid) AND ($4::text IS NULL OR x.status = $4) AND ($5::uuid IS NULL" \
  " OR x.id = $5::uuid) ORDER BY x.created_at, x.id"

int cases_store_budgets(PGconn *conn, const char *case_id, const struct cases_store_money_filter *f,
                        json_t **items, char sqlstate[6]) {
  return list(conn, "SELECT budget_document(x) FROM budgets x" LIST_WHERE, case_id, f, items,
              sqlstate);
}

int cases_store_invoices(PGconn *conn, const char *case_id,
                         const struct cases_store_money_filter *f, json_t **items,
                         char sqlstate[6]) {
  return list(conn, "SELECT invoice_document(x) FROM invoices x" LIST_WHERE, case_id, f, items,
              sqlstate);
}

int cases_store_cash_offers(PGconn *conn, const char *case_id,
                            const struct cases_store_money_filter *f, json_t **items,
                            char sqlstate[6]) {
  return list(conn, "SELECT cash_offer_document(x) FROM cash_offers x" LIST_WHERE, case_id, f,
              items, sqlstate);
}

int cases_store_cost_rows(PGconn *conn, const char *case_id, const char *company_id, json_t **rows,
                          char sqlstate[6]) {
  const char *p[] = {case_id, company_id};
  return db_json_rows(
      conn,
      "SELECT json_build_object('task_id', t.id, 'task_type', t.type, 'trade', t.trade,"
      " 'company_id', t.company_id, 'company_name', t.company_name, 'status', t.status,"
      " 'budget_indicator', t.budget_indicator,"
      " 'submitted_excl_vat', b.sub_ex, 'submitted_incl_vat', b.sub_in,"
      " 'approved_excl_vat', b.app_ex, 'approved_incl_vat', b.app_in,"
      " 'rejected_excl_vat', b.rej_ex, 'rejected_incl_vat', b.rej_in,"
      " 'cash_offered', o.offered, 'cash_accepted', o.accepted,"
      " 'invoiced_incl_vat', i.invoiced, 'invoiced_approved_incl_vat', i.approved)"
      " FROM tasks t,"
      " LATERAL (SELECT"
      "  COALESCE(sum(total_excl_vat) FILTER (WHERE status = 'submitted'), 0) AS sub_ex,"
      "  COALESCE(sum(total_incl_vat) FILTER (WHERE status = 'submitted'), 0) AS sub_in,"
      "  COALESCE(sum(total_excl_vat) FILTER (WHERE status = 'approved'), 0) AS app_ex,"
      "  COALESCE(sum(total_incl_vat) FILTER (WHERE status = 'approved'), 0) AS app_in,"
      "  COALESCE(sum(total_excl_vat) FILTER (WHERE status = 'rejected'), 0) AS rej_ex,"
      "  COALESCE(sum(total_incl_vat) FILTER (WHERE status = 'rejected'), 0) AS rej_in"
      "  FROM budgets WHERE task_id = t.id) b,"
      " LATERAL (SELECT COALESCE(sum(amount) FILTER (WHERE status = 'offered'), 0) AS offered,"
      "  COALESCE(sum(amount) FILTER (WHERE status = 'accepted'), 0) AS accepted"
      "  FROM cash_offers WHERE task_id = t.id) o,"
      " LATERAL (SELECT COALESCE(sum(total_incl_vat) FILTER (WHERE status <> 'rejected'), 0)"
      "  AS invoiced, COALESCE(sum(total_incl_vat) FILTER (WHERE status = 'approved'), 0)"
      "  AS approved FROM invoices WHERE task_id = t.id) i"
      " WHERE t.case_id = $1::uuid AND ($2::uuid IS NULL OR t.company_id = $2::uuid)"
      " ORDER BY t.created_at, t.id",
      2, p, rows, sqlstate);
}
