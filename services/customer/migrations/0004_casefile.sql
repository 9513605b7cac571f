-- The customer service's read model of the cases (services/customer/casefile/): what the
-- customer page shows, built from the cases service's events, so the page answers while the
-- cases service is down. Every case event carries the whole case as it is after the change
-- (data.case); a row keeps the newest version it has seen.

CREATE TABLE cases (
  case_id                uuid PRIMARY KEY,
  portal_id              uuid NOT NULL,
  version                bigint NOT NULL,
  doc                    jsonb NOT NULL CHECK (jsonb_typeof(doc) = 'object'), -- the case
  -- the milestones a setting's "when" waits for (casefile.h customer_when_holds)
  inspector_assigned_at  timestamptz,
  closed_at              timestamptz,
  updated_at             timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX cases_portal ON cases (portal_id);

-- The documents of a case: the file stays in the blob store the cases service wrote it to
-- (content addressed, immutable); deleted_at set once the cases service deleted it.
CREATE TABLE case_documents (
  document_id  uuid PRIMARY KEY,
  case_id      uuid NOT NULL,
  portal_id    uuid NOT NULL,
  type         text NOT NULL,
  title        text NOT NULL,
  file_name    text NOT NULL,
  media_type   text NOT NULL,
  size         bigint NOT NULL,
  sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  added_at     timestamptz NOT NULL,
  added_by     text,           -- the company that added it (name), NULL: an API client
  deleted_at   timestamptz
);
CREATE INDEX case_documents_case ON case_documents (case_id, added_at DESC);

-- The budgets of a case, as the money events last showed them (amounts in the minor unit).
CREATE TABLE case_budgets (
  budget_id       uuid PRIMARY KEY,
  case_id         uuid NOT NULL,
  task_id         uuid,
  company_id      uuid,
  revision        integer NOT NULL DEFAULT 1,
  status          text NOT NULL,
  currency        text NOT NULL,
  total_excl_vat  bigint NOT NULL,
  total_vat       bigint NOT NULL,
  total_incl_vat  bigint NOT NULL,
  updated_at      timestamptz NOT NULL
);
CREATE INDEX case_budgets_case ON case_budgets (case_id);

-- The customer page's news feed: one entry per thing that happened, of one of the guide's
-- kinds (settings_schema.c customer_news_kinds), with what its text needs (params). The
-- texts are rendered when read, in the page's language. source names what made the entry
-- (an event's id and a suffix): made twice, kept once.
CREATE TABLE news (
  id          bigserial PRIMARY KEY,
  case_id     uuid NOT NULL,
  portal_id   uuid NOT NULL,
  kind        text NOT NULL CHECK (kind ~ '^[a-z][a-z_]{0,63}$'),
  at          timestamptz NOT NULL,
  params      jsonb NOT NULL DEFAULT '{}',
  source      text UNIQUE CHECK (length(source) <= 200)
);
CREATE INDEX news_case ON news (case_id, at DESC, id DESC);
