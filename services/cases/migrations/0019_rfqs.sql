-- Requests for quotation on a repair task: partner offices of the portal and outside partners
-- (no login: a single-purpose link) are invited to quote; whoever holds rfq_decide awards the
-- task to one quote, or to none. Amounts in the minor unit of the portal's currency.

CREATE TABLE rfqs (
  id                 uuid PRIMARY KEY,
  case_id            uuid NOT NULL REFERENCES cases (id),
  task_id            uuid NOT NULL REFERENCES tasks (id),
  portal_id          uuid NOT NULL,
  status             text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'awarded', 'no_award')),
  description        text NOT NULL CHECK (length(description) BETWEEN 1 AND 4000),
  due_date           date NOT NULL,
  -- the end of due_date in the portal's time zone: quotes are taken until then
  closes_at          timestamptz NOT NULL,
  currency           text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  created_by         text NOT NULL,
  created_by_company uuid,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  decided_by         text,
  decided_at         timestamptz,
  decision_reason    text,
  winning_quote_id   uuid,
  version            integer NOT NULL DEFAULT 1,
  CHECK ((status = 'open') = (decided_at IS NULL)),
  CHECK ((status = 'awarded') = (winning_quote_id IS NOT NULL))
);
-- one RFQ of a task is open at a time
CREATE UNIQUE INDEX rfqs_one_open ON rfqs (task_id) WHERE status = 'open';
CREATE INDEX rfqs_case ON rfqs (case_id, created_at, id);

CREATE TABLE rfq_invitees (
  id           uuid PRIMARY KEY,
  rfq_id       uuid NOT NULL REFERENCES rfqs (id),
  kind         text NOT NULL CHECK (kind IN ('office', 'external')),
  office_id    uuid,
  office_name  text,
  company_id   uuid,
  company_name text,
  name         text CHECK (length(name) BETWEEN 1 AND 200),
  email        text CHECK (email ~ '^[^@\s]+@[^@\s]+$' AND length(email) <= 254),
  token_sha256 text UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'), -- the link's, never the link
  invited_by   text NOT NULL,
  invited_at   timestamptz NOT NULL DEFAULT now(),
  CHECK (kind <> 'office' OR (office_id IS NOT NULL AND company_id IS NOT NULL)),
  CHECK (kind <> 'external' OR (name IS NOT NULL AND email IS NOT NULL AND token_sha256 IS NOT NULL))
);
CREATE UNIQUE INDEX rfq_invitees_office ON rfq_invitees (rfq_id, office_id) WHERE kind = 'office';
CREATE UNIQUE INDEX rfq_invitees_email ON rfq_invitees (rfq_id, lower(email))
  WHERE kind = 'external';
CREATE INDEX rfq_invitees_company ON rfq_invitees (company_id) WHERE kind = 'office';

CREATE TABLE rfq_quotes (
  id           uuid PRIMARY KEY,
  rfq_id       uuid NOT NULL REFERENCES rfqs (id),
  invitee_id   uuid NOT NULL REFERENCES rfq_invitees (id),
  status       text NOT NULL DEFAULT 'submitted'
               CHECK (status IN ('submitted', 'superseded', 'accepted', 'not_accepted')),
  amount       bigint NOT NULL CHECK (amount BETWEEN 1 AND 100000000000),
  currency     text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  description  text NOT NULL CHECK (length(description) BETWEEN 1 AND 4000),
  valid_until  date NOT NULL,
  submitted_by text NOT NULL, -- a user id, or 'invitation' for an outside partner's link
  created_at   timestamptz NOT NULL DEFAULT now()
);
-- an invitee's newest quote stands; the ones before it are superseded
CREATE UNIQUE INDEX rfq_quotes_standing ON rfq_quotes (invitee_id)
  WHERE status IN ('submitted', 'accepted');
CREATE INDEX rfq_quotes_rfq ON rfq_quotes (rfq_id, created_at, id);

-- Kept by the RFQ writes under the case's lock: the dashboard's "cases with RFQ tasks" and the
-- list's filter read it from the case row alone.
ALTER TABLE cases ADD COLUMN rfqs_open integer NOT NULL DEFAULT 0 CHECK (rfqs_open >= 0);
CREATE INDEX cases_rfqs_open ON cases (portal_id, created_at DESC, id DESC)
  WHERE rfqs_open > 0 AND status <> 'closed';

CREATE FUNCTION rfq_invitee_document(i rfq_invitees) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN json_build_object(
    'id', i.id, 'kind', i.kind,
    'office', CASE WHEN i.office_id IS NULL THEN NULL ELSE json_build_object(
      'id', i.office_id, 'name', i.office_name, 'company_id', i.company_id,
      'company_name', i.company_name) END,
    'name', i.name, 'email', i.email, 'invited_by', i.invited_by, 'invited_at', iso(i.invited_at));
END $$;

CREATE FUNCTION rfq_quote_document(q rfq_quotes) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN json_build_object(
    'id', q.id, 'rfq_id', q.rfq_id, 'invitee_id', q.invitee_id, 'status', q.status,
    'amount', q.amount, 'currency', q.currency, 'description', q.description,
    'valid_until', q.valid_until, 'submitted_by', q.submitted_by, 'created_at', iso(q.created_at));
END $$;

-- An RFQ as its reader may see it: company NULL sees every invitee and quote; a partner's
-- company only its own invitations and their quotes; invitee (an outside partner's link) only
-- itself.
CREATE FUNCTION rfq_document(r rfqs, company uuid DEFAULT NULL, invitee uuid DEFAULT NULL)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  everything boolean := company IS NULL AND invitee IS NULL;
BEGIN
  RETURN json_build_object(
    'id', r.id, 'case_id', r.case_id, 'task_id', r.task_id,
    'task', (SELECT json_build_object('type', t.type, 'trade', t.trade) FROM tasks t
             WHERE t.id = r.task_id),
    -- what a quote needs to know of the place, and nothing of the customer
    'site', (SELECT json_build_object('damage_type', c.damage_type, 'street', c.street,
             'postal_code', c.postal_code, 'city', c.city, 'country', c.country)
             FROM cases c WHERE c.id = r.case_id),
    'status', r.status, 'description', r.description, 'due_date', r.due_date,
    'closes_at', iso(r.closes_at), 'currency', r.currency,
    'invitees', (SELECT COALESCE(json_agg(rfq_invitee_document(i) ORDER BY i.invited_at, i.id),
                                 '[]'::json)
                 FROM rfq_invitees i WHERE i.rfq_id = r.id
                 AND (everything OR i.company_id = company OR i.id = invitee)),
    'quotes', (SELECT COALESCE(json_agg(rfq_quote_document(q) ORDER BY q.created_at, q.id),
                               '[]'::json)
               FROM rfq_quotes q JOIN rfq_invitees i ON i.id = q.invitee_id
               WHERE q.rfq_id = r.id AND (everything OR i.company_id = company OR i.id = invitee)),
    'decision', CASE WHEN r.decided_at IS NULL THEN NULL ELSE json_build_object(
      'outcome', r.status, 'winning_quote_id', r.winning_quote_id,
      'reason', CASE WHEN everything THEN r.decision_reason END,
      'decided_by', CASE WHEN everything THEN r.decided_by END,
      'decided_at', iso(r.decided_at)) END,
    'created_by', r.created_by, 'created_at', iso(r.created_at), 'updated_at', iso(r.updated_at),
    'version', r.version);
END $$;
