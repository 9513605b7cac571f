-- The portal's temporary_cases_report (policy's 0007_temporary_cases_report.sql): how often
-- the report of the portal's temporary cases is made, 'weekly' or 'monthly'. No CHECK here, as
-- for the replica's other columns: the replica keeps what policy publishes.
ALTER TABLE replica_portal ADD COLUMN temporary_cases_report text NOT NULL DEFAULT 'weekly';

-- Applies one fact, as in 0001_replica.sql, except that a member the fact does not carry takes
-- its column's default: a portal fact published before policy's 0007 has no
-- temporary_cases_report (every portal had 'weekly' then), and the feed keeps such facts (a
-- rebuilt replica reads them again) until the portal changes.
CREATE OR REPLACE FUNCTION replica_apply(p_kind text, p_id text, p_version bigint, p_state jsonb)
  RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  v_table text;
  v_key text;
  v_columns text;
BEGIN
  CASE p_kind
    WHEN 'user' THEN v_table := 'replica_user';
    WHEN 'api_client' THEN v_table := 'replica_api_client';
    WHEN 'company' THEN v_table := 'replica_company';
    WHEN 'company_portal' THEN v_table := 'replica_company_portal';
    WHEN 'office' THEN v_table := 'replica_office';
    WHEN 'office_category' THEN v_table := 'replica_office_category';
    WHEN 'role' THEN v_table := 'replica_role';
    WHEN 'portal' THEN v_table := 'replica_portal';
    ELSE RETURN false; -- a kind this replica does not keep
  END CASE;
  INSERT INTO replica_versions (kind, id, version) VALUES (p_kind, p_id, p_version)
    ON CONFLICT (kind, id) DO UPDATE SET version = EXCLUDED.version
    WHERE replica_versions.version < EXCLUDED.version;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  CASE p_kind
    WHEN 'company_portal' THEN
      v_key := format('company_id = %L::uuid AND portal_id = %L::uuid',
                      split_part(p_id, '/', 1), split_part(p_id, '/', 2));
    WHEN 'role' THEN
      v_key := format('portal_id = %L::uuid AND role = %L',
                      split_part(p_id, '/', 1), split_part(p_id, '/', 2));
    ELSE
      v_key := format('id = %L::uuid', p_id);
  END CASE;
  EXECUTE format('DELETE FROM %I WHERE %s', v_table, v_key);
  IF p_state IS NOT NULL AND jsonb_typeof(p_state) = 'object' THEN
    -- The columns the fact carries, and those without a default (NULL when missing, as
    -- before): a member the fact lacks because it was published before policy added it takes
    -- the column's default rather than NULL. No key column has a default, so the list is never
    -- empty.
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO v_columns
      FROM pg_attribute a
     WHERE a.attrelid = v_table::regclass AND a.attnum > 0 AND NOT a.attisdropped
       AND (p_state ? a.attname OR NOT a.atthasdef);
    EXECUTE format('INSERT INTO %I (%s) SELECT %s FROM jsonb_populate_record(NULL::%I, $1)',
                   v_table, v_columns, v_columns, v_table) USING p_state;
  END IF;
  RETURN true;
END $$;
