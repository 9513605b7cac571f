-- The customer contact of a case (services/customer/contact/): the case documents shared with
-- the customer, and the messages between the case's staff and the customer, both ways, each
-- with text and/or one uploaded file (kept in the blob store, named by its SHA-256).

-- A document of the case (case_documents) the customer sees on the page. Unsharing deletes
-- the row. shared_by: the user or API client who shared it, or 'automatic:<setting>' for a
-- report the case's settings share (contact/shares.c).
CREATE TABLE shares (
  case_id      uuid NOT NULL,
  document_id  uuid NOT NULL,
  portal_id    uuid NOT NULL,
  shared_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  shared_by    text NOT NULL CHECK (length(shared_by) BETWEEN 1 AND 200),
  PRIMARY KEY (case_id, document_id)
);

-- Documents someone unshared by hand: the automatic sharing of reports never shares them
-- again (sharing by hand still does).
CREATE TABLE shares_ended_by_hand (
  case_id      uuid NOT NULL,
  document_id  uuid NOT NULL,
  ended_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
  ended_by     text NOT NULL CHECK (length(ended_by) BETWEEN 1 AND 200),
  PRIMARY KEY (case_id, document_id)
);

CREATE TABLE messages (
  id               uuid PRIMARY KEY,
  portal_id        uuid NOT NULL,
  case_id          uuid NOT NULL,
  direction        text NOT NULL CHECK (direction IN ('to_customer', 'from_customer')),
  text             text NOT NULL DEFAULT '' CHECK (octet_length(text) <= 10000),
  -- staff: the user's (or API client's) id and name; the customer: the contact the session
  -- was opened for (the access grant's id), its name and email
  sender_id        text NOT NULL CHECK (length(sender_id) BETWEEN 1 AND 64),
  sender_name      text NOT NULL CHECK (length(sender_name) <= 200),
  sender_email     text CHECK (length(sender_email) <= 254),
  file_sha256      text CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
  file_name        text CHECK (length(file_name) BETWEEN 1 AND 255),
  file_media_type  text CHECK (length(file_media_type) BETWEEN 1 AND 127),
  file_size        bigint CHECK (file_size >= 0),
  created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- the customer's messages: marked read by the staff ("mark all as read")
  read_at          timestamptz,
  read_by          text,
  -- the staff's messages: read by the customer
  read_by_customer_at timestamptz,
  CHECK ((file_sha256 IS NULL) = (file_name IS NULL) AND (file_sha256 IS NULL) =
         (file_media_type IS NULL) AND (file_sha256 IS NULL) = (file_size IS NULL)),
  CHECK (text <> '' OR file_sha256 IS NOT NULL),
  CHECK (direction = 'from_customer' OR read_at IS NULL),
  CHECK (direction = 'to_customer' OR read_by_customer_at IS NULL)
);
-- A case's messages newest first (the page's keyset), and its unread messages of the customer.
CREATE INDEX messages_case ON messages (case_id, created_at DESC, id DESC);
CREATE INDEX messages_unread_from_customer ON messages (case_id)
  WHERE direction = 'from_customer' AND read_at IS NULL;

-- A message as viewer ('staff' or 'customer') sees it: unread is what that viewer has not read
-- of the other side's messages; a staff sender's email and id are never shown. STABLE, so it
-- is inlined.
CREATE FUNCTION contact_message_document(m messages, viewer text) RETURNS json
LANGUAGE sql STABLE AS $$
  SELECT json_build_object('id', m.id, 'direction', m.direction, 'text', m.text,
    'sender', json_build_object(
      'kind', CASE m.direction WHEN 'to_customer' THEN 'staff' ELSE 'customer' END,
      'name', m.sender_name,
      'email', CASE m.direction WHEN 'from_customer' THEN m.sender_email END),
    'file', CASE WHEN m.file_sha256 IS NOT NULL THEN json_build_object(
      'file_name', m.file_name, 'media_type', m.file_media_type, 'size', m.file_size,
      'download', CASE viewer
        WHEN 'staff' THEN '/v1/customer/cases/' || m.case_id || '/messages/' || m.id || '/file'
        ELSE '/v1/customer-portal/messages/' || m.id || '/file' END) END,
    'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'unread', CASE viewer
      WHEN 'staff' THEN m.direction = 'from_customer' AND m.read_at IS NULL
      ELSE m.direction = 'to_customer' AND m.read_by_customer_at IS NULL END)
$$;
