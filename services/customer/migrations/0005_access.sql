-- The customer's access to the customer page (services/customer/access/): a grant gives one
-- person a link to one case; the link's token, the SMS codes and the sessions' tokens are kept
-- only as SHA-256 digests, so a copy of the database opens nothing.

-- One person's access to one case, by hand (granted_by 'manual', created_by the staff member)
-- or when the case's link_sending trigger fired. Revoked once revoked_at is set: its link then
-- opens nothing and its sessions end.
CREATE TABLE access_grants (
  id             uuid PRIMARY KEY,
  portal_id      uuid NOT NULL,
  case_id        uuid NOT NULL,
  -- who: a contact of the case (its kind and position in case.contacts then) or a person not on
  -- the case ('other', contact_index NULL)
  contact_kind   text NOT NULL CHECK (contact_kind IN ('policyholder', 'customer', 'contact', 'other')),
  contact_index  integer CHECK (contact_index >= 0),
  contact_name   text NOT NULL CHECK (length(contact_name) BETWEEN 1 AND 200),
  contact_email  text CHECK (length(contact_email) BETWEEN 3 AND 254),
  contact_phone  text CHECK (contact_phone ~ '^\+?[0-9]{6,15}$'), -- as SMS are sent to it
  granted_by     text NOT NULL CHECK (granted_by IN ('manual', 'case_created', 'inspector_assigned',
                                                     'positive_compensation_decision')),
  created_by     text,           -- the user's or API client's id; NULL when a trigger granted it
  created_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
  sent_to        jsonb NOT NULL DEFAULT '[]', -- the channels the link went out on
  revoked_at     timestamptz,
  revoked_by     text,
  token_sha256   text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
  CHECK (contact_email IS NOT NULL OR contact_phone IS NOT NULL),
  CHECK ((granted_by = 'manual') = (created_by IS NOT NULL))
);
CREATE INDEX access_grants_case ON access_grants (case_id, created_at, id);

-- The SMS codes a login with the code on sends: the newest of a grant is the one that counts.
-- code_sha256 is the digest of the link's token and the code together: without the token (which
-- is not stored) the six digits cannot be found from it.
CREATE TABLE access_codes (
  id           uuid PRIMARY KEY,
  access_id    uuid NOT NULL REFERENCES access_grants (id),
  code_sha256  text NOT NULL CHECK (code_sha256 ~ '^[0-9a-f]{64}$'),
  channel      text NOT NULL CHECK (channel IN ('sms', 'email')),
  created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  expires_at   timestamptz NOT NULL,
  tries_left   integer NOT NULL DEFAULT 5 CHECK (tries_left BETWEEN 0 AND 5),
  used_at      timestamptz
);
-- the newest code of a grant, and the sends of the last hour (the rate limit)
CREATE INDEX access_codes_grant ON access_codes (access_id, created_at DESC);

-- A customer's session on the page: one case, opened with one grant; over at expires_at, when
-- ended (logout) or when its grant is revoked.
CREATE TABLE access_sessions (
  id            uuid PRIMARY KEY,
  token_sha256  text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
  access_id     uuid NOT NULL REFERENCES access_grants (id),
  case_id       uuid NOT NULL,
  portal_id     uuid NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  expires_at    timestamptz NOT NULL,
  ended_at      timestamptz
);
CREATE INDEX access_sessions_open ON access_sessions (access_id) WHERE ended_at IS NULL;
