-- The probe's event resource: rows written with their outbox events, and every application of
-- a consumed event, counted (a second application shows as applied_count 2, never hidden).
CREATE TABLE probe_items (
  id          bigserial PRIMARY KEY,
  batch       text NOT NULL,
  n           integer NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE probe_applied (
  source         text NOT NULL,
  seq            bigint NOT NULL,
  batch          text NOT NULL,
  n              integer NOT NULL,
  applied_count  integer NOT NULL DEFAULT 1,
  applied_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (source, seq)
);
CREATE INDEX probe_applied_batch ON probe_applied (batch, seq);
