-- Money on a case: budgets of a task (drafted, submitted, approved or rejected), invoices
-- against what was approved, cash offers to the customer (iCC), the compensation decision and
-- the policy's deductible. Amounts are integers in the minor unit of the portal's currency;
-- quantities and VAT rates are exact numerics. The service computes every amount (money.h)
-- and stores it, so that sums are sums of integers.

ALTER TABLE cases
  ADD COLUMN deductible              bigint CHECK (deductible BETWEEN 0 AND 100000000000),
  ADD COLUMN compensation_decision   text CHECK (compensation_decision IN ('positive', 'negative')),
  ADD COLUMN compensation_comment    text,
  ADD COLUMN compensation_decided_by text,
  ADD COLUMN compensation_decided_at timestamptz,
  -- kept by the budgets' and invoices' writes under the case's lock: the dashboard's rows and
  -- the list's filters read them from the case row alone
  ADD COLUMN budgets_submitted       integer NOT NULL DEFAULT 0,
  ADD COLUMN invoices_submitted      integer NOT NULL DEFAULT 0,
  ADD CHECK ((compensation_decision IS NULL) = (compensation_decided_at IS NULL));

-- What a task shows of its budgets: 'B' while one waits for approval, 'B++' once approved.
ALTER TABLE tasks ADD COLUMN budget_indicator text CHECK (budget_indicator IN ('B', 'B++'));

CREATE TABLE budgets (
  id               uuid PRIMARY KEY,
  case_id          uuid NOT NULL REFERENCES cases (id),
  task_id          uuid NOT NULL REFERENCES tasks (id),
  portal_id        uuid NOT NULL,
  company_id       uuid NOT NULL, -- the supplier: the company holding the task when drafted
  revision         integer NOT NULL CHECK (revision > 0),
  status           text NOT NULL DEFAULT 'draft'
                   CHECK (status IN ('draft', 'submitted', 'approved', 'rejected')),
  currency         text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  note             text,
  total_excl_vat   bigint NOT NULL DEFAULT 0,
  total_vat        bigint NOT NULL DEFAULT 0,
  total_incl_vat   bigint NOT NULL DEFAULT 0,
  created_by       text NOT NULL,
  created_by_company uuid,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  submitted_by     text,
  submitted_at     timestamptz,
  decided_by       text,
  decided_at       timestamptz,
  rejection_reason text,
  version          integer NOT NULL DEFAULT 1,
  UNIQUE (task_id, revision),
  CHECK (total_incl_vat = total_excl_vat + total_vat),
  CHECK (status <> 'rejected' OR rejection_reason IS NOT NULL)
);
-- one budget of a task is worked on at a time; approved ones add up (supplements)
CREATE UNIQUE INDEX budgets_one_open ON budgets (task_id) WHERE status IN ('draft', 'submitted');
CREATE INDEX budgets_case ON budgets (case_id, created_at, id);
CREATE INDEX budgets_rejected ON budgets (company_id, portal_id, case_id) WHERE status = 'rejected';

CREATE TABLE invoices (
  id               uuid PRIMARY KEY,
  case_id          uuid NOT NULL REFERENCES cases (id),
  task_id          uuid NOT NULL REFERENCES tasks (id),
  portal_id        uuid NOT NULL,
  company_id       uuid NOT NULL, -- the supplier invoicing
  invoice_number   text NOT NULL CHECK (length(invoice_number) BETWEEN 1 AND 60),
  status           text NOT NULL DEFAULT 'submitted'
                   CHECK (status IN ('submitted', 'approved', 'rejected')),
  currency         text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  issued_on        date,
  due_on           date,
  document_ref     text,
  total_excl_vat   bigint NOT NULL,
  total_vat        bigint NOT NULL,
  total_incl_vat   bigint NOT NULL,
  -- what was approved for the task and invoiced before this one, when it was submitted
  approved_incl_vat bigint NOT NULL,
  invoiced_before_incl_vat bigint NOT NULL,
  over_budget_amount bigint NOT NULL CHECK (over_budget_amount >= 0),
  created_by       text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  decided_by       text,
  decided_at       timestamptz,
  rejection_reason text,
  version          integer NOT NULL DEFAULT 1,
  UNIQUE (company_id, invoice_number),
  CHECK (total_incl_vat = total_excl_vat + total_vat)
);
CREATE INDEX invoices_case ON invoices (case_id, created_at, id);

-- The lines of a budget or an invoice (owner_id), in order.
CREATE TABLE money_lines (
  owner_id        uuid NOT NULL,
  position        integer NOT NULL,
  description     text NOT NULL,
  quantity        numeric(13, 3) NOT NULL CHECK (quantity > 0),
  unit            text NOT NULL,
  unit_price      bigint NOT NULL CHECK (unit_price >= 0),
  vat_rate        numeric(5, 2) NOT NULL CHECK (vat_rate BETWEEN 0 AND 100),
  amount_excl_vat bigint NOT NULL,
  vat             bigint NOT NULL,
  amount_incl_vat bigint NOT NULL,
  PRIMARY KEY (owner_id, position)
);

CREATE TABLE cash_offers (
  id              uuid PRIMARY KEY,
  case_id         uuid NOT NULL REFERENCES cases (id),
  task_id         uuid REFERENCES tasks (id),
  portal_id       uuid NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('task', 'work_items')),
  status          text NOT NULL DEFAULT 'offered'
                  CHECK (status IN ('offered', 'accepted', 'declined', 'withdrawn')),
  currency        text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  amount          bigint NOT NULL CHECK (amount > 0),
  work_items      jsonb NOT NULL DEFAULT '[]', -- [{description, amount}]
  comment         text,
  valid_until     date,
  -- made before the task's budget was approved (the right it took says so too)
  before_budget_approval boolean NOT NULL,
  created_by      text NOT NULL,
  created_by_company uuid,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  answered_by     text,
  answered_at     timestamptz,
  version         integer NOT NULL DEFAULT 1,
  CHECK (kind = 'work_items' OR task_id IS NOT NULL)
);
-- a task is offered in cash once at a time (a declined or withdrawn offer may be followed)
CREATE UNIQUE INDEX cash_offers_one_per_task ON cash_offers (task_id)
  WHERE kind = 'task' AND status IN ('offered', 'accepted');
CREATE INDEX cash_offers_case ON cash_offers (case_id, created_at, id);

CREATE FUNCTION money_lines_document(owner uuid) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN COALESCE((SELECT json_agg(json_build_object(
      'description', l.description, 'quantity', l.quantity, 'unit', l.unit,
      'unit_price', l.unit_price, 'vat_rate', l.vat_rate,
      'amount_excl_vat', l.amount_excl_vat, 'vat', l.vat,
      'amount_incl_vat', l.amount_incl_vat) ORDER BY l.position)
    FROM money_lines l WHERE l.owner_id = owner), '[]'::json);
END $$;

CREATE FUNCTION budget_document(b budgets) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN json_build_object(
    'id', b.id, 'case_id', b.case_id, 'task_id', b.task_id, 'company_id', b.company_id,
    'revision', b.revision, 'status', b.status, 'currency', b.currency, 'note', b.note,
    'lines', money_lines_document(b.id),
    'total_excl_vat', b.total_excl_vat, 'total_vat', b.total_vat,
    'total_incl_vat', b.total_incl_vat,
    'created_by', b.created_by, 'created_at', iso(b.created_at),
    'updated_at', iso(b.updated_at),
    'submitted_by', b.submitted_by, 'submitted_at', iso(b.submitted_at),
    'decided_by', b.decided_by, 'decided_at', iso(b.decided_at),
    'rejection_reason', b.rejection_reason, 'version', b.version);
END $$;

CREATE FUNCTION invoice_document(i invoices) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN json_build_object(
    'id', i.id, 'case_id', i.case_id, 'task_id', i.task_id, 'company_id', i.company_id,
    'invoice_number', i.invoice_number, 'status', i.status, 'currency', i.currency,
    'issued_on', i.issued_on, 'due_on', i.due_on, 'document_ref', i.document_ref,
    'lines', money_lines_document(i.id),
    'total_excl_vat', i.total_excl_vat, 'total_vat', i.total_vat,
    'total_incl_vat', i.total_incl_vat,
    'approved_budget_incl_vat', i.approved_incl_vat,
    'invoiced_before_incl_vat', i.invoiced_before_incl_vat,
    'over_budget', i.over_budget_amount > 0, 'over_budget_amount', i.over_budget_amount,
    'created_by', i.created_by, 'created_at', iso(i.created_at),
    'updated_at', iso(i.updated_at),
    'decided_by', i.decided_by, 'decided_at', iso(i.decided_at),
    'rejection_reason', i.rejection_reason, 'version', i.version);
END $$;

CREATE FUNCTION cash_offer_document(o cash_offers) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN json_build_object(
    'id', o.id, 'case_id', o.case_id, 'task_id', o.task_id, 'kind', o.kind,
    'status', o.status, 'currency', o.currency, 'amount', o.amount,
    'work_items', o.work_items, 'comment', o.comment, 'valid_until', o.valid_until,
    'before_budget_approval', o.before_budget_approval,
    'created_by', o.created_by, 'created_by_company', o.created_by_company,
    'created_at', iso(o.created_at),
    'updated_at', iso(o.updated_at),
    'answered_by', o.answered_by, 'answered_at', iso(o.answered_at), 'version', o.version);
END $$;

CREATE OR REPLACE FUNCTION task_document(t tasks) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN json_build_object(
    'id', t.id, 'case_id', t.case_id, 'type', t.type, 'trade', t.trade, 'status', t.status,
    'office', CASE WHEN t.office_id IS NULL THEN NULL ELSE json_build_object(
      'id', t.office_id, 'name', t.office_name, 'company_id', t.company_id,
      'company_name', t.company_name, 'assigned_at', iso(t.office_assigned_at)) END,
    'user', CASE WHEN t.user_id IS NULL THEN NULL ELSE json_build_object(
      'id', t.user_id, 'name', t.user_name, 'assigned_at', iso(t.user_assigned_at)) END,
    'meeting_at', iso(t.meeting_at),
    'schedule', json_build_object('start', iso(t.schedule_start), 'end', iso(t.schedule_end)),
    'budget_indicator', t.budget_indicator,
    'created_at', iso(t.created_at), 'updated_at', iso(t.updated_at), 'version', t.version);
END $$;

CREATE OR REPLACE FUNCTION case_document(c cases) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN json_build_object(
    'id', c.id, 'portal_id', c.portal_id, 'claim_number', c.claim_number,
    'damage_type', c.damage_type, 'damage_date', c.damage_date, 'status', c.status,
    'address', json_build_object('street', c.street, 'postal_code', c.postal_code,
      'city', c.city, 'country', c.country, 'latitude', c.latitude, 'longitude', c.longitude),
    'case_handler_id', c.case_handler_id, 'contacts', c.contacts,
    'description', c.description, 'external_ref', c.external_ref,
    'reminder_date', c.reminder_date, 'deductible', c.deductible,
    'external_case_handler', CASE WHEN c.ech_office_id IS NULL THEN NULL ELSE json_build_object(
      'office', json_build_object('id', c.ech_office_id, 'name', c.ech_office_name,
        'company_id', c.ech_company_id, 'company_name', c.ech_company_name,
        'assigned_at', iso(c.ech_office_assigned_at)),
      'user', CASE WHEN c.ech_user_id IS NULL THEN NULL ELSE json_build_object(
        'id', c.ech_user_id, 'name', c.ech_user_name, 'assigned_at', iso(c.ech_user_assigned_at))
        END) END,
    'compensation_decision', CASE WHEN c.compensation_decision IS NULL THEN NULL ELSE
      json_build_object('decision', c.compensation_decision,
        'comment', c.compensation_comment, 'decided_by', c.compensation_decided_by,
        'decided_at', iso(c.compensation_decided_at)) END,
    'tasks', COALESCE((SELECT json_agg(task_document(t) ORDER BY t.created_at, t.id)
                         FROM tasks t WHERE t.case_id = c.id), '[]'::json),
    'created_by', c.created_by, 'created_at', iso(c.created_at),
    'updated_at', iso(c.updated_at), 'closed_at', iso(c.closed_at), 'version', c.version);
END $$;
