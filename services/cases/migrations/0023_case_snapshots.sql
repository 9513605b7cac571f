-- case.snapshot: a case whole with its documents, for a consumer that keeps a copy of the cases
-- (the customer page) and was not there when they were made. Every later event of a case
-- carries the case as well (data.case); a snapshot adds the documents (each as document.added
-- describes it, with its file's digest) and the budgets (as the budget events do). Published once here for every case there is (the
-- cases made before events carried them), and by the demo data for the cases it loads.
CREATE FUNCTION case_snapshot_data(c cases) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'case_id', c.id, 'claim_number', c.claim_number, 'case', case_document(c)::jsonb,
    'documents', coalesce((SELECT jsonb_agg(jsonb_build_object(
        'document_id', d.id, 'type', d.type, 'title', d.title, 'file_name', d.file_name,
        'media_type', d.media_type, 'size', d.size, 'sha256', d.sha256,
        'added_by_company', d.added_by_company, 'added_at', iso(d.added_at))
        ORDER BY d.added_at, d.id)
      FROM documents d WHERE d.case_id = c.id AND d.deleted_at IS NULL), '[]'),
    'budgets', coalesce((SELECT jsonb_agg(jsonb_build_object(
        'budget_id', b.id, 'task_id', b.task_id, 'company_id', b.company_id,
        'revision', b.revision, 'status', b.status, 'currency', b.currency,
        'total_excl_vat', b.total_excl_vat, 'total_vat', b.total_vat,
        'total_incl_vat', b.total_incl_vat, 'updated_at', iso(b.updated_at))
        ORDER BY b.created_at, b.id)
      FROM budgets b WHERE b.case_id = c.id), '[]'))
$$;

INSERT INTO outbox (id, type, portal_id, aggregate_id, data)
SELECT gen_random_uuid(), 'case.snapshot', c.portal_id, c.id::text, case_snapshot_data(c)
  FROM cases c ORDER BY c.created_at, c.id;
