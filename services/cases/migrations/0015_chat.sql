-- The chat of a case: messages, the users marked for notifications of new messages, and how far
-- each user has read (the unread counts and the dashboard's "cases with unread chat").
CREATE TABLE chat_messages (
  id             uuid PRIMARY KEY,
  case_id        uuid NOT NULL REFERENCES cases (id),
  portal_id      uuid NOT NULL,
  author_id      text NOT NULL,
  author_kind    text NOT NULL CHECK (author_kind IN ('user', 'client')),
  author_company uuid,
  text           text NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
  posted_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX chat_messages_case ON chat_messages (case_id, posted_at DESC, id DESC);

-- Users marked to be told of new messages (the external case handler with chat_notifications
-- is marked whatever this table says: services/cases/chat/chat.c).
CREATE TABLE chat_participants (
  case_id   uuid NOT NULL REFERENCES cases (id),
  user_id   uuid NOT NULL,
  marked_by text NOT NULL,
  marked_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (case_id, user_id)
);

-- The newest message a user has read in a case.
CREATE TABLE chat_reads (
  case_id uuid NOT NULL REFERENCES cases (id),
  user_id text NOT NULL,
  read_at timestamptz NOT NULL,
  PRIMARY KEY (case_id, user_id)
);

CREATE FUNCTION chat_message_document(m chat_messages) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN json_build_object(
    'id', m.id, 'case_id', m.case_id, 'author_id', m.author_id, 'author_kind', m.author_kind,
    'author_company', m.author_company, 'text', m.text, 'posted_at', iso(m.posted_at));
END $$;
