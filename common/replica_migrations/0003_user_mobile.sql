-- The user's mobile (policy's 0008_user_mobile.sql): shown as the case handler's on the customer
-- page. NULL when the user has none, and for a user fact published before policy carried it
-- (replica_apply, 0002: a column without a default takes what the fact has, NULL when the
-- member is absent); policy publishes every user's fact again with it.
ALTER TABLE replica_user ADD COLUMN mobile text;
