-- The platform operator: who onboards insurers (POST /v1/portals). Not a user of any portal: its
-- own credential, exchanged for a token of kind "operator" at POST /v1/auth/token
-- (client_credentials). The row is written at start from PLATFORM_OPERATOR_ID and the secret
-- (PLATFORM_OPERATOR_SECRET or PLATFORM_OPERATOR_SECRET_FILE): the configured operator is the
-- only active one, and without that setting none is.
CREATE TABLE platform_operators (
  id           uuid PRIMARY KEY,
  client_id    text NOT NULL UNIQUE CHECK (client_id ~ '^[A-Za-z0-9._-]{3,64}$'
                                           AND client_id NOT LIKE 'cs\_%'),
  secret_hash  text NOT NULL, -- argon2id encoded
  active       boolean NOT NULL DEFAULT true,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- An insurer is onboarded once: two insurers never share an organisation number (the operator's
-- POST /v1/portals answers 409 for a second one).
CREATE UNIQUE INDEX companies_insurer_org_number ON companies (org_number)
  WHERE kind = 'insurer' AND org_number IS NOT NULL;

-- The operator lists portals in creation order.
CREATE INDEX portals_created ON portals (created_at, id);
