-- The documents of a case: files in the blob store (common/blob.h), named here by their SHA-256.
-- A document is deleted softly (deleted_at): its history stays and its file may be shared by
-- another document with the same content.
CREATE TABLE documents (
  id               uuid PRIMARY KEY,
  case_id          uuid NOT NULL REFERENCES cases (id),
  portal_id        uuid NOT NULL,
  type             text NOT NULL
                   CHECK (type IN ('inspection_report', 'customer_settlement_report', 'other')),
  title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  file_name        text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
  media_type       text NOT NULL,
  size             bigint NOT NULL CHECK (size >= 0),
  sha256           text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  added_by         text NOT NULL,
  added_by_company uuid,
  added_at         timestamptz NOT NULL DEFAULT now(),
  deleted_by       text,
  deleted_at       timestamptz,
  version          integer NOT NULL DEFAULT 1
);
CREATE INDEX documents_case ON documents (case_id, added_at DESC, id DESC)
  WHERE deleted_at IS NULL;

CREATE FUNCTION document_document(d documents) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN json_build_object(
    'id', d.id, 'case_id', d.case_id, 'type', d.type, 'title', d.title,
    'file_name', d.file_name, 'media_type', d.media_type, 'size', d.size, 'sha256', d.sha256,
    'added_by', d.added_by, 'added_by_company', d.added_by_company, 'added_at', iso(d.added_at),
    'content_url', '/v1/cases/' || d.case_id || '/documents/' || d.id || '/content',
    'version', d.version);
END $$;
