-- Who is who: portals (an insurer's tenant), companies and the portals they serve, offices,
-- users, the order-workflow roles of users, role definitions per portal, API clients, the
-- throttle of failed logins and the log of authority decisions.

CREATE TABLE companies (
  id          uuid PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('insurer', 'partner', 'customer', 'agent')),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  org_number  text,
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE portals (
  id                        uuid PRIMARY KEY,
  insurer_company_id        uuid NOT NULL REFERENCES companies (id),
  name                      text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  timezone                  text NOT NULL DEFAULT 'Europe/Stockholm',
  office_hours_start        time NOT NULL DEFAULT '08:00',
  office_hours_end          time NOT NULL DEFAULT '16:00',
  office_days               smallint[] NOT NULL DEFAULT '{1,2,3,4,5}', -- ISO weekdays
  public_holidays           date[] NOT NULL DEFAULT '{}',
  enhanced_temporary_cases  boolean NOT NULL DEFAULT false,
  default_budget_limit      bigint NOT NULL DEFAULT 0 CHECK (default_budget_limit >= 0), -- minor units
  currency                  text NOT NULL DEFAULT 'SEK' CHECK (currency ~ '^[A-Z]{3}$'),
  version                   integer NOT NULL DEFAULT 1,
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz NOT NULL DEFAULT now()
);

-- The portals a company works in: an insurer its own, a partner one or several.
CREATE TABLE company_portals (
  company_id  uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
  portal_id   uuid NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
  PRIMARY KEY (company_id, portal_id)
);
CREATE INDEX company_portals_portal ON company_portals (portal_id);

CREATE TABLE offices (
  id               uuid PRIMARY KEY,
  company_id       uuid NOT NULL REFERENCES companies (id),
  name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  street           text,
  postal_code      text,
  city             text,
  country          text NOT NULL DEFAULT 'SE',
  latitude         double precision CHECK (latitude BETWEEN -90 AND 90),
  longitude        double precision CHECK (longitude BETWEEN -180 AND 180),
  temporary_cases  text NOT NULL DEFAULT 'never'
                   CHECK (temporary_cases IN ('never', 'outside_office_hours', 'always')),
  version          integer NOT NULL DEFAULT 1,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX offices_company ON offices (company_id);

-- Labels an insurer defines for offices, per portal.
CREATE TABLE office_categories (
  id         uuid PRIMARY KEY,
  portal_id  uuid NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
  name       text NOT NULL,
  UNIQUE (portal_id, name)
);
CREATE TABLE office_category_links (
  office_id    uuid NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
  category_id  uuid NOT NULL REFERENCES office_categories (id) ON DELETE CASCADE,
  PRIMARY KEY (office_id, category_id)
);

CREATE TABLE users (
  id                     uuid PRIMARY KEY,
  company_id             uuid NOT NULL REFERENCES companies (id),
  email                  text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$'),
  name                   text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  mobile                 text,
  password_hash          text, -- argon2id encoded; NULL: cannot log in with a password
  authority_level        smallint NOT NULL CHECK (authority_level BETWEEN 1 AND 6),
  active                 boolean NOT NULL DEFAULT true,
  external_case_handler  boolean NOT NULL DEFAULT false, -- only the insurer sets it
  budget_limit           bigint CHECK (budget_limit >= 0), -- own limit, NULL: the portal default
  version                integer NOT NULL DEFAULT 1,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email ON users (lower(email));
CREATE INDEX users_company ON users (company_id);

CREATE TABLE user_offices (
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  office_id  uuid NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
  PRIMARY KEY (user_id, office_id)
);
CREATE INDEX user_offices_office ON user_offices (office_id);

-- Roles of the agent order workflow, granted by an admin of the user's own company.
CREATE TABLE user_org_roles (
  user_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role     text NOT NULL CHECK (role IN ('agent_handler', 'attestant', 'customer_attestant')),
  PRIMARY KEY (user_id, role)
);

-- What each case role may do, per portal.
CREATE TABLE role_definitions (
  portal_id   uuid NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
  role        text NOT NULL
              CHECK (role IN ('external_case_handler', 'project_manager', 'inspector_extra_authority')),
  rights      text[] NOT NULL DEFAULT '{}',
  version     integer NOT NULL DEFAULT 1,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (portal_id, role)
);

-- Integrations: client_credentials, scoped to one portal, created by a level-6 admin.
CREATE TABLE api_clients (
  id           uuid PRIMARY KEY,
  portal_id    uuid NOT NULL REFERENCES portals (id),
  company_id   uuid NOT NULL REFERENCES companies (id),
  name         text NOT NULL,
  client_id    text NOT NULL UNIQUE,
  secret_hash  text NOT NULL, -- argon2id encoded
  active       boolean NOT NULL DEFAULT true,
  created_by   uuid REFERENCES users (id),
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- Failed logins per key (a username or a client address), for throttling.
CREATE TABLE auth_failures (
  key            text PRIMARY KEY,
  failures       integer NOT NULL DEFAULT 0,
  window_start   timestamptz NOT NULL DEFAULT now(),
  blocked_until  timestamptz
);

-- Every authority decision, readable by the portal's admins.
CREATE TABLE decision_log (
  id               bigserial PRIMARY KEY,
  portal_id        uuid NOT NULL,
  user_id          uuid,
  action           text NOT NULL,
  allow            boolean NOT NULL,
  reason           text NOT NULL,
  case_roles       text[] NOT NULL DEFAULT '{}',
  amount           bigint,
  limit_remaining  bigint,
  decided_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX decision_log_portal_time ON decision_log (portal_id, decided_at DESC);
