-- The pull feed of events (services/customer/feed/, GET /v1/events): the cases and orders
-- events integrators get, kept per portal with what decides who may read each one.

-- One event as integrators get it. seq is the cursor; data is the payload webhooks send
-- (customer_webhooks_payload: no invitation links, tokens or recipient lists).
--
-- Why a reader never skips an event: a bigserial is numbered when a row is inserted, not when
-- its transaction commits, so with two consumers (cases, orders) and several instances applying
-- at once, seq 8 could commit before seq 7, and a reader that saw 8 would never look at 7 again.
-- So every insert takes the transaction-level advisory lock of the feed just before it
-- (store_feed.c), held until its transaction commits or rolls back: numbers are taken one
-- transaction at a time, in the order those transactions commit, and the insert comes last in
-- an event's apply so the lock is held for as short a time as can be.
CREATE TABLE feed_events (
  seq                  bigserial PRIMARY KEY,
  event_id             text NOT NULL UNIQUE CHECK (length(event_id) BETWEEN 1 AND 200),
  portal_id            uuid NOT NULL,
  type                 text NOT NULL CHECK (length(type) BETWEEN 1 AND 100),
  occurred_at          timestamptz NOT NULL,
  case_id              uuid,
  order_id             uuid,
  data                 json NOT NULL,
  -- who may read it besides the insurer (feed_visible below), as the event said at the time:
  -- the companies that saw the case (the companies of its tasks and its external case handler),
  -- the company of the task the event is about, the order's customer and agent organisations
  case_company_ids     uuid[] NOT NULL DEFAULT '{}',
  task_company_id      uuid,
  customer_company_id  uuid,
  agent_company_id     uuid,
  stored_at            timestamptz NOT NULL DEFAULT clock_timestamp(), -- what retention ages
  CHECK ((case_id IS NULL) <> (order_id IS NULL))
);
CREATE INDEX feed_events_portal ON feed_events (portal_id, seq);
CREATE INDEX feed_events_stored ON feed_events (stored_at);

-- Retention (OUTBOX_RETENTION_SECONDS, as the producers' outboxes keep events): events up to
-- purged_through may be gone, so a cursor below it gets 410.
CREATE TABLE feed_retention (
  only_row        boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  purged_through  bigint NOT NULL DEFAULT 0
);
INSERT INTO feed_retention DEFAULT VALUES;

-- How a partner user may see an event of a case its company sees: 'case' (what the case
-- document shows it anyway: the case, every task of it, the external case handler), 'own_task'
-- (only when the event is about a task of its own company: money, RFQs and quotes, reports, as
-- the cases service's reads show a partner its own company's items) or 'none'. Left out, each
-- for its reason: compensation (the insurer's decision on the case, not a task's), chat (the
-- case's conversation carries no task, and its messages are not all meant for every partner),
-- call.logged (the insurer's phone log), document.* (a document is not tied to a task; the
-- document list decides per document), temporary_case.* (the insurer's intake), the rest of
-- what is not listed here.
CREATE FUNCTION feed_partner_scope(type text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN type IN ('case.created', 'case.updated', 'case.closed', 'case.on_hold', 'case.reopened',
                  'customer_contact.changed', 'task.added', 'task.office_assigned', 'task.removed',
                  'task.status_changed', 'task.updated', 'task.user_assigned',
                  'meeting_time.changed', 'schedule.changed', 'project_manager.changed',
                  'inspection.started', 'inspection.completed',
                  'external_case_handler.assigned', 'external_case_handler.office_assigned',
                  'external_case_handler.removed') THEN 'case'
    WHEN type LIKE 'budget.%' OR type LIKE 'invoice.%' OR type LIKE 'cash_offer.%'
      OR type LIKE 'rfq.%' OR type LIKE 'quote.%' OR type = 'report.added'
      OR type = 'inspection.report_created' THEN 'own_task'
    ELSE 'none' END
$$;

-- Whether a caller may read e: kind is the caller's company kind (insurer, partner, customer,
-- agent; an API client acts as insurer), company its company, admin 1 for the portal's
-- administrators (level 6) and API clients. The portal is the page query's own condition.
CREATE FUNCTION feed_visible(e feed_events, kind text, company uuid, admin boolean)
RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT CASE kind
    WHEN 'insurer' THEN e.case_id IS NOT NULL OR (e.order_id IS NOT NULL AND admin)
    WHEN 'partner' THEN e.case_id IS NOT NULL AND CASE feed_partner_scope(e.type)
      WHEN 'case' THEN company = ANY (e.case_company_ids) OR company = e.task_company_id
      WHEN 'own_task' THEN company = e.task_company_id
      ELSE false END
    WHEN 'customer' THEN e.order_id IS NOT NULL AND company = e.customer_company_id
    WHEN 'agent' THEN e.order_id IS NOT NULL AND company = e.agent_company_id
    ELSE false END
$$;

-- The feed moved here from the cases service, whose cursors were its outbox's numbers. A cursor
-- an integrator holds from there must not pass for one of this feed: numbers start above every
-- number that feed can have given (the cases events this service had applied, and room for
-- those it had not applied yet), and purged_through says the events before are not here, so
-- such a cursor gets 410 (read the cases again, go on from purged_through).
SELECT setval(pg_get_serial_sequence('feed_events', 'seq'),
              coalesce((SELECT last_seq FROM event_offsets WHERE source = 'cases'), 0) + 1000000);
UPDATE feed_retention SET purged_through = (SELECT last_value FROM feed_events_seq_seq);
