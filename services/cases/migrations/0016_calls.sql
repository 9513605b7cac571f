-- Call history: each call the partner's app (or anyone working the case) made to the customer,
-- reached or not. The customer page shows them as news of the kind "call history".
CREATE TABLE calls (
  id               uuid PRIMARY KEY,
  case_id          uuid NOT NULL REFERENCES cases (id),
  portal_id        uuid NOT NULL,
  number           text NOT NULL CHECK (number ~ '^\+?[0-9][0-9 ()-]{2,38}$'),
  caller_id        text NOT NULL,
  caller_company   uuid,
  started_at       timestamptz NOT NULL,
  duration_seconds integer NOT NULL CHECK (duration_seconds BETWEEN 0 AND 86400),
  reached          boolean NOT NULL,
  logged_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX calls_case ON calls (case_id, started_at DESC, id DESC);

CREATE FUNCTION call_document(k calls) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN json_build_object(
    'id', k.id, 'case_id', k.case_id, 'number', k.number, 'caller_id', k.caller_id,
    'caller_company', k.caller_company, 'started_at', iso(k.started_at),
    'duration_seconds', k.duration_seconds, 'reached', k.reached, 'logged_at', iso(k.logged_at));
END $$;
