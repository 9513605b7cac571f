-- Platform tables every service has in its own schema: the event outbox, the offsets of the
-- event sources it follows, and stored Idempotency-Key responses.

-- Events written in the same transaction as the change they describe. seq is given by the
-- relay, in the order it sees rows commit, without gaps, so consumers can detect a missed one.
CREATE TABLE outbox (
  id            uuid PRIMARY KEY,
  pos           bigserial NOT NULL UNIQUE,
  seq           bigint UNIQUE,
  type          text NOT NULL,
  portal_id     uuid,
  aggregate_id  text NOT NULL,
  occurred_at   timestamptz NOT NULL DEFAULT now(),
  data          jsonb NOT NULL,
  published_at  timestamptz
);
CREATE INDEX outbox_unsequenced ON outbox (pos) WHERE seq IS NULL;
CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;

-- The last event applied from each source; advanced in the transaction that applies it.
CREATE TABLE event_offsets (
  source      text PRIMARY KEY,
  last_seq    bigint NOT NULL DEFAULT 0,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per (caller, key), written in the create's own transaction.
CREATE TABLE idempotency_keys (
  scope         text NOT NULL,
  key           text NOT NULL,
  method        text NOT NULL,
  path          text NOT NULL,
  request_hash  text NOT NULL,
  status        integer,
  body          text,
  location      text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
