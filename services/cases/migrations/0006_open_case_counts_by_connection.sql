-- Concurrent case creates waited for each other on open_case_counts: a row picked at random of
-- 16 collides often among 16 writers, and a collision waits for the other's commit (its flush
-- included). Each database connection now adds to a row of its own (its backend pid, of 64):
-- a pooled connection never waits for another's counter.
ALTER TABLE open_case_counts DROP CONSTRAINT open_case_counts_shard_check;
ALTER TABLE open_case_counts ADD CONSTRAINT open_case_counts_shard_check
  CHECK (shard BETWEEN 0 AND 63);

CREATE OR REPLACE FUNCTION open_case_counts_add(portal uuid, delta integer) RETURNS void
  LANGUAGE sql SET search_path FROM CURRENT AS $$
  INSERT INTO open_case_counts AS k (portal_id, shard, n)
    VALUES (portal, (pg_backend_pid() % 64)::smallint, delta)
    ON CONFLICT (portal_id, shard) DO UPDATE SET n = k.n + excluded.n
$$;
