-- The case screens' money rows and filters (services/cases/dashboard/store_dashboard.c,
-- services/cases/list/store_case_list.c) start from the few rows that can qualify, as the other
-- rows do (0003_case_screens.sql), never from every case of the portal.

-- Open cases with a budget or an invoice waiting for a decision (the counters kept on the case
-- by the money writes, 0011_money.sql), newest first: the insurer's budgets and invoices
-- awaiting approval, counted and listed. A case leaves it once nothing waits or it closes.
-- The counters ride along, so counting reads the index alone.
CREATE INDEX cases_money_waiting ON cases (portal_id, created_at DESC, id DESC)
  INCLUDE (budgets_submitted, invoices_submitted)
  WHERE (budgets_submitted > 0 OR invoices_submitted > 0) AND status <> 'closed';
-- A waiting case's submitted budgets with what "within my limit, not mine" asks of them: the
-- probe of each case reads the index alone.
CREATE INDEX budgets_waiting ON budgets (case_id) INCLUDE (total_incl_vat, submitted_by)
  WHERE status = 'submitted';

-- Rejected budgets of a portal: the insurer's count of budgets_rejected (a partner's starts from
-- budgets_rejected of 0011, by its company). Whether one is its task's latest is a probe of
-- the unique (task_id, revision).
CREATE INDEX budgets_rejected_portal ON budgets (portal_id, case_id) WHERE status = 'rejected';
