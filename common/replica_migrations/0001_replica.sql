-- The authority replica (common/replica.h): the policy service's facts as this service last
-- applied them, one table per kind, in the service's own schema. Written only by the consumer
-- of policy's facts (replica_apply below, in the transaction of the offset); read by the
-- service's decisions. replica_versions keeps the newest version applied of every entity, also
-- of deleted ones, so an older fact arriving late changes nothing.

CREATE TABLE replica_versions (
  kind     text NOT NULL,
  id       text NOT NULL,
  version  bigint NOT NULL,
  PRIMARY KEY (kind, id)
);

CREATE TABLE replica_user (
  id                     uuid PRIMARY KEY,
  company_id             uuid NOT NULL,
  email                  text NOT NULL,
  name                   text NOT NULL,
  active                 boolean NOT NULL,
  external_case_handler  boolean NOT NULL,
  authority_level        smallint NOT NULL,
  budget_limit           bigint,
  office_ids             uuid[] NOT NULL DEFAULT '{}',
  org_roles              text[] NOT NULL DEFAULT '{}'
);
CREATE INDEX replica_user_offices ON replica_user USING gin (office_ids);

CREATE TABLE replica_api_client (
  id          uuid PRIMARY KEY,
  portal_id   uuid NOT NULL,
  company_id  uuid NOT NULL,
  name        text NOT NULL,
  active      boolean NOT NULL
);

CREATE TABLE replica_company (
  id          uuid PRIMARY KEY,
  kind        text NOT NULL,
  name        text NOT NULL,
  org_number  text
);

CREATE TABLE replica_company_portal (
  company_id  uuid NOT NULL,
  portal_id   uuid NOT NULL,
  PRIMARY KEY (company_id, portal_id)
);
CREATE INDEX replica_company_portal_portal ON replica_company_portal (portal_id);

CREATE TABLE replica_office (
  id               uuid PRIMARY KEY,
  company_id       uuid NOT NULL,
  name             text NOT NULL,
  street           text,
  postal_code      text,
  city             text,
  country          text,
  latitude         double precision,
  longitude        double precision,
  temporary_cases  text NOT NULL,
  category_ids     uuid[] NOT NULL DEFAULT '{}'
);
CREATE INDEX replica_office_company ON replica_office (company_id);

CREATE TABLE replica_office_category (
  id         uuid PRIMARY KEY,
  portal_id  uuid NOT NULL,
  name       text NOT NULL
);

CREATE TABLE replica_role (
  portal_id  uuid NOT NULL,
  role       text NOT NULL,
  rights     text[] NOT NULL,
  PRIMARY KEY (portal_id, role)
);

CREATE TABLE replica_portal (
  id                        uuid PRIMARY KEY,
  insurer_company_id        uuid NOT NULL,
  name                      text NOT NULL,
  timezone                  text NOT NULL,
  office_hours_start        time NOT NULL,
  office_hours_end          time NOT NULL,
  office_days               smallint[] NOT NULL,
  public_holidays           date[] NOT NULL,
  enhanced_temporary_cases  boolean NOT NULL,
  default_budget_limit      bigint NOT NULL,
  currency                  text NOT NULL
);

-- Applies one fact: true when it was newer than what the replica had (and is now applied),
-- false when it was not (nothing changed). p_state NULL: the entity is gone.
CREATE FUNCTION replica_apply(p_kind text, p_id text, p_version bigint, p_state jsonb)
  RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  v_table text;
  v_key text;
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
    EXECUTE format('INSERT INTO %I SELECT * FROM jsonb_populate_record(NULL::%I, $1)',
                   v_table, v_table) USING p_state;
  END IF;
  RETURN true;
END $$;

-- Great-circle distance in km (earthdistance's formula), for the nearest offices; the same as
-- the policy service's: the extension's functions need public on the search path.
CREATE FUNCTION great_circle_km(lat1 double precision, lon1 double precision,
                                lat2 double precision, lon2 double precision)
  RETURNS double precision
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = public, pg_temp
AS $$ SELECT earth_distance(ll_to_earth(lat1, lon1), ll_to_earth(lat2, lon2)) / 1000.0 $$;
