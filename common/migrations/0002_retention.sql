-- Retention (common/bus_retention.c). Published outbox rows older than the catch-up window
-- (OUTBOX_RETENTION_SECONDS) are deleted, except the newest row (the relay numbers on from it)
-- and the newest fact of each entity (events "fact.*", one entity per aggregate_id): a new
-- replica still rebuilds every entity from the feed. Every seq up to purged_through may be
-- missing from the feed; a consumer reading it steps over those.
CREATE TABLE outbox_retention (
  only_row        boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  purged_through  bigint NOT NULL DEFAULT 0
);
INSERT INTO outbox_retention DEFAULT VALUES;

-- is there a newer fact of the same entity?
CREATE INDEX outbox_facts ON outbox (type, aggregate_id, seq) WHERE type LIKE 'fact.%';
