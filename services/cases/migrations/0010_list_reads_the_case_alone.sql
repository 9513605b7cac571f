-- Two costs of a page of the insurer's list, each about a tenth of it in PostgreSQL:
-- 1. cutting the closing brace off every kept summary with left(summary, -1), which counts the
--    characters of the whole text. The summary is now kept open, without its closing brace; a
--    page appends the caller's members and closes it (store_case_list.c).
-- 2. a probe of the case's tasks per row for the insurer's reason to act (a task waits for an
--    office). The case now keeps how many of its tasks wait for one, as it keeps their total.
ALTER TABLE cases RENAME COLUMN summary TO summary_open;

CREATE OR REPLACE FUNCTION cases_keep_summary() RETURNS trigger LANGUAGE plpgsql
  SET search_path FROM CURRENT AS $$
BEGIN
  NEW.summary_open := left(case_summary(NEW), -1);
  RETURN NEW;
END $$;

ALTER TABLE cases ADD COLUMN tasks_awaiting_office integer NOT NULL DEFAULT 0;

-- A task counts on its case: in tasks_total, and in tasks_awaiting_office while its status is
-- 0 (no office yet). One update of the case per change of a task.
CREATE OR REPLACE FUNCTION tasks_count_on_case() RETURNS trigger LANGUAGE plpgsql
  SET search_path FROM CURRENT AS $$
DECLARE
  was integer := CASE WHEN TG_OP <> 'INSERT' AND OLD.status = '0' THEN 1 ELSE 0 END;
  now_awaiting integer := CASE WHEN TG_OP <> 'DELETE' AND NEW.status = '0' THEN 1 ELSE 0 END;
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.case_id = NEW.case_id THEN
    IF was <> now_awaiting THEN
      UPDATE cases SET tasks_awaiting_office = tasks_awaiting_office + now_awaiting - was
       WHERE id = NEW.case_id;
    END IF;
    RETURN NULL;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    UPDATE cases SET tasks_total = tasks_total - 1, tasks_awaiting_office = tasks_awaiting_office - was
     WHERE id = OLD.case_id;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    UPDATE cases SET tasks_total = tasks_total + 1,
           tasks_awaiting_office = tasks_awaiting_office + now_awaiting
     WHERE id = NEW.case_id;
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER tasks_count_on_case ON tasks;
CREATE TRIGGER tasks_count_on_case AFTER INSERT OR DELETE OR UPDATE OF status, case_id ON tasks
  FOR EACH ROW EXECUTE FUNCTION tasks_count_on_case();

CREATE OR REPLACE FUNCTION tasks_count_reset() RETURNS trigger LANGUAGE plpgsql
  SET search_path FROM CURRENT AS $$
BEGIN
  UPDATE cases SET tasks_total = 0, tasks_awaiting_office = 0
   WHERE tasks_total <> 0 OR tasks_awaiting_office <> 0;
  RETURN NULL;
END $$;

-- every row once: the open summary, and the count where a task waits
UPDATE cases c SET tasks_awaiting_office =
  (SELECT count(*) FROM tasks t WHERE t.case_id = c.id AND t.status = '0');
