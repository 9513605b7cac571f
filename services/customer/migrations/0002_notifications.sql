-- Notifications for the whole suite (services/customer/notify/): the in-app inbox of each user,
-- and the durable queue of email and SMS the delivery worker sends (notify/deliver.c).

-- The inbox: one row per notice to one user of one portal. Read once read_at is set.
CREATE TABLE notifications (
  id          uuid PRIMARY KEY,
  portal_id   uuid NOT NULL,
  user_id     text NOT NULL,  -- the token's sub: a user id (uuid) or a client id
  kind        text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.]{0,63}$'),
  title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  body        text NOT NULL DEFAULT '' CHECK (length(body) <= 4000),
  data        jsonb NOT NULL DEFAULT '{}',
  link        text CHECK (length(link) <= 2000),
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  read_at     timestamptz
);
-- A user's inbox, newest first (the page's keyset), and its unread count.
CREATE INDEX notifications_inbox ON notifications (portal_id, user_id, created_at DESC, id DESC);
CREATE INDEX notifications_unread ON notifications (portal_id, user_id) WHERE read_at IS NULL;

-- A notification as the API shows it (times RFC 3339 UTC). STABLE, so it is inlined.
CREATE FUNCTION notification_document(n notifications) RETURNS json LANGUAGE sql STABLE AS $$
  SELECT json_build_object('id', n.id, 'kind', n.kind, 'title', n.title, 'body', n.body,
    'data', n.data, 'link', n.link,
    'created_at', to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'read_at', to_char(n.read_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
$$;

-- The outgoing queue. A row is 'pending' until the worker claims it: it marks it 'sending'
-- (attempts + 1) and commits before it calls the provider, so a crash mid-send leaves a row the
-- next claim retries once its lease (next_attempt_at) runs out. 'sent' and 'dead' are final.
CREATE TABLE outgoing_messages (
  id               uuid PRIMARY KEY,   -- also the dedupe id every provider is given
  channel          text NOT NULL CHECK (channel IN ('email', 'sms')),
  recipient        text NOT NULL CHECK (length(recipient) BETWEEN 1 AND 320),
  subject          text CHECK (length(subject) <= 998),
  body             text NOT NULL CHECK (length(body) <= 100000),
  status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'sending', 'sent', 'dead')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  sent_at          timestamptz,
  -- the event (or other cause) a message was made from: made twice, queued once
  dedupe_key       text UNIQUE CHECK (length(dedupe_key) <= 200)
);
-- What the worker claims: due rows that are not final, oldest due first.
CREATE INDEX outgoing_messages_due ON outgoing_messages (next_attempt_at)
  WHERE status IN ('pending', 'sending');
