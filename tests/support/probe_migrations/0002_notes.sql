-- A small resource of the probe service, to exercise idempotent creates, ETags and paging.
CREATE TABLE notes (
  id          uuid PRIMARY KEY,
  owner       text NOT NULL,
  title       text NOT NULL,
  body        text,
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX notes_owner_created ON notes (owner, created_at, id);
