-- Webhooks (services/customer/webhooks/): each portal's subscriptions, and the durable queue of
-- deliveries the webhook worker sends (webhooks/webhook_deliver.c), signed as Standard Webhooks.

-- A subscription: where a portal wants its events, which types, and the secret they are signed
-- with. The secret is kept as it is (HMAC needs it); it leaves the server only in the answers of
-- the create and the rotation. After a rotation the previous secret signs too until
-- previous_secret_until, so a receiver can switch without missing a delivery.
CREATE TABLE webhook_subscriptions (
  id                     uuid PRIMARY KEY,
  portal_id              uuid NOT NULL,
  url                    text NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
  event_types            jsonb NOT NULL CHECK (jsonb_typeof(event_types) = 'array'),
  description            text NOT NULL DEFAULT '' CHECK (length(description) <= 500),
  active                 boolean NOT NULL DEFAULT true,
  secret                 text NOT NULL,
  previous_secret        text,
  previous_secret_until  timestamptz,
  version                integer NOT NULL DEFAULT 1,
  created_at             timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at             timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX webhook_subscriptions_portal ON webhook_subscriptions (portal_id, created_at, id);

-- One event for one subscription. 'pending' until the worker claims it: 'sending' (attempts + 1,
-- a lease in next_attempt_at) is committed before the POST, so a crash mid-send is retried once
-- the lease runs out. 'delivered' and 'dead' are final until a redeliver queues it again.
-- seq keeps the order events arrived in: a delivery waits while an earlier one of the same
-- subscription and case (ordering_key) is not final, so a receiver gets a case's events in order.
CREATE TABLE webhook_deliveries (
  id               uuid PRIMARY KEY,
  subscription_id  uuid NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
  seq              bigserial NOT NULL,
  event_id         text NOT NULL CHECK (length(event_id) BETWEEN 1 AND 200),
  event_type       text NOT NULL CHECK (length(event_type) BETWEEN 1 AND 100),
  ordering_key     text NOT NULL CHECK (length(ordering_key) <= 200),
  payload          text NOT NULL,   -- the exact body POSTed (and signed)
  status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'sending', 'delivered', 'dead')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  queued_at        timestamptz NOT NULL DEFAULT clock_timestamp(),  -- the retry window's start
  last_status      integer,
  last_error       text CHECK (length(last_error) <= 1000),
  created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  delivered_at     timestamptz,
  -- an event applied twice (a consumer's retry) is queued once per subscription
  UNIQUE (subscription_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
  WHERE status IN ('pending', 'sending');
CREATE INDEX webhook_deliveries_open ON webhook_deliveries (subscription_id, ordering_key, seq)
  WHERE status IN ('pending', 'sending');
CREATE INDEX webhook_deliveries_list ON webhook_deliveries (subscription_id, created_at DESC, id DESC);
-- What the worker purges once kept long enough (WEBHOOK_KEEP_SECONDS): final rows, oldest first.
CREATE INDEX webhook_deliveries_final ON webhook_deliveries (created_at)
  WHERE status IN ('delivered', 'dead');

-- Documents as the API shows them (times RFC 3339 UTC); never the secrets.
CREATE FUNCTION webhook_subscription_document(s webhook_subscriptions) RETURNS json
LANGUAGE sql STABLE AS $$
  SELECT json_build_object('id', s.id, 'url', s.url, 'event_types', s.event_types,
    'description', s.description, 'active', s.active, 'version', s.version,
    'previous_secret_expires_at', CASE WHEN s.previous_secret_until > clock_timestamp() THEN
      to_char(s.previous_secret_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END,
    'created_at', to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'updated_at', to_char(s.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
$$;

CREATE FUNCTION webhook_delivery_document(d webhook_deliveries) RETURNS json
LANGUAGE sql STABLE AS $$
  SELECT json_build_object('id', d.id, 'event_id', d.event_id, 'event_type', d.event_type,
    'status', d.status, 'attempts', d.attempts, 'last_status', d.last_status,
    'last_error', d.last_error,
    'created_at', to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'next_attempt_at', CASE WHEN d.status IN ('pending', 'sending') THEN
      to_char(d.next_attempt_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END,
    'delivered_at', to_char(d.delivered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
$$;
