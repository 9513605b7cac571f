-- Reported information: what the partner doing a task reports of it, text and multimedia (the
-- files in the blob store, common/blob.h, named by their SHA-256).
CREATE TABLE task_reports (
  id               uuid PRIMARY KEY,
  case_id          uuid NOT NULL REFERENCES cases (id),
  task_id          uuid NOT NULL REFERENCES tasks (id),
  portal_id        uuid NOT NULL,
  text             text CHECK (length(text) <= 10000),
  files            jsonb NOT NULL DEFAULT '[]', -- [{file_name, media_type, size, sha256}]
  added_by         text NOT NULL,
  added_by_company uuid,
  added_at         timestamptz NOT NULL DEFAULT now(),
  version          integer NOT NULL DEFAULT 1,
  CHECK (text IS NOT NULL OR jsonb_array_length(files) > 0)
);
CREATE INDEX task_reports_case ON task_reports (case_id, added_at DESC, id DESC);

CREATE FUNCTION task_report_document(r task_reports) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN json_build_object(
    'id', r.id, 'case_id', r.case_id, 'task_id', r.task_id, 'text', r.text,
    'files', COALESCE((SELECT json_agg(json_build_object(
        'index', f.i - 1, 'file_name', f.v->>'file_name', 'media_type', f.v->>'media_type',
        'size', (f.v->>'size')::bigint, 'sha256', f.v->>'sha256',
        'content_url', '/v1/cases/' || r.case_id || '/reports/' || r.id || '/files/' || (f.i - 1))
        ORDER BY f.i)
      FROM jsonb_array_elements(r.files) WITH ORDINALITY AS f(v, i)), '[]'::json),
    'added_by', r.added_by, 'added_by_company', r.added_by_company, 'added_at', iso(r.added_at),
    'version', r.version);
END $$;
