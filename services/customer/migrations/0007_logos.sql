-- The customer page's logos (services/customer/logo/): an image uploaded by the portal's admin,
-- its file in the blob store, stored with its pixel size so the page shows it 40 px high. The
-- settings name the one in use (logo = custom, logo_ref = its id).
CREATE TABLE logos (
  id           uuid PRIMARY KEY,
  portal_id    uuid NOT NULL,
  sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  media_type   text NOT NULL,
  size         bigint NOT NULL,
  width        integer NOT NULL CHECK (width > 0),
  height       integer NOT NULL CHECK (height > 0),
  uploaded_by  text NOT NULL,
  uploaded_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX logos_portal ON logos (portal_id, uploaded_at DESC);
