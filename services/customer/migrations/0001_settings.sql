-- The customer page's settings: one document per portal, and a per-case override holding only
-- the members it changes. Documents are whole and validated by the service
-- (settings/settings_schema.c) before they are stored; a portal without a row has the defaults.
-- version is the ETag: it starts at 1 with the first save and grows by one with each.

CREATE TABLE settings (
  portal_id   uuid PRIMARY KEY,
  doc         jsonb NOT NULL CHECK (jsonb_typeof(doc) = 'object'),
  version     bigint NOT NULL DEFAULT 1 CHECK (version >= 1),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  updated_by  text NOT NULL -- the user's or API client's id
);

CREATE TABLE case_settings (
  portal_id   uuid NOT NULL,
  case_id     uuid NOT NULL,
  doc         jsonb NOT NULL CHECK (jsonb_typeof(doc) = 'object'),
  version     bigint NOT NULL DEFAULT 1 CHECK (version >= 1),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  updated_by  text NOT NULL,
  -- the portal leads: no case's override is reachable from another portal
  PRIMARY KEY (portal_id, case_id)
);
