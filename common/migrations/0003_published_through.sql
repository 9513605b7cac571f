-- How far the relay has published, one number for the whole outbox: it marked every row with
-- published_at instead, so each event was written three times (inserted, numbered, marked); now
-- twice. Rows are published in seq order, so "published" is "seq <= through". Retention ages
-- rows by occurred_at from now on (common/bus_retention.c).
CREATE TABLE outbox_published (
  only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  through   bigint NOT NULL DEFAULT 0
);
INSERT INTO outbox_published (through)
  SELECT coalesce(max(seq), 0) FROM outbox WHERE published_at IS NOT NULL;

DROP INDEX outbox_unpublished;
ALTER TABLE outbox DROP COLUMN published_at;
