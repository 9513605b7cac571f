-- Facts: the whole current state of every entity other services decide from (users, API
-- clients, companies, company-portal links, offices, office categories, role definitions,
-- portals with their settings), published to the outbox as an event "fact.<kind>" on every
-- change. Triggers publish them, so no write path (the API, the demo loader, a hand-run fix)
-- can forget one. Each fact carries the entity's state as it is after the change (null once it
-- is deleted) and a version drawn after the entity's row is locked, so a later state always has
-- a higher version: a replica applies a fact only when its version is newer and never needs to
-- ask back (common/replica.h). The outbox is never pruned, so the feed holds every entity's
-- latest fact: a new or wiped replica rebuilds by reading it from the start.

CREATE SEQUENCE fact_versions;

-- The state of one entity as JSON, NULL when it does not exist. key is the id, or
-- "<company_id>/<portal_id>" for a link and "<portal_id>/<role>" for a role definition.
CREATE FUNCTION fact_state(p_kind text, p_key text) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
  CASE p_kind
  WHEN 'user' THEN
    RETURN (SELECT jsonb_build_object(
        'id', u.id, 'company_id', u.company_id, 'email', u.email, 'name', u.name,
        'active', u.active, 'external_case_handler', u.external_case_handler,
        'authority_level', u.authority_level, 'budget_limit', u.budget_limit,
        'office_ids', coalesce((SELECT jsonb_agg(uo.office_id ORDER BY uo.office_id)
                                  FROM user_offices uo WHERE uo.user_id = u.id), '[]'),
        'org_roles', coalesce((SELECT jsonb_agg(r.role ORDER BY r.role)
                                 FROM user_org_roles r WHERE r.user_id = u.id), '[]'))
      FROM users u WHERE u.id = p_key::uuid);
  WHEN 'api_client' THEN
    RETURN (SELECT jsonb_build_object('id', a.id, 'portal_id', a.portal_id,
        'company_id', a.company_id, 'name', a.name, 'active', a.active)
      FROM api_clients a WHERE a.id = p_key::uuid);
  WHEN 'company' THEN
    RETURN (SELECT jsonb_build_object('id', c.id, 'kind', c.kind, 'name', c.name,
        'org_number', c.org_number)
      FROM companies c WHERE c.id = p_key::uuid);
  WHEN 'company_portal' THEN
    RETURN (SELECT jsonb_build_object('company_id', cp.company_id, 'portal_id', cp.portal_id)
      FROM company_portals cp
     WHERE cp.company_id = split_part(p_key, '/', 1)::uuid
       AND cp.portal_id = split_part(p_key, '/', 2)::uuid);
  WHEN 'office' THEN
    RETURN (SELECT jsonb_build_object('id', o.id, 'company_id', o.company_id, 'name', o.name,
        'street', o.street, 'postal_code', o.postal_code, 'city', o.city,
        'country', o.country, 'latitude', o.latitude, 'longitude', o.longitude,
        'temporary_cases', o.temporary_cases,
        'category_ids', coalesce((SELECT jsonb_agg(l.category_id ORDER BY l.category_id)
                                    FROM office_category_links l WHERE l.office_id = o.id), '[]'))
      FROM offices o WHERE o.id = p_key::uuid);
  WHEN 'office_category' THEN
    RETURN (SELECT jsonb_build_object('id', oc.id, 'portal_id', oc.portal_id, 'name', oc.name)
      FROM office_categories oc WHERE oc.id = p_key::uuid);
  WHEN 'role' THEN
    RETURN (SELECT jsonb_build_object('portal_id', d.portal_id, 'role', d.role,
        'rights', to_jsonb(d.rights))
      FROM role_definitions d
     WHERE d.portal_id = split_part(p_key, '/', 1)::uuid AND d.role = split_part(p_key, '/', 2));
  WHEN 'portal' THEN
    RETURN (SELECT jsonb_build_object('id', p.id, 'insurer_company_id', p.insurer_company_id,
        'name', p.name, 'timezone', p.timezone,
        'office_hours_start', to_char(p.office_hours_start, 'HH24:MI'),
        'office_hours_end', to_char(p.office_hours_end, 'HH24:MI'),
        'office_days', to_jsonb(p.office_days), 'public_holidays', to_jsonb(p.public_holidays),
        'enhanced_temporary_cases', p.enhanced_temporary_cases,
        'default_budget_limit', p.default_budget_limit, 'currency', p.currency)
      FROM portals p WHERE p.id = p_key::uuid);
  END CASE;
END $$;

-- Publishes the entity's fact. The caller holds the entity's row lock (or, for a state spread
-- over several tables, the lock of its main row), so versions follow the order of changes.
CREATE FUNCTION publish_fact(p_kind text, p_key text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_state jsonb := fact_state(p_kind, p_key);
BEGIN
  INSERT INTO outbox (id, type, portal_id, aggregate_id, data)
  VALUES (gen_random_uuid(), 'fact.' || p_kind, NULL, p_kind || '/' || p_key,
          jsonb_build_object('kind', p_kind, 'id', p_key,
                             'version', nextval('fact_versions'), 'state', v_state));
  PERFORM pg_notify('claimsuite_outbox_' || current_schema(), '');
END $$;

-- The trigger of every table a fact is made of; TG_ARGV[0] names the fact. A row of a table
-- that is part of a larger state (a user's offices and roles, an office's categories) locks the
-- main row first: a concurrent change of the same state waits, then reads what was committed.
CREATE FUNCTION fact_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  CASE TG_ARGV[0]
  WHEN 'user_part' THEN
    PERFORM 1 FROM users WHERE id = r.user_id FOR NO KEY UPDATE;
    PERFORM publish_fact('user', r.user_id::text);
  WHEN 'office_part' THEN
    PERFORM 1 FROM offices WHERE id = r.office_id FOR NO KEY UPDATE;
    PERFORM publish_fact('office', r.office_id::text);
  WHEN 'company_portal' THEN
    PERFORM publish_fact('company_portal', r.company_id || '/' || r.portal_id);
  WHEN 'role' THEN
    PERFORM publish_fact('role', r.portal_id || '/' || r.role);
  ELSE
    PERFORM publish_fact(TG_ARGV[0], r.id::text);
  END CASE;
  RETURN NULL;
END $$;

CREATE TRIGGER users_fact AFTER INSERT OR UPDATE OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION fact_changed('user');
CREATE TRIGGER user_offices_fact AFTER INSERT OR UPDATE OR DELETE ON user_offices
  FOR EACH ROW EXECUTE FUNCTION fact_changed('user_part');
CREATE TRIGGER user_org_roles_fact AFTER INSERT OR UPDATE OR DELETE ON user_org_roles
  FOR EACH ROW EXECUTE FUNCTION fact_changed('user_part');
CREATE TRIGGER api_clients_fact AFTER INSERT OR UPDATE OR DELETE ON api_clients
  FOR EACH ROW EXECUTE FUNCTION fact_changed('api_client');
CREATE TRIGGER companies_fact AFTER INSERT OR UPDATE OR DELETE ON companies
  FOR EACH ROW EXECUTE FUNCTION fact_changed('company');
CREATE TRIGGER company_portals_fact AFTER INSERT OR UPDATE OR DELETE ON company_portals
  FOR EACH ROW EXECUTE FUNCTION fact_changed('company_portal');
CREATE TRIGGER offices_fact AFTER INSERT OR UPDATE OR DELETE ON offices
  FOR EACH ROW EXECUTE FUNCTION fact_changed('office');
CREATE TRIGGER office_category_links_fact AFTER INSERT OR UPDATE OR DELETE ON office_category_links
  FOR EACH ROW EXECUTE FUNCTION fact_changed('office_part');
CREATE TRIGGER office_categories_fact AFTER INSERT OR UPDATE OR DELETE ON office_categories
  FOR EACH ROW EXECUTE FUNCTION fact_changed('office_category');
CREATE TRIGGER role_definitions_fact AFTER INSERT OR UPDATE OR DELETE ON role_definitions
  FOR EACH ROW EXECUTE FUNCTION fact_changed('role');
CREATE TRIGGER portals_fact AFTER INSERT OR UPDATE OR DELETE ON portals
  FOR EACH ROW EXECUTE FUNCTION fact_changed('portal');

-- What exists already: one fact each.
SELECT publish_fact('company', id::text) FROM companies;
SELECT publish_fact('portal', id::text) FROM portals;
SELECT publish_fact('company_portal', company_id || '/' || portal_id) FROM company_portals;
SELECT publish_fact('office_category', id::text) FROM office_categories;
SELECT publish_fact('office', id::text) FROM offices;
SELECT publish_fact('user', id::text) FROM users;
SELECT publish_fact('api_client', id::text) FROM api_clients;
SELECT publish_fact('role', portal_id || '/' || role) FROM role_definitions;
