-- Temporary cases: opened by a partner office (out of hours, in a catastrophe), then made an
-- ordinary case by the insurer (converted) or merged into one of its cases (connected).
ALTER TABLE cases
  ADD COLUMN temporary_status      text CHECK (temporary_status IN ('open', 'converted', 'connected')),
  ADD COLUMN temporary_office_id   uuid, -- the office that opened it
  ADD COLUMN temporary_office_name text,
  ADD COLUMN temporary_company_id  uuid,
  ADD COLUMN temporary_resolved_at timestamptz, -- when it was converted or connected
  ADD COLUMN connected_to          uuid REFERENCES cases (id),
  ADD CHECK ((temporary_status IS NULL) = (temporary_office_id IS NULL)),
  ADD CHECK ((temporary_status = 'connected') = (connected_to IS NOT NULL)),
  ADD CHECK ((temporary_status = 'open') = (temporary_resolved_at IS NULL));

-- TEMPORARY-000123: the number of a temporary case without a claim number of its own
CREATE SEQUENCE temporary_case_numbers;

-- the insurer's "N case(s) need to be connected" and the list's temporary=true
CREATE INDEX cases_temporary_open ON cases (portal_id, created_at DESC, id DESC)
  WHERE temporary_status = 'open';
-- the report: a portal's temporary cases by when they were opened
CREATE INDEX cases_temporary_created ON cases (portal_id, created_at)
  WHERE temporary_status IS NOT NULL;

-- The reports generated on the portal's schedule (weekly or monthly), kept: one a period.
CREATE TABLE temporary_case_reports (
  id           uuid PRIMARY KEY,
  portal_id    uuid NOT NULL,
  period       text NOT NULL CHECK (period IN ('weekly', 'monthly')),
  period_start date NOT NULL,
  period_end   date NOT NULL CHECK (period_end > period_start), -- the day after the last
  generated_at timestamptz NOT NULL DEFAULT now(),
  rows         jsonb NOT NULL,
  UNIQUE (portal_id, period, period_start)
);

CREATE FUNCTION case_temporary(c cases) RETURNS json LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN c.temporary_status IS NULL THEN NULL ELSE json_build_object(
    'status', c.temporary_status,
    'office', json_build_object('id', c.temporary_office_id, 'name', c.temporary_office_name,
                                'company_id', c.temporary_company_id),
    'connected_to', c.connected_to, 'resolved_at', iso(c.temporary_resolved_at)) END
$$;

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
    'temporary', case_temporary(c),
    'tasks', COALESCE((SELECT json_agg(task_document(t) ORDER BY t.created_at, t.id)
                         FROM tasks t WHERE t.case_id = c.id), '[]'::json),
    'created_by', c.created_by, 'created_at', iso(c.created_at),
    'updated_at', iso(c.updated_at), 'closed_at', iso(c.closed_at), 'version', c.version);
END $$;

-- The list's summary says so too.
CREATE OR REPLACE FUNCTION case_summary(c cases) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT json_build_object('id', c.id, 'claim_number', c.claim_number,
    'damage_type', c.damage_type, 'damage_date', c.damage_date, 'status', c.status,
    'address', json_build_object('street', c.street, 'postal_code', c.postal_code,
      'city', c.city, 'country', c.country, 'latitude', c.latitude, 'longitude', c.longitude),
    'case_handler_id', c.case_handler_id, 'reminder_date', c.reminder_date,
    'external_case_handler', CASE WHEN c.ech_office_id IS NULL THEN NULL ELSE
      json_build_object('office', json_build_object('id', c.ech_office_id,
        'name', c.ech_office_name, 'company_id', c.ech_company_id,
        'company_name', c.ech_company_name),
      'user', CASE WHEN c.ech_user_id IS NULL THEN NULL ELSE json_build_object(
        'id', c.ech_user_id, 'name', c.ech_user_name) END) END,
    'temporary', case_temporary(c),
    'tasks_total', c.tasks_total,
    'created_at', iso(c.created_at), 'updated_at', iso(c.updated_at),
    'version', c.version)::text
$$;
UPDATE cases SET summary_open = left(case_summary(cases), -1);
