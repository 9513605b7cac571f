-- open_case_counts_add was a SQL function with a SET clause: PostgreSQL never inlines such a
-- function and parses and plans its body again on every call, once per created or closed
-- case. In plpgsql the plan of its one statement is kept for the connection's life.
CREATE OR REPLACE FUNCTION open_case_counts_add(portal uuid, delta integer) RETURNS void
  LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  INSERT INTO open_case_counts AS k (portal_id, shard, n)
    VALUES (portal, (pg_backend_pid() % 64)::smallint, delta)
    ON CONFLICT (portal_id, shard) DO UPDATE SET n = k.n + excluded.n;
END $$;
