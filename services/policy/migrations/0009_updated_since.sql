-- GET /v1/users, /v1/offices, /v1/companies and /v1/api-clients take updated_since: the rows
-- changed at or after an instant, what an integrator's system has not seen since it last
-- looked. Users, offices and companies have an updated_at that every write moves (the update
-- statements of the org resources set it with the version).

-- API clients had none. Existing clients get the time of this migration: reported changed once
-- more rather than guessed (no one could have synced with updated_since before it). The
-- deactivation sets it from now on (store_org_api_clients.c).
ALTER TABLE api_clients ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

-- A sync asks for what changed since its last look: few rows of a big portal. They are a range
-- of these indexes, checked against the caller's scope afterwards, so such a page reads what
-- changed rather than every user or office of the portal. (company_id, updated_at) would serve
-- a partner's admin as well but not the portal-wide read of an insurer's API client, which
-- would scan all of it: PostgreSQL before 18 cannot skip its leading column.
CREATE INDEX users_updated ON users (updated_at);
CREATE INDEX offices_updated ON offices (updated_at);
