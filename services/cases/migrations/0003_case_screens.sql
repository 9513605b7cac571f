-- The case screens without scans (docs/perf/dashboard-explain.md): the dashboard's counts and
-- the "action required" lists start from the few rows that need an action, and a partner's
-- list from the rows of its own company, instead of walking every case of the portal.

-- What those screens ask of a task about its case, kept on the task so that an index of tasks
-- alone answers them: whether the case is closed, and when it was created (the list's order).
-- Triggers keep both (below); nothing else writes them.
ALTER TABLE tasks ADD COLUMN case_closed boolean NOT NULL DEFAULT false,
                  ADD COLUMN case_created_at timestamptz;
UPDATE tasks t SET case_closed = c.status = 'closed', case_created_at = c.created_at
  FROM cases c WHERE c.id = t.case_id;

-- A new task copies them from its case; it must also sit in its case's portal, which the
-- indexes below rely on (an index entry of another portal would hide the task).
CREATE FUNCTION tasks_copy_case() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT
AS $$
DECLARE
  c record;
BEGIN
  SELECT portal_id, status, created_at INTO c FROM cases WHERE id = NEW.case_id;
  IF FOUND THEN -- a missing case is the foreign key's to refuse
    IF NEW.portal_id IS DISTINCT FROM c.portal_id THEN
      RAISE EXCEPTION 'a task belongs to the portal of its case' USING ERRCODE = 'check_violation';
    END IF;
    NEW.case_closed := c.status = 'closed';
    NEW.case_created_at := c.created_at;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER tasks_copy_case BEFORE INSERT OR UPDATE OF case_id, portal_id ON tasks
  FOR EACH ROW EXECUTE FUNCTION tasks_copy_case();

-- Closing or reopening a case (or moving its creation time, which only tests and imports do)
-- updates its tasks' copies. The case's row is locked first, as for every change of a task.
CREATE FUNCTION cases_copy_to_tasks() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT
AS $$
BEGIN
  UPDATE tasks SET case_closed = NEW.status = 'closed', case_created_at = NEW.created_at
   WHERE case_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER cases_copy_to_tasks AFTER UPDATE OF status, created_at ON cases FOR EACH ROW
  WHEN ((OLD.status = 'closed') <> (NEW.status = 'closed') OR OLD.created_at <> NEW.created_at)
  EXECUTE FUNCTION cases_copy_to_tasks();

-- A partner's tasks waiting for a responsible user, newest case first: the dashboard's
-- new_tasks_awaiting_user and the partner's action_required list.
CREATE INDEX tasks_awaiting_user
  ON tasks (company_id, portal_id, case_created_at DESC, case_id DESC) INCLUDE (office_id)
  WHERE status = '1' AND NOT case_closed;
-- The insurer's tasks waiting for an office: tasks_awaiting_office and its list.
CREATE INDEX tasks_awaiting_office ON tasks (portal_id, case_created_at DESC, case_id DESC)
  WHERE status = '0' AND NOT case_closed;
-- Every task of a company, newest case first: a partner's case list.
CREATE INDEX tasks_company_created
  ON tasks (company_id, portal_id, case_created_at DESC, case_id DESC);
-- Whether a company has a task in a case (visibility, and one row per case in the lists).
CREATE INDEX tasks_company_case ON tasks (company_id, case_id);
-- A user's tasks not yet approved in open cases: my_tasks.
CREATE INDEX tasks_user_open ON tasks (user_id, case_id) WHERE status <> 'A' AND NOT case_closed;

-- External case handler roles given to a partner's office and waiting for a user (not every
-- case without a role: those have no company).
CREATE INDEX cases_ech_awaiting_user
  ON cases (ech_company_id, portal_id, created_at DESC, id DESC) INCLUDE (ech_office_id)
  WHERE ech_company_id IS NOT NULL AND ech_user_id IS NULL AND status <> 'closed';
-- Cases whose external case handler role a company holds, newest first: a partner's list.
CREATE INDEX cases_ech_company_created
  ON cases (ech_company_id, portal_id, created_at DESC, id DESC)
  WHERE ech_company_id IS NOT NULL;
-- cases_ech_company_created above serves everything this one did.
DROP INDEX cases_ech_company;
