-- A message that carries a credential (an access link's token, a signing or login code, an RFQ
-- invitation's link) keeps its body only until it is sent or given up: then the body is
-- emptied, so a copy of the database opens no customer page and answers no code.
ALTER TABLE outgoing_messages ADD COLUMN secret boolean NOT NULL DEFAULT false;
