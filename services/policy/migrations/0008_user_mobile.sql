-- The user's fact (0004_facts.sql) carries the user's mobile too: the case handler's mobile is
-- shown on the customer page of a case (the customer service reads it from its replica). Every
-- other kind is unchanged. fact_state is redefined whole, as 0007 left it, plus that member.
CREATE OR REPLACE FUNCTION fact_state(p_kind text, p_key text) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
  CASE p_kind
  WHEN 'user' THEN
    RETURN (SELECT jsonb_build_object(
        'id', u.id, 'company_id', u.company_id, 'email', u.email, 'name', u.name,
        'active', u.active, 'external_case_handler', u.external_case_handler,
        'authority_level', u.authority_level, 'budget_limit', u.budget_limit,
        'mobile', u.mobile,
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
        'temporary_cases_report', p.temporary_cases_report,
        'default_budget_limit', p.default_budget_limit, 'currency', p.currency)
      FROM portals p WHERE p.id = p_key::uuid);
  END CASE;
END $$;

-- Facts published before this migration have no mobile, and a replica cannot tell "none" from
-- "not published yet": every user's fact is published again, a new version each, with the
-- user's row locked as every fact's publisher does (0004), so a change committed meanwhile is
-- ordered after it.
SELECT publish_fact('user', u.id::text)
  FROM (SELECT id FROM users ORDER BY id FOR NO KEY UPDATE) u;
