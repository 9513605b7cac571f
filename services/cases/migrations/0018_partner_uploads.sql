-- What partners uploaded that the insurer has not seen (the dashboard's "cases with partner
-- uploads"): the newest document or report a partner added, kept on the case by those writes under
-- its lock, and when the insurer last marked the case's uploads seen.
ALTER TABLE cases ADD COLUMN partner_upload_at timestamptz,
                  ADD COLUMN partner_uploads_seen_at timestamptz;
-- only the open cases with something unseen: the count and the list read this alone
CREATE INDEX cases_partner_uploads_unseen ON cases (portal_id, created_at DESC, id DESC)
  WHERE partner_upload_at > coalesce(partner_uploads_seen_at, '-infinity') AND status <> 'closed';
