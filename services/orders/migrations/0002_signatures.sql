-- The e-ID signatures of an order's steps (services/orders/signing/): a signing order by BankID
-- or by a one-time code sent by SMS, started by the signer of the order's current step, polled
-- or answered until it completes, fails, is cancelled or expires. A completed one carries its
-- evidence (completion: BankID's completion data, or for a code the masked number and the time),
-- which the order's history keeps too.
CREATE TABLE signatures (
  id               uuid PRIMARY KEY,
  order_id         uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  portal_id        uuid NOT NULL,
  step             text NOT NULL CHECK (step IN ('agent_approval', 'agent_attest',
                     'customer_attest')),
  decision         text NOT NULL CHECK (decision IN ('approve', 'reject')),
  method           text NOT NULL CHECK (method IN ('bankid', 'sms_otp')),
  user_id          uuid NOT NULL,
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'complete',
                     'failed', 'cancelled', 'expired')),
  hint_code        text CHECK (length(hint_code) <= 64),
  -- BankID: the order's reference and the tokens of its animated QR code; the secret never
  -- leaves the server (the QR data is computed here, a second at a time)
  order_ref        text CHECK (length(order_ref) <= 200),
  qr_start_token   text CHECK (length(qr_start_token) <= 200),
  qr_start_secret  text CHECK (length(qr_start_secret) <= 200),
  -- SMS: the SHA-256 of the signature's id and the code, never the code; the tries left
  otp_hash         text CHECK (length(otp_hash) = 64),
  otp_tries_left   integer CHECK (otp_tries_left >= 0),
  sent_to          text CHECK (length(sent_to) <= 64),
  expires_at       timestamptz NOT NULL,
  completion       jsonb,
  created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  completed_at     timestamptz,
  CHECK ((method = 'bankid') = (order_ref IS NOT NULL)),
  CHECK ((method = 'sms_otp') = (otp_hash IS NOT NULL))
);
-- one signing order at a time per order: a new one cancels the pending one first
CREATE UNIQUE INDEX signatures_one_pending ON signatures (order_id) WHERE status = 'pending';
CREATE INDEX signatures_order ON signatures (order_id, created_at);
