-- Damage cases, their tasks and the append-only history of every change. Offices, companies
-- and users belong to the policy service: cases keeps their ids and, for display, the names
-- they had when they were assigned.

CREATE TABLE cases (
  id               uuid PRIMARY KEY,
  portal_id        uuid NOT NULL,
  claim_number     text NOT NULL CHECK (length(claim_number) BETWEEN 1 AND 100),
  damage_type      text NOT NULL CHECK (damage_type ~ '^[a-z][a-z_]{0,39}$'),
  damage_date      date NOT NULL,
  status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'on_hold', 'closed')),
  street           text,
  postal_code      text,
  city             text,
  country          text NOT NULL DEFAULT 'SE',
  latitude         double precision CHECK (latitude BETWEEN -90 AND 90),
  longitude        double precision CHECK (longitude BETWEEN -180 AND 180),
  case_handler_id  uuid,            -- an insurer user
  contacts         jsonb NOT NULL DEFAULT '[]', -- [{kind, name, phone, email}]
  description      text,
  external_ref     text,
  reminder_date    date,            -- the case handler's follow-up date
  -- the external case handler role: an office (and its company), then one of its users
  ech_office_id    uuid,
  ech_office_name  text,
  ech_company_id   uuid,
  ech_company_name text,
  ech_user_id      uuid,
  ech_user_name    text,
  ech_office_assigned_at timestamptz,
  ech_user_assigned_at   timestamptz,
  created_by       text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  closed_at        timestamptz,
  version          integer NOT NULL DEFAULT 1,
  UNIQUE (portal_id, claim_number),
  UNIQUE (portal_id, external_ref),
  CHECK (ech_user_id IS NULL OR ech_office_id IS NOT NULL)
);
CREATE INDEX cases_portal_created ON cases (portal_id, created_at DESC, id DESC);
CREATE INDEX cases_portal_updated ON cases (portal_id, updated_at DESC, id DESC);
CREATE INDEX cases_ech_company ON cases (ech_company_id) WHERE ech_company_id IS NOT NULL;
CREATE INDEX cases_ech_user ON cases (ech_user_id) WHERE ech_user_id IS NOT NULL;

-- Status codes: 0 not yet assigned, 1 assigned to an office, 2 user assigned/accepted,
-- 3 started, 4 reported complete, A approved.
CREATE TABLE tasks (
  id                 uuid PRIMARY KEY,
  case_id            uuid NOT NULL REFERENCES cases (id),
  portal_id          uuid NOT NULL,
  type               text NOT NULL
                     CHECK (type IN ('inspection', 'first_aid', 'repair', 'project_management')),
  trade              text CHECK (trade ~ '^[a-z][a-z_]{0,39}$'), -- repair: carpentry, plumbing, ...
  status             text NOT NULL DEFAULT '0' CHECK (status IN ('0', '1', '2', '3', '4', 'A')),
  office_id          uuid,
  office_name        text,
  company_id         uuid,
  company_name       text,
  user_id            uuid,
  user_name          text,
  meeting_at         timestamptz,
  schedule_start     timestamptz,
  schedule_end       timestamptz,
  office_assigned_at timestamptz,
  user_assigned_at   timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  version            integer NOT NULL DEFAULT 1,
  CHECK ((status = '0') = (office_id IS NULL)),
  CHECK (status IN ('0', '1') OR user_id IS NOT NULL),
  CHECK (schedule_end IS NULL OR schedule_start IS NULL OR schedule_end >= schedule_start)
);
CREATE INDEX tasks_case ON tasks (case_id, created_at, id);
CREATE INDEX tasks_company ON tasks (company_id, status);
CREATE INDEX tasks_user ON tasks (user_id) WHERE user_id IS NOT NULL;

-- Every change of a case: who, when, on behalf of which company, before and after.
CREATE TABLE case_history (
  id           bigserial PRIMARY KEY,
  case_id      uuid NOT NULL REFERENCES cases (id),
  portal_id    uuid NOT NULL,
  occurred_at  timestamptz NOT NULL DEFAULT now(),
  actor_id     text NOT NULL,  -- a user id or an API client id
  actor_kind   text NOT NULL CHECK (actor_kind IN ('user', 'client')),
  company_id   uuid,           -- the company the actor acted for
  action       text NOT NULL,
  task_id      uuid,
  before       jsonb,
  after        jsonb
);
CREATE INDEX case_history_case ON case_history (case_id, id);

CREATE FUNCTION case_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'case history is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER case_history_append_only BEFORE UPDATE OR DELETE ON case_history
  FOR EACH ROW EXECUTE FUNCTION case_history_append_only();

-- The JSON documents the API answers, built in one place: json (not jsonb) keeps the members
-- in the order written here. PL/pgSQL rather than SQL functions: their plans are cached per
-- connection instead of planned again on every call.
CREATE FUNCTION iso(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

CREATE FUNCTION task_document(t tasks) RETURNS json LANGUAGE plpgsql STABLE AS $$
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
    'created_at', iso(t.created_at), 'updated_at', iso(t.updated_at), 'version', t.version);
END $$;

CREATE FUNCTION case_document(c cases) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN json_build_object(
    'id', c.id, 'portal_id', c.portal_id, 'claim_number', c.claim_number,
    'damage_type', c.damage_type, 'damage_date', c.damage_date, 'status', c.status,
    'address', json_build_object('street', c.street, 'postal_code', c.postal_code,
      'city', c.city, 'country', c.country, 'latitude', c.latitude, 'longitude', c.longitude),
    'case_handler_id', c.case_handler_id, 'contacts', c.contacts,
    'description', c.description, 'external_ref', c.external_ref,
    'reminder_date', c.reminder_date,
    'external_case_handler', CASE WHEN c.ech_office_id IS NULL THEN NULL ELSE json_build_object(
      'office', json_build_object('id', c.ech_office_id, 'name', c.ech_office_name,
        'company_id', c.ech_company_id, 'company_name', c.ech_company_name,
        'assigned_at', iso(c.ech_office_assigned_at)),
      'user', CASE WHEN c.ech_user_id IS NULL THEN NULL ELSE json_build_object(
        'id', c.ech_user_id, 'name', c.ech_user_name, 'assigned_at', iso(c.ech_user_assigned_at))
        END) END,
    'tasks', COALESCE((SELECT json_agg(task_document(t) ORDER BY t.created_at, t.id)
                         FROM tasks t WHERE t.case_id = c.id), '[]'::json),
    'created_by', c.created_by, 'created_at', iso(c.created_at),
    'updated_at', iso(c.updated_at), 'closed_at', iso(c.closed_at), 'version', c.version);
END $$;
