-- The orders of the agent order workflow (services/orders/order/): a customer organisation
-- orders a connection through an agent organisation; the agent approves and signs, its
-- attestant attests, the customer's attestant attests, a ticket is opened and the agent makes
-- the connection. The states and their transitions: order/state.c.

CREATE TABLE orders (
  id                      uuid PRIMARY KEY,
  portal_id               uuid NOT NULL,
  status                  text NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted',
                            'agent_signing', 'agent_attest', 'customer_attest', 'attested',
                            'ticket_opened', 'connection_started', 'done', 'rejected',
                            'stopped')),
  order_type              text NOT NULL CHECK (length(order_type) BETWEEN 1 AND 64),
  customer_company_id     uuid NOT NULL,
  agent_company_id        uuid NOT NULL,
  ordered_by              uuid NOT NULL,
  -- what was ordered: service, organisation identifiers, contact, technical details
  details                 jsonb NOT NULL,
  -- the agent handler's approval: terms accepted, billing, attest info, certified
  approval                jsonb,
  approved_by             uuid,
  attestant_id            uuid,
  agent_attested_by       uuid,
  customer_attested_by    uuid,
  reject_reason           text CHECK (length(reject_reason) <= 2000),
  ticket_ref              text CHECK (length(ticket_ref) BETWEEN 1 AND 200),
  ticket_attempts         integer NOT NULL DEFAULT 0,
  ticket_next_attempt_at  timestamptz,
  ticket_last_error       text,
  version                 bigint NOT NULL DEFAULT 1,
  created_at              timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at              timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- the lists: an organisation's orders newest first (keyset on created_at, id)
CREATE INDEX orders_customer ON orders (portal_id, customer_company_id, created_at DESC, id DESC);
CREATE INDEX orders_agent ON orders (portal_id, agent_company_id, created_at DESC, id DESC);
-- the orders whose ticket is still to be opened
CREATE INDEX orders_ticket_due ON orders (ticket_next_attempt_at) WHERE status = 'attested';

-- Every step of an order: who (and of which organisation), when, which transition, with which
-- signature (the e-ID's, for a signed step) and what it said (detail: the reason, the
-- approval, the signature's evidence).
CREATE TABLE order_history (
  id             bigserial PRIMARY KEY,
  order_id       uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  at             timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor_id       uuid,
  actor_company  uuid,
  action         text NOT NULL CHECK (length(action) BETWEEN 1 AND 64),
  from_status    text,
  to_status      text NOT NULL,
  signature_id   text CHECK (length(signature_id) BETWEEN 1 AND 64),
  detail         jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX order_history_order ON order_history (order_id, id);
