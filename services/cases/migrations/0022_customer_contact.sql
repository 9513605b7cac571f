-- What the customer wrote or uploaded on the customer page that no one has read yet (the
-- dashboard's "cases with customer uploads or messages", the list's customer_contact=true): the
-- customer service owns the messages and says, in its events customer_contact.changed, how many
-- of a case's are unread; one row a case, as the newest event said (events_customer.c).
CREATE TABLE customer_contact (
  case_id               uuid PRIMARY KEY,
  portal_id             uuid NOT NULL, -- the event's; a case counts only where it is the case's
  unread_from_customer  integer NOT NULL CHECK (unread_from_customer >= 0),
  last_message_at       timestamptz,
  event_seq             bigint NOT NULL, -- the event's number in the customer service's feed
  occurred_at           timestamptz NOT NULL,
  applied_at            timestamptz NOT NULL DEFAULT now()
);
-- only the cases with something unread: the dashboard's count and the list's filter read this
CREATE INDEX customer_contact_unread ON customer_contact (portal_id, case_id)
  WHERE unread_from_customer > 0;

-- Applies one event: true when it was newer than the case's row (and is now the row), false
-- when it was not (nothing changed). Newer means a higher seq: the relay numbers the customer
-- service's events in the order their transactions committed, so the count a later commit took
-- wins, where occurred_at (its transaction's start) could order two racing changes the other
-- way. The consumer applies in seq order already; this keeps a replayed older event (an offset
-- moved back to rebuild) from undoing a newer one.
CREATE FUNCTION customer_contact_apply(p_case uuid, p_portal uuid, p_unread integer,
                                       p_last_message_at timestamptz, p_seq bigint,
                                       p_occurred_at timestamptz)
  RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO customer_contact (case_id, portal_id, unread_from_customer, last_message_at,
                                event_seq, occurred_at)
  VALUES (p_case, p_portal, p_unread, p_last_message_at, p_seq, p_occurred_at)
  ON CONFLICT (case_id) DO UPDATE
    SET portal_id = EXCLUDED.portal_id, unread_from_customer = EXCLUDED.unread_from_customer,
        last_message_at = EXCLUDED.last_message_at, event_seq = EXCLUDED.event_seq,
        occurred_at = EXCLUDED.occurred_at, applied_at = now()
    WHERE customer_contact.event_seq < EXCLUDED.event_seq;
  RETURN FOUND;
END $$;
