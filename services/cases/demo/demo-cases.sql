-- Demo cases of the demo portal (services/policy/demo_data.c holds its companies, offices and
-- users). Fixed ids: a second load changes nothing. Run as the cases role after the cases
-- service has migrated its schema (scripts/demo-data.sh).
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO cases (id, portal_id, claim_number, damage_type, damage_date, street, postal_code,
                   city, latitude, longitude, case_handler_id, contacts, description,
                   reminder_date, created_by)
VALUES
  ('00000000-0000-4000-8000-de0000000601', '00000000-0000-4000-8000-de0000000201',
   'DEMO-1001', 'water', current_date - 3, 'Drottninggatan 50', '111 21', 'Stockholm',
   59.3340, 18.0610, '00000000-0000-4000-8000-de0000000502',
   '[{"kind": "policyholder", "name": "Maria Lund", "phone": "+46701112233", "email": "maria@example.se"}]',
   'Leaking pipe under the kitchen sink; water in the floor below.', current_date,
   '00000000-0000-4000-8000-de0000000502'),
  ('00000000-0000-4000-8000-de0000000602', '00000000-0000-4000-8000-de0000000201',
   'DEMO-1002', 'fire', current_date - 10, 'Kungsgatan 12', '753 21', 'Uppsala',
   59.8590, 17.6400, '00000000-0000-4000-8000-de0000000502',
   '[{"kind": "policyholder", "name": "Per Olsson", "phone": "+46702223344"}]',
   'Kitchen fire; smoke damage in two rooms.', current_date + 1,
   '00000000-0000-4000-8000-de0000000502'),
  ('00000000-0000-4000-8000-de0000000603', '00000000-0000-4000-8000-de0000000201',
   'DEMO-1003', 'storm', current_date - 30, 'Strandvägen 7', '114 56', 'Stockholm',
   59.3320, 18.0850, '00000000-0000-4000-8000-de0000000501',
   '[{"kind": "policyholder", "name": "Lena Berg"}]',
   'Roof tiles blown off.', NULL, '00000000-0000-4000-8000-de0000000501')
ON CONFLICT (id) DO NOTHING;

-- DEMO-1002 has the external case handler role at the Uppsala office, awaiting a user.
UPDATE cases SET ech_office_id = '00000000-0000-4000-8000-de0000000302',
                 ech_office_name = 'Bygg & Sanering Nord Uppsala',
                 ech_company_id = '00000000-0000-4000-8000-de0000000102',
                 ech_company_name = 'Bygg & Sanering Nord AB',
                 ech_office_assigned_at = now()
 WHERE id = '00000000-0000-4000-8000-de0000000602' AND ech_office_id IS NULL;

INSERT INTO tasks (id, case_id, portal_id, type, status, office_id, office_name, company_id,
                   company_name, user_id, user_name, office_assigned_at, user_assigned_at,
                   meeting_at)
VALUES
  ('00000000-0000-4000-8000-de0000000701', '00000000-0000-4000-8000-de0000000601',
   '00000000-0000-4000-8000-de0000000201', 'inspection', '2',
   '00000000-0000-4000-8000-de0000000301', 'Bygg & Sanering Nord Stockholm',
   '00000000-0000-4000-8000-de0000000102', 'Bygg & Sanering Nord AB',
   '00000000-0000-4000-8000-de0000000505', 'Mikael Svensson', now(), now(),
   date_trunc('day', now()) + interval '1 day 9 hours'),
  ('00000000-0000-4000-8000-de0000000702', '00000000-0000-4000-8000-de0000000601',
   '00000000-0000-4000-8000-de0000000201', 'first_aid', '1',
   '00000000-0000-4000-8000-de0000000301', 'Bygg & Sanering Nord Stockholm',
   '00000000-0000-4000-8000-de0000000102', 'Bygg & Sanering Nord AB', NULL, NULL, now(), NULL,
   NULL),
  ('00000000-0000-4000-8000-de0000000703', '00000000-0000-4000-8000-de0000000603',
   '00000000-0000-4000-8000-de0000000201', 'repair', '0', NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL)
ON CONFLICT (id) DO NOTHING;

-- DEMO-1001's inspection has a budget of its partner waiting for the handler's approval (the
-- task shows B): 3 h of work and a dehumidifier, 25 % VAT (money.h computes the same).
INSERT INTO budgets (id, case_id, task_id, portal_id, company_id, revision, status, currency,
                     note, total_excl_vat, total_vat, total_incl_vat, created_by, submitted_by,
                     submitted_at)
VALUES ('00000000-0000-4000-8000-de0000000801', '00000000-0000-4000-8000-de0000000601',
        '00000000-0000-4000-8000-de0000000701', '00000000-0000-4000-8000-de0000000201',
        '00000000-0000-4000-8000-de0000000102', 1, 'submitted', 'SEK',
        'Drying before the floor is opened.', 285000, 71250, 356250,
        '00000000-0000-4000-8000-de0000000505', '00000000-0000-4000-8000-de0000000505', now())
ON CONFLICT (id) DO NOTHING;
INSERT INTO money_lines (owner_id, position, description, quantity, unit, unit_price, vat_rate,
                         amount_excl_vat, vat, amount_incl_vat)
VALUES ('00000000-0000-4000-8000-de0000000801', 1, 'Inspection and moisture measurement', 3,
        'h', 65000, 25, 195000, 48750, 243750),
       ('00000000-0000-4000-8000-de0000000801', 2, 'Dehumidifier, per day', 6, 'day', 15000, 25,
        90000, 22500, 112500)
ON CONFLICT (owner_id, position) DO NOTHING;
-- what the service keeps of it, from the budget as it is now (a second load after it was decided
-- changes nothing)
UPDATE tasks SET budget_indicator = CASE
    WHEN EXISTS (SELECT 1 FROM budgets WHERE task_id = tasks.id AND status = 'submitted') THEN 'B'
    WHEN EXISTS (SELECT 1 FROM budgets WHERE task_id = tasks.id AND status = 'approved') THEN 'B++'
  END
 WHERE id = '00000000-0000-4000-8000-de0000000701';
UPDATE cases SET budgets_submitted = (SELECT count(*) FROM budgets WHERE case_id = cases.id
                                        AND status = 'submitted')
 WHERE id = '00000000-0000-4000-8000-de0000000601';
-- the demo cases as the customer page's service learns of them (0023_case_snapshots.sql): once
INSERT INTO outbox (id, type, portal_id, aggregate_id, data)
SELECT gen_random_uuid(), 'case.snapshot', c.portal_id, c.id::text, case_snapshot_data(c)
  FROM cases c
 WHERE c.id IN ('00000000-0000-4000-8000-de0000000601', '00000000-0000-4000-8000-de0000000602',
                '00000000-0000-4000-8000-de0000000603')
   AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.type = 'case.snapshot'
                      AND o.aggregate_id = c.id::text)
 ORDER BY c.claim_number;
COMMIT;
