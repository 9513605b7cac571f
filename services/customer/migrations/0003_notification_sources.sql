-- The event a notice was made from (services/customer/notify/from_events.c): one notice per
-- user, kind and event, so an event applied twice leaves the inbox as it was. NULL for notices
-- made otherwise (NULLs are distinct: any number of them).
ALTER TABLE notifications
  ADD COLUMN source_event_id text CHECK (length(source_event_id) BETWEEN 1 AND 200);
ALTER TABLE notifications
  ADD CONSTRAINT notifications_once_per_event UNIQUE (user_id, kind, source_event_id);
