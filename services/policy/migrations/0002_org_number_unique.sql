-- Insurers add an existing partner to their portal by its organisation number
-- (POST /v1/companies/links): two partners must never share one, or a link could reach the
-- wrong company.
CREATE UNIQUE INDEX companies_partner_org_number ON companies (org_number)
  WHERE kind = 'partner' AND org_number IS NOT NULL;
