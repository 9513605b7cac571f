-- A page of the case list built 51 summaries per request, each a json_build_object of some 30
-- members and a count of the case's tasks: three quarters of the page's cost. The summary of
-- a case is now kept with it, written whenever its row changes, and its count of tasks is kept
-- by the tasks' trigger (which changes the row, so the summary follows). A page reads the
-- summaries and adds only the caller's own reasons to act (store_case_list.c).
ALTER TABLE cases ADD COLUMN tasks_total integer NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN summary text;

-- The case c as the list shows it, without the caller's action_reasons and action_required.
CREATE FUNCTION case_summary(c cases) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT json_build_object('id', c.id, 'claim_number', c.claim_number,
    'damage_type', c.damage_type, 'damage_date', c.damage_date, 'status', c.status,
    'address', json_build_object('street', c.street, 'postal_code', c.postal_code,
      'city', c.city, 'country', c.country, 'latitude', c.latitude, 'longitude', c.longitude),
    'case_handler_id', c.case_handler_id, 'reminder_date', c.reminder_date,
    'external_case_handler', CASE WHEN c.ech_office_id IS NULL THEN NULL ELSE
      json_build_object('office', json_build_object('id', c.ech_office_id,
        'name', c.ech_office_name, 'company_id', c.ech_company_id,
        'company_name', c.ech_company_name),
      'user', CASE WHEN c.ech_user_id IS NULL THEN NULL ELSE json_build_object(
        'id', c.ech_user_id, 'name', c.ech_user_name) END) END,
    'tasks_total', c.tasks_total,
    'created_at', iso(c.created_at), 'updated_at', iso(c.updated_at),
    'version', c.version)::text
$$;

CREATE FUNCTION cases_keep_summary() RETURNS trigger LANGUAGE plpgsql
  SET search_path FROM CURRENT AS $$
BEGIN
  NEW.summary := case_summary(NEW);
  RETURN NEW;
END $$;
CREATE TRIGGER cases_keep_summary BEFORE INSERT OR UPDATE ON cases
  FOR EACH ROW EXECUTE FUNCTION cases_keep_summary();

CREATE FUNCTION tasks_count_on_case() RETURNS trigger LANGUAGE plpgsql
  SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE cases SET tasks_total = tasks_total + 1 WHERE id = NEW.case_id;
  ELSE
    UPDATE cases SET tasks_total = tasks_total - 1 WHERE id = OLD.case_id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER tasks_count_on_case AFTER INSERT OR DELETE ON tasks
  FOR EACH ROW EXECUTE FUNCTION tasks_count_on_case();

CREATE FUNCTION tasks_count_reset() RETURNS trigger LANGUAGE plpgsql
  SET search_path FROM CURRENT AS $$
BEGIN
  UPDATE cases SET tasks_total = 0 WHERE tasks_total <> 0;
  RETURN NULL;
END $$;
CREATE TRIGGER tasks_count_truncate AFTER TRUNCATE ON tasks
  FOR EACH STATEMENT EXECUTE FUNCTION tasks_count_reset();

UPDATE cases c SET tasks_total = (SELECT count(*) FROM tasks t WHERE t.case_id = c.id);
ALTER TABLE cases ALTER COLUMN summary SET NOT NULL;
