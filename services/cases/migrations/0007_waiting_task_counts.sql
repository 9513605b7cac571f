-- The supplier's dashboard row "new tasks awaiting a user" without counting every waiting case
-- on each request (10 000 waiting cases took 5 ms of PostgreSQL per dashboard): kept by a
-- trigger on tasks, in the transaction of each change, so it is exact in every snapshot.
--
-- The row counts cases (a case with two waiting tasks counts once) of a portal with a task of
-- the caller's company waiting for a user, in the caller's offices (all of them for a company
-- admin). So the cases are kept per company and per office with how many of their tasks wait
-- there, and a count of such cases per company and per office, each count spread over rows of
-- the connections adding to it (as open_case_counts, migration 0006) so concurrent changes do
-- not wait for each other. A user of several but not all offices is still counted from tasks.
CREATE TABLE waiting_task_cases (
  portal_id  uuid NOT NULL,
  scope_id   uuid NOT NULL,  -- the company, or the office
  case_id    uuid NOT NULL,
  n          integer NOT NULL,  -- its tasks waiting there
  PRIMARY KEY (portal_id, scope_id, case_id)
);

CREATE TABLE waiting_case_counts (
  portal_id  uuid NOT NULL,
  scope_id   uuid NOT NULL,
  shard      smallint NOT NULL CHECK (shard BETWEEN 0 AND 63),
  n          bigint NOT NULL,
  PRIMARY KEY (portal_id, scope_id, shard)
);

-- One task more (delta 1) or less (-1) waiting in scope for case: the case is counted when its
-- first task there starts waiting and no longer when its last one stops. The upsert takes the
-- row's lock, so two transactions changing one case's tasks see each other's n in turn.
CREATE FUNCTION waiting_task_add(portal uuid, scope uuid, kase uuid, delta integer)
  RETURNS void LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_n integer;
BEGIN
  INSERT INTO waiting_task_cases AS w (portal_id, scope_id, case_id, n)
    VALUES (portal, scope, kase, delta)
    ON CONFLICT (portal_id, scope_id, case_id) DO UPDATE SET n = w.n + excluded.n
    RETURNING w.n INTO v_n;
  IF v_n = 0 THEN
    DELETE FROM waiting_task_cases WHERE portal_id = portal AND scope_id = scope AND case_id = kase;
  END IF;
  IF (delta > 0 AND v_n = delta) OR (delta < 0 AND v_n = 0) THEN
    INSERT INTO waiting_case_counts AS k (portal_id, scope_id, shard, n)
      VALUES (portal, scope, (pg_backend_pid() % 64)::smallint, sign(delta))
      ON CONFLICT (portal_id, scope_id, shard) DO UPDATE SET n = k.n + excluded.n;
  END IF;
END $$;

-- The task t waits for a user of its company (and, with an office, of that office).
CREATE FUNCTION waiting_task_track() RETURNS trigger LANGUAGE plpgsql
  SET search_path FROM CURRENT AS $$
DECLARE
  was_waiting boolean := TG_OP <> 'INSERT' AND OLD.status = '1' AND NOT OLD.case_closed
                 AND OLD.company_id IS NOT NULL;
  now_waiting boolean := TG_OP <> 'DELETE' AND NEW.status = '1' AND NOT NEW.case_closed
                AND NEW.company_id IS NOT NULL;
BEGIN
  IF was_waiting AND now_waiting AND OLD.portal_id = NEW.portal_id AND OLD.case_id = NEW.case_id
     AND OLD.company_id = NEW.company_id AND OLD.office_id IS NOT DISTINCT FROM NEW.office_id THEN
    RETURN NULL;
  END IF;
  IF was_waiting THEN
    PERFORM waiting_task_add(OLD.portal_id, OLD.company_id, OLD.case_id, -1);
    IF OLD.office_id IS NOT NULL THEN
      PERFORM waiting_task_add(OLD.portal_id, OLD.office_id, OLD.case_id, -1);
    END IF;
  END IF;
  IF now_waiting THEN
    PERFORM waiting_task_add(NEW.portal_id, NEW.company_id, NEW.case_id, 1);
    IF NEW.office_id IS NOT NULL THEN
      PERFORM waiting_task_add(NEW.portal_id, NEW.office_id, NEW.case_id, 1);
    END IF;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER waiting_task_track AFTER INSERT OR UPDATE OR DELETE ON tasks
  FOR EACH ROW EXECUTE FUNCTION waiting_task_track();

CREATE FUNCTION waiting_task_reset() RETURNS trigger LANGUAGE plpgsql
  SET search_path FROM CURRENT AS $$
BEGIN
  DELETE FROM waiting_task_cases;
  DELETE FROM waiting_case_counts;
  RETURN NULL;
END $$;
CREATE TRIGGER waiting_task_truncate AFTER TRUNCATE ON tasks
  FOR EACH STATEMENT EXECUTE FUNCTION waiting_task_reset();

-- What waits already.
INSERT INTO waiting_task_cases (portal_id, scope_id, case_id, n)
  SELECT portal_id, scope_id, case_id, count(*) FROM (
    SELECT portal_id, company_id AS scope_id, case_id FROM tasks
     WHERE status = '1' AND NOT case_closed AND company_id IS NOT NULL
    UNION ALL
    SELECT portal_id, office_id, case_id FROM tasks
     WHERE status = '1' AND NOT case_closed AND company_id IS NOT NULL AND office_id IS NOT NULL
  ) w GROUP BY portal_id, scope_id, case_id;
INSERT INTO waiting_case_counts (portal_id, scope_id, shard, n)
  SELECT portal_id, scope_id, 0, count(*) FROM waiting_task_cases GROUP BY portal_id, scope_id;
